//! The send view's rows: one statement that colours, filters and sorts the
//! tenant's invoices.

use super::*;
use crate::domain::invoice::InvoiceType;
use crate::domain::money::HOME_CURRENCY;
use crate::domain::nox_case::NoxStatus;
use crate::domain::sale::SaleStatus;
use crate::store::record::{sql_list, text_literal};
use sea_orm::DbBackend;

/// Which rows the send view shows. They are chosen in SQL, by the SQL form
/// of the colour rules in `domain::nox::assess` (a test checks every row's
/// SQL colour against the Rust one), so a page costs what an invoice-list
/// page does; a count, and a page of a colour few rows have, read every
/// invoice of the company.
/// The company's Nox Finans settings (its active terms of payment and
/// default delivery) are read inside the same statement, so a page is one
/// statement and returns the settings it was coloured by ([`ViewSettings`]).
#[derive(Debug, Clone, Copy)]
pub struct CandidateFilter {
    /// Assess for this service.
    pub service: Service,
    /// Assess for this delivery (default: the settings').
    pub delivery: Option<Delivery>,
    /// Only invoices not yet printed or sent to the customer.
    pub only_unsent: bool,
    /// Only hidden rows (otherwise hidden rows are left out).
    pub only_hidden: bool,
    /// Include green (no colour asked: all).
    pub green: bool,
    /// Include yellow.
    pub yellow: bool,
    /// Include red.
    pub red: bool,
}

fn blank(col: &str) -> String {
    format!("({col} IS NULL OR TRIM({col}) = '')")
}

/// How a statement of the send view reads the customers' columns its rules
/// test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Customers {
    /// A probe per rule and row (a page): only a row that reaches a customer
    /// rule reads its customer, so a page finds its rows among the invoices
    /// in index order without a join per row it passes over. `LIMIT 1 OFFSET
    /// 0` keeps each EXISTS a probe: without it PostgreSQL may turn it into
    /// a hash of every matching row of the whole table (all companies' rows)
    /// built for each page.
    Probed,
    /// Joined with the company's own customers (a count, which reads every
    /// row anyway): PostgreSQL hashes the company's customers once instead
    /// of probing for each rule and row.
    Joined,
}

/// Whether the invoice's customer lacks `col`, read as `customers` says.
fn customer_lacks(col: &str, customers: Customers) -> String {
    match customers {
        Customers::Probed => format!(
            "NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = invoice.customer_id \
             AND c.{col} IS NOT NULL AND TRIM(c.{col}) <> '' LIMIT 1 OFFSET 0)"
        ),
        Customers::Joined => blank(&format!("customer.{col}")),
    }
}

/// The settings a page was coloured by, as its statement read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewSettings {
    /// Terms-of-payment codes active in Nox Finans.
    pub active_terms: Vec<String>,
    /// The delivery assessed for.
    pub delivery: Delivery,
}

/// The tenant's active terms as one string, each code between commas
/// (`",10,30,"`): the saved settings' list, or without saved settings every
/// terms of the company with days to pay, as `store::nox::settings` reads
/// them. A code is active when `",{code},"` occurs in it.
fn active_terms_sql(tenant: Tenant, backend: DbBackend) -> String {
    let c = tenant.company_id();
    let company_terms = if backend == DbBackend::Postgres {
        format!(
            "(SELECT string_agg(t.code, ',' ORDER BY t.id) FROM terms_of_payment t \
             WHERE t.company_id = {c} AND t.days > 0)"
        )
    } else {
        format!(
            "(SELECT group_concat(code, ',') FROM (SELECT t.code FROM terms_of_payment t \
             WHERE t.company_id = {c} AND t.days > 0 ORDER BY t.id))"
        )
    };
    format!(
        "COALESCE((SELECT ',' || ns.active_terms || ',' FROM nox_settings ns \
         WHERE ns.company_id = {c}), ',' || {company_terms} || ',', ',')"
    )
}

/// The delivery assessed for: the one asked, else the saved default, else
/// letters (as `store::nox::settings` reads it).
fn delivery_sql(tenant: Tenant, f: &CandidateFilter) -> String {
    match f.delivery {
        Some(d) => text_literal(d.as_str()),
        None => format!(
            "COALESCE((SELECT ns.default_delivery FROM nox_settings ns WHERE ns.company_id = {}), {})",
            tenant.company_id(),
            text_literal(Delivery::Letter.as_str())
        ),
    }
}

