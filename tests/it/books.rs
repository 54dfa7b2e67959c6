//! Money that closes, end to end on both databases: sold invoices settle and
//! the financier's collections release exposure, withdrawals, spot-check
//! deadlines in banking days, ROT/RUT with Nox Finans, interest day by day,
//! Nox Finans fees set off or invoiced, payments with keys, edits of paid
//! invoices, and the send view over hundreds of invoices (credit notes are in
//! `credits.rs`). Every scenario ends by checking
//! that the books close.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use invoice_finance::domain::ledger::SETTLEMENT_ACCOUNT;

use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{TestApp, code, nodes};

const PAY: &str = "mutation($id: ID!, $a: Decimal!, $d: Date!, $p: PaymentPayer!, $k: String!) { registerPayment(invoiceId: $id, amount: $a, paidOn: $d, payer: $p, idempotencyKey: $k) { balance customerBalance status houseWork { skatteverketBalance paidBySkatteverket } } }";
const RESOLVE: &str =
    "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED) { status } }";
const COLLECT: &str = "mutation($id: ID!, $a: Decimal!, $k: String!) { recordSaleCollection(saleId: $id, amount: $a, collectedOn: \"2026-11-22\", idempotencyKey: $k) { collected status } }";
const QUOTE: &str =
    "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { eligible reasons { code } } }";

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal: {v}"))
        .parse()
        .unwrap()
}

pub async fn pay(
    app: &TestApp,
    invoice: &str,
    amount: &str,
    on: &str,
    payer: &str,
    key: &str,
) -> Value {
    app.gql(
        &app.company,
        PAY,
        json!({ "id": invoice, "a": amount, "d": on, "p": payer, "k": key }),
    )
    .await
}

/// The books close: the statement's entries add up to the payments-account
/// balance, every voucher balances, the books' settlement account (2811)
/// holds what the payments account holds, and each Nox Finans case paid out or kept
/// everything it collected. The statement is asked for the widest period a
/// `Date` can name.
pub async fn assert_books_close(app: &TestApp, token: &str) {
    let r = app
        .ok(
            token,
            "{ viewer { paymentsAccountBalance } statement(from: \"0001-01-01\", to: \"9999-12-31\") { openingBalance closingBalance entries { totalCount } } }",
            json!({}),
        )
        .await;
    let st = &r["statement"];
    assert_eq!(dec(&st["openingBalance"]), Decimal::ZERO);
    let entries = every(
        app,
        token,
        "statement(from: \"0001-01-01\", to: \"9999-12-31\") { entries(PAGE) { NODES { amount } } }",
        &["statement", "entries"],
    )
    .await;
    assert_eq!(
        entries.len() as u64,
        st["entries"]["totalCount"].as_u64().unwrap()
    );
    let sum: Decimal = entries.iter().map(|e| dec(&e["amount"])).sum();
    assert_eq!(sum, dec(&st["closingBalance"]), "{st}");
    assert_eq!(sum, dec(&r["viewer"]["paymentsAccountBalance"]));
    let vouchers = "vouchers(PAGE) { NODES { description rows { account debit credit } } }";
    let mut settlement = Decimal::ZERO;
    for v in every(app, token, vouchers, &["vouchers"]).await {
        let rows = v["rows"].as_array().unwrap();
        let debit: Decimal = rows.iter().map(|r| dec(&r["debit"])).sum();
        let credit: Decimal = rows.iter().map(|r| dec(&r["credit"])).sum();
        assert_eq!(debit, credit, "unbalanced voucher {v}");
        settlement += rows
            .iter()
            .filter(|r| r["account"] == SETTLEMENT_ACCOUNT)
            .map(|r| dec(&r["debit"]) - dec(&r["credit"]))
            .sum::<Decimal>();
    }
    assert_eq!(
        settlement, sum,
        "the books' settlement account {SETTLEMENT_ACCOUNT} holds {settlement}, the payments account {sum}"
    );
    let cases = "invoices(PAGE, filter: { handedToNoxFinans: true }) { NODES { noxFinans { collected { total kept paidOut pending } } } }";
    for e in every(app, token, cases, &["invoices"]).await {
        let c = &e["noxFinans"]["collected"];
        assert_eq!(
            dec(&c["total"]),
            dec(&c["kept"]) + dec(&c["paidOut"]) + dec(&c["pending"]),
            "{c}"
        );
    }
    assert_tally_matches_sales(app).await;
}

/// Every node of the connection at `at` in `query`, read page by page:
/// `query` is a selection whose connection takes the arguments `PAGE` and
/// selects its nodes with `NODES { … }`.
pub async fn every(app: &TestApp, token: &str, query: &str, at: &[&str]) -> Vec<Value> {
    let query = format!(
        "query($after: String) {{ {} }}",
        query
            .replace("PAGE", "first: 100, after: $after")
            .replace("NODES", "pageInfo { hasNextPage endCursor } nodes")
    );
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = app.ok(token, &query, json!({ "after": after })).await;
        let conn = at.iter().fold(&r, |v, k| &v[*k]);
        out.extend(conn["nodes"].as_array().unwrap().iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// Every company's and every recipient's running totals of bought sales
/// (`sale_tally` and `recipient_tally`, which quotes and decisions read)
/// equal the same totals summed from its sales,
/// and every sale keeps its invoice's due date (by which quotes find a
/// recipient's overdue bought invoices). Returns how many companies have
/// bought sales.
pub async fn assert_tally_matches_sales(app: &TestApp) -> usize {
    assert_tally_matches_sales_at(&app.database_url).await
}

/// Tally rows (key columns, then totals) sorted, leaving out those whose
/// totals after the first `key` columns are all zero: a company or a
/// recipient whose every sale was denied or withdrawn keeps a row of zeros
/// in its tally and has no sales to sum.
fn totals(mut rows: Vec<Vec<i64>>, key: usize) -> Vec<Vec<i64>> {
    rows.retain(|r| r[key..].iter().any(|v| *v != 0));
    rows.sort_unstable();
    rows
}

/// [`assert_tally_matches_sales`] for the database at `url`.
pub async fn assert_tally_matches_sales_at(url: &str) -> usize {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let db = invoice_finance::db::connect(url).await.unwrap();
    // The `columns` of `sql`'s rows, as `totals`.
    let rows = |sql: &'static str, columns: &'static [&'static str], key: usize| {
        let db = db.clone();
        async move {
            let out: Vec<Vec<i64>> = db
                .query_all_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    columns
                        .iter()
                        .map(|c| r.try_get::<i64>("", c).unwrap())
                        .collect::<Vec<i64>>()
                })
                .collect();
            totals(out, key)
        }
    };
    let summed = rows(
        "SELECT company_id AS c, \
         CAST(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN 1 ELSE 0 END) AS BIGINT) AS n, \
         CAST(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN amount_ore ELSE 0 END) AS BIGINT) AS b, \
         CAST(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN amount_ore - collected_ore ELSE 0 END) AS BIGINT) AS o, \
         CAST(SUM(CASE WHEN status IN ('PROCESSING', 'SPOT_CHECK') THEN amount_ore ELSE 0 END) AS BIGINT) AS d \
         FROM invoice_sale GROUP BY company_id",
        &["c", "n", "b", "o", "d"],
        1,
    )
    .await;
    // Read through the entity, which must match the table as well.
    let kept = entity::sale_tally::Entity::find().all(&db).await.unwrap();
    let kept = totals(
        kept.into_iter()
            .map(|t| {
                let (b, o, d) = (t.bought_ore, t.outstanding_ore, t.deciding_ore);
                vec![t.company_id, t.bought_sales, b, o, d]
            })
            .collect(),
        1,
    );
    assert_eq!(kept, summed, "sale_tally against the sales it counts");
    let by_recipient = rows(
        "SELECT company_id AS c, customer_id AS r, \
         CAST(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN amount_ore - collected_ore ELSE 0 END) AS BIGINT) AS o, \
         CAST(SUM(CASE WHEN status IN ('PROCESSING', 'SPOT_CHECK') THEN amount_ore ELSE 0 END) AS BIGINT) AS d \
         FROM invoice_sale GROUP BY company_id, customer_id",
        &["c", "r", "o", "d"],
        2,
    )
    .await;
    let recipients = entity::recipient_tally::Entity::find()
        .all(&db)
        .await
        .unwrap();
    let recipients = totals(
        recipients
            .into_iter()
            .map(|t| {
                vec![
                    t.company_id,
                    t.customer_id,
                    t.outstanding_ore,
                    t.deciding_ore,
                ]
            })
            .collect(),
        2,
    );
    assert_eq!(
        recipients, by_recipient,
        "recipient_tally against the sales it counts"
    );
    let stray = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM invoice_sale s JOIN invoice i \
             ON i.id = s.invoice_id WHERE s.due_date IS NULL OR s.due_date <> i.due_date",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(stray, 0, "sales whose due date is not their invoice's");
    summed.iter().filter(|r| r[1] > 0).count()
}

