//! Nox Finans settings, hidden send-view rows and cases of the tenant.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{nox_case, nox_hidden, nox_settings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set,
};

use super::{Tenant, companies, raw};
use crate::domain::nox_case::NoxStatus;
use crate::error::{AppError, AppResult};

/// A company's Nox Finans settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoxSettings {
    /// Active terms-of-payment codes.
    pub active_terms: Vec<String>,
    /// `LETTER` or `EMAIL`.
    pub default_delivery: String,
    /// Recall instead of long-term monitoring at the end of the reminder steps.
    pub recall_instead_of_monitoring: bool,
}

/// The tenant's settings; without a saved row, every term except cash (`0`) is
/// active and delivery is by letter.
pub async fn settings<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<NoxSettings> {
    let row = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    Ok(match row {
        Some(r) => NoxSettings {
            active_terms: r
                .active_terms
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            default_delivery: r.default_delivery,
            recall_instead_of_monitoring: r.recall_instead_of_monitoring,
        },
        None => NoxSettings {
            active_terms: companies::terms(db, tenant)
                .await?
                .into_iter()
                .filter(|t| t.days > 0)
                .map(|t| t.code)
                .collect(),
            default_delivery: "LETTER".into(),
            recall_instead_of_monitoring: false,
        },
    })
}

/// Saves the tenant's settings.
pub async fn save_settings<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    s: &NoxSettings,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    let terms = s.active_terms.join(",");
    match existing {
        Some(row) => {
            let mut am: nox_settings::ActiveModel = row.into();
            am.active_terms = Set(terms);
            am.default_delivery = Set(s.default_delivery.clone());
            am.recall_instead_of_monitoring = Set(s.recall_instead_of_monitoring);
            am.updated_at = Set(now);
            am.update(db).await?;
        }
        None => {
            nox_settings::ActiveModel {
                company_id: Set(tenant.company_id()),
                active_terms: Set(terms),
                default_delivery: Set(s.default_delivery.clone()),
                recall_instead_of_monitoring: Set(s.recall_instead_of_monitoring),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The tenant's invoices hidden from the send view.
pub async fn hidden<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<HashSet<i64>> {
    Ok(nox_hidden::Entity::find()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.invoice_id)
        .collect())
}

/// Hides or unhides one of the tenant's invoices (the caller has checked it is
/// the tenant's).
pub async fn set_hidden<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    hide: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    nox_hidden::Entity::delete_many()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_hidden::Column::InvoiceId.eq(invoice_id))
        .exec(db)
        .await?;
    if hide {
        nox_hidden::ActiveModel {
            company_id: Set(tenant.company_id()),
            invoice_id: Set(invoice_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

fn cases(tenant: Tenant) -> Select<nox_case::Entity> {
    nox_case::Entity::find().filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
}

/// The current case of each of the tenant's invoices `ids`: the open one, or
/// else the latest (a rejected or recalled invoice may be sent again, so an
/// invoice can have several cases, at most one of them open).
pub async fn cases_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<nox_case::Model>> {
    let all = cases(tenant)
        .filter(nox_case::Column::InvoiceId.is_in(ids))
        .order_by_asc(nox_case::Column::Id)
        .all(db)
        .await?;
    let mut latest: std::collections::HashMap<i64, nox_case::Model> =
        std::collections::HashMap::new();
    for c in all {
        latest.insert(c.invoice_id, c);
    }
    Ok(latest.into_values().collect())
}

/// The open case of the tenant's invoice, if Nox Finans holds it.
pub async fn open_case_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(cases(tenant)
        .filter(nox_case::Column::InvoiceId.eq(invoice_id))
        .filter(nox_case::Column::Status.is_in(open_statuses()))
        .one(db)
        .await?)
}

fn open_statuses() -> Vec<&'static str> {
    NoxStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(NoxStatus::as_str)
        .collect()
}

/// The stored status of a case; an unknown value is an internal error.
pub fn status_of(c: &nox_case::Model) -> AppResult<NoxStatus> {
    NoxStatus::parse(&c.status).ok_or_else(|| {
        tracing::error!(case = c.id, status = %c.status, "unknown stored Nox Finans case status");
        AppError::Internal(format!("case {} has an unknown status", c.id))
    })
}

/// One case of the tenant.
pub async fn case<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(cases(tenant)
        .filter(nox_case::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// A case of any company (the worker).
pub async fn case_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(nox_case::Entity::find_by_id(id).one(db).await?)
}

/// Any company's case with the tenant it belongs to, for an operator or a
/// job acting on it: the tenant comes from the case's own row.
pub async fn case_owned<C: ConnectionTrait>(
    db: &C,
    op: super::Operator,
    id: i64,
) -> AppResult<Option<(Tenant, nox_case::Model)>> {
    Ok(case_any(db, op, id)
        .await?
        .map(|c| (Tenant(c.company_id), c)))
}

/// Inserts a case for the tenant.
pub async fn insert_case<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    mut am: nox_case::ActiveModel,
) -> AppResult<nox_case::Model> {
    am.company_id = Set(tenant.company_id());
    Ok(am.insert(db).await?)
}

/// Applies `changes` to the tenant's case while its status is one of `from`.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    from: &[NoxStatus],
    changes: nox_case::ActiveModel,
) -> AppResult<Option<nox_case::Model>> {
    let res = nox_case::Entity::update_many()
        .set(changes)
        .filter(nox_case::Column::Id.eq(id))
        .filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_case::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    case(db, tenant, id).await
}

/// Takes the case's row lock for the rest of the transaction (PostgreSQL; on
/// SQLite the write transaction already holds the database), so payments,
/// steps and payouts of one case run one after another.
pub async fn lock<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        raw::one(
            db,
            "SELECT id FROM nox_case WHERE id = ? FOR UPDATE",
            [id.into()],
        )
        .await?;
    }
    Ok(())
}