/// Joins each invoice's customer, among the company's own customers (so a
/// count can hash them); a left join, as the rules read a missing customer
/// as one that lacks everything.
fn join_customer(stmt: &mut sea_orm::sea_query::SelectStatement, tenant: Tenant) {
    use entity::{customer, invoice};
    use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
    stmt.join(
        JoinType::LeftJoin,
        customer::Entity,
        sea_orm::Condition::all()
            .add(
                Expr::col((customer::Entity, customer::Column::Id))
                    .equals((invoice::Entity, invoice::Column::CustomerId)),
            )
            .add(
                Expr::col((customer::Entity, customer::Column::CompanyId))
                    .eq(tenant.company_id().get()),
            ),
    );
}

fn send_view_select(
    tenant: Tenant,
    f: &CandidateFilter,
    today: chrono::NaiveDate,
    backend: DbBackend,
    customers: Customers,
) -> Select<entity::invoice::Entity> {
    use entity::invoice;
    use sea_orm::sea_query::Expr;
    let today = text_literal(&today.format("%Y-%m-%d").to_string());
    let terms = active_terms_sql(tenant, backend);
    let position = if backend == DbBackend::Postgres {
        "strpos"
    } else {
        "instr"
    };
    let email = format!(
        "{} = {}",
        delivery_sql(tenant, f),
        text_literal(Delivery::Email.as_str())
    );
    let mut red: Vec<String> = vec![
        "invoice.balance_ore <= 0".into(),
        "invoice.house_work_deductible_ore IS NOT NULL AND invoice.balance_ore <= \
         invoice.house_work_deductible_ore - invoice.house_work_paid_ore"
            .into(),
        "invoice.cancelled = TRUE".into(),
        "invoice.not_completed = TRUE".into(),
        format!(
            "invoice.invoice_type IN ({})",
            sql_list(|t: InvoiceType| t != InvoiceType::Invoice)
        ),
        format!("invoice.currency <> {}", text_literal(HOME_CURRENCY)),
        format!("invoice.invoice_date > {today}"),
        blank("invoice.customer_name"),
        format!(
            "{} OR {}",
            blank("invoice.postal_code"),
            blank("invoice.city")
        ),
        "invoice.sold = TRUE".into(),
        // A probe per row; see `Customers::Probed`.
        format!(
            "EXISTS (SELECT 1 FROM invoice_sale s WHERE s.invoice_id = invoice.id \
             AND s.status IN ({}) LIMIT 1 OFFSET 0)",
            sql_list(SaleStatus::holds_invoice)
        ),
    ];
    red.push(format!(
        "{position}({terms}, ',' || invoice.terms_of_payment || ',') = 0"
    ));
    if f.service == Service::ReminderService {
        red.push(format!("invoice.due_date >= {today}"));
    }
    red.push(format!(
        "{email} AND {}",
        customer_lacks("email", customers)
    ));
    let warn: Vec<String> = vec![
        customer_lacks("organisation_number", customers),
        customer_lacks("phone", customers),
        format!(
            "(NOT {} AND {})",
            blank("invoice.postal_code"),
            blank("invoice.street")
        ),
        format!("NOT ({email}) AND {}", customer_lacks("email", customers)),
    ];
    let red_sql = format!(
        "({})",
        red.iter()
            .map(|r| format!("({r})"))
            .collect::<Vec<_>>()
            .join(" OR ")
    );
    let warn_sql = format!("({})", warn.join(" OR "));
    let mut colours: Vec<String> = Vec::new();
    if f.red {
        colours.push(red_sql.clone());
    }
    if f.yellow {
        colours.push(format!("(NOT {red_sql} AND {warn_sql})"));
    }
    if f.green {
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
    let open = sql_list(NoxStatus::is_open);
    let mut select = entity::invoice::Entity::find();
    if customers == Customers::Joined {
        join_customer(sea_orm::QueryTrait::query(&mut select), tenant);
    }
    let mut select = select
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .filter(Expr::cust(format!(
            "NOT EXISTS (SELECT 1 FROM nox_case k WHERE k.invoice_id = invoice.id AND k.status IN ({open}))"
        )))
        .filter(Expr::cust(format!(
            "invoice.id {} (SELECT h.invoice_id FROM nox_hidden h WHERE h.company_id = {})",
            if f.only_hidden { "IN" } else { "NOT IN" },
            tenant.company_id()
        )))
        .filter(Expr::cust(colour_sql));
    if f.only_unsent {
        select = select.filter(crate::store::raw::flag(invoice::Column::Sent, false));
    }
    select
}

/// A row of the send view as read: the invoice, the customer's contact
/// details the rules read, and whether a sale holds the invoice. No row has
/// an open Nox Finans case (the view leaves those out).
#[derive(Debug, Clone)]
pub struct SendViewRow {
    /// The invoice.
    pub invoice: crate::store::invoices::Invoice,
    /// Its customer.
    pub customer: Option<crate::store::customers::Customer>,
    /// A sale in progress or made holds the invoice.
    pub sold: bool,
}

/// A page of the send view.
#[derive(Debug, Clone)]
pub struct SendViewPage {
    /// Its rows.
    pub rows: Vec<SendViewRow>,
    /// Whether more follow.
    pub more: bool,
    /// The settings the rows were coloured by (`None` when there are no rows).
    pub settings: Option<ViewSettings>,
}

/// Up to `first` rows of the send view after invoice `after`, newest first,
/// and whether more follow: one statement, the invoice joined with its
/// customer, a probe for a sale holding it, and the settings it was
/// coloured by.
pub async fn send_view<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    f: &CandidateFilter,
    today: chrono::NaiveDate,
    first: u64,
    after: Option<i64>,
    width: crate::store::rows::Width,
) -> AppResult<SendViewPage> {
    use entity::{customer, invoice};
    use sea_orm::sea_query::Expr;
    use sea_orm::{QueryOrder, QueryTrait};

    use crate::store::rows::{self, Check, FromColumns};
    let backend = db.get_database_backend();
    let mut select = send_view_select(tenant, f, today, backend, Customers::Probed);
    if let Some(a) = after {
        select = select.filter(invoice::Column::Id.lt(a));
    }
    let mut stmt = select.order_by_desc(invoice::Column::Id).into_query();
    // Each table's columns of `width`, in the order `rows` reads them.
    stmt.clear_selects();
    for c in invoice::Model::columns(width) {
        stmt.column((invoice::Entity, *c));
    }
    join_customer(&mut stmt, tenant);
    stmt.columns(
        customer::Model::columns(width)
            .iter()
            .map(|c| (customer::Entity, *c)),
    )
    .expr(Expr::cust(format!(
        "EXISTS (SELECT 1 FROM invoice_sale s WHERE s.invoice_id = invoice.id \
         AND s.status IN ({}) LIMIT 1 OFFSET 0)",
        sql_list(SaleStatus::holds_invoice)
    )))
    .expr(Expr::cust(active_terms_sql(tenant, backend)))
    .expr(Expr::cust(delivery_sql(tenant, f)));
    let rows = db
        .query_all_raw(crate::store::page::limited(db, &stmt, first + 1))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut settings = None;
    for (i, row) in rows.iter().enumerate() {
        let (at, check) = (&mut 0, Check::for_row(i));
        let invoice = invoice::Model::read(row, at, check, width)?.try_into()?;
        let customer = rows::optional::<customer::Model>(row, at, check, width)?.map(Into::into);
        // SQLite answers EXISTS with an integer.
        let sold = row
            .try_get_by_index::<bool>(*at)
            .or_else(|_| row.try_get_by_index::<i64>(*at).map(|n| n != 0))?;
        if i == 0 {
            let terms: String = row.try_get_by_index(*at + 1)?;
            let delivery: String = row.try_get_by_index(*at + 2)?;
            settings = Some(ViewSettings {
                active_terms: super::stored_terms(&terms),
                delivery: super::stored_delivery(delivery)?,
            });
        }
        out.push(SendViewRow {
            invoice,
            customer,
            sold,
        });
    }
    let more = out.len() as u64 > first;
    out.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(SendViewPage {
        rows: out,
        more,
        settings,
    })
}

/// How many rows the send view has: a SQL count.
pub async fn send_view_count<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    f: &CandidateFilter,
    today: chrono::NaiveDate,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(send_view_select(
        tenant,
        f,
        today,
        db.get_database_backend(),
        Customers::Joined,
    )
    .count(db)
    .await?)
}