const TO_COLLECT: &str = "query($c: ID, $o: String) { salesToCollect(companyId: $c, ocr: $o) { totalCount nodes { id amount collected invoice { ocr } } } }";

/// The sales `salesToCollect` lists for these arguments, by id.
async fn to_collect(app: &TestApp, args: Value) -> Vec<Value> {
    let r = app.ok(&app.operator, TO_COLLECT, args).await;
    let nodes = r["salesToCollect"]["nodes"].as_array().unwrap().clone();
    assert_eq!(r["salesToCollect"]["totalCount"], nodes.len(), "{r}");
    nodes.iter().map(|n| n["id"].clone()).collect()
}

/// `salesToCollect(ocr:)` finds the invoice by its OCR through the B-tree
/// index of migration 23, on both databases: an equality, not the trigram
/// search of the invoice list (PostgreSQL) or a read of every invoice
/// (SQLite, and PostgreSQL without `pg_trgm`). Scans are turned off on
/// PostgreSQL, whose planner reads an empty table whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ocr_is_looked_up_through_its_index() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    for backend in [
        crate::helpers::Backend::Sqlite,
        crate::helpers::Backend::Postgres,
    ] {
        let Some((_db, _, db)) = crate::helpers::TestDb::migrated(backend).await else {
            continue;
        };
        // One connection: the setting holds for the transaction's statements.
        let db = db.begin().await.unwrap();
        let lookup = "SELECT id FROM invoice WHERE ocr = '10079'";
        let explain = match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("SET LOCAL enable_seqscan = off")
                    .await
                    .unwrap();
                format!("EXPLAIN (COSTS OFF) {lookup}")
            }
            _ => format!("EXPLAIN QUERY PLAN {lookup}"),
        };
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), explain))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| {
                r.try_get_by_index::<String>(0)
                    .or_else(|_| r.try_get_by_index::<String>(3))
                    .unwrap()
            })
            .collect();
        assert!(
            plan.iter().any(|l| l.contains("ix_invoice_ocr")),
            "{backend:?}: {plan:?}"
        );
    }
}

// Customers of every company pay the financier for the invoices it bought,
// into one account, naming the invoice's OCR reference: two companies'
// invoices of the same number must not share one, or a payment names two
// sales and the operator cannot tell whose customer paid.
db_test!(a_payment_reference_names_one_sale_of_all_companies, |app| {
    let ocr = async |token: &str, invoice: &str| {
        let r = app
            .ok(
                token,
                "query($id: ID!) { invoice(id: $id) { invoiceNumber ocr } }",
                json!({ "id": invoice }),
            )
            .await;
        let ocr = r["invoice"]["ocr"].as_str().unwrap().to_string();
        (r["invoice"]["invoiceNumber"].clone(), ocr)
    };
    let mut sales = Vec::new();
    let mut references = Vec::new();
    for (token, key) in [(&app.company, "ours"), (&app.other, "theirs")] {
        activate_for(&app, token, agreement()).await;
        let customer = app.full_customer(token).await;
        let invoice = app.invoice(token, &customer, "8000").await;
        sales.push(sell_and_confirm_as(&app, token, &invoice, key).await);
        references.push(ocr(token, &invoice).await);
    }
    let [(our_number, ours), (their_number, theirs)] = &references[..] else {
        unreachable!()
    };
    assert_eq!(
        our_number, their_number,
        "each company numbers from the same start"
    );
    assert_ne!(
        ours, theirs,
        "two companies' invoices share a payment reference"
    );
    for reference in [ours, theirs] {
        assert!(
            invoice_finance::domain::identifiers::ocr_valid(reference),
            "{reference}"
        );
    }
    assert_eq!(
        to_collect(&app, json!({ "o": ours })).await,
        std::slice::from_ref(&sales[0])
    );
    assert_eq!(
        to_collect(&app, json!({ "o": theirs })).await,
        std::slice::from_ref(&sales[1])
    );
});

