//! Nox Finans on the real server: settings, prices, the send view with its
//! colours, fixing a red row, a mixed batch, and acceptance seen live.

use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{TestApp, code, field, nodes};
use crate::ws::{Protocol, WsClient};

const VIEW: &str = "query($f: NoxFinansCandidateFilter) { noxFinansCandidates(filter: $f, first: 50) { totalCount edges { node { colour hidden invoice { id invoiceNumber } blockers { code field } warnings { code } } } } }";
const SEND: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted invoice { id } case { id status } warnings { code } blockers { code } } } }";

async fn view(app: &TestApp, filter: Value) -> Vec<Value> {
    nodes(&app.ok(&app.company, VIEW, json!({ "f": filter })).await["noxFinansCandidates"])
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
        ("VALIDATION", "activeTermsOfPayment[1]")
    );
    // An unknown code is named by its place, not repeated back.
    let long = "9".repeat(10_000);
    let r = app
        .gql(
            &app.company,
            "mutation($t: [String!]!) { updateNoxFinansSettings(input: { activeTermsOfPayment: $t, defaultDelivery: EMAIL }) { defaultDelivery } }",
            json!({ "t": ["30", "45", long] }),
        )
        .await;
    assert_eq!(field(&r), "activeTermsOfPayment[2]", "{r}");
    assert!(r.to_string().len() < 1_000, "{r}");
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
    let green = invoice_with(&app, &full, json!({})).await;
    let yellow = invoice_with(&app, &no_email, json!({})).await;
    let red_address = invoice_with(&app, &no_postal, json!({})).await;
    let red_eur = invoice_with(&app, &full, json!({ "currency": "EUR" })).await;
    let red_future = invoice_with(&app, &full, json!({ "invoiceDate": "2026-11-23" })).await;

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
    // Another hidden invoice does not make this one hidden.
    let set_hidden = |id: String, hidden: bool| {
        let app = &app;
        async move {
            app.ok(
                &app.company,
                "mutation($id: ID!, $h: Boolean!) { setNoxFinansHidden(invoiceId: $id, hidden: $h) { hidden } }",
                json!({ "id": id, "h": hidden }),
            )
            .await["setNoxFinansHidden"]["hidden"]
                .clone()
        }
    };
    assert_eq!(set_hidden(red_future.clone(), true).await, true);
    assert_eq!(set_hidden(red_eur.clone(), false).await, false);
    set_hidden(red_future.clone(), false).await;
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

db_test!(
    a_sale_in_progress_makes_its_row_red_in_the_send_view,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let before = view(&app, json!({})).await;
        assert_eq!(row(&before, &invoice)["colour"], "GREEN", "{before:?}");
        assert!(codes(&row(&before, &invoice)["warnings"]).is_empty());
        let sold = sell(&app, &invoice, "in-progress").await;
        assert_eq!(
            sold["data"]["sellInvoice"]["status"], "PROCESSING",
            "{sold}"
        );
        let after = view(&app, json!({})).await;
        let r = row(&after, &invoice);
        assert_eq!(r["colour"], "RED", "{after:?}");
        assert_eq!(codes(&r["blockers"]), vec!["ALREADY_SOLD"]);
        // The colour filter agrees with the row's colour.
        let green = view(&app, json!({ "colour": ["GREEN"] })).await;
        assert!(row(&green, &invoice).is_null());
        let red = view(&app, json!({ "colour": ["RED"] })).await;
        assert_eq!(row(&red, &invoice)["colour"], "RED");
    }
);