/// What a payment changes on a case, applied as increments.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseMoney {
    /// Off the customer's capital (any payer but Skatteverket, or a credit).
    pub capital_reduced_ore: i64,
    /// Collected through Nox Finans towards the capital.
    pub capital_collected_ore: i64,
    /// Collected: fees.
    pub fees_collected_ore: i64,
    /// Collected: interest.
    pub interest_collected_ore: i64,
    /// Kept by Nox Finans.
    pub kept_ore: i64,
    /// Waiting to be paid out.
    pub pending_ore: i64,
}

/// Moves a case's amounts by increments, while its capital still covers the
/// reduction; `false` when it no longer does (a concurrent change).
pub async fn add_money<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    m: CaseMoney,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE nox_case SET capital_ore = capital_ore - ?, \
         capital_collected_ore = capital_collected_ore + ?, \
         fees_collected_ore = fees_collected_ore + ?, \
         interest_collected_ore = interest_collected_ore + ?, \
         kept_ore = kept_ore + ?, payout_pending_ore = payout_pending_ore + ? \
         WHERE id = ? AND company_id = ? AND capital_ore >= ?",
        [
            m.capital_reduced_ore.into(),
            m.capital_collected_ore.into(),
            m.fees_collected_ore.into(),
            m.interest_collected_ore.into(),
            m.kept_ore.into(),
            m.pending_ore.into(),
            id.into(),
            tenant.company_id().into(),
            m.capital_reduced_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// Pays out exactly `pending_ore` of a case: compare-and-set on the pending
/// amount, so the same money never leaves twice. `false` when the pending
/// amount is no longer exactly that.
pub async fn take_payout<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    pending_ore: i64,
    set_off_ore: i64,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE nox_case SET payout_pending_ore = payout_pending_ore - ?, \
         paid_out_ore = paid_out_ore + ?, kept_ore = kept_ore + ? \
         WHERE id = ? AND company_id = ? AND payout_pending_ore = ?",
        [
            pending_ore.into(),
            (pending_ore - set_off_ore).into(),
            set_off_ore.into(),
            id.into(),
            tenant.company_id().into(),
            pending_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// What the send view shows: the SQL form of the colour rules in
/// `domain::nox::assess`, so a page and its count cost what an invoice-list
/// page does (a test checks every row's SQL colour against the Rust one).
#[derive(Debug, Clone)]
pub struct SendViewQuery {
    /// Terms-of-payment codes active in Nox Finans.
    pub active_terms: Vec<String>,
    /// Assess for the reminder service (only overdue invoices may go).
    pub reminder_service: bool,
    /// Assess for e-mail delivery (an e-mail address is required).
    pub email_delivery: bool,
    /// Only invoices not yet printed or sent.
    pub only_unsent: bool,
    /// Only hidden rows (otherwise hidden rows are left out).
    pub only_hidden: bool,
    /// Colours wanted.
    pub green: bool,
    /// Yellow wanted.
    pub yellow: bool,
    /// Red wanted.
    pub red: bool,
    /// Today (Stockholm).
    pub today: chrono::NaiveDate,
}

fn blank(col: &str) -> String {
    format!("({col} IS NULL OR TRIM({col}) = '')")
}

/// `LIMIT 1 OFFSET 0` keeps an EXISTS a probe per row: without it
/// PostgreSQL may turn the EXISTS into a hash of every matching row of the
/// whole table (all companies' sales, 20 ms at 50,000) built for each page.
fn customer_lacks(col: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = invoice.customer_id \
         AND c.{col} IS NOT NULL AND TRIM(c.{col}) <> '' LIMIT 1 OFFSET 0)"
    )
}

