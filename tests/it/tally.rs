//! The running totals of sales (`store/sales/tally.rs`) against a model:
//! random sequences of sales sent, approved, denied, withdrawn and
//! collected, written through the store on both databases. After every
//! step the company's and each recipient's totals equal the sums over the
//! model's sales, and the exposure a quote checks (to a recipient and in
//! total, leaving out an invoice) equals the same sum taken directly.
//!
//! Each case runs in one transaction that is rolled back, so cases do not
//! see each other. `FUZZ_CASES` sets how many (default 64).

use chrono::{NaiveDate, Utc};
use invoice_finance::domain::id::{CustomerId, InvoiceId};
use invoice_finance::domain::money::Ore;
use invoice_finance::store::sales::{self, NewSale, Sale, SaleChange};
use invoice_finance::store::{Ordered, Tenant};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};

use crate::fixtures::private_customer;
use crate::helpers::{Backend, TestApp};

/// One step, on the `n`th of the test's invoices.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Sell it for `ore`.
    Send(usize, i64),
    Approve(usize),
    Deny(usize),
    Withdraw(usize),
    /// Record a collection of `ore` on its bought sale.
    Collect(usize, i64),
}

const INVOICES: usize = 6;

fn step() -> impl Strategy<Value = Step> {
    let n = 0..INVOICES;
    prop_oneof![
        (n.clone(), 1..2_000_000i64).prop_map(|(i, a)| Step::Send(i, a)),
        n.clone().prop_map(Step::Approve),
        n.clone().prop_map(Step::Deny),
        n.clone().prop_map(Step::Withdraw),
        (n, 1..1_500_000i64).prop_map(|(i, a)| Step::Collect(i, a)),
    ]
}

/// The model of one sale.
#[derive(Debug, Clone)]
struct Modelled {
    sale: Sale,
    deciding: bool,
    bought: bool,
    collected: i64,
}

impl Modelled {
    fn holds(&self) -> bool {
        self.deciding || self.bought
    }

    fn open(&self) -> i64 {
        self.sale.amount_ore.get() - self.collected
    }
}

fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

/// (Being decided, outstanding) over the model's sales that `keep` keeps.
fn sums(model: &[Modelled], keep: impl Fn(&Modelled) -> bool) -> (i64, i64) {
    let kept = || model.iter().filter(|m| keep(m));
    (
        kept()
            .filter(|m| m.deciding)
            .map(|m| m.sale.amount_ore.get())
            .sum(),
        kept().filter(|m| m.bought).map(Modelled::open).sum(),
    )
}

/// The tallies against the model for every recipient, and the exposure and
/// history read for each of its invoices (leaving that invoice out).
async fn check(
    txn: &DatabaseTransaction,
    tenant: Tenant,
    invoices: &[(InvoiceId, CustomerId)],
    model: &[Modelled],
    today: NaiveDate,
) -> Result<(), TestCaseError> {
    use sea_orm::EntityTrait;
    let company = tenant.company_id().get();
    let kept = entity::sale_tally::Entity::find_by_id(company)
        .one(txn)
        .await
        .map_err(fail)?
        .map_or((0, 0), |t| (t.deciding_ore, t.outstanding_ore));
    prop_assert_eq!(
        kept,
        sums(model, |_| true),
        "company (deciding, outstanding)"
    );
    let mut customers: Vec<CustomerId> = invoices.iter().map(|(_, c)| *c).collect();
    customers.dedup();
    for customer in &customers {
        let kept = entity::recipient_tally::Entity::find_by_id((company, customer.get()))
            .one(txn)
            .await
            .map_err(fail)?
            .map_or((0, 0), |t| (t.deciding_ore, t.outstanding_ore));
        let expected = sums(model, |m| m.sale.customer_id == *customer);
        prop_assert_eq!(
            kept,
            expected,
            "recipient {} (deciding, outstanding)",
            customer.get()
        );
        let mine = |m: &&Modelled| m.sale.customer_id == *customer;
        let bought = |m: &&Modelled| m.bought;
        for (except, _) in invoices.iter().filter(|(_, c)| c == customer) {
            let held = |m: &&Modelled| m.holds() && m.sale.invoice_id != *except;
            let to_customer: i64 = model
                .iter()
                .filter(held)
                .filter(mine)
                .map(Modelled::open)
                .sum();
            let total: i64 = model.iter().filter(held).map(Modelled::open).sum();
            let sold = model
                .iter()
                .any(|m| m.holds() && m.sale.invoice_id == *except);
            let b = sales::basis(txn, tenant, *except, today)
                .await
                .map_err(fail)?
                .ok_or_else(|| fail("the invoice reads as absent"))?;
            let e = b.exposure;
            prop_assert_eq!(e.to_customer_ore, Ore::new(to_customer));
            prop_assert_eq!(e.total_ore, Ore::new(total));
            prop_assert_eq!(e.invoice_sold, sold);
            let h = b.history;
            prop_assert_eq!(h.approved as usize, model.iter().filter(bought).count());
            prop_assert_eq!(
                h.recipient_known,
                model
                    .iter()
                    .filter(bought)
                    .any(|m| m.sale.customer_id == *customer)
            );
        }
    }
    Ok(())
}

