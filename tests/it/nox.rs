//! Nox Finans on the real server: settings, prices, the send view with its
//! colours, fixing a red row, a mixed batch, and acceptance seen live.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TestApp, code, field};
use crate::ws::{Protocol, WsClient};

const VIEW: &str = "query($f: NoxFinansCandidateFilter) { noxFinansCandidates(filter: $f, first: 50) { totalCount edges { node { colour hidden invoice { id invoiceNumber } blockers { code field } warnings { code } } } } }";
const SEND: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted invoice { id } case { id status } warnings { code } blockers { code } } } }";

async fn invoice_for(app: &TestApp, customer: &str, date: &str, currency: &str) -> String {
    app.ok(
        &app.company,
        "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }",
        json!({ "i": { "customerId": customer, "invoiceDate": date, "termsOfPayment": "30", "currency": currency,
            "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "1000", "vatRate": "25" }] } }),
    )
    .await["createInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn view(app: &TestApp, filter: Value) -> Vec<Value> {
    app.ok(&app.company, VIEW, json!({ "f": filter })).await["noxFinansCandidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn row<'a>(rows: &'a [Value], invoice: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["invoice"]["id"] == invoice)
        .unwrap_or(&Value::Null)
}

fn codes(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

db_test!(settings_and_prices, |app| {
    let s = app
        .ok(
            &app.company,
            "{ noxFinansSettings { activeTermsOfPayment defaultDelivery } }",
            json!({}),
        )
        .await;
    assert_eq!(
        s["noxFinansSettings"],
        json!({ "activeTermsOfPayment": ["10", "15", "20", "30", "45"], "defaultDelivery": "LETTER" })
    );
    let r = app
        .gql(&app.company, "mutation { updateNoxFinansSettings(input: { activeTermsOfPayment: [\"30\", \"99\"], defaultDelivery: EMAIL }) { defaultDelivery } }", json!({}))
        .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("VALIDATION", "activeTermsOfPayment")
    );
    let r = app
        .ok(&app.company, "mutation { updateNoxFinansSettings(input: { activeTermsOfPayment: [\"30\"], defaultDelivery: EMAIL }) { activeTermsOfPayment defaultDelivery } }", json!({}))
        .await;
    assert_eq!(
        r["updateNoxFinansSettings"],
        json!({ "activeTermsOfPayment": ["30"], "defaultDelivery": "EMAIL" })
    );
    // Settings are per company.
    let other = app
        .ok(
            &app.other,
            "{ noxFinansSettings { defaultDelivery } }",
            json!({}),
        )
        .await;
    assert_eq!(other["noxFinansSettings"]["defaultDelivery"], "LETTER");
    let p = app
        .ok(
            &app.company,
            "{ noxFinansPriceList { item amount service } }",
            json!({}),
        )
        .await;
    let prices: Vec<(String, String)> = p["noxFinansPriceList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["item"].as_str().unwrap().into(),
                p["amount"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (item, amount) in [
        ("LETTER", "12.00"),
        ("EMAIL", "4.90"),
        ("REMINDER_SERVICE", "1.90"),
        ("RECALL", "50.00"),
        ("REMINDER_FEE", "60.00"),
        ("DEBT_COLLECTION_FEE", "180.00"),
        ("LATE_PAYMENT_COMPENSATION", "450.00"),
    ] {
        assert!(
            prices.contains(&(item.to_string(), amount.to_string())),
            "{item}"
        );
    }
});

db_test!(the_send_view_colours_rows_and_follows_fixes, |app| {
    let full = app.full_customer(&app.company).await;
    let no_email = app.customer(&app.company, json!({ "name": "Erik Johansson", "organisationNumber": "19921103-4567", "phone": "073-9876543", "address": { "street": "Tallstigen 8", "postalCode": "93140", "city": "Skellefteå" } })).await;
    let no_postal = app.customer(&app.company, json!({ "name": "Fastighets AB Norrsken", "email": "info@norrsken.example", "phone": "063-102030", "organisationNumber": "559567-8904", "address": { "street": "Kyrkgatan 40", "city": "Östersund" } })).await;
    let green = invoice_for(&app, &full, "2026-11-20", "SEK").await;
    let yellow = invoice_for(&app, &no_email, "2026-11-20", "SEK").await;
    let red_address = invoice_for(&app, &no_postal, "2026-11-20", "SEK").await;
    let red_eur = invoice_for(&app, &full, "2026-11-20", "EUR").await;
    let red_future = invoice_for(&app, &full, "2026-11-23", "SEK").await;

    let rows = view(&app, json!({})).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(row(&rows, &green)["colour"], "GREEN");
    assert_eq!(row(&rows, &yellow)["colour"], "YELLOW");
    assert_eq!(
        codes(&row(&rows, &yellow)["warnings"]),
        vec!["EMAIL_MISSING"]
    );
    assert_eq!(row(&rows, &red_address)["colour"], "RED");
    assert_eq!(
        codes(&row(&rows, &red_address)["blockers"]),
        vec!["ADDRESS_INCOMPLETE"]
    );
    assert_eq!(
        row(&rows, &red_address)["blockers"][0]["field"],
        "invoiceAddress"
    );
    assert_eq!(
        codes(&row(&rows, &red_eur)["blockers"]),
        vec!["CURRENCY_NOT_SEK"]
    );
    assert_eq!(
        codes(&row(&rows, &red_future)["blockers"]),
        vec!["INVOICE_DATE_IN_FUTURE"]
    );
    // Colour filter; e-mail delivery turns the missing e-mail into a blocker.
    assert_eq!(view(&app, json!({ "colour": ["RED"] })).await.len(), 3);
    let by_email = view(&app, json!({ "delivery": "EMAIL" })).await;
    assert_eq!(
        codes(&row(&by_email, &yellow)["blockers"]),
        vec!["EMAIL_REQUIRED"]
    );
    // The reminder service takes only overdue invoices.
    let reminder = view(&app, json!({ "service": "REMINDER_SERVICE" })).await;
    assert!(codes(&row(&reminder, &green)["blockers"]).contains(&"NOT_OVERDUE"));

    // Completing the data turns rows at once: the customer's e-mail, the
    // invoice's printed address.
    app.ok(&app.company, "mutation($id: ID!) { updateCustomer(id: $id, input: { email: \"erik@example.se\" }) { id } }", json!({ "id": no_email })).await;
    app.ok(
        &app.company,
        "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }",
        json!({ "id": red_address, "i": { "customerId": no_postal, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
            "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "1000", "vatRate": "25" }],
            "invoiceAddress": { "postalCode": "831 30" } } }),
    )
    .await;
    let rows = view(&app, json!({})).await;
    assert_eq!(row(&rows, &yellow)["colour"], "GREEN");
    assert_eq!(row(&rows, &red_address)["colour"], "GREEN");

    // Hide and unhide with the trash can.
    let r = app.ok(&app.company, "mutation($id: ID!) { setNoxFinansHidden(invoiceId: $id, hidden: true) { hidden colour } }", json!({ "id": red_eur })).await;
    assert_eq!(r["setNoxFinansHidden"]["hidden"], true);
    assert!(row(&view(&app, json!({})).await, &red_eur).is_null());
    let hidden = view(&app, json!({ "onlyHidden": true })).await;
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["invoice"]["id"], red_eur.as_str());
    app.ok(
        &app.company,
        "mutation($id: ID!) { setNoxFinansHidden(invoiceId: $id, hidden: false) { hidden } }",
        json!({ "id": red_eur }),
    )
    .await;
    assert_eq!(view(&app, json!({})).await.len(), 5);
    // Only unsent.
    app.ok(
        &app.company,
        "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }",
        json!({ "id": green }),
    )
    .await;
    assert!(row(&view(&app, json!({ "onlyUnsent": true })).await, &green).is_null());
    // Another company sees none of it and cannot hide it.
    assert!(view_of_other(&app).await.is_empty());
    let r = app
        .gql(
            &app.other,
            "mutation($id: ID!) { setNoxFinansHidden(invoiceId: $id, hidden: true) { hidden } }",
            json!({ "id": green }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
});

async fn view_of_other(app: &TestApp) -> Vec<Value> {
    app.ok(&app.other, VIEW, json!({})).await["noxFinansCandidates"]["edges"]
        .as_array()
        .unwrap()
        .clone()
}

db_test!(a_mixed_batch_is_sent_and_accepted_live, |app| {
    let full = app.full_customer(&app.company).await;
    let no_phone = app.customer(&app.company, json!({ "name": "Lindgren & Co HB", "email": "l@example.se", "organisationNumber": "559890-1238", "address": { "street": "Verkstadsgatan 2", "postalCode": "89133", "city": "Örnsköldsvik" } })).await;
    let green = invoice_for(&app, &full, "2026-11-20", "SEK").await;
    let yellow = invoice_for(&app, &no_phone, "2026-11-20", "SEK").await;
    let red = invoice_for(&app, &full, "2026-11-20", "EUR").await;

    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe("n", "subscription { noxFinansEvents { cursor status message case { status invoice { invoiceNumber } } } }", json!({})).await;
    let mut other = WsClient::connect(&app.base, Protocol::TransportWs, &app.other).await;
    other
        .subscribe(
            "n",
            "subscription { noxFinansEvents { status } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let input = json!({ "i": { "invoiceIds": [green, yellow, red], "service": "INVOICE_SERVICE", "idempotencyKey": "batch-1" } });
    let r = app.ok(&app.company, SEND, input.clone()).await;
    let results = r["sendToNoxFinans"]["results"].as_array().unwrap().clone();
    assert_eq!(results[0]["accepted"], true);
    assert_eq!(results[0]["case"]["status"], "SUBMITTED");
    assert_eq!(results[1]["accepted"], true);
    assert_eq!(codes(&results[1]["warnings"]), vec!["PHONE_MISSING"]);
    assert_eq!(results[2]["accepted"], false);
    assert!(results[2]["case"].is_null());
    assert_eq!(codes(&results[2]["blockers"]), vec!["CURRENCY_NOT_SEK"]);
    // The same key again: the same cases, nothing new.
    let again = app.ok(&app.company, SEND, input).await;
    assert_eq!(
        again["sendToNoxFinans"]["results"][0]["case"]["id"],
        results[0]["case"]["id"]
    );
    // Another key: already handed over, one case.
    let r = app.ok(&app.company, SEND, json!({ "i": { "invoiceIds": [green], "service": "INVOICE_SERVICE", "idempotencyKey": "batch-2" } })).await;
    assert_eq!(r["sendToNoxFinans"]["results"][0]["accepted"], false);
    assert_eq!(
        codes(&r["sendToNoxFinans"]["results"][0]["blockers"]),
        vec!["ALREADY_HANDED_OVER"]
    );
    assert_eq!(
        r["sendToNoxFinans"]["results"][0]["case"]["id"],
        results[0]["case"]["id"]
    );
    // Sent invoices leave the send view, show a gavel, and cannot be edited or sold.
    let rows = view(&app, json!({})).await;
    assert_eq!(rows.len(), 1);
    let inv = app.ok(&app.company, "query($id: ID!) { invoice(id: $id) { listIcon { kind tooltip } noxFinans { status nextEvent } } }", json!({ "id": green })).await;
    assert_eq!(inv["invoice"]["listIcon"]["kind"], "GAVEL");
    assert_eq!(inv["invoice"]["noxFinans"]["status"], "SUBMITTED");
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
            json!({ "id": green }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    // Bad batches.
    let r = app.gql(&app.company, SEND, json!({ "i": { "invoiceIds": [], "service": "INVOICE_SERVICE", "idempotencyKey": "k" } })).await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "invoiceIds"));

    // Nox Finans accepts after its delay: ACCEPTED, then DELIVERED by letter, charged.
    app.clock.advance(chrono::Duration::seconds(10));
    let events = ws.take("n", 6).await;
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            let ev = &e["data"]["noxFinansEvents"];
            (
                ev["case"]["invoice"]["invoiceNumber"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                ev["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for number in [&seen[0].0, &seen[1].0] {
        let order: Vec<&str> = seen
            .iter()
            .filter(|(n, _)| n == number)
            .map(|(_, s)| s.as_str())
            .collect();
        assert_eq!(
            order,
            vec!["SUBMITTED", "ACCEPTED", "DELIVERED"],
            "{seen:?}"
        );
    }
    assert!(
        other
            .next("n", std::time::Duration::from_millis(300))
            .await
            .is_none()
    );
    let inv = app.ok(&app.company, "query($id: ID!) { invoice(id: $id) { noxFinans { status nextEvent nextEventDate capitalBalance history { status } } } }", json!({ "id": green })).await;
    assert_eq!(inv["invoice"]["noxFinans"]["status"], "DELIVERED");
    assert_eq!(inv["invoice"]["noxFinans"]["nextEvent"], "Reminder");
    assert_eq!(inv["invoice"]["noxFinans"]["nextEventDate"], "2026-12-27");
    assert_eq!(inv["invoice"]["noxFinans"]["capitalBalance"], "1250.00");
    let n = app
        .ok(
            &app.company,
            "{ notifications { edges { node { kind } } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = n["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["NOX_ACCEPTED", "NOX_ACCEPTED"]);
    let st = app.ok(&app.company, "{ statement(from: \"2026-11-22\", to: \"2026-11-22\") { closingBalance entries { edges { node { kind amount } } } } vouchers { edges { node { series rows { account debit credit } } } } }", json!({})).await;
    assert_eq!(st["statement"]["closingBalance"], "-24.00");
    assert_eq!(
        st["statement"]["entries"]["edges"][0]["node"],
        json!({ "kind": "SERVICE_FEE", "amount": "-12.00" })
    );
    assert_eq!(
        st["vouchers"]["edges"][0]["node"],
        json!({ "series": "N", "rows": [{ "account": 6590, "debit": "12.00", "credit": "0.00" }, { "account": 2811, "debit": "0.00", "credit": "12.00" }] })
    );
    // A handed-over invoice cannot be sold.
    let agreement = crate::sale::agreement();
    crate::sale::activate(&app, agreement).await;
    let q = app
        .ok(
            &app.company,
            "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { eligible reasons { code } } }",
            json!({ "id": green }),
        )
        .await;
    assert!(codes(&q["invoiceSaleQuote"]["reasons"]).contains(&"HANDED_TO_NOX_FINANS"));
});