/// A SQL string literal (quotes doubled): the values inlined here are dates,
/// booleans, ids and the company's own terms-of-payment codes.
fn literal(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

fn send_view_select(tenant: Tenant, q: &SendViewQuery) -> Select<entity::invoice::Entity> {
    use entity::invoice;
    use sea_orm::sea_query::Expr;
    let today = literal(&q.today.format("%Y-%m-%d").to_string());
    let mut red: Vec<String> = vec![
        "invoice.balance_ore <= 0".into(),
        "invoice.house_work_deductible_ore IS NOT NULL AND invoice.balance_ore <= \
         invoice.house_work_deductible_ore - invoice.house_work_paid_ore"
            .into(),
        "invoice.cancelled = TRUE".into(),
        "invoice.not_completed = TRUE".into(),
        "invoice.invoice_type IN ('CASH', 'INTEREST', 'CREDIT')".into(),
        "invoice.currency <> 'SEK'".into(),
        format!("invoice.invoice_date > {today}"),
        blank("invoice.customer_name"),
        format!(
            "{} OR {}",
            blank("invoice.postal_code"),
            blank("invoice.city")
        ),
        "invoice.sold = TRUE".into(),
        // A probe per row; see `customer_lacks`.
        "EXISTS (SELECT 1 FROM invoice_sale s WHERE s.invoice_id = invoice.id \
         AND s.status IN ('PROCESSING', 'SPOT_CHECK', 'APPROVED', 'PAID_OUT') \
         LIMIT 1 OFFSET 0)"
            .into(),
    ];
    if q.active_terms.is_empty() {
        red.push("1 = 1".into());
    } else {
        let codes: Vec<String> = q.active_terms.iter().map(|t| literal(t)).collect();
        red.push(format!(
            "invoice.terms_of_payment NOT IN ({})",
            codes.join(", ")
        ));
    }
    if q.reminder_service {
        red.push(format!("invoice.due_date >= {today}"));
    }
    if q.email_delivery {
        red.push(customer_lacks("email"));
    }
    let mut warn: Vec<String> = vec![
        customer_lacks("organisation_number"),
        customer_lacks("phone"),
        format!(
            "(NOT {} AND {})",
            blank("invoice.postal_code"),
            blank("invoice.street")
        ),
    ];
    if !q.email_delivery {
        warn.push(customer_lacks("email"));
    }
    let red_sql = format!(
        "({})",
        red.iter()
            .map(|r| format!("({r})"))
            .collect::<Vec<_>>()
            .join(" OR ")
    );
    let warn_sql = format!("({})", warn.join(" OR "));
    let mut colours: Vec<String> = Vec::new();
    if q.red {
        colours.push(red_sql.clone());
    }
    if q.yellow {
        colours.push(format!("(NOT {red_sql} AND {warn_sql})"));
    }
    if q.green {
        colours.push(format!("(NOT {red_sql} AND NOT {warn_sql})"));
    }
    // Every rule reads only NOT NULL columns and EXISTS, so red, yellow and
    // green together hold for every row: no colour filter at all then, and
    // PostgreSQL reads a page by index without evaluating a rule.
    let colour_sql = if colours.is_empty() {
        "1 = 0".to_string()
    } else if colours.len() == 3 {
        "1 = 1".to_string()
    } else {
        format!("({})", colours.join(" OR "))
    };
    let open: Vec<String> = open_statuses().into_iter().map(literal).collect();
    let mut select = entity::invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .filter(Expr::cust(format!(
            "NOT EXISTS (SELECT 1 FROM nox_case k WHERE k.invoice_id = invoice.id AND k.status IN ({}))",
            open.join(", ")
        )))
        .filter(Expr::cust(format!(
            "invoice.id {} (SELECT h.invoice_id FROM nox_hidden h WHERE h.company_id = {})",
            if q.only_hidden { "IN" } else { "NOT IN" },
            tenant.company_id()
        )))
        .filter(Expr::cust(colour_sql));
    if q.only_unsent {
        select = select.filter(invoice::Column::Sent.eq(false));
    }
    select
}

/// A page of the send view, newest first.
pub async fn send_view<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    q: &SendViewQuery,
    req: super::page::PageRequest,
) -> AppResult<super::page::Page<entity::invoice::Model>> {
    Ok(super::page::fetch(
        db,
        send_view_select(tenant, q),
        entity::invoice::Column::Id,
        req,
        true,
    )
    .await?)
}

/// How many rows the send view has: a SQL count.
pub async fn send_view_count<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    q: &SendViewQuery,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(send_view_select(tenant, q).count(db).await?)
}