db_test!(a_mixed_batch_is_sent_and_accepted_live, |app| {
    let full = app.full_customer(&app.company).await;
    let no_phone = app.customer(&app.company, json!({ "name": "Lindgren & Co HB", "email": "l@example.se", "organisationNumber": "559890-1238", "address": { "street": "Verkstadsgatan 2", "postalCode": "89133", "city": "Örnsköldsvik" } })).await;
    let green = invoice_with(&app, &full, json!({})).await;
    let yellow = invoice_with(&app, &no_phone, json!({})).await;
    let red = invoice_with(&app, &full, json!({ "currency": "EUR" })).await;

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
    app.listening(2, 2).await;

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
    // The invoice list filters by hand-over.
    let r = app
        .ok(&app.company, "{ a: invoices(filter: { handedToNoxFinans: true }) { totalCount } b: invoices(filter: { handedToNoxFinans: false }) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        (r["a"]["totalCount"].as_i64(), r["b"]["totalCount"].as_i64()),
        (Some(2), Some(1))
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
    assert_eq!(
        inv["invoice"]["noxFinans"]["nextEvent"],
        "Overdue notice by e-mail"
    );
    assert_eq!(inv["invoice"]["noxFinans"]["nextEventDate"], "2026-12-22");
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
    let agreement = crate::fixtures::agreement();
    crate::fixtures::activate(&app, agreement).await;
    let q = app
        .ok(
            &app.company,
            "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { eligible reasons { code } } }",
            json!({ "id": green }),
        )
        .await;
    assert!(codes(&q["invoiceSaleQuote"]["reasons"]).contains(&"HANDED_TO_NOX_FINANS"));
});

db_test!(
    the_timeline_runs_over_weeks_with_fees_pause_and_payment,
    |app| {
        use timeline::*;
        let invoice = a_private_customers_invoice_is_delivered(&app).await;
        the_overdue_notice_costs_nothing(&app, &invoice).await;
        a_pause_moves_the_reminder_and_resuming_gives_back_unused_days(&app, &invoice).await;
        debt_collection_and_monitoring_follow(&app, &invoice).await;
        a_payment_closes_the_case_and_the_rest_is_paid_out(&app, &invoice).await;
    }
);

/// The steps of the Nox Finans timeline story, in the order it runs them.
mod timeline {
    use super::*;

    /// A private customer with e-mail and personnummer; due 30 Nov. Returns the invoice.
    pub async fn a_private_customers_invoice_is_delivered(app: &TestApp) -> String {
        // A private customer with e-mail and personnummer; due 30 Nov.
        let anna = app.customer(&app.company, json!({ "name": "Anna Lindqvist", "organisationNumber": "19850614-1236", "email": "anna@example.se", "phone": "070-1234567", "address": { "street": "Björkvägen 3", "postalCode": "90422", "city": "Umeå" } })).await;
        let invoice = invoice_with(app, &anna, json!({ "termsOfPayment": "10" })).await;
        assert_eq!(
            hand_over(app, &invoice, "INVOICE_SERVICE", None, "t1").await["accepted"],
            true
        );
        app.clock.advance(chrono::Duration::seconds(10));
        wait_case(app, &invoice, "DELIVERED").await;
        let c = case_view(app, &invoice).await["noxFinans"].clone();
        assert_eq!(
            (c["nextEvent"].as_str(), c["nextEventDate"].as_str()),
            (Some("Overdue notice by e-mail"), Some("2026-12-02"))
        );
        invoice
    }

    pub async fn the_overdue_notice_costs_nothing(app: &TestApp, invoice: &str) {
        // Due + 2: the e-mail notice, no fee.
        app.clock.set(morning(2026, 12, 2));
        wait_case(app, invoice, "OVERDUE_NOTICE_SENT").await;
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["feesBalance"],
            "0.00"
        );
    }

    pub async fn a_pause_moves_the_reminder_and_resuming_gives_back_unused_days(
        app: &TestApp,
        invoice: &str,
    ) {
        // Paused over the reminder date: nothing happens; resumed, the reminder follows.
        let case_id = case_view(app, invoice).await["noxFinans"]["id"].clone();
        let r = app.gql(&app.company, "mutation($id: ID!) { pauseNoxFinansCase(caseId: $id, until: \"2027-03-01\") { id } }", json!({ "id": case_id })).await;
        assert_eq!(
            (code(&r), field(&r)),
            ("VALIDATION", "until"),
            "more than 60 days"
        );
        let r = app.ok(&app.company, "mutation($id: ID!) { pauseNoxFinansCase(caseId: $id, until: \"2026-12-10\") { pausedUntil } }", json!({ "id": case_id })).await;
        assert_eq!(r["pauseNoxFinansCase"]["pausedUntil"], "2026-12-10");
        app.clock.set(morning(2026, 12, 7));
        app.worker_settled().await;
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["status"],
            "OVERDUE_NOTICE_SENT"
        );
        // The pause moved the reminder by its 8 days, 7 Dec → 15 Dec; resumed on
        // 8 Dec, the 2 unused days come back: the reminder follows on 13 Dec.
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["nextEventDate"],
            "2026-12-15"
        );
        app.clock.set(morning(2026, 12, 8));
        app.ok(
            &app.company,
            "mutation($id: ID!) { resumeNoxFinansCase(caseId: $id) { pausedUntil } }",
            json!({ "id": case_id }),
        )
        .await;
        let c = case_view(app, invoice).await["noxFinans"].clone();
        assert_eq!(
            (c["nextEventDate"].as_str(), c["pauseDaysUsed"].as_i64()),
            (Some("2026-12-13"), Some(6))
        );
        app.clock.set(morning(2026, 12, 12));
        app.worker_settled().await;
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["status"],
            "OVERDUE_NOTICE_SENT"
        );
        app.clock.set(morning(2026, 12, 13));
        wait_case(app, invoice, "REMINDER_SENT").await;
        // 60 SEK reminder fee plus interest: 1 250 × 9.75 % × 13 days / 365 = 4.34.
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["feesBalance"],
            "64.34"
        );
    }

    pub async fn debt_collection_and_monitoring_follow(app: &TestApp, invoice: &str) {
        // Debt collection (180 SEK) a week after the reminder: 20 Dec; long-term
        // monitoring 18 days after that: 7 Jan.
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["nextEventDate"],
            "2026-12-20"
        );
        app.clock.set(morning(2026, 12, 19));
        app.worker_settled().await;
        assert_eq!(
            case_view(app, invoice).await["noxFinans"]["status"],
            "REMINDER_SENT"
        );
        app.clock.set(morning(2026, 12, 20));
        wait_case(app, invoice, "DEBT_COLLECTION").await;
        app.clock.set(morning(2027, 1, 7));
        wait_case(app, invoice, "LONG_TERM_MONITORING").await;
        let c = case_view(app, invoice).await["noxFinans"].clone();
        assert!(c["nextEvent"].is_null());
        let history: Vec<&str> = c["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            history,
            vec![
                "SUBMITTED",
                "ACCEPTED",
                "DELIVERED",
                "OVERDUE_NOTICE_SENT",
                "OVERDUE_NOTICE_SENT",
                "OVERDUE_NOTICE_SENT",
                "REMINDER_SENT",
                "DEBT_COLLECTION",
                "LONG_TERM_MONITORING"
            ]
        );
    }

    pub async fn a_payment_closes_the_case_and_the_rest_is_paid_out(app: &TestApp, invoice: &str) {
        // The customer pays Nox Finans the invoice: the case closes (the fees and
        // interest not paid are written off), long-term monitoring keeps 20 %, and
        // the rest is paid out on the next banking day (Thursday 7 Jan → Friday 8 Jan).
        app.ok(&app.company, "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"1250\", paidOn: \"2027-01-07\", payer: NOX_FINANS, idempotencyKey: \"k-nox-1\") { balance } }", json!({ "id": invoice })).await;
        wait_case(app, invoice, "PAID").await;
        app.clock.set(morning(2027, 1, 8));
        app.eventually("the payout", || async {
    let st = app.ok(&app.company, "{ statement(from: \"2027-01-08\", to: \"2027-01-08\") { entries { totalCount } } }", json!({})).await;
    st["statement"]["entries"]["totalCount"] == 1
    })
    .await;
        let st = app
    .ok(&app.company, "{ statement(from: \"2027-01-01\", to: \"2027-01-31\") { openingBalance closingBalance entries { edges { node { bookedOn kind amount } } } } vouchers { edges { node { rows { debit credit } } } } }", json!({}))
    .await;
        let entries = nodes(&st["statement"]["entries"]);
        assert_eq!(
            entries,
            vec![
                json!({ "bookedOn": "2027-01-07", "kind": "CUSTOMER_PAYMENT", "amount": "1250.00" }),
                json!({ "bookedOn": "2027-01-07", "kind": "SERVICE_FEE", "amount": "-250.00" }),
                json!({ "bookedOn": "2027-01-08", "kind": "PAYOUT", "amount": "-1000.00" }),
            ]
        );
        assert_eq!(
            st["statement"]["closingBalance"],
            st["statement"]["openingBalance"]
        );
        // Every voucher balances.
        for v in st["vouchers"]["edges"].as_array().unwrap() {
            let sum = |k: &str| -> f64 {
                v["node"]["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r[k].as_str().unwrap().parse::<f64>().unwrap())
                    .sum()
            };
            assert!((sum("debit") - sum("credit")).abs() < 1e-9, "{v}");
        }
    }
}