db_test!(an_operator_finds_the_sales_left_to_collect, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let a = invoice_of_10k(&app, &customer).await;
    let b = invoice_of_10k(&app, &customer).await;
    let sale_a = sell_and_confirm(&app, &a, "sell-a").await;
    let sale_b = sell_and_confirm(&app, &b, "sell-b").await;
    // A sale still being decided has nothing to collect yet.
    let c = invoice_of_10k(&app, &customer).await;
    sell(&app, &c, "sell-c").await;

    // Every company's bought sales not collected in full, oldest first.
    assert_eq!(
        to_collect(&app, json!({})).await,
        [sale_a.clone(), sale_b.clone()]
    );
    // A customer's payment names the invoice's OCR reference: it finds the sale.
    let ocr = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { ocr } }",
            json!({ "id": b }),
        )
        .await["invoice"]["ocr"]
        .clone();
    assert_eq!(
        to_collect(&app, json!({ "o": ocr })).await,
        std::slice::from_ref(&sale_b)
    );
    assert!(
        to_collect(&app, json!({ "o": "0000000000" }))
            .await
            .is_empty()
    );
    // One company's, by the id a contact request or a dead job names.
    let own = app.ok(&app.company, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let other = app.ok(&app.other, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    assert_eq!(to_collect(&app, json!({ "c": own })).await.len(), 2);
    assert!(to_collect(&app, json!({ "c": other })).await.is_empty());

    // Collected in part, a sale stays; collected in full, it leaves the list.
    app.ok(
        &app.operator,
        COLLECT,
        json!({ "id": sale_a, "a": "4000", "k": "c1" }),
    )
    .await;
    let r = app.ok(&app.operator, TO_COLLECT, json!({})).await;
    assert_eq!(
        r["salesToCollect"]["nodes"][0]["collected"], "4000.00",
        "{r}"
    );
    app.ok(
        &app.operator,
        COLLECT,
        json!({ "id": sale_a, "a": "6000", "k": "c2" }),
    )
    .await;
    assert_eq!(to_collect(&app, json!({})).await, [sale_b]);

    // Operators only; a malformed company id is named.
    let r = app.gql(&app.company, TO_COLLECT, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app
        .gql(&app.operator, TO_COLLECT, json!({ "c": "nonsense" }))
        .await;
    assert_eq!(
        (code(&r), crate::helpers::field(&r)),
        ("VALIDATION", "companyId"),
        "{r}"
    );
    assert_books_close(&app, &app.company).await;
});

db_test!(
    a_sold_invoice_leaves_the_books_and_collections_release_exposure,
    |app| {
        activate(
        &app,
        json!({ "fixedFee": "19.90", "percentageFee": "2.9", "minimumFee": "0", "customerCreditLimit": "15000", "totalCreditLimit": "1000000" }),
    )
    .await;
        let customer = app.full_customer(&app.company).await;
        let a = invoice_on(&app, &customer, "2026-11-20", "30", "8000").await;
        let sale_a = sell_and_confirm(&app, &a, "sell-a").await;

        // Settled as sold: its own status, nothing left for the company, coins.
        let inv = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { status balance listIcon { kind } } }",
                json!({ "id": a }),
            )
            .await["invoice"]
            .clone();
        assert_eq!(
            inv,
            json!({ "status": "SOLD", "balance": "0.00", "listIcon": { "kind": "COINS" } })
        );
        // The customer now pays the financier.
        let r = pay(&app, &a, "100", "2026-11-22", "CUSTOMER", "p-a").await;
        assert_eq!(code(&r), "INVOICE_SOLD", "{r}");
        let r = pay(&app, &a, "100", "2026-11-22", "NOX_FINANS", "p-a2").await;
        assert_eq!(code(&r), "INVOICE_SOLD", "{r}");

        // A second 10 000 to the same customer would exceed the 15 000 limit …
        let b = invoice_on(&app, &customer, "2026-11-22", "30", "8000").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": b })).await;
        assert_eq!(
            q["invoiceSaleQuote"]["reasons"],
            json!([{ "code": "CUSTOMER_LIMIT_EXCEEDED" }])
        );
        // … until the financier has collected 6 000 of the first.
        let c = app
            .ok(
                &app.operator,
                COLLECT,
                json!({ "id": sale_a, "a": "6000", "k": "c1" }),
            )
            .await;
        assert_eq!(c["recordSaleCollection"]["collected"], "6000.00");
        let again = app
            .ok(
                &app.operator,
                COLLECT,
                json!({ "id": sale_a, "a": "6000", "k": "c1" }),
            )
            .await;
        assert_eq!(
            again["recordSaleCollection"]["collected"], "6000.00",
            "a retry records nothing twice"
        );
        // The key with another amount or of another day is another
        // collection: refused, not taken for the first.
        for (amount, day) in [("5999", "2026-11-22"), ("6000", "2026-11-21")] {
            let r = app
                .gql(
                    &app.operator,
                    "mutation($id: ID!, $a: Decimal!, $d: Date!) { recordSaleCollection(saleId: $id, amount: $a, collectedOn: $d, idempotencyKey: \"c1\") { collected } }",
                    json!({ "id": sale_a, "a": amount, "d": day }),
                )
                .await;
            assert_eq!(code(&r), "CONFLICT", "{amount} on {day}: {r}");
        }
        let r = app
            .gql(
                &app.operator,
                COLLECT,
                json!({ "id": sale_a, "a": "4000.01", "k": "c2" }),
            )
            .await;
        assert_eq!(code(&r), "VALIDATION", "more than is left");
        // Collected before the financier bought the invoice (approved on
        // 2026-11-22): refused, nothing recorded.
        let r = app
            .gql(
                &app.operator,
                "mutation($id: ID!) { recordSaleCollection(saleId: $id, amount: \"1\", collectedOn: \"2026-11-21\", idempotencyKey: \"c-early\") { collected } }",
                json!({ "id": sale_a }),
            )
            .await;
        assert_eq!(
            (code(&r), crate::helpers::field(&r)),
            ("VALIDATION", "collectedOn"),
            "{r}"
        );
        let r = app
            .gql(
                &app.company,
                COLLECT,
                json!({ "id": sale_a, "a": "1", "k": "c3" }),
            )
            .await;
        assert_eq!(code(&r), "FORBIDDEN");
        let q = app.ok(&app.company, QUOTE, json!({ "id": b })).await;
        assert_eq!(q["invoiceSaleQuote"]["eligible"], true, "{q}");

        // Past the first invoice's due date with 4 000 not collected: the quote
        // already says the sale would be denied.
        app.clock.set(stockholm(2026, 12, 22, 12, 0));
        let late = invoice_on(&app, &customer, "2026-12-22", "30", "1000").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": late })).await;
        assert_eq!(
            q["invoiceSaleQuote"]["reasons"],
            json!([{ "code": "RECIPIENT_OVERDUE" }])
        );
        // The sold invoice itself is not overdue in the company's books.
        let inv = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { status } }",
                json!({ "id": a }),
            )
            .await;
        assert_eq!(inv["invoice"]["status"], "SOLD");

        // Collected in full: a new sale to the customer is approved, not denied for
        // the company's own sold invoice.
        app.ok(
            &app.operator,
            COLLECT,
            json!({ "id": sale_a, "a": "4000", "k": "c4" }),
        )
        .await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": late })).await;
        assert_eq!(q["invoiceSaleQuote"]["eligible"], true, "{q}");
        sell_and_confirm(&app, &late, "sell-late").await;
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(
    migrating_fills_the_sale_tally_from_the_sales_recorded,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let a = invoice_on(&app, &customer, "2026-11-20", "30", "8000").await;
        let sale_a = sell_and_confirm(&app, &a, "tally-a").await;
        let b = invoice_on(&app, &customer, "2026-11-20", "30", "3000").await;
        sell_and_confirm(&app, &b, "tally-b").await;
        app.ok(
            &app.operator,
            COLLECT,
            json!({ "id": sale_a, "a": "2500", "k": "tally-c" }),
        )
        .await;
        app.worker_settled().await;
        crate::helpers::migrate_again_from(&app, "m20261205_000012").await;
        assert_eq!(assert_tally_matches_sales(&app).await, 1);
        // What quotes read from it: 10 000 + 3 750 bought, 2 500 collected.
        let c = invoice_on(&app, &customer, "2026-11-22", "30", "1000").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": c })).await;
        assert_eq!(q["invoiceSaleQuote"]["eligible"], true, "{q}");
    }
);

