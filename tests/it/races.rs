//! Races between requests that must not pay or book twice.

use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures::*;
use crate::helpers::TestApp;

async fn post(app: &TestApp, query: &str, variables: Value) -> Value {
    app.client
        .post(&app.url)
        .bearer_auth(&app.company)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

db_test!(
    an_invoice_is_never_both_sold_and_handed_to_nox_finans,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let mut invoices = Vec::new();
        for _ in 0..12 {
            invoices.push(app.invoice(&app.company, &customer, "1000").await);
        }
        // For each invoice a sale and a hand-over race: both pass their own
        // eligibility check, and the database lets only one of them hold it.
        let races = invoices.iter().enumerate().map(|(i, inv)| {
        let app = &app;
        async move {
            let q = post(app, "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId } }", json!({ "id": inv })).await;
            let quote = q["data"]["invoiceSaleQuote"]["quoteId"].clone();
            let sell = post(app, "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { status } }", json!({ "i": { "invoiceId": inv, "quoteId": quote, "idempotencyKey": format!("s{i}") } }));
            let send = post(app, "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted } } }", json!({ "i": { "invoiceIds": [inv], "service": "INVOICE_SERVICE", "idempotencyKey": format!("n{i}") } }));
            let (sold, sent) = tokio::join!(sell, send);
            (sold, sent)
        }
    });
        for (sold, sent) in futures_util::future::join_all(races).await {
            for r in [&sold, &sent] {
                let code = r["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
                assert!(
                    code.is_empty() || code == "CONFLICT" || code == "NOT_ELIGIBLE",
                    "{r}"
                );
            }
            let sale_won = sold.get("errors").is_none();
            let nox_won = sent["data"]["sendToNoxFinans"]["results"][0]["accepted"] == true;
            assert!(
                sale_won != nox_won,
                "exactly one service holds the invoice: {sold} {sent}"
            );
        }
        for inv in &invoices {
            let r = app
                .ok(
                    &app.company,
                    "query($id: ID!) { invoice(id: $id) { sale { status } noxFinans { status } } }",
                    json!({ "id": inv }),
                )
                .await;
            let sale = !r["invoice"]["sale"].is_null();
            let case = !r["invoice"]["noxFinans"].is_null();
            assert!(sale != case, "{r}");
        }
        // The winning sales, and only they, are counted as being decided.
        crate::books::assert_tally_matches_sales(&app).await;
    }
);

db_test!(
    eight_sells_with_one_key_make_one_sale_and_all_get_it,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let inv = app.invoice(&app.company, &customer, "1000").await;
        let q = post(
            &app,
            "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId } }",
            json!({ "id": inv }),
        )
        .await;
        let quote = q["data"]["invoiceSaleQuote"]["quoteId"].clone();
        let sells = (0..8).map(|_| {
            post(
                &app,
                "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id } }",
                json!({ "i": { "invoiceId": inv, "quoteId": quote, "idempotencyKey": "one-key" } }),
            )
        });
        let answers = futures_util::future::join_all(sells).await;
        let ids: std::collections::HashSet<String> = answers
            .iter()
            .map(|r| {
                r["data"]["sellInvoice"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a retry gets the sale: {r}"))
                    .to_string()
            })
            .collect();
        assert_eq!(ids.len(), 1, "{answers:?}");
        // Counted once as being decided.
        crate::books::assert_tally_matches_sales(&app).await;
    }
);

db_test!(eight_concurrent_hand_overs_all_complete, |app| {
    let customer = app.full_customer(&app.company).await;
    let mut invoices = Vec::new();
    for _ in 0..8 {
        invoices.push(app.invoice(&app.company, &customer, "1000").await);
    }
    // Each batch reads only inside its own write transaction, so eight at once
    // do not starve the connection pool (SQLite's has eight connections).
    let sends = invoices.iter().enumerate().map(|(i, inv)| {
        post(&app, "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted } } }", json!({ "i": { "invoiceIds": [inv], "service": "INVOICE_SERVICE", "idempotencyKey": format!("h{i}") } }))
    });
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(
            r["data"]["sendToNoxFinans"]["results"][0]["accepted"], true,
            "{r}"
        );
    }
});