db_test!(
    business_customers_pay_one_compensation_and_cases_can_be_recalled,
    |app| {
        let business = app.full_customer(&app.company).await;
        let invoice = invoice_with(&app, &business, json!({ "termsOfPayment": "10" })).await;
        hand_over(&app, &invoice, "INVOICE_SERVICE", None, "b1").await;
        app.clock.advance(chrono::Duration::seconds(10));
        wait_case(&app, &invoice, "DELIVERED").await;
        app.clock.set(morning(2026, 12, 2));
        wait_case(&app, &invoice, "OVERDUE_NOTICE_SENT").await;
        app.clock.set(morning(2026, 12, 7));
        wait_case(&app, &invoice, "REMINDER_SENT").await;
        app.clock.set(morning(2026, 12, 14));
        wait_case(&app, &invoice, "DEBT_COLLECTION").await;
        let c = case_view(&app, &invoice).await["noxFinans"].clone();
        // 450 SEK once instead of 60 + 180, plus 14 days' interest on 1 250: 4.67.
        assert_eq!(c["feesBalance"], "454.67");

        // Recall: 50 SEK + 25 % VAT on the statement; the timeline stops.
        let case_id = c["id"].clone();
        let r = app
            .ok(
                &app.company,
                "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { status nextEvent } }",
                json!({ "id": case_id }),
            )
            .await;
        assert_eq!(
            r["recallFromNoxFinans"],
            json!({ "status": "RECALLED", "nextEvent": null })
        );
        let r = app
            .gql(
                &app.company,
                "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { status } }",
                json!({ "id": case_id }),
            )
            .await;
        assert_eq!(code(&r), "CONFLICT");
        let st = app.ok(&app.company, "{ statement(from: \"2026-12-14\", to: \"2026-12-14\") { entries { edges { node { kind amount } } } } }", json!({})).await;
        assert_eq!(
            st["statement"]["entries"]["edges"][0]["node"],
            json!({ "kind": "SERVICE_FEE", "amount": "-62.50" })
        );
        app.clock.set(morning(2027, 1, 2));
        app.worker_settled().await;
        assert_eq!(
            case_view(&app, &invoice).await["noxFinans"]["status"],
            "RECALLED"
        );
        // Another company cannot touch the case.
        let r = app.gql(&app.other, "mutation($id: ID!) { pauseNoxFinansCase(caseId: $id, until: \"2027-01-10\") { id } }", json!({ "id": case_id })).await;
        assert_eq!(code(&r), "NOT_FOUND");
    }
);