db_test!(
    the_total_limit_counts_every_customers_outstanding_sales,
    |app| {
        activate(
            &app,
            json!({ "fixedFee": "19.90", "percentageFee": "2.9", "minimumFee": "0", "customerCreditLimit": "15000", "totalCreditLimit": "15000" }),
        )
        .await;
        let first = app.full_customer(&app.company).await;
        let second = private_customer(&app).await;
        let a = invoice_on(&app, &first, "2026-11-20", "30", "8000").await;
        let sale_a = sell_and_confirm(&app, &a, "total-a").await;

        // 10 000 to another customer would take the company's 10 000 sold to
        // the first past its 15 000 …
        let b = invoice_on(&app, &second, "2026-11-22", "30", "8000").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": b })).await;
        assert_eq!(
            q["invoiceSaleQuote"]["reasons"],
            json!([{ "code": "TOTAL_LIMIT_EXCEEDED" }])
        );
        // Once the financier has collected 6 000 of the first, 4 000 + 10 000
        // fits.
        app.ok(
            &app.operator,
            COLLECT,
            json!({ "id": sale_a, "a": "6000", "k": "total-c1" }),
        )
        .await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": b })).await;
        assert_eq!(q["invoiceSaleQuote"]["eligible"], true, "{q}");
        // Collected in full, the first sale counts nothing; the second, sold
        // and not yet decided, counts its 10 000: 5 000 more fits, 5 001.25
        // does not.
        app.ok(
            &app.operator,
            COLLECT,
            json!({ "id": sale_a, "a": "4000", "k": "total-c2" }),
        )
        .await;
        let r = sell(&app, &b, "total-b").await;
        assert!(r.get("errors").is_none(), "{r}");
        let fits = invoice_on(&app, &first, "2026-11-22", "30", "4000").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": fits })).await;
        assert_eq!(q["invoiceSaleQuote"]["eligible"], true, "{q}");
        let over = invoice_on(&app, &first, "2026-11-22", "30", "4001").await;
        let q = app.ok(&app.company, QUOTE, json!({ "id": over })).await;
        assert_eq!(
            q["invoiceSaleQuote"]["reasons"],
            json!([{ "code": "TOTAL_LIMIT_EXCEEDED" }])
        );
        // With those 5 000 sold as well, both recipients' sales in progress
        // count for either: the limit is reached from both sides.
        let r = sell(&app, &fits, "total-fits").await;
        assert!(r.get("errors").is_none(), "{r}");
        for customer in [&first, &second] {
            let one = invoice_on(&app, customer, "2026-11-22", "30", "100").await;
            let q = app.ok(&app.company, QUOTE, json!({ "id": one })).await;
            assert_eq!(
                q["invoiceSaleQuote"]["reasons"],
                json!([{ "code": "TOTAL_LIMIT_EXCEEDED" }]),
                "{q}"
            );
        }
    }
);

db_test!(a_sale_is_withdrawn_before_its_decision, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let inv = invoice_on(&app, &customer, "2026-11-20", "30", "8000").await;
    let sale = sell_to_spot_check(&app, &inv, "w1").await;
    const WITHDRAW: &str = "mutation($id: ID!) { withdrawInvoiceSale(saleId: $id) { status } }";
    let r = app.gql(&app.other, WITHDRAW, json!({ "id": sale })).await;
    assert_eq!(code(&r), "NOT_FOUND", "another company cannot withdraw it");
    let r = app.ok(&app.company, WITHDRAW, json!({ "id": sale })).await;
    assert_eq!(r["withdrawInvoiceSale"]["status"], "WITHDRAWN");
    let r = app.gql(&app.company, WITHDRAW, json!({ "id": sale })).await;
    assert_eq!(code(&r), "CONFLICT");
    // No icon, no fees, a notification, and the history says so.
    let s = sale_of(&app, &inv).await;
    assert!(s["listIcon"].is_null(), "{s}");
    let kinds: Vec<&str> = s["sale"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"WITHDRAWN"));
    let n = app
        .ok(
            &app.company,
            "{ notifications(first: 1) { edges { node { kind } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        n["notifications"]["edges"][0]["node"]["kind"],
        "SALE_WITHDRAWN"
    );
    // A resolution arriving late finds nothing to decide.
    let r = app.gql(&app.operator, RESOLVE, json!({ "id": sale })).await;
    assert_eq!(code(&r), "CONFLICT");
    // The invoice is free: it can be sold again.
    let r = sell(&app, &inv, "w2").await;
    assert_eq!(r["data"]["sellInvoice"]["status"], "PROCESSING", "{r}");
    // The invoice, alone and in a page of the list, shows its latest sale.
    let again = r["data"]["sellInvoice"]["id"].clone();
    let s = sale_of(&app, &inv).await;
    assert_eq!(s["sale"]["id"], again, "{s}");
    assert_eq!(s["sale"]["status"], "PROCESSING", "{s}");
    let page = app
        .ok(
            &app.company,
            "{ invoices(first: 50) { nodes { id sale { id status } } } }",
            json!({}),
        )
        .await;
    let listed = page["invoices"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == inv.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed["sale"]["id"], again, "{page}");
    assert_eq!(listed["sale"]["status"], "PROCESSING", "{page}");
    let st = app
        .ok(
            &app.company,
            "{ statement(from: \"2026-01-01\", to: \"2026-12-31\") { entries { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(st["statement"]["entries"]["totalCount"], 0);
    assert_books_close(&app, &app.company).await;
});

db_test!(
    a_spot_check_sent_on_a_friday_afternoon_waits_for_monday,
    |app| {
        // Friday 27 November, 15:00 in Stockholm.
        app.clock.set(stockholm(2026, 11, 27, 15, 0));
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let inv = invoice_on(&app, &customer, "2026-11-27", "30", "8000").await;
        sell_to_spot_check(&app, &inv, "fri").await;
        let s = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { sale { spotCheck { deadline } } } }",
                json!({ "id": inv }),
            )
            .await;
        let deadline: DateTime<Utc> = s["invoice"]["sale"]["spotCheck"]["deadline"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            deadline,
            stockholm(2026, 11, 30, 16, 0),
            "Monday 16:00, the next banking day"
        );
        // Saturday and Monday morning: still waiting for an answer.
        for at in [
            stockholm(2026, 11, 28, 12, 0),
            stockholm(2026, 11, 30, 15, 59),
        ] {
            app.clock.set(at);
            app.worker_settled().await;
            assert_eq!(
                sale_of(&app, &inv).await["sale"]["status"],
                "SPOT_CHECK",
                "{at}"
            );
        }
        app.clock.set(stockholm(2026, 11, 30, 16, 1));
        wait_for_status(&app, &inv, "DENIED").await;
        let s = sale_of(&app, &inv).await;
        assert_eq!(s["sale"]["denialReason"]["code"], "SPOT_CHECK_UNANSWERED");
        // Denied: no longer counted as being decided, and never bought.
        assert_eq!(assert_tally_matches_sales(&app).await, 0);
    }
);

