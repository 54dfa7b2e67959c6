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

/// A send-view page whose invoices show only brief fields, with every
/// row's verdict.
const VIEW: &str =
    "query($f: NoxFinansCandidateFilter) { noxFinansCandidates(filter: $f, first: 50) {
    totalCount
    nodes { colour blockers { code field } warnings { code field } invoice { ...B EXTRA } }
    edges { cursor node { colour invoice { ...B EXTRA } } } } }";

/// The send view under `filter` as `extra` (more fields of each invoice)
/// makes it, and whether it was read narrow (the metric counted it).
async fn view(app: &TestApp, filter: &Value, extra: &str) -> (Value, bool) {
    let before = app.gauge("brief_invoice_reads_total").await;
    let q = format!("{} {BRIEF}", VIEW.replace("EXTRA", extra));
    let data = app.ok(&app.company, &q, json!({ "f": filter })).await;
    let narrow = app.gauge("brief_invoice_reads_total").await > before;
    (data["noxFinansCandidates"].clone(), narrow)
}

db_test!(
    the_send_view_reads_what_its_rules_read_and_answers_as_a_full_read,
    |app| {
        activate(&app, agreement()).await;
        let full = app.full_customer(&app.company).await;
        let private = private_customer(&app).await;
        // Without phone, identity number or e-mail: the three contact warnings.
        let bare = app
        .customer(&app.company, json!({ "name": "Kiosken Väst", "address": { "street": "Torget 1", "postalCode": "41101", "city": "Göteborg" } }))
        .await;
        let mut made = Vec::new();
        for fields in [
            json!({}),
            json!({ "currency": "EUR" }),
            json!({ "termsOfPayment": "0" }),
            json!({ "invoiceDate": "2026-11-23" }),
            json!({ "invoiceDate": "2026-09-01" }),
            json!({ "notCompleted": true }),
            json!({ "type": "CASH" }),
            json!({ "type": "INTEREST" }),
            json!({ "customerName": "" }),
            json!({ "invoiceAddress": { "street": "", "postalCode": "", "city": "Luleå" } }),
            json!({ "invoiceAddress": { "street": "", "postalCode": "97231", "city": "Luleå" } }),
        ] {
            made.push(invoice_with(&app, &full, fields).await);
        }
        made.push(invoice_with(&app, &bare, json!({})).await);
        let cancelled = invoice_with(&app, &private, json!({})).await;
        app.ok(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
            json!({ "id": cancelled }),
        )
        .await;
        let paid = invoice_with(&app, &private, json!({})).await;
        app.ok(&app.company, "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"1250\", paidOn: \"2026-11-20\", payer: CUSTOMER, idempotencyKey: $k) { balance } }", json!({ "id": paid, "k": "paid" }))
        .await;
        // ROT: 25 000 of which Skatteverket pays 7 500; the customer's part paid.
        let rot = invoice_with(&app, &private, json!({
        "rows": [{ "description": "Renovering", "quantity": "1", "unitPrice": "20000", "vatRate": "25" }],
        "houseWork": { "type": "ROT", "deductibleAmount": "7500" } })).await;
        app.ok(&app.company, "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"17500\", paidOn: \"2026-11-20\", payer: CUSTOMER, idempotencyKey: $k) { balance } }", json!({ "id": rot, "k": "rot" }))
        .await;
        let sold = invoice_of_10k(&app, &full).await;
        sell_and_confirm(&app, &sold, "sold").await;

        let mut blockers = std::collections::BTreeSet::new();
        let mut warnings = std::collections::BTreeSet::new();
        for filter in [
            json!({}),
            json!({ "delivery": "EMAIL" }),
            json!({ "service": "REMINDER_SERVICE" }),
            json!({ "colour": ["RED"] }),
            json!({ "colour": ["GREEN", "YELLOW"], "delivery": "EMAIL" }),
        ] {
            let (narrow, read_narrow) = view(&app, &filter, "").await;
            assert!(
                read_narrow,
                "a send-view page of brief invoices reads narrow ({filter})"
            );
            let (whole, read_narrow) = view(&app, &filter, "ocr").await;
            assert!(!read_narrow, "ocr needs the whole invoice");
            assert_eq!(narrow, without(whole, "ocr"), "under {filter}");
            for n in narrow["nodes"].as_array().unwrap() {
                for b in n["blockers"].as_array().unwrap() {
                    blockers.insert(b["code"].as_str().unwrap().to_string());
                }
                for w in n["warnings"].as_array().unwrap() {
                    warnings.insert(w["code"].as_str().unwrap().to_string());
                }
            }
            if filter == json!({}) {
                assert_eq!(narrow["totalCount"], 16);
            }
        }
        // The data reaches every rule the view applies (an invoice with an open
        // case is not in the view): a default left in a column a rule reads
        // would have changed a verdict above.
        let every_blocker = [
            "ADDRESS_INCOMPLETE",
            "ALREADY_SOLD",
            "BALANCE_NOT_POSITIVE",
            "CANCELLED",
            "CASH_INVOICE",
            "CURRENCY_NOT_SEK",
            "CUSTOMER_NAME_MISSING",
            "EMAIL_REQUIRED",
            "HOUSE_WORK_BALANCE",
            "INTEREST_INVOICE",
            "INVOICE_DATE_IN_FUTURE",
            "NOT_COMPLETED",
            "NOT_OVERDUE",
            "TERMS_NOT_ACTIVE",
        ];
        assert_eq!(
            blockers,
            every_blocker.iter().map(|c| c.to_string()).collect()
        );
        let every_warning = [
            "EMAIL_MISSING",
            "IDENTITY_NUMBER_MISSING",
            "PHONE_MISSING",
            "STREET_MISSING",
        ];
        assert_eq!(
            warnings,
            every_warning.iter().map(|c| c.to_string()).collect()
        );
    }
);
