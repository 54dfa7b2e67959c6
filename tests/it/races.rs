//! Races between requests that must not pay or book twice.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::TestApp;
use crate::sale::{activate, agreement};

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