db_test!(the_reminder_service_starts_at_the_reminder, |app| {
    let customer = app.full_customer(&app.company).await;
    let overdue = invoice_on(&app, &customer, "2026-10-01", "30", "800").await;
    let not_due = invoice_with(&app, &customer, json!({})).await;
    let r = app.ok(&app.company, SEND, json!({ "i": { "invoiceIds": [overdue, not_due], "service": "REMINDER_SERVICE", "idempotencyKey": "r1" } })).await;
    assert_eq!(r["sendToNoxFinans"]["results"][0]["accepted"], true);
    assert_eq!(r["sendToNoxFinans"]["results"][1]["accepted"], false);
    assert_eq!(
        codes(&r["sendToNoxFinans"]["results"][1]["blockers"]),
        vec!["NOT_OVERDUE"]
    );
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(&app, &overdue, "REMINDER_SENT").await;
    let c = case_view(&app, &overdue).await["noxFinans"].clone();
    assert_eq!(c["nextEvent"], "Debt collection notice");
    let st = app.ok(&app.company, "{ statement(from: \"2026-11-22\", to: \"2026-11-22\") { entries { edges { node { kind amount } } } } }", json!({})).await;
    assert_eq!(
        st["statement"]["entries"]["edges"][0]["node"],
        json!({ "kind": "SERVICE_FEE", "amount": "-1.90" })
    );
});

