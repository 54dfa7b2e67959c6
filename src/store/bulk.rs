//! The rows of `seed-bulk`: a company's customers, invoices, sales and
//! payments-account entries, each table filled by one `INSERT … SELECT` over
//! a recursive counter, on SQLite and PostgreSQL alike. Every value is
//! computed from the row's position, so two runs on empty databases write the
//! same rows. Stored names come from the domain's enums.

use chrono::{Days, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, Value};

use crate::domain::id::CompanyId;
use crate::domain::invoice::InvoiceType;
use crate::domain::ledger::EntryKind;
use crate::domain::sale::{
    DEFAULT_FIXED_FEE_ORE, DEFAULT_PERCENTAGE_BP, ROUTINE_SAMPLE, SaleStatus, SpotCheckOutcome,
    disputed,
};
use crate::error::AppResult;
use crate::store::raw;

/// How much one company gets.
#[derive(Debug, Clone, Copy)]
pub struct CompanySize {
    /// Customers.
    pub customers: u32,
    /// Invoices, spread over the two years before today.
    pub invoices: u32,
    /// Sales (four in five paid out, one in five denied), on every
    /// `invoices / sales`-th invoice.
    pub sales: u32,
    /// Payments-account entries, with a running balance.
    pub entries: u32,
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

/// Writes `size`'s rows for the company, in the caller's transaction, and
/// the company's counters and payments balance to match.
pub async fn fill_company<C: ConnectionTrait>(
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
            "{}INSERT INTO customer (company_id, customer_number, name, name_search, \
             organisation_number, email, phone, street, postal_code, city, country, \
             created_at, updated_at) \
             SELECT {company_id}, CAST(i AS TEXT), 'Kund ' || CAST(i AS TEXT) || ' AB', \
             'kund ' || CAST(i AS TEXT) || ' ab', NULL, \
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
    // The customers' names are ASCII: their sort key is their lower-cased
    // form (`entity::text::sort_key`).
    raw::exec(
        db,
        &format!(
            "{}INSERT INTO invoice (company_id, customer_id, invoice_number, customer_name, \
             customer_name_search, customer_name_sort, \
             street, postal_code, city, country, invoice_date, due_date, terms_of_payment, \
             currency, invoice_type, net_ore, vat_ore, total_ore, balance_ore, house_work_type, \
             house_work_deductible_ore, ocr, cancelled, not_completed, sent, sold, \
             house_work_paid_ore, credited_ore, credits_invoice_id, created_at, updated_at) \
             SELECT {company_id}, c.id, CAST(1000 + s.i AS TEXT), c.name, c.name_search, \
             c.name_search, c.street, \
             c.postal_code, c.city, 'SE', {invoice_date}, {due_date}, '30', 'SEK', '{invoice}', \
             {total} * 4 / 5, {total} / 5, {total}, CASE WHEN {sold} THEN 0 ELSE {total} END, \
             NULL, NULL, CAST(1000 + s.i AS TEXT), false, false, true, {sold}, 0, 0, NULL, ?, ? \
             FROM s JOIN customer c ON c.company_id = {company_id} \
             AND c.customer_number = CAST(s.i * 7919 % {m} + 1 AS TEXT) ORDER BY s.i",
            counter(n),
            invoice = InvoiceType::Invoice.as_str(),
        ),
        [stamp(), stamp()],
    )
    .await?;
    if step > 0 {
        // The denied ones were routine samples the recipient disputed.
        let denial = disputed();
        let fixed = DEFAULT_FIXED_FEE_ORE.get();
        let fee = format!("({fixed} + i.total_ore * {DEFAULT_PERCENTAGE_BP} / 10000)");
        raw::exec(
            db,
            &format!(
                "INSERT INTO invoice_sale (company_id, invoice_id, customer_id, status, \
                 amount_ore, invoice_fee_ore, factoring_fee_ore, total_fees_ore, payout_ore, \
                 percentage_bp, quote_id, idempotency_key, requested_at, decided_at, \
                 payout_date, paid_out_at, denial_code, denial_message, spot_check_rule, \
                 spot_check_outcome, spot_check_resolved_at, collected_ore, due_date) \
                 SELECT {company_id}, i.id, i.customer_id, \
                 CASE WHEN i.sold THEN '{paid_out}' ELSE '{denied}' END, i.total_ore, \
                 {fixed}, {fee} - {fixed}, {fee}, \
                 i.total_ore - {fee}, {DEFAULT_PERCENTAGE_BP}, 'bulk-' || i.invoice_number, \
                 'bulk-' || i.invoice_number, ?, ?, \
                 CASE WHEN i.sold THEN i.invoice_date END, CASE WHEN i.sold THEN ? END, \
                 CASE WHEN i.sold THEN NULL ELSE ? END, \
                 CASE WHEN i.sold THEN NULL ELSE ? END, \
                 CASE WHEN i.sold THEN NULL ELSE '{rule}' END, \
                 CASE WHEN i.sold THEN NULL ELSE '{disputed}' END, \
                 CASE WHEN i.sold THEN NULL ELSE ? END, 0, \
                 i.due_date FROM invoice i WHERE i.company_id = {company_id} \
                 AND (CAST(i.invoice_number AS INTEGER) - 1000) % {step} = 0 ORDER BY i.id",
                paid_out = SaleStatus::PaidOut.as_str(),
                denied = SaleStatus::Denied.as_str(),
                rule = ROUTINE_SAMPLE,
                disputed = SpotCheckOutcome::Disputed.as_str(),
            ),
            [
                stamp(),
                stamp(),
                stamp(),
                Value::from(denial.code),
                Value::from(denial.message),
                stamp(),
            ],
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
                 CASE WHEN i % 2 = 1 THEN '{sold}' ELSE '{fee}' END, \
                 CASE WHEN i % 2 = 1 THEN 'Invoice sold' ELSE 'Invoice sale fee' END, \
                 amount, SUM(amount) OVER (ORDER BY i), NULL, NULL, ? \
                 FROM (SELECT i, CASE WHEN i % 2 = 1 THEN 100000 + i % 97 * 1000 \
                 ELSE -(2000 + i % 13 * 10) END AS amount FROM s) AS a ORDER BY i",
                counter(e),
                sold = EntryKind::InvoiceSold.as_str(),
                fee = EntryKind::SaleFee.as_str(),
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