db_test!(
    a_rot_invoice_with_nox_finans_claims_only_the_customers_part,
    |app| {
        let anna = private_customer(&app).await;
        // 20 000 + 25 % = 25 000, of which Skatteverket pays 7 500 (ROT).
        let inv = invoice_with(&app, &anna, json!({ "termsOfPayment": "10",
            "rows": [{ "description": "Renovering", "quantity": "1", "unitPrice": "20000", "vatRate": "25" }],
            "houseWork": { "type": "ROT", "deductibleAmount": "7500" } }))
        .await;
        assert_eq!(
            hand_over(&app, &inv, "INVOICE_SERVICE", Some("EMAIL"), "rot").await["accepted"],
            true
        );
        let c = case_view(&app, &inv).await["noxFinans"].clone();
        assert_eq!(
            (c["claim"].as_str(), c["capitalBalance"].as_str()),
            (Some("17500.00"), Some("17500.00"))
        );
        app.clock.advance(chrono::Duration::seconds(10));
        wait_case(&app, &inv, "DELIVERED").await;
        // Nothing of Skatteverket's part goes through Nox Finans.
        app.clock.set(stockholm(2026, 12, 1, 12, 0));
        let r = pay(
            &app,
            &inv,
            "17500.01",
            "2026-12-01",
            "NOX_FINANS",
            "too-much",
        )
        .await;
        assert_eq!(code(&r), "VALIDATION", "{r}");
        // The customer pays their whole part to Nox Finans: the case is PAID.
        let r = pay(&app, &inv, "17500", "2026-12-01", "NOX_FINANS", "anna").await;
        assert_eq!(
            r["data"]["registerPayment"]["customerBalance"], "0.00",
            "{r}"
        );
        assert_eq!(r["data"]["registerPayment"]["balance"], "7500.00");
        wait_case(&app, &inv, "PAID").await;
        // Weeks later: no reminder, no debt collection, no monitoring.
        app.clock.set(stockholm(2027, 1, 20, 12, 0));
        app.worker_settled().await;
        let c = case_view(&app, &inv).await;
        let history: Vec<&str> = c["noxFinans"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(history.last(), Some(&"PAID"));
        assert!(
            !history.contains(&"DEBT_COLLECTION") && !history.contains(&"REMINDER_SENT"),
            "{history:?}"
        );
        assert_eq!(c["noxFinans"]["feesBalance"], "0.00");
        // Skatteverket's part is recorded when it arrives, never through Nox Finans.
        let r = pay(&app, &inv, "7500", "2027-01-20", "NOX_FINANS", "skv-wrong").await;
        assert_eq!(code(&r), "VALIDATION", "{r}");
        let r = pay(
            &app,
            &inv,
            "7500.01",
            "2027-01-20",
            "SKATTEVERKET",
            "skv-much",
        )
        .await;
        assert_eq!(code(&r), "VALIDATION", "{r}");
        let r = pay(&app, &inv, "7500", "2027-01-20", "SKATTEVERKET", "skv").await;
        assert_eq!(
            r["data"]["registerPayment"],
            json!({ "balance": "0.00", "customerBalance": "0.00", "status": "PAID", "houseWork": { "skatteverketBalance": "0.00", "paidBySkatteverket": "7500.00" } })
        );
        let c = case_view(&app, &inv).await["noxFinans"]["collected"].clone();
        assert_eq!(
            c["total"], "17500.00",
            "Skatteverket's payment is not collected through Nox Finans"
        );
        // The 4.90 e-mail delivery fee was invoiced on 1 December, before the payout.
        assert_eq!(
            (c["paidOut"].as_str(), c["kept"].as_str()),
            (Some("17500.00"), Some("0.00"))
        );
        assert_books_close(&app, &app.company).await;
    }
);

// A reference rate given with REFERENCE_RATES counts from its day: 2.50 %
// from 1 January 2027 makes December's days 9.75 % and January's 10.50 %.
db_test!(
    a_reference_rate_from_the_settings_counts_from_its_day,
    settings = |s| {
        s.reference_rates = vec!["2027-01-01=2.50".into()];
    },
    |app| {
        let anna = private_customer(&app).await;
        // 10 000 due 30 November.
        let inv = invoice_on(&app, &anna, "2026-11-20", "10", "8000").await;
        reminded(&app, &inv, "rate").await;
        // 10 000 × (9.75 % × 31 + 10.50 % × 10) / 365 = 111.58, where the
        // built-in rates give 10 000 × 9.75 % × 41 / 365 = 109.52.
        app.clock.set(stockholm(2027, 1, 10, 12, 0));
        wait_case(&app, &inv, "DEBT_COLLECTION").await;
        let c = case_view(&app, &inv).await["noxFinans"].clone();
        assert_eq!(c["accruedInterest"], "111.58", "{c}");
    }
);

db_test!(interest_after_a_part_payment_is_counted_day_by_day, |app| {
    let anna = private_customer(&app).await;
    // 10 000 due 30 November.
    let inv = invoice_on(&app, &anna, "2026-11-20", "10", "8000").await;
    reminded(&app, &inv, "int").await;
    // 9 000 paid to the company on day 31 after the due date (the debt
    // collection notice, due 14 Dec, goes out first).
    app.clock.set(stockholm(2026, 12, 31, 12, 0));
    wait_case(&app, &inv, "DEBT_COLLECTION").await;
    let r = pay(&app, &inv, "9000", "2026-12-31", "CUSTOMER", "part").await;
    assert!(r.get("errors").is_none(), "{r}");
    // Day 61: 10 000 × 9.75 % × 31 / 365 + 1 000 × 9.75 % × 30 / 365 = 90.82.
    app.clock.set(stockholm(2027, 1, 30, 12, 0));
    wait_case(&app, &inv, "LONG_TERM_MONITORING").await;
    let c = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(c["capitalBalance"], "1000.00");
    assert_eq!(c["accruedInterest"], "90.82");
    // Reminder 60 + debt collection 180 + interest.
    assert_eq!(c["feesCharged"], "240.00");
    assert_eq!(c["feesBalance"], "330.82");
    assert_eq!(
        c["collected"]["total"], "0.00",
        "a direct payment is not collected by Nox Finans"
    );
    // The customer pays Nox Finans everything: invoice first, then fees, then interest.
    let r = pay(&app, &inv, "1330.82", "2027-01-30", "NOX_FINANS", "rest").await;
    assert!(r.get("errors").is_none(), "{r}");
    wait_case(&app, &inv, "PAID").await;
    let c = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(
        c["collected"],
        json!({ "capital": "1000.00", "fees": "240.00", "interest": "90.82", "total": "1330.82", "kept": "266.16", "paidOut": "0.00", "pending": "1064.66" })
    );
    // A closed case shows what was collected, nothing "due".
    assert_eq!(
        (c["feesBalance"].as_str(), c["accruedInterest"].as_str()),
        (Some("0.00"), Some("90.82"))
    );
    app.clock.set(stockholm(2027, 2, 1, 12, 0));
    app.eventually("the payout", || async {
        case_view(&app, &inv).await["noxFinans"]["collected"]["pending"] == "0.00"
    })
    .await;
    assert_books_close(&app, &app.company).await;
});

db_test!(
    nox_finans_fees_are_set_off_against_payouts_or_invoiced,
    |app| {
        let anna = private_customer(&app).await;
        let inv = invoice_on(&app, &anna, "2026-11-20", "10", "1000").await;
        hand_over(&app, &inv, "INVOICE_SERVICE", Some("LETTER"), "fee1").await;
        app.clock.advance(chrono::Duration::seconds(10));
        wait_case(&app, &inv, "DELIVERED").await;
        // The customer pays Nox Finans on Wednesday 25 Nov; the payout on Thursday
        // keeps back the 12.00 letter fee.
        app.clock.set(stockholm(2026, 11, 25, 12, 0));
        pay(&app, &inv, "1250", "2026-11-25", "NOX_FINANS", "fee-pay").await;
        wait_case(&app, &inv, "PAID").await;
        app.clock.set(stockholm(2026, 11, 26, 12, 0));
        app.eventually("the payout", || async {
            case_view(&app, &inv).await["noxFinans"]["collected"]["pending"] == "0.00"
        })
        .await;
        let c = case_view(&app, &inv).await["noxFinans"]["collected"].clone();
        assert_eq!(
            (c["paidOut"].as_str(), c["kept"].as_str()),
            (Some("1238.00"), Some("12.00"))
        );
        let st = app.ok(&app.company, "{ viewer { paymentsAccountBalance } statement(from: \"2026-11-01\", to: \"2026-11-30\") { entries { edges { node { kind amount } } } } }", json!({})).await;
        let entries = nodes(&st["statement"]["entries"]);
        assert_eq!(
            entries,
            vec![
                json!({ "kind": "SERVICE_FEE", "amount": "-12.00" }),
                json!({ "kind": "CUSTOMER_PAYMENT", "amount": "1250.00" }),
                json!({ "kind": "PAYOUT", "amount": "-1238.00" }),
            ]
        );
        assert_eq!(st["viewer"]["paymentsAccountBalance"], "0.00");

        // Recall before Nox Finans accepts: free; the invoice can be sent again.
        let second = invoice_on(&app, &anna, "2026-11-26", "10", "400").await;
        let r = hand_over(&app, &second, "INVOICE_SERVICE", Some("EMAIL"), "fee2").await;
        let case_id = r["case"]["id"].clone();
        let r = app
            .ok(
                &app.company,
                "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { status } }",
                json!({ "id": case_id }),
            )
            .await;
        assert_eq!(r["recallFromNoxFinans"]["status"], "RECALLED");
        let b = app
            .ok(
                &app.company,
                "{ viewer { paymentsAccountBalance } }",
                json!({}),
            )
            .await;
        assert_eq!(
            b["viewer"]["paymentsAccountBalance"], "0.00",
            "no recall fee before acceptance"
        );
        let r = hand_over(&app, &second, "INVOICE_SERVICE", Some("EMAIL"), "fee3").await;
        assert_eq!(r["accepted"], true, "{r}");
        assert_ne!(r["case"]["id"], case_id, "a new case");
        app.clock.advance(chrono::Duration::seconds(10));
        wait_case(&app, &second, "DELIVERED").await;
        // No payout covers the 4.90 e-mail fee: on 1 December it is invoiced.
        app.clock.set(stockholm(2026, 12, 1, 7, 0));
        app.eventually("the fee invoice", || async {
            let b = app
                .ok(
                    &app.company,
                    "{ viewer { paymentsAccountBalance } }",
                    json!({}),
                )
                .await;
            b["viewer"]["paymentsAccountBalance"] == "0.00"
        })
        .await;
        let st = app.ok(&app.company, "{ statement(from: \"2026-12-01\", to: \"2026-12-01\") { entries { edges { node { kind amount description } } } } }", json!({})).await;
        assert_eq!(
            st["statement"]["entries"]["edges"][0]["node"]["kind"],
            "FEES_INVOICED"
        );
        assert_eq!(
            st["statement"]["entries"]["edges"][0]["node"]["amount"],
            "4.90"
        );
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(
    a_payment_retried_with_the_same_key_is_recorded_once,
    |app| {
        let customer = app.full_customer(&app.company).await;
        let inv = invoice_on(&app, &customer, "2026-11-20", "30", "1000").await;
        for _ in 0..2 {
            let r = pay(&app, &inv, "100", "2026-11-21", "CUSTOMER", "once").await;
            assert_eq!(r["data"]["registerPayment"]["balance"], "1150.00", "{r}");
        }
        // The key sent again with another amount, or of another day, is
        // another payment: a client that reuses keys for instalments of one
        // amount learns of it instead of losing the second.
        for (amount, day) in [("101", "2026-11-21"), ("100", "2026-11-22")] {
            let r = pay(&app, &inv, amount, day, "CUSTOMER", "once").await;
            assert_eq!(
                code(&r),
                "CONFLICT",
                "the key belongs to another payment: {amount} on {day}: {r}"
            );
        }
        // Eight at once with one key: one payment.
        let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, token, inv) = (app.client.clone(), app.url.clone(), app.company.clone(), inv.clone());
            tokio::spawn(async move {
                client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&json!({ "query": PAY, "variables": { "id": inv, "a": "50", "d": "2026-11-21", "p": "CUSTOMER", "k": "burst" } }))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
        })
        .collect();
        for t in tasks {
            let r = t.await.unwrap();
            assert!(r.get("errors").is_none() || code(&r) == "CONFLICT", "{r}");
        }
        let r = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { balance } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(r["invoice"]["balance"], "1100.00");
        // Skatteverket pays only house-work invoices.
        let r = pay(&app, &inv, "1", "2026-11-21", "SKATTEVERKET", "skv").await;
        assert_eq!(code(&r), "VALIDATION");
    }
);

db_test!(an_edit_keeps_every_payment_on_a_part_that_exists, |app| {
    // 1 250 with a ROT reduction of 300: the customer's part is 950.
    let customer = app.full_customer(&app.company).await;
    let rot = |amount: &str| json!({ "type": "ROT", "deductibleAmount": amount });
    let inv = invoice_with(&app, &customer, json!({ "houseWork": rot("300") })).await;
    let r = pay(&app, &inv, "200", "2026-11-21", "SKATTEVERKET", "skv-1").await;
    assert_eq!(r["data"]["registerPayment"]["balance"], "1050.00", "{r}");
    let r = pay(&app, &inv, "600", "2026-11-21", "CUSTOMER", "anna-1").await;
    assert_eq!(
        r["data"]["registerPayment"]["customerBalance"], "350.00",
        "{r}"
    );
    const EDIT: &str = "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { balance customerBalance houseWork { deductibleAmount skatteverketBalance } } }";
    let edit = |price: &str, house_work: Value| {
        let mut i = json!({ "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
                "rows": [{ "description": "Work", "quantity": "1", "unitPrice": price, "vatRate": "25" }] });
        if !house_work.is_null() {
            i["houseWork"] = house_work;
        }
        app.gql(&app.company, EDIT, json!({ "id": inv, "i": i }))
    };
    // Each edit that would leave a payment on a part that no longer
    // exists is refused, naming the field.
    for (price, house_work, field, why) in [
        (
            "600",
            rot("300"),
            "rows",
            "a total of 750 is less than the 800 paid",
        ),
        (
            "1000",
            rot("100"),
            "houseWork.deductibleAmount",
            "Skatteverket paid 200 of a 100 reduction",
        ),
        (
            "1000",
            Value::Null,
            "houseWork",
            "Skatteverket paid 200 of no reduction",
        ),
        (
            "1000",
            rot("700"),
            "houseWork.deductibleAmount",
            "the customer paid 600 of a 550 part",
        ),
    ] {
        let r = edit(price, house_work).await;
        assert_eq!(code(&r), "VALIDATION", "{why}: {r}");
        assert_eq!(crate::helpers::field(&r), field, "{why}: {r}");
    }
    let r = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { total balance customerBalance houseWork { deductibleAmount } } }",
            json!({ "id": inv }),
        )
        .await;
    assert_eq!(
        r["invoice"],
        json!({ "total": "1250.00", "balance": "450.00", "customerBalance": "350.00", "houseWork": { "deductibleAmount": "300.00" } }),
        "refused edits change nothing"
    );
    // A reduction of 650 leaves the customer's part at exactly what the
    // customer paid; Skatteverket still owes 450, and then the invoice is paid.
    let r = edit("1000", rot("650")).await;
    assert_eq!(
        r["data"]["updateInvoice"],
        json!({ "balance": "450.00", "customerBalance": "0.00", "houseWork": { "deductibleAmount": "650.00", "skatteverketBalance": "450.00" } }),
        "{r}"
    );
    let r = pay(&app, &inv, "450", "2026-11-21", "SKATTEVERKET", "skv-2").await;
    assert_eq!(r["data"]["registerPayment"]["status"], "PAID", "{r}");
    assert_books_close(&app, &app.company).await;
});