/// The send view under `filter`: each row's colour and blocker codes by
/// invoice id, and the view's `totalCount`.
async fn verdicts(
    app: &TestApp,
    filter: Value,
) -> (
    std::collections::BTreeMap<String, (String, Vec<String>)>,
    u64,
) {
    let q = "query($f: NoxFinansCandidateFilter) { noxFinansCandidates(filter: $f, first: 50) { totalCount nodes { colour blockers { code } invoice { id } } } }";
    let r = app.ok(&app.company, q, json!({ "f": filter })).await["noxFinansCandidates"].clone();
    let rows = r["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let id = n["invoice"]["id"].as_str().unwrap().to_string();
            let blockers = codes(&n["blockers"])
                .iter()
                .map(|c| c.to_string())
                .collect();
            (id, (n["colour"].as_str().unwrap().to_string(), blockers))
        })
        .collect();
    (rows, r["totalCount"].as_u64().unwrap())
}

/// The view under `filter` as the rows' colours say, and each colour filter
/// returning exactly (and counting) the rows of its colour.
async fn view_agrees_with_colour_filters(
    app: &TestApp,
    filter: Value,
) -> std::collections::BTreeMap<String, (String, Vec<String>)> {
    let (all, total) = verdicts(app, filter.clone()).await;
    assert_eq!(total, all.len() as u64);
    for colour in ["GREEN", "YELLOW", "RED"] {
        let mut f = filter.clone();
        f["colour"] = json!([colour]);
        let (rows, n) = verdicts(app, f).await;
        let wanted: Vec<&String> = all
            .iter()
            .filter(|(_, v)| v.0 == colour)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            rows.keys().collect::<Vec<_>>(),
            wanted,
            "{colour} under {filter}"
        );
        assert_eq!(n, wanted.len() as u64, "{colour} count under {filter}");
    }
    all
}

db_test!(
    the_send_view_follows_the_saved_settings_in_every_filter,
    |app| {
        let full = app.full_customer(&app.company).await;
        let no_email = app.customer(&app.company, json!({ "name": "Erik Johansson", "organisationNumber": "19921103-4567", "phone": "073-9876543", "address": { "street": "Tallstigen 8", "postalCode": "93140", "city": "Skellefteå" } })).await;
        let thirty = invoice_with(&app, &full, json!({})).await;
        let ten = invoice_with(&app, &full, json!({ "termsOfPayment": "10" })).await;
        let cash_terms = invoice_with(&app, &full, json!({ "termsOfPayment": "0" })).await;
        let unmailed = invoice_with(&app, &no_email, json!({})).await;
        let verdict = |colour: &str, blockers: &[&str]| {
            (
                colour.to_string(),
                blockers.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
            )
        };

        // No settings saved: the company's terms with days are active (not the
        // cash terms "0", though "0" is a prefix of none and "10" contains it
        // as a digit), letters are the default delivery.
        let v = view_agrees_with_colour_filters(&app, json!({})).await;
        assert_eq!(v[&thirty], verdict("GREEN", &[]));
        assert_eq!(v[&ten], verdict("GREEN", &[]));
        assert_eq!(v[&cash_terms], verdict("RED", &["TERMS_NOT_ACTIVE"]));
        assert_eq!(v[&unmailed], verdict("YELLOW", &[]));
        let v = view_agrees_with_colour_filters(&app, json!({ "delivery": "EMAIL" })).await;
        assert_eq!(v[&unmailed], verdict("RED", &["EMAIL_REQUIRED"]));

        // Saved settings: only "30" active, e-mail by default.
        app.ok(&app.company, "mutation { updateNoxFinansSettings(input: { activeTermsOfPayment: [\"30\"], defaultDelivery: EMAIL }) { defaultDelivery } }", json!({})).await;
        let v = view_agrees_with_colour_filters(&app, json!({})).await;
        assert_eq!(v[&thirty], verdict("GREEN", &[]));
        assert_eq!(v[&ten], verdict("RED", &["TERMS_NOT_ACTIVE"]));
        assert_eq!(v[&cash_terms], verdict("RED", &["TERMS_NOT_ACTIVE"]));
        assert_eq!(v[&unmailed], verdict("RED", &["EMAIL_REQUIRED"]));
        // A delivery asked for overrides the default.
        let v = view_agrees_with_colour_filters(&app, json!({ "delivery": "LETTER" })).await;
        assert_eq!(v[&unmailed], verdict("YELLOW", &[]));
        assert_eq!(v[&ten], verdict("RED", &["TERMS_NOT_ACTIVE"]));

        // Another change is seen at once, and another company keeps its own.
        app.ok(&app.company, "mutation { updateNoxFinansSettings(input: { activeTermsOfPayment: [\"10\", \"0\"], defaultDelivery: LETTER }) { defaultDelivery } }", json!({})).await;
        let v = view_agrees_with_colour_filters(&app, json!({})).await;
        assert_eq!(v[&thirty], verdict("RED", &["TERMS_NOT_ACTIVE"]));
        assert_eq!(v[&ten], verdict("GREEN", &[]));
        assert_eq!(v[&cash_terms], verdict("GREEN", &[]));
        assert_eq!(v[&unmailed], verdict("RED", &["TERMS_NOT_ACTIVE"]));
        assert!(view_of_other(&app).await.is_empty());
    }
);

