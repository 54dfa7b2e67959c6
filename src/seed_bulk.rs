//! `seed-bulk`: a deterministic large data set for trying the server at scale
//! and for the benchmark in `bench/`.
//!
//! Each company gets customers, invoices spread over the two years before
//! today, sales (four in five paid out, one in five denied) on a fixed subset of
//! its invoices, and a payments account with a running balance. Every value is
//! computed from the row's position, so two runs on empty databases produce the
//! same rows. The store writes them ([`crate::store::bulk`]): one `INSERT …
//! SELECT` per table and company, in one transaction per company, on SQLite
//! and PostgreSQL alike.

use sea_orm::TransactionTrait;

use crate::domain::identifiers::luhn_check_digit;
use crate::domain::money::Ore;
use crate::domain::sale::{Agreement, DEFAULT_FIXED_FEE_ORE, DEFAULT_PERCENTAGE_BP};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{Operator, Role, bulk, companies, raw, tokens};

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
                let sizes = bulk::CompanySize {
                    customers: plan.customers_per_company.clamp(1, invoices.max(1)),
                    invoices,
                    sales: plan.sales_per_company.min(invoices),
                    entries: plan.entries_per_company,
                };
                bulk::fill_company(&txn, c.id, &sizes, today, now).await?;
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
        // On PostgreSQL the new rows are vacuumed too: until then their first
        // readers set hint bits and index-only scans visit the heap, which
        // halved an invoice page's rate in the first benchmark after a seed
        // (BENCHMARKS.md, twenty-ninth run).
        let settle = if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            "VACUUM ANALYZE"
        } else {
            "ANALYZE"
        };
        raw::exec(&state.db, settle, []).await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_numbers_are_valid_and_distinct() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
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