db_test!(
    a_paid_or_credited_invoice_keeps_its_customer_currency_and_credited_vat,
    |app| {
        let anna = private_customer(&app).await;
        let other = app.full_customer(&app.company).await;
        let work = |price: &str, rate: &str| json!({ "description": "Arbete", "quantity": "1", "unitPrice": price, "vatRate": rate });
        // 1 000 at 25 % and 500 at 6 %: 1 780.
        let rows = json!([work("1000", "25"), work("500", "6")]);
        let inv = invoice_with(&app, &anna, json!({ "rows": rows })).await;
        const EDIT: &str = "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { balance currency customer { id } } }";
        let edit = |fields: Value| {
            let mut i = json!({ "customerId": anna, "invoiceDate": "2026-11-20", "termsOfPayment": "30", "rows": rows });
            for (k, v) in fields.as_object().unwrap() {
                i[k] = v.clone();
            }
            app.gql(&app.company, EDIT, json!({ "id": inv, "i": i }))
        };
        // Before any payment, customer and currency may change.
        let r = edit(json!({ "currency": "EUR" })).await;
        assert_eq!(r["data"]["updateInvoice"]["currency"], "EUR", "{r}");
        let r = edit(json!({ "currency": "SEK" })).await;
        assert_eq!(r["data"]["updateInvoice"]["currency"], "SEK", "{r}");
        let r = pay(&app, &inv, "500", "2026-11-21", "CUSTOMER", "anna-1").await;
        assert_eq!(r["data"]["registerPayment"]["balance"], "1280.00", "{r}");
        // 500 SEK paid on 21 Nov: it would not become 500 EUR, nor another
        // customer's, nor paid before the invoice was dated.
        for (fields, field) in [
            (json!({ "currency": "EUR" }), "currency"),
            (json!({ "customerId": other }), "customerId"),
            (json!({ "invoiceDate": "2026-11-22" }), "invoiceDate"),
        ] {
            let r = edit(fields.clone()).await;
            assert_eq!(code(&r), "VALIDATION", "{fields}: {r}");
            assert_eq!(crate::helpers::field(&r), field, "{r}");
        }
        // The same customer and currency, sent or not, are no change; the
        // invoice may be dated on the day it was paid.
        let r = edit(json!({ "currency": "SEK" })).await;
        assert_eq!(r["data"]["updateInvoice"]["balance"], "1280.00", "{r}");
        let r = edit(json!({ "invoiceDate": "2026-11-21" })).await;
        assert_eq!(r["data"]["updateInvoice"]["balance"], "1280.00", "{r}");
        // A credit of 400 at 25 %: the rows must keep at least 400 at 25 %.
        let r = app
        .ok(
            &app.company,
            "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { invoice { balance } } }",
            json!({ "id": inv, "r": [work("400", "25")], "k": "cr-1" }),
        )
        .await;
        assert_eq!(r["creditInvoice"]["invoice"]["balance"], "780.00");
        for (rows, why) in [
            (json!([work("2000", "6")]), "no 25 % left"),
            (
                json!([work("399", "25"), work("1000", "6")]),
                "399 of 400 at 25 %",
            ),
        ] {
            let r = edit(json!({ "rows": rows })).await;
            assert_eq!(code(&r), "VALIDATION", "{why}: {r}");
            assert_eq!(crate::helpers::field(&r), "rows", "{why}: {r}");
        }
        let r = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { total balance currency customer { id } } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(
            r["invoice"],
            json!({ "total": "1780.00", "balance": "780.00", "currency": "SEK", "customer": { "id": anna } }),
            "refused edits change nothing"
        );
        // Exactly the 400 credited at 25 %, and 500 at 6 %: 500 + 530 = 1 030,
        // of which 500 is credited and 500 paid.
        let r = edit(json!({ "rows": [work("400", "25"), work("500", "6")] })).await;
        assert_eq!(r["data"]["updateInvoice"]["balance"], "30.00", "{r}");
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(the_send_view_over_300_invoices_with_every_filter, |app| {
    let green = app.full_customer(&app.company).await;
    let yellow = app
        .customer(&app.company, json!({ "name": "Utan Telefon AB", "organisationNumber": "556036-0793", "email": "a@b.se", "address": { "street": "Gatan 1", "postalCode": "11351", "city": "Stockholm" } }))
        .await;
    let red = app
        .customer(&app.company, json!({ "name": "Utan Adress AB", "organisationNumber": "559234-5671", "email": "c@d.se", "phone": "08-1234567" }))
        .await;
    let mut ids = Vec::new();
    for i in 0..300 {
        let c = [&green, &yellow, &red][i % 3];
        ids.push(invoice_on(&app, c, "2026-11-01", "10", "100").await);
    }
    // The 40 oldest are hidden (none of the newest 200), every fifth is sent.
    for id in &ids[..40] {
        app.ok(
            &app.company,
            "mutation($id: ID!) { setNoxFinansHidden(invoiceId: $id, hidden: true) { hidden } }",
            json!({ "id": id }),
        )
        .await;
    }
    for id in ids.iter().step_by(5) {
        app.ok(
            &app.company,
            "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    }
    const VIEW: &str = "query($f: NoxFinansCandidateFilter, $after: String) { noxFinansCandidates(filter: $f, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { colour hidden invoice { id } } } } }";
    let crawl = |filter: Value| {
        let app = &app;
        async move {
            let (mut rows, mut after, mut total) = (Vec::new(), Value::Null, None);
            loop {
                let r = app
                    .ok(&app.company, VIEW, json!({ "f": filter, "after": after }))
                    .await["noxFinansCandidates"]
                    .clone();
                total.get_or_insert(r["totalCount"].as_u64().unwrap());
                rows.extend(nodes(&r));
                if r["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = r["pageInfo"]["endCursor"].clone();
            }
            (rows, total.unwrap())
        }
    };
    let id_of = |r: &Value| r["invoice"]["id"].as_str().unwrap().to_string();
    let expected_colour = |id: &str| {
        let i = ids.iter().position(|x| x == id).unwrap();
        ["GREEN", "YELLOW", "RED"][i % 3]
    };
    for service in ["INVOICE_SERVICE", "REMINDER_SERVICE"] {
        for only_hidden in [false, true] {
            for only_unsent in [false, true] {
                let (all, total) = crawl(json!({ "service": service, "onlyHidden": only_hidden, "onlyUnsent": only_unsent })).await;
                assert_eq!(all.len() as u64, total, "totalCount is the number of rows");
                let wanted = ids
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (*i < 40) == only_hidden && (!only_unsent || i % 5 != 0))
                    .count();
                assert_eq!(
                    all.len(),
                    wanted,
                    "{service} hidden={only_hidden} unsent={only_unsent}"
                );
                let mut seen = std::collections::HashSet::new();
                for r in &all {
                    assert!(seen.insert(id_of(r)), "no row twice");
                    assert_eq!(r["hidden"], only_hidden);
                    // The reminder service takes only overdue invoices (due 11 Nov: overdue).
                    assert_eq!(r["colour"], expected_colour(&id_of(r)), "{r}");
                }
                // Each colour filter returns exactly that colour's rows.
                for colour in ["GREEN", "YELLOW", "RED"] {
                    let (rows, n) = crawl(json!({ "service": service, "onlyHidden": only_hidden, "onlyUnsent": only_unsent, "colour": [colour] })).await;
                    assert_eq!(rows.len() as u64, n);
                    assert!(rows.iter().all(|r| r["colour"] == colour));
                    assert_eq!(
                        n as usize,
                        all.iter().filter(|r| r["colour"] == colour).count(),
                        "{colour}"
                    );
                }
            }
        }
    }
    // E-mail delivery: every customer has e-mail, so the colours stay.
    let (rows, _) = crawl(json!({ "delivery": "EMAIL", "colour": ["GREEN"] })).await;
    assert_eq!(rows.len(), (40..300).filter(|i| i % 3 == 0).count());
});

db_test!(two_part_payments_on_one_day_are_paid_out_once, |app| {
    let anna = private_customer(&app).await;
    let inv = invoice_on(&app, &anna, "2026-11-20", "10", "1000").await;
    hand_over(&app, &inv, "INVOICE_SERVICE", Some("LETTER"), "two").await;
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(&app, &inv, "DELIVERED").await;
    // Wednesday: two part-payments, and a direct one that Nox Finans only hears of.
    app.clock.set(stockholm(2026, 11, 25, 12, 0));
    for (amount, payer, key) in [
        ("400", "NOX_FINANS", "a"),
        ("350", "NOX_FINANS", "b"),
        ("100", "CUSTOMER", "c"),
    ] {
        let r = pay(&app, &inv, amount, "2026-11-25", payer, key).await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    let c = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(
        (c["status"].as_str(), c["capitalBalance"].as_str()),
        (Some("DELIVERED"), Some("400.00"))
    );
    // Thursday: one payout of what was collected, less the 12.00 letter fee.
    app.clock.set(stockholm(2026, 11, 26, 12, 0));
    app.eventually("the payout", || async {
        case_view(&app, &inv).await["noxFinans"]["collected"]["pending"] == "0.00"
    })
    .await;
    let st = app.ok(&app.company, "{ statement(from: \"2026-11-26\", to: \"2026-11-26\") { entries { edges { node { kind amount } } } } }", json!({})).await;
    assert_eq!(
        nodes(&st["statement"]["entries"]),
        vec![json!({ "kind": "PAYOUT", "amount": "-738.00" })]
    );
    // The notification bar says the money is on its way, as for a sale.
    let paid_out = || async {
        let n = app
            .ok(
                &app.company,
                "{ notifications(first: 100) { nodes { kind message invoice { id } } } }",
                json!({}),
            )
            .await;
        n["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "NOX_PAID_OUT")
            .cloned()
            .collect::<Vec<Value>>()
    };
    let told = paid_out().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["invoice"]["id"], inv);
    let message = told[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("738.00 SEK") && message.contains("750.00 collected less 12.00"),
        "{message}"
    );
    // A later day with nothing new pays nothing more.
    app.clock.set(stockholm(2026, 11, 27, 12, 0));
    app.worker_settled().await;
    assert_eq!(paid_out().await.len(), 1);
    let c = case_view(&app, &inv).await["noxFinans"]["collected"].clone();
    assert_eq!(
        c,
        json!({ "capital": "750.00", "fees": "0.00", "interest": "0.00", "total": "750.00", "kept": "12.00", "paidOut": "738.00", "pending": "0.00" })
    );
    assert_books_close(&app, &app.company).await;
});

/// Copies every column of the one row of `table` matching `template` but
/// `id` and those in `fresh` (column and SQL value, over `FROM {table} t,
/// {from}`), once per row of `from`.
async fn copy_rows(
    txn: &sea_orm::DatabaseTransaction,
    table: &str,
    template: &str,
    from: &str,
    fresh: &[(&str, &str)],
) {
    use sea_orm::ConnectionTrait;
    let columns: Vec<String> = txn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT column_name::text AS c FROM information_schema.columns \
                 WHERE table_name = '{table}' AND column_name <> 'id' ORDER BY ordinal_position"
            ),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "c").unwrap())
        .collect();
    let values: Vec<String> = columns
        .iter()
        .map(|c| {
            fresh
                .iter()
                .find(|(name, _)| name == c)
                .map_or(format!("t.{c}"), |(_, v)| v.to_string())
        })
        .collect();
    txn.execute_unprepared(&format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {table} t, {from} WHERE {template}",
        columns.join(", "),
        values.join(", ")
    ))
    .await
    .unwrap();
}

/// The exposure to the customer of invoice `except`, leaving it out, and how
/// many sales and index entries PostgreSQL read for it (with the invoice,
/// the agreement and the history, as a quote reads them).
async fn exposure_read(
    txn: &sea_orm::DatabaseTransaction,
    tenant: invoice_finance::store::Tenant,
    except: invoice_finance::domain::id::InvoiceId,
    today: chrono::NaiveDate,
) -> (invoice_finance::store::sales::Exposure, i64) {
    let before = crate::helpers::rows_read(txn, "invoice_sale").await;
    let b = invoice_finance::store::sales::basis(txn, tenant, except, today)
        .await
        .unwrap()
        .unwrap();
    (
        b.exposure,
        crate::helpers::rows_read(txn, "invoice_sale").await - before,
    )
}

/// A quote's and a decision's exposure reads the recipient's running total,
/// not each of the recipient's outstanding sales: a customer with thousands
/// of bought invoices costs a quote what a new customer does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exposure_to_a_recipient_does_not_read_each_of_its_sales() {
    use invoice_finance::domain::id::InvoiceId;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return;
    };
    activate(&app, agreement()).await;
    let customer = private_customer(&app).await;
    let first = invoice_of_10k(&app, &customer).await;
    sell_and_confirm(&app, &first, "tally-1").await;
    // The invoice quoted: the customer's next one.
    invoice_of_10k(&app, &customer).await;
    app.worker_settled().await;

    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let tenant = crate::live::first_company(&db).await;
    let txn = db.begin().await.unwrap();
    let ids = txn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT invoice_id FROM invoice_sale",
        ))
        .await
        .unwrap()
        .unwrap();
    let sold: i64 = ids.try_get("", "invoice_id").unwrap();
    // 2,000 more bought invoices to the same customer and 500 more on sale
    // (a backlog still being decided), written past the store as
    // `seed-bulk` writes them, then tallied as it does.
    for (prefix, n, status) in [("bulk-", 2000, "'APPROVED'"), ("wip-", 500, "'PROCESSING'")] {
        copy_rows(
            &txn,
            "invoice",
            &format!("t.id = {sold}"),
            &format!("generate_series(1, {n}) g"),
            &[("invoice_number", &format!("'{prefix}' || g"))],
        )
        .await;
        copy_rows(
            &txn,
            "invoice_sale",
            &format!("t.invoice_id = {sold} AND i.invoice_number LIKE '{prefix}%'"),
            "invoice i",
            &[
                ("invoice_id", "i.id"),
                ("status", status),
                ("quote_id", "'q-' || i.id"),
                ("idempotency_key", "'k-' || i.id"),
            ],
        )
        .await;
    }
    invoice_finance::store::sales::retally(&txn, tenant.company_id())
        .await
        .unwrap();
    let next = txn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT MAX(id) AS id FROM invoice WHERE invoice_number NOT LIKE 'bulk-%' \
                 AND invoice_number NOT LIKE 'wip-%' AND id <> {sold}"
            ),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "id")
        .unwrap();
    let today = invoice_finance::clock::Clock::today(&app.clock);
    let (e, read) = exposure_read(&txn, tenant, InvoiceId::new(next), today).await;
    // 2,001 bought invoices of 10 000 SEK, none collected, and 500 on sale.
    let bought = invoice_finance::domain::money::Ore::new(1_000_000 * 2501);
    assert_eq!(e.to_customer_ore, bought);
    assert_eq!(e.total_ore, bought);
    assert!(!e.invoice_sold && !e.recipient_overdue);
    assert!(read < 100, "one exposure read {read} sales");

    // All of them past due: the first overdue one answers.
    txn.execute_unprepared(
        "UPDATE invoice_sale SET due_date = due_date - 60 WHERE idempotency_key LIKE 'k-%' \
         AND status = 'APPROVED'",
    )
    .await
    .unwrap();
    let (e, read) = exposure_read(&txn, tenant, InvoiceId::new(next), today).await;
    assert!(e.recipient_overdue);
    assert_eq!(e.to_customer_ore, bought);
    assert!(read < 100, "one exposure read {read} sales");
}