db_test!(
    a_case_event_of_a_status_this_version_does_not_know_is_an_error,
    |app| {
        use sea_orm::ConnectionTrait;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let sent = hand_over(&app, &invoice, "INVOICE_SERVICE", None, "unknown-status").await;
        assert_eq!(sent["accepted"], true, "{sent}");
        let history = "query($id: ID!) { invoice(id: $id) { noxFinans { history { status } } } }";
        let r = app
            .ok(&app.company, history, json!({ "id": invoice }))
            .await;
        assert_eq!(
            r["invoice"]["noxFinans"]["history"],
            json!([{ "status": "SUBMITTED" }])
        );
        // A sale's step under the case's topic, as no version writes it.
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        db.execute_unprepared(
            "INSERT INTO outbox_event (company_id, topic, kind, invoice_id, subject_id, message, at, recorded_ms) \
             SELECT company_id, topic, 'APPROVED', invoice_id, subject_id, message, at, recorded_ms \
             FROM outbox_event WHERE topic = 'NOX_FINANS'",
        )
        .await
        .unwrap();
        let r = app
            .gql(&app.company, history, json!({ "id": invoice }))
            .await;
        assert_eq!(code(&r), "INTERNAL", "{r}");
    }
);

db_test!(a_key_sent_again_for_another_hand_over_is_refused, |app| {
    const SEND_WHY: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted case { id service delivery } blockers { code field } } } }";
    let customer = app.full_customer(&app.company).await;
    let overdue = invoice_on(&app, &customer, "2026-10-01", "30", "800").await;
    let send = |service: &str, more: Value| {
        let mut input =
            json!({ "invoiceIds": [overdue], "service": service, "idempotencyKey": "k-1" });
        for (k, v) in more.as_object().unwrap() {
            input[k] = v.clone();
        }
        let app = &app;
        async move {
            app.ok(&app.company, SEND_WHY, json!({ "i": input })).await["sendToNoxFinans"]["results"][0].clone()
        }
    };
    let first = send("INVOICE_SERVICE", json!({ "delivery": "LETTER" })).await;
    assert_eq!(first["accepted"], true);
    let case = first["case"]["id"].clone();
    // The same request again, and with the settings' delivery left out: the
    // same case.
    for more in [json!({ "delivery": "LETTER" }), json!({})] {
        let again = send("INVOICE_SERVICE", more).await;
        assert_eq!(
            (&again["accepted"], &again["case"]["id"]),
            (&json!(true), &case)
        );
        assert_eq!(again["blockers"], json!([]));
    }
    // The key with another service, delivery or recall choice is another
    // request: refused, the existing case shown, the field named.
    for (service, more, field) in [
        ("REMINDER_SERVICE", json!({}), "service"),
        (
            "INVOICE_SERVICE",
            json!({ "delivery": "EMAIL" }),
            "delivery",
        ),
        (
            "INVOICE_SERVICE",
            json!({ "recallInsteadOfMonitoring": true }),
            "recallInsteadOfMonitoring",
        ),
    ] {
        let r = send(service, more).await;
        assert_eq!(r["accepted"], false, "{field}");
        assert_eq!(r["case"]["id"], case, "{field}");
        assert_eq!(r["case"]["service"], "INVOICE_SERVICE");
        assert_eq!(r["case"]["delivery"], "LETTER");
        assert_eq!(
            r["blockers"][0],
            json!({ "code": "KEY_REUSED", "field": field })
        );
    }
    let n = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { noxFinans { service status } } }",
            json!({ "id": overdue }),
        )
        .await;
    assert_eq!(
        n["invoice"]["noxFinans"],
        json!({ "service": "INVOICE_SERVICE", "status": "SUBMITTED" })
    );
});