fn number_of(global_id: &str) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global_id)
        .unwrap();
    String::from_utf8(raw)
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn hand_over_and_deliver(app: &TestApp) -> (String, String) {
    let anna = private_customer(app).await;
    let inv = invoice_on(app, &anna, "2026-11-20", "10", "1000").await;
    let r = post(app, "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { case { id } } } }", json!({ "i": { "invoiceIds": [inv], "service": "INVOICE_SERVICE", "delivery": "LETTER", "idempotencyKey": "d" } })).await;
    let case = r["data"]["sendToNoxFinans"]["results"][0]["case"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(chrono::Duration::seconds(10));
    app.eventually("delivered", || async {
        post(
            app,
            "query($id: ID!) { invoice(id: $id) { noxFinans { status } } }",
            json!({ "id": inv }),
        )
        .await["data"]["invoice"]["noxFinans"]["status"]
            == "DELIVERED"
    })
    .await;
    (inv, case)
}

db_test!(pauses_and_resumes_keep_one_step_job_per_case, |app| {
    let (_, case) = hand_over_and_deliver(&app).await;
    for _ in 0..3 {
        let r = post(
            &app,
            "mutation($id: ID!) { pauseNoxFinansCase(caseId: $id, until: \"2026-11-25\") { id } }",
            json!({ "id": case }),
        )
        .await;
        assert!(r.get("errors").is_none(), "{r}");
        let r = post(
            &app,
            "mutation($id: ID!) { resumeNoxFinansCase(caseId: $id) { id } }",
            json!({ "id": case }),
        )
        .await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let live = entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq("NOX_STEP"))
        .filter(entity::job::Column::SubjectId.eq(number_of(&case)))
        .filter(entity::job::Column::Done.eq(false))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(live, 1);
});

db_test!(
    a_payment_and_a_timeline_step_of_one_case_run_one_after_the_other,
    |app| {
        let (inv, case) = hand_over_and_deliver(&app).await;
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 2, 11, 0, 0).unwrap());
        app.eventually("the notice", || async {
            post(
                &app,
                "query($id: ID!) { invoice(id: $id) { noxFinans { status } } }",
                json!({ "id": inv }),
            )
            .await["data"]["invoice"]["noxFinans"]["status"]
                == "OVERDUE_NOTICE_SENT"
        })
        .await;
        // Hold the case's row while the reminder comes due and a payment arrives:
        // both wait, then run one after the other; neither undoes the other.
        let holder = if app.database_url.starts_with("postgres") {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query("BEGIN").execute(&mut c).await.unwrap();
            sqlx::query("SELECT id FROM nox_case WHERE id = $1 FOR UPDATE")
                .bind(number_of(&case))
                .execute(&mut c)
                .await
                .unwrap();
            Some(c)
        } else {
            None
        };
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 7, 11, 0, 0).unwrap());
        let pay = post(
            &app,
            "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"500\", paidOn: \"2026-12-07\", payer: NOX_FINANS, idempotencyKey: \"p\") { balance } }",
            json!({ "id": inv }),
        );
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if let Some(mut c) = holder {
                sqlx::query("COMMIT").execute(&mut c).await.unwrap();
            }
        };
        let (paid, ()) = tokio::join!(pay, release);
        assert_eq!(
            paid["data"]["registerPayment"]["balance"], "750.00",
            "{paid}"
        );
        app.eventually("the reminder", || async {
            post(
                &app,
                "query($id: ID!) { invoice(id: $id) { noxFinans { status } } }",
                json!({ "id": inv }),
            )
            .await["data"]["invoice"]["noxFinans"]["status"]
                == "REMINDER_SENT"
        })
        .await;
        let c = post(&app, "query($id: ID!) { invoice(id: $id) { noxFinans { capitalBalance feesCharged collected { capital } history { status } } } }", json!({ "id": inv })).await["data"]["invoice"]["noxFinans"].clone();
        assert_eq!(
            (
                c["capitalBalance"].as_str(),
                c["feesCharged"].as_str(),
                c["collected"]["capital"].as_str()
            ),
            (Some("750.00"), Some("60.00"), Some("500.00")),
            "{c}"
        );
        let reminders = c["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["status"] == "REMINDER_SENT")
            .count();
        assert!(reminders >= 1);
    }
);

