//! Brief records: an invoice page or lookup that shows only an invoice's
//! number, dates and amounts, its customer's name and address and its sale's
//! status and payout reads those columns alone. Every field a brief read
//! answers must answer as a full read does, on invoices in every state that
//! changes them: sold, paid in part, credited, a credit note, to a business
//! and to a private person, with and without a sale.

use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures::*;
use crate::helpers::TestApp;

/// Every field `graphql::types::invoice::brief` names, through fragments and
/// both connection shapes.
const BRIEF: &str = "fragment B on Invoice {
    __typename id invoiceNumber customerName invoiceDate dueDate type total balance
    customer { __typename id customerNumber name email address { street postalCode city country } }
    sale { __typename id status payout }
}";

const PAY: &str = "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"400\", paidOn: \"2026-11-20\", payer: CUSTOMER, idempotencyKey: $k) { balance } }";
const CREDIT: &str = "mutation($id: ID!, $k: String!) { creditInvoice(invoiceId: $id, idempotencyKey: $k) { creditNote { id } } }";

/// The page as `extra` (more fields of each invoice) makes it, and whether it
/// was read brief (the metric counted it).
async fn page(app: &TestApp, extra: &str) -> (Value, bool) {
    let before = app.gauge("brief_invoice_reads_total").await;
    let q = format!(
        "{{ invoices(first: 20) {{ nodes {{ ...B {extra} }} edges {{ cursor node {{ ...B {extra} }} }} totalCount }} }} {BRIEF}"
    );
    let data = app.ok(&app.company, &q, json!({})).await;
    let brief = app.gauge("brief_invoice_reads_total").await > before;
    (data["invoices"].clone(), brief)
}

/// One invoice as `extra` makes it, and whether it was read brief.
async fn one(app: &TestApp, id: &str, extra: &str) -> (Value, bool) {
    let before = app.gauge("brief_invoice_reads_total").await;
    let q = format!("query($id: ID!) {{ invoice(id: $id) {{ ...B {extra} }} }} {BRIEF}");
    let data = app.ok(&app.company, &q, json!({ "id": id })).await;
    let brief = app.gauge("brief_invoice_reads_total").await > before;
    (data["invoice"].clone(), brief)
}

/// `v` without the key `extra` in any object.
fn without(mut v: Value, extra: &str) -> Value {
    match &mut v {
        Value::Object(m) => {
            m.remove(extra);
            for x in m.values_mut() {
                *x = without(x.take(), extra);
            }
        }
        Value::Array(items) => {
            for x in items.iter_mut() {
                *x = without(x.take(), extra);
            }
        }
        _ => {}
    }
    v
}

db_test!(every_brief_field_answers_as_a_full_read, |app| {
    activate(&app, agreement()).await;
    let business = app.full_customer(&app.company).await;
    let private = private_customer(&app).await;
    let sold = invoice_of_10k(&app, &business).await;
    sell_and_confirm(&app, &sold, "sell-1").await;
    let paid = invoice_with(&app, &private, json!({ "invoiceDate": "2026-11-02" })).await;
    app.ok(&app.company, PAY, json!({ "id": paid, "k": "pay-1" }))
        .await;
    let credited = invoice_on(&app, &business, "2026-10-15", "30", "2500").await;
    let note = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": credited, "k": "credit-1" }),
        )
        .await["creditInvoice"]["creditNote"]["id"]
        .clone();
    let plain = invoice_of_10k(&app, &private).await;

    let (brief, read_brief) = page(&app, "").await;
    assert!(read_brief, "a page of brief fields reads brief records");
    // One field beyond them makes the read whole.
    for extra in [
        "termsOfPayment",
        "customerBalance",
        "listIcon { kind }",
        "ocr",
    ] {
        let (full, read_brief) = page(&app, extra).await;
        assert!(!read_brief, "{extra} needs the whole record");
        let key = extra.split(' ').next().unwrap();
        assert_eq!(brief, without(full, key), "with {extra}");
    }
    let nodes = brief["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert_eq!(brief["totalCount"], 5);
    // The data reaches into every brief column: a default left in a field a
    // brief read should have filled would differ from the full read above,
    // and these show the values are the real ones.
    let by_id = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap().clone();
    assert_eq!(by_id(&sold)["sale"]["status"], "APPROVED");
    assert_ne!(by_id(&sold)["sale"]["payout"], "0.00");
    assert_eq!(by_id(&paid)["balance"], "850.00");
    assert_eq!(by_id(&paid)["customer"]["address"]["city"], "Umeå");
    assert_eq!(by_id(note.as_str().unwrap())["type"], "CREDIT_NOTE");
    assert_eq!(by_id(&credited)["balance"], "0.00");
    assert_eq!(by_id(&plain)["sale"], Value::Null);

    for id in [&sold, &paid, &credited, note.as_str().unwrap(), &plain] {
        let (brief, read_brief) = one(&app, id, "").await;
        assert!(read_brief, "{id}");
        let (full, read_brief) = one(&app, id, "currency").await;
        assert!(!read_brief, "{id}");
        assert_eq!(brief, without(full, "currency"), "{id}");
    }
});

db_test!(
    a_field_beyond_a_brief_customer_or_sale_reads_whole_records,
    |app| {
        activate(&app, agreement()).await;
        let business = app.full_customer(&app.company).await;
        let sold = invoice_of_10k(&app, &business).await;
        sell_and_confirm(&app, &sold, "sell-1").await;
        for (extra, key) in [
            ("customer { phone }", "phone"),
            ("sale { amount }", "amount"),
            ("sale { invoice { id } }", "invoice"),
        ] {
            let (full, read_brief) = page(&app, extra).await;
            assert!(!read_brief, "{extra}");
            let node = &full["nodes"][0];
            let shown = node["customer"].get(key).or_else(|| node["sale"].get(key));
            assert!(shown.is_some_and(|v| !v.is_null()), "{extra}: {node}");
        }
    }
);