const SUBMISSIONS: &str = "query($c: ID) { noxFinansSubmissions(companyId: $c) { totalCount nodes { id status invoice { id } } } }";
const REJECT: &str = "mutation($id: ID!, $r: String!) { rejectNoxFinansCase(caseId: $id, reason: $r) { status rejectionReason invoice { id } } }";

/// The invoices of the cases `noxFinansSubmissions` lists for these arguments.
async fn submitted(app: &TestApp, args: Value) -> Vec<Value> {
    let r = app.ok(&app.operator, SUBMISSIONS, args).await;
    let nodes = r["noxFinansSubmissions"]["nodes"].as_array().unwrap();
    assert_eq!(r["noxFinansSubmissions"]["totalCount"], nodes.len(), "{r}");
    nodes.iter().map(|n| n["invoice"]["id"].clone()).collect()
}

db_test!(an_operator_rejects_a_submitted_invoice, |app| {
    let customer = app.full_customer(&app.company).await;
    let a = invoice_with(&app, &customer, json!({})).await;
    let b = invoice_with(&app, &customer, json!({})).await;
    let case_a = hand_over(&app, &a, "INVOICE_SERVICE", None, "k-a").await["case"]["id"].clone();
    let case_b = hand_over(&app, &b, "INVOICE_SERVICE", None, "k-b").await["case"]["id"].clone();

    // Acting for Nox Finans, operators see what waits for acceptance, oldest
    // first, of every company or of one.
    assert_eq!(submitted(&app, json!({})).await, [a.clone(), b.clone()]);
    let own = app.ok(&app.company, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let other = app.ok(&app.other, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    assert_eq!(submitted(&app, json!({ "c": own })).await.len(), 2);
    assert!(submitted(&app, json!({ "c": other })).await.is_empty());

    // A reason of 1 to 500 characters is required; companies may do neither.
    for reason in ["  ".to_string(), "ö".repeat(501)] {
        let r = app
            .gql(&app.operator, REJECT, json!({ "id": case_a, "r": reason }))
            .await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", "reason"), "{r}");
    }
    let r = app
        .gql(&app.company, REJECT, json!({ "id": case_a, "r": "x" }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(&app.company, SUBMISSIONS, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    let reason = "Kunden känner inte till fakturan";
    let r = app
        .ok(&app.operator, REJECT, json!({ "id": case_a, "r": reason }))
        .await;
    assert_eq!(
        r["rejectNoxFinansCase"],
        json!({ "status": "REJECTED", "rejectionReason": reason, "invoice": { "id": a } })
    );
    // The company is told why, and the invoice is free to be sent again.
    let inv = case_view(&app, &a).await;
    assert_eq!(inv["noxFinans"]["status"], "REJECTED", "{inv}");
    let n = app
        .ok(
            &app.company,
            "{ notifications(first: 1) { nodes { kind message } } }",
            json!({}),
        )
        .await;
    assert_eq!(n["notifications"]["nodes"][0]["kind"], "NOX_REJECTED");
    assert!(
        n["notifications"]["nodes"][0]["message"]
            .as_str()
            .unwrap()
            .contains(reason),
        "{n}"
    );
    assert!(codes(&row(&view(&app, json!({})).await, &a)["blockers"]).is_empty());
    // Rejected once; the list keeps what still waits.
    let r = app
        .gql(&app.operator, REJECT, json!({ "id": case_a, "r": reason }))
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(submitted(&app, json!({})).await, std::slice::from_ref(&b));

    // Once Nox Finans has accepted, there is nothing to reject.
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(&app, &b, "DELIVERED").await;
    assert!(submitted(&app, json!({})).await.is_empty());
    let r = app
        .gql(&app.operator, REJECT, json!({ "id": case_b, "r": reason }))
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    crate::books::assert_books_close(&app, &app.company).await;
});