async fn run(
    txn: &DatabaseTransaction,
    tenant: Tenant,
    invoices: &[(InvoiceId, CustomerId)],
    steps: Vec<Step>,
) -> Result<(), TestCaseError> {
    let now = Utc::now();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).ok_or_else(|| fail("date"))?;
    let mut model: Vec<Modelled> = Vec::new();
    for (k, step) in steps.into_iter().enumerate() {
        // Each step commits on its own (a savepoint of `txn`), as the
        // server's changes do: the store writes the totals as it commits.
        let change = Ordered::new(txn.begin().await.map_err(fail)?);
        let i = match step {
            Step::Send(i, _)
            | Step::Approve(i)
            | Step::Deny(i)
            | Step::Withdraw(i)
            | Step::Collect(i, _) => i,
        };
        let (invoice, customer) = invoices[i];
        let live = model
            .iter()
            .position(|m| m.holds() && m.sale.invoice_id == invoice);
        match (step, live) {
            (Step::Send(_, amount), None) => {
                let sale = sales::insert(
                    &change,
                    tenant,
                    NewSale {
                        invoice_id: invoice,
                        customer_id: customer,
                        due_date: today + chrono::Duration::days(30),
                        amount_ore: Ore::new(amount),
                        invoice_fee_ore: Ore::ZERO,
                        factoring_fee_ore: Ore::ZERO,
                        total_fees_ore: Ore::ZERO,
                        payout_ore: Ore::new(amount),
                        percentage_bp: 0,
                        quote_id: format!("q{k}"),
                        idempotency_key: format!("tally-{k}"),
                        requested_at: now,
                    },
                )
                .await
                .map_err(fail)?;
                model.push(Modelled {
                    sale,
                    deciding: true,
                    bought: false,
                    collected: 0,
                });
            }
            (Step::Approve(_) | Step::Deny(_) | Step::Withdraw(_), Some(at))
                if model[at].deciding =>
            {
                let to = match step {
                    Step::Approve(_) => SaleChange::Approve {
                        at: now,
                        payout_date: today,
                    },
                    Step::Deny(_) => SaleChange::Deny {
                        at: now,
                        code: "CREDIT_CHECK",
                        message: "no".into(),
                    },
                    _ => SaleChange::Withdraw { at: now },
                };
                let bought = matches!(step, Step::Approve(_));
                let moved = sales::transition(&change, tenant, model[at].sale.id, to)
                    .await
                    .map_err(fail)?;
                prop_assert!(moved.is_some(), "the sale moves");
                model[at].deciding = false;
                model[at].bought = bought;
            }
            (Step::Collect(_, amount), Some(at)) if model[at].bought => {
                let recorded = sales::add_collection(
                    &change,
                    &model[at].sale,
                    Ore::new(amount),
                    today,
                    &format!("c{k}"),
                    now,
                )
                .await
                .map_err(fail)?;
                // Never more than what is left.
                prop_assert_eq!(recorded, amount <= model[at].open());
                if recorded {
                    model[at].collected += amount;
                }
            }
            _ => continue,
        }
        change.commit().await.map_err(fail)?;
        check(txn, tenant, invoices, &model, today).await?;
    }
    Ok(())
}

async fn tallies_follow_the_sales(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let anna = private_customer(&app).await;
    let firm = app.full_customer(&app.company).await;
    for n in 0..INVOICES {
        let customer = if n % 2 == 0 { &anna } else { &firm };
        app.invoice(&app.company, customer, "1000").await;
    }
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let tenant = crate::live::first_company(&db).await;
    let invoices: Vec<(InvoiceId, CustomerId)> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT id, customer_id FROM invoice WHERE company_id = {} ORDER BY customer_id, id",
                tenant.company_id().get()
            ),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                InvoiceId::new(r.try_get("", "id").unwrap()),
                CustomerId::new(r.try_get("", "customer_id").unwrap()),
            )
        })
        .collect();
    assert_eq!(invoices.len(), INVOICES);
    crate::fuzz::property(prop::collection::vec(step(), 1..30), move |steps| {
        let (db, invoices) = (db.clone(), invoices.clone());
        async move {
            let txn = db.begin().await.map_err(fail)?;
            let outcome = run(&txn, tenant, &invoices, steps).await;
            txn.rollback().await.map_err(fail)?;
            outcome
        }
    })
    .await;
}

crate::backend_test!(tallies_follow_the_sales);