db_test!(
    changes_to_one_invoice_at_once_each_see_the_one_before,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        const EDIT: &str =
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }";
        const PAY: &str = "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"100\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: $k) { id } }";
        const CANCEL: &str = "mutation($id: ID!) { cancelInvoice(id: $id) { id } }";
        const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { invoice { id } } }";
        let work = |price: &str| json!([{ "description": "Work", "quantity": "1", "unitPrice": price, "vatRate": "25" }]);
        // Each round races a payment of 100 against an edit (1 250 → 1 500),
        // a cancellation, and a credit of 125 against an edit to another VAT rate.
        let rounds = (0..8).map(|i| {
            let app = &app;
            let (customer, work) = (&customer, &work);
            async move {
                let inv = app.invoice(&app.company, customer, "1000").await;
                let input = json!({ "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30", "rows": work("1200") });
                let (edit, pay, cancel) = tokio::join!(
                    post(app, EDIT, json!({ "id": inv, "i": input })),
                    post(app, PAY, json!({ "id": inv, "k": format!("p{i}") })),
                    post(app, CANCEL, json!({ "id": inv })),
                );
                let credited = work("100");
                let mut to_six = input.clone();
                to_six["rows"] = json!([{ "description": "Bok", "quantity": "1", "unitPrice": "1500", "vatRate": "6" }]);
                let (credit, edit_again) = tokio::join!(
                    post(app, CREDIT, json!({ "id": inv, "r": credited, "k": format!("c{i}") })),
                    post(app, EDIT, json!({ "id": inv, "i": to_six })),
                );
                // A fresh invoice: an edit races its hand-over to Nox Finans.
                let other = app.invoice(&app.company, customer, "1000").await;
                let (edit_handed, send) = tokio::join!(
                    post(app, EDIT, json!({ "id": other, "i": input })),
                    post(app, "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted } } }", json!({ "i": { "invoiceIds": [other], "service": "INVOICE_SERVICE", "idempotencyKey": format!("n{i}") } })),
                );
                // And another: an edit races its sale, confirmed on the quote
                // of the invoice as it was.
                let sold = app.invoice(&app.company, customer, "1000").await;
                let q = post(app, "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId } }", json!({ "id": sold })).await;
                let quote = q["data"]["invoiceSaleQuote"]["quoteId"].clone();
                let (edit_sold, sell) = tokio::join!(
                    post(app, EDIT, json!({ "id": sold, "i": input })),
                    post(app, "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { status } }", json!({ "i": { "invoiceId": sold, "quoteId": quote, "idempotencyKey": format!("s{i}") } })),
                );
                (inv, other, sold, [edit, pay, cancel, credit, edit_again, edit_handed, send, edit_sold, sell])
            }
        });
        for (inv, other, sold, answers) in futures_util::future::join_all(rounds).await {
            for r in &answers {
                let code = r["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
                assert!(
                    ["", "CONFLICT", "VALIDATION", "QUOTE_CHANGED"].contains(&code),
                    "{r}"
                );
            }
            let ok = |r: &Value| r.get("errors").is_none();
            let hundred = rust_decimal::Decimal::from(100);
            let paid = if ok(&answers[1]) {
                hundred
            } else {
                rust_decimal::Decimal::ZERO
            } + if ok(&answers[3]) {
                rust_decimal::Decimal::from(125)
            } else {
                rust_decimal::Decimal::ZERO
            };
            let r = app
                .ok(
                    &app.company,
                    "query($id: ID!) { invoice(id: $id) { total balance credited cancelled rows { vatRate } } }",
                    json!({ "id": inv }),
                )
                .await;
            let i = &r["invoice"];
            let dec = |v: &Value| {
                v.as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            };
            assert_eq!(
                dec(&i["balance"]),
                dec(&i["total"]) - paid,
                "the balance is the total less what was paid and credited: {r} {answers:?}"
            );
            assert!(
                !(i["cancelled"] == true && paid > rust_decimal::Decimal::ZERO),
                "a cancelled invoice has no payments: {r} {answers:?}"
            );
            if ok(&answers[3]) {
                assert!(
                    i["rows"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|row| row["vatRate"] == "25"),
                    "a credit at 25 % keeps a row at 25 %: {r} {answers:?}"
                );
            }
            let r = app
                .ok(
                    &app.company,
                    "query($id: ID!) { invoice(id: $id) { balance noxFinans { claim capitalBalance } } }",
                    json!({ "id": other }),
                )
                .await;
            let case = &r["invoice"]["noxFinans"];
            if !case.is_null() {
                assert_eq!(
                    case["capitalBalance"], r["invoice"]["balance"],
                    "Nox Finans holds the invoice as it is: {r} {answers:?}"
                );
            }
            let r = app
                .ok(
                    &app.company,
                    "query($id: ID!) { invoice(id: $id) { total sale { amount } } }",
                    json!({ "id": sold }),
                )
                .await;
            let sale = &r["invoice"]["sale"];
            if !sale.is_null() {
                assert_eq!(
                    sale["amount"], r["invoice"]["total"],
                    "the financier is offered the invoice as it is: {r} {answers:?}"
                );
            }
        }
    }
);

