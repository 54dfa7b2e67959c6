//! `seed-bulk`: a deterministic large data set for trying the server at scale
//! and for the benchmark in `bench/`.
//!
//! Each company gets customers, invoices spread over the two years before
//! today, sales (four in five paid out, one in five denied) on a fixed subset of
//! its invoices, and a payments account with a running balance. Every value is
//! computed from the row's position, so two runs on empty databases produce the
//! same rows. The rows are written by `INSERT … SELECT` over a recursive counter,
//! one statement per table and company, in one transaction per company, on
//! SQLite and PostgreSQL alike.

use crate::domain::id::CompanyId;
use chrono::{Days, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait, Value};

use crate::domain::identifiers::luhn_check_digit;
use crate::domain::money::Ore;
use crate::domain::sale::{Agreement, DEFAULT_FIXED_FEE_ORE, DEFAULT_PERCENTAGE_BP};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{Operator, Role, companies, raw, tokens};

/// How much to create.
#[derive(Debug, Clone)]
pub struct BulkPlan {
    /// Regular companies.
    pub companies: u32,
    /// Customers of each company.
    pub customers_per_company: u32,
    /// Invoices of each regular company.
    pub invoices_per_company: u32,
    /// Sales of each company (at most one per invoice).
    pub sales_per_company: u32,
    /// Payments-account entries of each company.
    pub entries_per_company: u32,
    /// Further companies, each with this many invoices (and the same number
    /// of customers, sales and entries as the others, capped by its invoices).
    pub extra_companies: Vec<u32>,
}

impl Default for BulkPlan {
    fn default() -> Self {
        Self {
            companies: 10,
            customers_per_company: 1_000,
            invoices_per_company: 20_000,
            sales_per_company: 5_000,
            entries_per_company: 10_000,
            extra_companies: Vec::new(),
        }
    }
}

/// One company the run created or found.
#[derive(Debug, Clone)]
pub struct BulkCompany {
    /// Database id.
    pub id: i64,
    /// Organisation number.
    pub organisation_number: String,
    /// Invoices it holds.
    pub invoices: u32,
    /// A fresh company token.
    pub token: String,
    /// Whether this run created it (false: it was there from an earlier run).
    pub created: bool,
}

/// The limits given to every bulk company's sale agreement: high enough that
/// quoting a further invoice is never refused for exposure.
pub const BULK_AGREEMENT: Agreement = Agreement {
    active: true,
    fixed_fee_ore: DEFAULT_FIXED_FEE_ORE,
    percentage_bp: DEFAULT_PERCENTAGE_BP,
    minimum_fee_ore: Ore::ZERO,
    customer_limit_ore: Ore::new(100_000_000_000),
    total_limit_ore: Ore::new(1_000_000_000_000),
};

/// The organisation number of bulk company `n` (1-based): `5599xxxxx` with its
/// check digit, a range the demo does not use.
pub fn organisation_number(n: u32) -> String {
    let body = format!("5599{:05}", n % 100_000);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    let check = luhn_check_digit(&digits);
    format!("{}-{}{}", &body[..6], &body[6..], check)
}

/// Creates the plan's companies that are not there yet and mints a company
/// token for each company of the plan (tokens are stored hashed, so earlier
/// ones cannot be shown again).
pub async fn seed_bulk(state: &AppState, plan: &BulkPlan) -> AppResult<Vec<BulkCompany>> {
    let today = state.clock.today();
    let mut sizes: Vec<u32> = (0..plan.companies)
        .map(|_| plan.invoices_per_company)
        .collect();
    sizes.extend(plan.extra_companies.iter().copied());
    let mut out = Vec::with_capacity(sizes.len());
    for (i, invoices) in sizes.into_iter().enumerate() {
        let n = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
        let org = organisation_number(n);
        let now = state.clock.now();
        let (id, created) = match companies::find_by_organisation_number(&state.db, &org).await? {
            Some(c) => (c.id, false),
            None => {
                let txn = state.db.begin().await?;
                let c = companies::create(&txn, &format!("Bulkbolaget {n} AB"), &org, now).await?;
                let sizes = CompanySize {
                    customers: plan.customers_per_company.clamp(1, invoices.max(1)),
                    invoices,
                    sales: plan.sales_per_company.min(invoices),
                    entries: plan.entries_per_company,
                };
                fill_company(&txn, c.id, &sizes, today, now).await?;
                txn.commit().await?;
                // Seeding acts for the financier, who activates the agreement.
                #[allow(clippy::disallowed_methods)]
                let financier = Operator::system();
                crate::services::sales::activate(state, financier, c.id, BULK_AGREEMENT).await?;
                (c.id, true)
            }
        };
        let token = tokens::create_simple(&state.db, Some(id), Role::Company, "bulk", now).await?;
        out.push(BulkCompany {
            id: id.get(),
            organisation_number: org,
            invoices,
            token,
            created,
        });
    }
    if out.iter().any(|c| c.created) {
        // Fresh statistics, so the planner sees the new volume at once
        // instead of after autovacuum's next pass: once, after every company.
        raw::exec(&state.db, "ANALYZE", []).await?;
    }
    Ok(out)
}