/// A sale that the company withdraws while one of its jobs is deciding it:
/// the job's change finds the sale moved on, and the job ends there, as the
/// decision is no longer its to take, instead of failing and being run
/// again. Each withdrawal is held open on a connection of its own, so the
/// job reads the sale as it was and then waits for it. One sale is
/// withdrawn as its processing starts a spot check, another as its spot
/// check's deadline passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_withdrawn_while_its_job_decides_it_ends_the_job() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let backend = crate::helpers::Backend::Postgres;
    let Some(app) = TestApp::spawn_with(backend, |s| s.sale_processing_delay_secs = 60).await
    else {
        return;
    };
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let scalar = async |sql: String| {
        let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    // Withdraws the sale on its own connection while the clock moves by
    // `ahead` and its job `kind` runs into the withdrawal; how the job ended.
    let withdrawn_during = async |sale: i64, kind: &str, ahead: chrono::Duration| {
        let withdrawal = db.begin().await.unwrap();
        let sql = format!("UPDATE invoice_sale SET status = 'WITHDRAWN' WHERE id = {sale}");
        withdrawal.execute_unprepared(&sql).await.unwrap();
        app.clock.advance(ahead);
        app.eventually(&format!("{kind} waits for the withdrawal"), || async {
            scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE 'UPDATE \"invoice_sale\"%'"
                    .into(),
            )
            .await
                > 0
        })
        .await;
        withdrawal.commit().await.unwrap();
        let job = format!("FROM job WHERE kind = '{kind}' AND subject_id = {sale}");
        app.eventually(&format!("{kind} has run"), || async {
            scalar(format!(
                "SELECT COUNT(*) {job} AND (done OR last_error IS NOT NULL)"
            ))
            .await
                > 0
        })
        .await;
        let done = scalar(format!("SELECT COUNT(*) {job} AND done")).await;
        let failed = scalar(format!("SELECT COUNT(*) {job} AND last_error IS NOT NULL")).await;
        (done, failed)
    };
    let first = app.invoice(&app.company, &customer, "1000").await;
    let r = sell(&app, &first, "first").await;
    let sale = number_of(r["data"]["sellInvoice"]["id"].as_str().unwrap());
    let ended = withdrawn_during(sale, "PROCESS_SALE", chrono::Duration::seconds(61)).await;
    assert_eq!(ended, (1, 0), "processing ends without an error");
    let second = app.invoice(&app.company, &customer, "1000").await;
    let r = sell(&app, &second, "second").await;
    let sale = number_of(r["data"]["sellInvoice"]["id"].as_str().unwrap());
    app.clock.advance(chrono::Duration::seconds(61));
    wait_for_status(&app, &second, "SPOT_CHECK").await;
    let ended = withdrawn_during(sale, "SPOT_CHECK_DEADLINE", chrono::Duration::days(7)).await;
    assert_eq!(ended, (1, 0), "the deadline ends without an error");
}