struct CompanySize {
    customers: u32,
    invoices: u32,
    sales: u32,
    entries: u32,
}

/// `expr` days after `base`, as the backend writes a date.
fn date_plus(backend: DbBackend, base: NaiveDate, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(DATE '{base}' + CAST({expr} AS INTEGER))"),
        _ => format!("date('{base}', '+' || ({expr}) || ' days')"),
    }
}

fn counter(n: u32) -> String {
    format!(
        "WITH RECURSIVE s(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
    )
}

async fn fill_company<C: ConnectionTrait>(
    db: &C,
    company_id: CompanyId,
    size: &CompanySize,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let backend = db.get_database_backend();
    let start = today.checked_sub_days(Days::new(730)).unwrap_or(today);
    let stamp = || Value::from(now);
    let m = size.customers;
    raw::exec(
        db,
        &format!(
            "{}INSERT INTO customer (company_id, customer_number, name, organisation_number, \
             email, phone, street, postal_code, city, country, created_at, updated_at) \
             SELECT {company_id}, CAST(i AS TEXT), 'Kund ' || CAST(i AS TEXT) || ' AB', NULL, \
             'kund' || CAST(i AS TEXT) || '@example.se', NULL, \
             'Storgatan ' || CAST(i % 90 + 1 AS TEXT), '1' || CAST(1000 + i % 8000 AS TEXT), \
             CASE i % 6 WHEN 0 THEN 'Stockholm' WHEN 1 THEN 'Göteborg' WHEN 2 THEN 'Malmö' \
             WHEN 3 THEN 'Uppsala' WHEN 4 THEN 'Umeå' ELSE 'Luleå' END, 'SE', ?, ? FROM s",
            counter(m)
        ),
        [stamp(), stamp()],
    )
    .await?;
    let n = size.invoices.max(1);
    let day = format!("(s.i * 730 / {n})");
    let invoice_date = date_plus(backend, start, &day);
    let due_date = date_plus(backend, start, &format!("({day} + 30)"));
    // Every `step`-th invoice is sold: paid out unless its position is a
    // multiple of 5 × step, which is denied.
    let step = n.checked_div(size.sales).map_or(0, |s| s.max(1));
    let sold = if step == 0 {
        "false".to_string()
    } else {
        format!("(s.i % {step} = 0 AND s.i % {} <> 0)", step * 5)
    };
    let total = "(12500 + (s.i * 37 % 900) * 125)";
    raw::exec(
        db,
        &format!(
            "{}INSERT INTO invoice (company_id, customer_id, invoice_number, customer_name, \
             street, postal_code, city, country, invoice_date, due_date, terms_of_payment, \
             currency, invoice_type, net_ore, vat_ore, total_ore, balance_ore, house_work_type, \
             house_work_deductible_ore, ocr, cancelled, not_completed, sent, sold, \
             house_work_paid_ore, credited_ore, credits_invoice_id, created_at, updated_at) \
             SELECT {company_id}, c.id, CAST(1000 + s.i AS TEXT), c.name, c.street, \
             c.postal_code, c.city, 'SE', {invoice_date}, {due_date}, '30', 'SEK', 'INVOICE', \
             {total} * 4 / 5, {total} / 5, {total}, CASE WHEN {sold} THEN 0 ELSE {total} END, \
             NULL, NULL, CAST(1000 + s.i AS TEXT), false, false, true, {sold}, 0, 0, NULL, ?, ? \
             FROM s JOIN customer c ON c.company_id = {company_id} \
             AND c.customer_number = CAST(s.i * 7919 % {m} + 1 AS TEXT) ORDER BY s.i",
            counter(n)
        ),
        [stamp(), stamp()],
    )
    .await?;
    if step > 0 {
        let fixed = DEFAULT_FIXED_FEE_ORE.get();
        let fee = format!("({fixed} + i.total_ore * {DEFAULT_PERCENTAGE_BP} / 10000)");
        raw::exec(
            db,
            &format!(
                "INSERT INTO invoice_sale (company_id, invoice_id, customer_id, status, \
                 amount_ore, invoice_fee_ore, factoring_fee_ore, total_fees_ore, payout_ore, \
                 percentage_bp, quote_id, idempotency_key, requested_at, decided_at, \
                 payout_date, paid_out_at, denial_code, denial_message, collected_ore, \
                 due_date) \
                 SELECT {company_id}, i.id, i.customer_id, \
                 CASE WHEN i.sold THEN 'PAID_OUT' ELSE 'DENIED' END, i.total_ore, \
                 {fixed}, {fee} - {fixed}, {fee}, \
                 i.total_ore - {fee}, {DEFAULT_PERCENTAGE_BP}, 'bulk-' || i.invoice_number, \
                 'bulk-' || i.invoice_number, ?, ?, \
                 CASE WHEN i.sold THEN i.invoice_date END, CASE WHEN i.sold THEN ? END, \
                 CASE WHEN i.sold THEN NULL ELSE 'CREDIT_CHECK' END, \
                 CASE WHEN i.sold THEN NULL ELSE 'Not bought after the credit check.' END, 0, \
                 i.due_date FROM invoice i WHERE i.company_id = {company_id} \
                 AND (CAST(i.invoice_number AS INTEGER) - 1000) % {step} = 0 ORDER BY i.id"
            ),
            [stamp(), stamp(), stamp()],
        )
        .await?;
        crate::store::sales::retally(db, company_id).await?;
    }
    let e = size.entries;
    if e > 0 {
        let booked = date_plus(backend, start, &format!("(i * 730 / {e})"));
        raw::exec(
            db,
            &format!(
                "{}INSERT INTO statement_entry (company_id, booked_on, kind, description, \
                 amount_ore, balance_after_ore, invoice_id, sale_id, created_at) \
                 SELECT {company_id}, {booked}, \
                 CASE WHEN i % 2 = 1 THEN 'INVOICE_SOLD' ELSE 'SALE_FEE' END, \
                 CASE WHEN i % 2 = 1 THEN 'Invoice sold' ELSE 'Invoice sale fee' END, \
                 amount, SUM(amount) OVER (ORDER BY i), NULL, NULL, ? \
                 FROM (SELECT i, CASE WHEN i % 2 = 1 THEN 100000 + i % 97 * 1000 \
                 ELSE -(2000 + i % 13 * 10) END AS amount FROM s) AS a ORDER BY i",
                counter(e)
            ),
            [stamp()],
        )
        .await?;
    }
    raw::exec(
        db,
        "UPDATE company SET next_invoice_number = ?, next_customer_number = ?, \
         payments_balance_ore = (SELECT COALESCE(SUM(amount_ore), 0) FROM statement_entry \
         WHERE company_id = ?) WHERE id = ?",
        [
            Value::from(1001 + i64::from(n)),
            Value::from(1 + i64::from(m)),
            Value::from(company_id),
            Value::from(company_id),
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_numbers_are_valid_and_distinct() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let a = organisation_number(1);
        let b = organisation_number(2);
        assert_ne!(a, b);
        for org in [a, b, organisation_number(99_999)] {
            assert!(
                crate::domain::identifiers::parse_identity_number("org", &org, today).is_ok(),
                "{org}"
            );
        }
    }
}
