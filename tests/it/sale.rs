//! Invoice sale end to end on the real server, with a manual clock and a
//! WebSocket subscriber.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{code, nodes};
use crate::ws::{Protocol, WsClient};

const QUOTE: &str = "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { amount fees { kind amount } totalFees payout payoutDate quoteId eligible reasons { code message } } }";
const SELL: &str = "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id status amount totalFees payout } }";
const EVENTS: &str = "subscription($id: ID, $after: String) { invoiceSaleEvents(invoiceId: $id, after: $after) { cursor kind message sale { status } } }";

db_test!(
    a_sale_goes_from_clock_to_coins_with_every_event_live,
    |app| {
        use clock_to_coins::*;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let (mut ws, mut legacy) = two_subscribers(&app, &invoice).await;
        let quote = the_quote_names_fees_payout_and_date(&app, &invoice).await;
        selling_is_idempotent_and_holds_the_invoice(&app, &invoice, &quote).await;
        a_first_sale_is_spot_checked(&app, &invoice).await;
        the_operator_confirms_and_the_sale_is_approved(&app, &invoice).await;
        the_statement_shows_the_sale_and_its_fees(&app).await;
        the_payout_leaves_on_the_next_banking_day_and_is_booked(&app, &invoice).await;
        notifications_are_counted_and_marked_read(&app).await;
        every_subscriber_saw_every_step(&app, &invoice, &mut ws, &mut legacy).await;
        a_client_resumes_from_a_cursor_without_loss(&app, &invoice).await;
    }
);

/// The steps of the sale's story, in the order it runs them.
mod clock_to_coins {
    use super::*;
    use crate::helpers::TestApp;

    /// A graphql-transport-ws and a legacy graphql-ws subscriber of the
    /// invoice's sale events, both listening.
    pub async fn two_subscribers(app: &TestApp, invoice: &str) -> (WsClient, WsClient) {
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        ws.subscribe("s1", EVENTS, json!({ "id": invoice })).await;
        let mut legacy = WsClient::connect(&app.base, Protocol::LegacyWs, &app.company).await;
        legacy
            .subscribe("1", EVENTS, json!({ "id": invoice }))
            .await;
        // Both run the same document for the same company: one execution.
        app.listening(2, 1).await;
        (ws, legacy)
    }

    pub async fn the_quote_names_fees_payout_and_date(app: &TestApp, invoice: &str) -> Value {
        // The quote: 10 000.00 sold, 19.90 + 290.00 in fees, paid out Monday 23 Nov
        // (the clock says Sunday 22 Nov).
        let q =
            app.ok(&app.company, QUOTE, json!({ "id": invoice })).await["invoiceSaleQuote"].clone();
        assert_eq!(q["amount"], "10000.00");
        assert_eq!(
            q["fees"],
            json!([{ "kind": "INVOICE_FEE", "amount": "19.90" }, { "kind": "FACTORING_FEE", "amount": "290.00" }])
        );
        assert_eq!(q["totalFees"], "309.90");
        assert_eq!(q["payout"], "9690.10");
        assert_eq!(q["payoutDate"], "2026-11-23");
        assert_eq!(q["eligible"], true);
        q
    }

    pub async fn selling_is_idempotent_and_holds_the_invoice(
        app: &TestApp,
        invoice: &str,
        q: &Value,
    ) {
        let key =
            json!({ "invoiceId": invoice, "quoteId": q["quoteId"], "idempotencyKey": "sell-1" });
        let sold = app.ok(&app.company, SELL, json!({ "i": key })).await["sellInvoice"].clone();
        assert_eq!(sold["status"], "PROCESSING");
        assert_eq!(sold["payout"], "9690.10");
        // The same key returns the same sale.
        let again = app.ok(&app.company, SELL, json!({ "i": key })).await["sellInvoice"].clone();
        assert_eq!(again["id"], sold["id"]);
        // A new key for the same invoice is a conflict.
        let other = app.gql(&app.company, SELL, json!({ "i": { "invoiceId": invoice, "quoteId": q["quoteId"], "idempotencyKey": "sell-2" } })).await;
        assert_eq!(code(&other), "CONFLICT", "{other}");
        let s = sale_of(app, invoice).await;
        assert_eq!(s["listIcon"]["kind"], "CLOCK");
        // A sold invoice can no longer be edited or cancelled.
        let r = app
            .gql(
                &app.company,
                "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
                json!({ "id": invoice }),
            )
            .await;
        assert_eq!(code(&r), "CONFLICT");
    }

    pub async fn a_first_sale_is_spot_checked(app: &TestApp, invoice: &str) {
        // Processing after the configured delay: a first sale is always spot-checked.
        app.clock.advance(chrono::Duration::seconds(10));
        wait_for_status(app, invoice, "SPOT_CHECK").await;
        let s = sale_of(app, invoice).await;
        assert_eq!(s["listIcon"]["kind"], "CLOCK");
        assert_eq!(s["sale"]["spotCheck"]["rule"], "FIRST_SALES");
        assert!(
            s["sale"]["spotCheck"]["explanation"]
                .as_str()
                .unwrap()
                .contains("first five")
        );
    }

    pub async fn the_operator_confirms_and_the_sale_is_approved(app: &TestApp, invoice: &str) {
        // The operator sees it in the queue and confirms with the recipient.
        let queue = app.ok(&app.operator, "{ spotCheckQueue { totalCount edges { node { id invoice { invoiceNumber customer { name } } } } } }", json!({})).await;
        assert_eq!(queue["spotCheckQueue"]["totalCount"], 1);
        let sale_id = queue["spotCheckQueue"]["edges"][0]["node"]["id"].clone();
        assert_eq!(
            queue["spotCheckQueue"]["edges"][0]["node"]["invoice"]["customer"]["name"],
            "Byggvaruhuset AB"
        );
        let r = app
    .ok(&app.operator, "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED, note: \"Spoke to Eva\") { status payoutDate } }", json!({ "id": sale_id }))
    .await;
        assert_eq!(
            r["resolveSpotCheck"],
            json!({ "status": "APPROVED", "payoutDate": "2026-11-23" })
        );
        // Resolving twice is a conflict, not a second decision.
        let r = app.gql(&app.operator, "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: DISPUTED) { status } }", json!({ "id": sale_id })).await;
        assert_eq!(code(&r), "CONFLICT");

        let s = sale_of(app, invoice).await;
        assert_eq!(s["listIcon"]["kind"], "COINS");
        assert!(
            s["listIcon"]["tooltip"]
                .as_str()
                .unwrap()
                .contains("9690.10")
        );
    }

    pub async fn the_statement_shows_the_sale_and_its_fees(app: &TestApp) {
        // The money: on the statement and booked.
        let st = app
    .ok(&app.company, "{ statement(from: \"2026-11-01\", to: \"2026-11-30\") { openingBalance closingBalance entries { edges { node { kind amount balanceAfter } } } } viewer { paymentsAccountBalance } }", json!({}))
    .await;
        assert_eq!(st["statement"]["openingBalance"], "0.00");
        assert_eq!(st["statement"]["closingBalance"], "9690.10");
        assert_eq!(st["viewer"]["paymentsAccountBalance"], "9690.10");
        let entries = nodes(&st["statement"]["entries"]);
        assert_eq!(
            entries,
            vec![
                json!({ "kind": "INVOICE_SOLD", "amount": "10000.00", "balanceAfter": "10000.00" }),
                json!({ "kind": "SALE_FEE", "amount": "-19.90", "balanceAfter": "9980.10" }),
                json!({ "kind": "SALE_FEE", "amount": "-290.00", "balanceAfter": "9690.10" }),
            ]
        );
    }

    pub async fn the_payout_leaves_on_the_next_banking_day_and_is_booked(
        app: &TestApp,
        invoice: &str,
    ) {
        // Payout on the next banking day at 06:00 Stockholm (05:00 UTC).
        app.clock
            .set(Utc.with_ymd_and_hms(2026, 11, 23, 5, 0, 1).unwrap());
        wait_for_status(app, invoice, "PAID_OUT").await;
        let st = app
    .ok(&app.company, "{ statement(from: \"2026-11-23\", to: \"2026-11-23\") { openingBalance closingBalance entries { edges { node { kind amount } } } } }", json!({}))
    .await;
        assert_eq!(st["statement"]["openingBalance"], "9690.10");
        assert_eq!(st["statement"]["closingBalance"], "0.00");
        assert_eq!(
            st["statement"]["entries"]["edges"][0]["node"],
            json!({ "kind": "PAYOUT", "amount": "-9690.10" })
        );

        let r = app
    .ok(&app.company, "{ a: invoices(filter: { saleStatus: [PAID_OUT] }) { totalCount } b: invoices(filter: { saleStatus: [PROCESSING, DENIED] }) { totalCount } }", json!({}))
    .await;
        assert_eq!(
            (r["a"]["totalCount"].as_i64(), r["b"]["totalCount"].as_i64()),
            (Some(1), Some(0))
        );
        let v = app.ok(&app.company, "{ vouchers { totalCount edges { node { series number rows { account debit credit } } } } }", json!({})).await;
        assert_eq!(v["vouchers"]["totalCount"], 2);
        assert_eq!(
            v["vouchers"]["edges"][0]["node"]["rows"],
            json!([
                { "account": 2811, "debit": "9690.10", "credit": "0.00" },
                { "account": 6064, "debit": "309.90", "credit": "0.00" },
                { "account": 1510, "debit": "0.00", "credit": "10000.00" }
            ])
        );
        assert_eq!(
            v["vouchers"]["edges"][1]["node"]["rows"],
            json!([{ "account": 1930, "debit": "9690.10", "credit": "0.00" }, { "account": 2811, "debit": "0.00", "credit": "9690.10" }])
        );
    }

    pub async fn notifications_are_counted_and_marked_read(app: &TestApp) {
        // Notifications, unread count, marking read.
        let n = app
            .ok(
                &app.company,
                "{ unreadNotificationCount notifications { edges { node { id kind } } } }",
                json!({}),
            )
            .await;
        let kinds: Vec<&str> = n["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec![
                "SALE_PAID_OUT",
                "SALE_APPROVED",
                "SALE_SENT",
                "INVOICE_SALE_ACTIVATED"
            ]
        );
        assert_eq!(n["unreadNotificationCount"], 4);
        let ids: Vec<Value> = n["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .map(|e| e["node"]["id"].clone())
            .collect();
        let r = app
            .ok(
                &app.company,
                "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
                json!({ "ids": ids }),
            )
            .await;
        assert_eq!(r["markNotificationsRead"], 2);
        let n = app
            .ok(&app.company, "{ unreadNotificationCount }", json!({}))
            .await;
        assert_eq!(n["unreadNotificationCount"], 2);
    }

    pub async fn every_subscriber_saw_every_step(
        app: &TestApp,
        invoice: &str,
        ws: &mut WsClient,
        legacy: &mut WsClient,
    ) {
        // Both subscribers saw every step, in order.
        let expected = [
            "SUBMITTED",
            "SPOT_CHECK_STARTED",
            "SPOT_CHECK_RESOLVED",
            "APPROVED",
            "PAID_OUT",
        ];
        for events in [ws.take("s1", 5).await, legacy.take("1", 5).await] {
            let kinds: Vec<&str> = events
                .iter()
                .map(|e| e["data"]["invoiceSaleEvents"]["kind"].as_str().unwrap())
                .collect();
            assert_eq!(kinds, expected);
        }
        let s = sale_of(app, invoice).await;
        let history: Vec<&str> = s["sale"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert_eq!(history, expected);
    }

    pub async fn a_client_resumes_from_a_cursor_without_loss(app: &TestApp, invoice: &str) {
        // A client that reconnects with the cursor of the second event misses nothing.
        let mut first = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        first.subscribe("a", EVENTS, json!({ "id": invoice })).await;
        let all = {
            let mut again = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
            again
                .subscribe("x", EVENTS, json!({ "id": invoice, "after": null }))
                .await;
            drop(again);
            // History gives the cursors: take them from a replay from the start.
            let mut replay =
                WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
            replay
                .subscribe(
                    "r",
                    EVENTS,
                    json!({ "id": invoice, "after": crate::helpers::cursor_zero() }),
                )
                .await;
            replay.take("r", 5).await
        };
        let second_cursor = all[1]["data"]["invoiceSaleEvents"]["cursor"].clone();
        let mut resumed = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        resumed
            .subscribe(
                "r2",
                EVENTS,
                json!({ "id": invoice, "after": second_cursor }),
            )
            .await;
        let rest: Vec<String> = resumed
            .take("r2", 3)
            .await
            .iter()
            .map(|e| {
                e["data"]["invoiceSaleEvents"]["kind"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(rest, vec!["SPOT_CHECK_RESOLVED", "APPROVED", "PAID_OUT"]);
        // Without a cursor a subscription starts now: nothing old is replayed.
        assert!(
            first
                .next("a", std::time::Duration::from_millis(300))
                .await
                .is_none()
        );
    }
}

db_test!(sales_and_the_spot_check_queue_filter_by_status, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let approved = invoice_of_10k(&app, &customer).await;
    sell_and_confirm(&app, &approved, "by-status-a").await;
    let waiting = invoice_of_10k(&app, &customer).await;
    sell_to_spot_check(&app, &waiting, "by-status-b").await;
    let q = "{ all: invoiceSales(first: 10) { totalCount nodes { status } }
               spot: invoiceSales(first: 10, status: SPOT_CHECK) { totalCount nodes { status invoice { id } } }
               bought: invoiceSales(first: 10, status: APPROVED) { totalCount nodes { invoice { id } } }
               none: invoiceSales(first: 10, status: DENIED) { totalCount nodes { status } } }";
    let r = app.ok(&app.company, q, json!({})).await;
    assert_eq!(r["all"]["totalCount"], 2, "{r}");
    assert_eq!(r["spot"]["totalCount"], 1, "{r}");
    assert_eq!(r["spot"]["nodes"][0]["invoice"]["id"], waiting.as_str());
    assert_eq!(r["bought"]["totalCount"], 1, "{r}");
    assert_eq!(r["bought"]["nodes"][0]["invoice"]["id"], approved.as_str());
    assert_eq!(r["none"], json!({ "totalCount": 0, "nodes": [] }));
    let queue = app
        .ok(
            &app.operator,
            "{ spotCheckQueue(first: 10) { totalCount nodes { invoice { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["spotCheckQueue"]["totalCount"], 1, "{queue}");
    assert_eq!(
        queue["spotCheckQueue"]["nodes"][0]["invoice"]["id"],
        waiting.as_str()
    );
});

db_test!(disputed_spot_checks_deny_with_a_cross, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    let sale_id = sell_to_spot_check(&app, &invoice, "k1").await;
    let r = app.ok(&app.operator, "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: DISPUTED) { status denialReason { code } } }", json!({ "id": sale_id })).await;
    assert_eq!(
        r["resolveSpotCheck"]["denialReason"]["code"],
        "SPOT_CHECK_DISPUTED"
    );
    let s = sale_of(&app, &invoice).await;
    assert_eq!(s["listIcon"]["kind"], "CROSS");
    assert!(
        s["listIcon"]["tooltip"]
            .as_str()
            .unwrap()
            .contains("disputed"),
        "{s}"
    );
    assert_eq!(s["sale"]["denialReason"]["code"], "SPOT_CHECK_DISPUTED");
    let n = app
        .ok(
            &app.company,
            "{ notifications(first: 1) { totalCount edges { node { kind message } } }
               unread: notifications(unreadOnly: true, first: 1) { totalCount }
               unreadNotificationCount }",
            json!({}),
        )
        .await;
    assert_eq!(
        n["notifications"]["edges"][0]["node"]["kind"],
        "SALE_DENIED"
    );
    // The count covers every page: sent for sale, then denied; none read.
    let total = n["notifications"]["totalCount"].as_u64().unwrap();
    assert!(total >= 2, "{n}");
    assert_eq!(n["unread"]["totalCount"], total);
    assert_eq!(n["unreadNotificationCount"], total);
    // Nothing was booked for a denied sale.
    let v = app
        .ok(
            &app.company,
            "{ vouchers { totalCount } viewer { paymentsAccountBalance } }",
            json!({}),
        )
        .await;
    assert_eq!(v["vouchers"]["totalCount"], 0);
    assert_eq!(v["viewer"]["paymentsAccountBalance"], "0.00");
    // A denied invoice may be offered again (a new sale).
    let q = app.ok(&app.company, QUOTE, json!({ "id": invoice })).await;
    assert_eq!(q["invoiceSaleQuote"]["eligible"], true);
    let again = sell(&app, &invoice, "k2").await;
    let again_id = again["data"]["sellInvoice"]["id"].clone();
    assert_ne!(again_id, sale_id, "{again}");
    // The invoice's sale is the new one, read with the invoice and through
    // the loader a customer's invoices use alike.
    let r = app
        .ok(
            &app.company,
            "query($i: ID!, $c: ID!) { invoice(id: $i) { sale { id } }
               customer(id: $c) { invoices(first: 5) { nodes { sale { id } } } } }",
            json!({ "i": invoice, "c": customer }),
        )
        .await;
    assert_eq!(r["invoice"]["sale"]["id"], again_id, "{r}");
    assert_eq!(
        r["customer"]["invoices"]["nodes"][0]["sale"]["id"], again_id,
        "{r}"
    );
});

db_test!(
    unanswered_spot_checks_follow_the_documented_default,
    |app| {
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        sell_to_spot_check(&app, &invoice, "k1").await;
        // A day later nobody has answered: a FIRST_SALES check is denied as unanswered.
        // The deadline is the next banking day at 16:00 (Monday 23 Nov, the
        // check started on Sunday): at 13:00 it still waits, at 16:00 the
        // default outcome applies.
        app.clock.advance(chrono::Duration::hours(25));
        app.worker_settled().await;
        assert_eq!(
            sale_of(&app, &invoice).await["sale"]["status"],
            "SPOT_CHECK"
        );
        app.clock.advance(chrono::Duration::hours(3));
        wait_for_status(&app, &invoice, "DENIED").await;
        let s = sale_of(&app, &invoice).await;
        assert_eq!(s["sale"]["spotCheck"]["outcome"], "NO_ANSWER");
        assert_eq!(s["sale"]["denialReason"]["code"], "SPOT_CHECK_UNANSWERED");
    }
);

db_test!(activation_quotes_and_changed_terms, |app| {
    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    // Before activation: NOT_ELIGIBLE, saying how to activate.
    let r = app.gql(&app.company, QUOTE, json!({ "id": invoice })).await;
    assert_eq!(code(&r), "NOT_ELIGIBLE", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["reasons"][0]["code"],
        "INVOICE_SALE_NOT_ACTIVE"
    );
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("requestInvoiceSaleContact")
    );
    let r = app
        .gql(
            &app.company,
            SELL,
            json!({ "i": { "invoiceId": invoice, "quoteId": "q_x", "idempotencyKey": "k" } }),
        )
        .await;
    assert_eq!(code(&r), "NOT_ELIGIBLE");

    // Asking to be contacted; operators list the requests; companies may not.
    let r = app.ok(&app.company, "mutation { requestInvoiceSaleContact(phone: \"070-123 45 67\", message: \"Call after 10\") }", json!({})).await;
    assert_eq!(r["requestInvoiceSaleContact"], true);
    let r = app
        .gql(
            &app.company,
            "mutation { requestInvoiceSaleContact(phone: \"12\") }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "VALIDATION");
    let r = app
        .ok(
            &app.operator,
            "{ contactRequests { totalCount edges { node { companyId companyName phone message invoiceSale { active } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["contactRequests"]["totalCount"], 1);
    let request = &r["contactRequests"]["edges"][0]["node"];
    assert_eq!(request["companyName"], "Norrlands Snickeri AB");
    assert!(request["invoiceSale"].is_null(), "no agreement yet: {r}");
    // The request names the company the operator activates: the operator
    // has no other way to learn its id.
    let company = request["companyId"].clone();
    assert_eq!(
        company,
        app.ok(&app.company, "{ viewer { id } }", json!({})).await["viewer"]["id"]
    );
    let r = app
        .gql(
            &app.company,
            "{ contactRequests { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = app
        .gql(
            &app.company,
            ACTIVATE,
            json!({ "c": company, "a": agreement() }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let mut bad = agreement();
    bad["percentageFee"] = json!("2.905");
    let r = app
        .gql(&app.operator, ACTIVATE, json!({ "c": company, "a": bad }))
        .await;
    assert_eq!(code(&r), "VALIDATION");

    app.ok(
        &app.operator,
        ACTIVATE,
        json!({ "c": company, "a": agreement() }),
    )
    .await;
    // The request now shows the terms the company was given.
    let r = app
        .ok(
            &app.operator,
            "{ contactRequests { nodes { invoiceSale { active fixedFee percentageFee } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["contactRequests"]["nodes"][0]["invoiceSale"],
        json!({ "active": true, "fixedFee": "19.90", "percentageFee": "2.9" })
    );
    let r = app
        .ok(
            &app.company,
            "{ viewer { invoiceSale { active fixedFee percentageFee totalCreditLimit } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["viewer"]["invoiceSale"],
        json!({ "active": true, "fixedFee": "19.90", "percentageFee": "2.9", "totalCreditLimit": "1000000.00" })
    );
    let q = app.ok(&app.company, QUOTE, json!({ "id": invoice })).await["invoiceSaleQuote"].clone();
    // The fee changes before the user confirms: the old quote is refused.
    let mut pricier = agreement();
    pricier["percentageFee"] = json!("3.5");
    activate(&app, pricier).await;
    let r = app.gql(&app.company, SELL, json!({ "i": { "invoiceId": invoice, "quoteId": q["quoteId"], "idempotencyKey": "k1" } })).await;
    assert_eq!(code(&r), "QUOTE_CHANGED", "{r}");
    assert!(
        sale_of(&app, &invoice).await["sale"].is_null(),
        "nothing was sold"
    );

    // Ineligible invoices carry their reasons: EUR, cash, over the limit.
    let eur = invoice_with(
        &app,
        &customer,
        json!({ "currency": "EUR", "type": "CASH",
        "rows": [{ "description": "x", "quantity": "1", "unitPrice": "250000", "vatRate": "0" }] }),
    )
    .await;
    let q = app.ok(&app.company, QUOTE, json!({ "id": eur })).await["invoiceSaleQuote"].clone();
    assert_eq!(q["eligible"], false);
    let codes: Vec<&str> = q["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![
            "CURRENCY_NOT_SEK",
            "CASH_INVOICE",
            "CUSTOMER_LIMIT_EXCEEDED"
        ]
    );
    let r = app
        .gql(
            &app.company,
            SELL,
            json!({ "i": { "invoiceId": eur, "quoteId": q["quoteId"], "idempotencyKey": "k2" } }),
        )
        .await;
    assert_eq!(code(&r), "NOT_ELIGIBLE");
    // Another company's invoice is not found.
    let b_customer = app.full_customer(&app.other).await;
    let b_invoice = app.invoice(&app.other, &b_customer, "100").await;
    let r = app
        .gql(&app.company, QUOTE, json!({ "id": b_invoice }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
});

db_test!(parallel_sells_of_one_invoice_make_one_sale, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    let q =
        app.ok(&app.company, QUOTE, json!({ "id": invoice })).await["invoiceSaleQuote"]["quoteId"]
            .clone();
    let app = std::sync::Arc::new(app);
    let mut handles = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        let (invoice, q) = (invoice.clone(), q.clone());
        handles.push(tokio::spawn(async move {
            app.gql(&app.company, SELL, json!({ "i": { "invoiceId": invoice, "quoteId": q, "idempotencyKey": format!("k{i}") } })).await
        }));
    }
    let mut ok = 0;
    for h in handles {
        let r = h.await.unwrap();
        if r.get("errors").is_none() {
            ok += 1;
        } else {
            assert_eq!(code(&r), "CONFLICT", "{r}");
        }
    }
    assert_eq!(ok, 1);
    let r = app
        .ok(&app.company, "{ invoiceSales { totalCount } }", json!({}))
        .await;
    assert_eq!(r["invoiceSales"]["totalCount"], 1);
});

db_test!(
    a_restart_mid_processing_decides_every_sale_exactly_once,
    |app| {
        let mut app = app;
        activate(&app, agreement()).await;
        let mut invoices = Vec::new();
        for i in 0..3 {
            let customer = app.customer(&app.company, json!({ "name": format!("Kund {i}"), "address": { "postalCode": "11351", "city": "Stockholm" } })).await;
            let invoice = invoice_of_10k(&app, &customer).await;
            let r = sell(&app, &invoice, &format!("k{i}")).await;
            assert!(r.get("errors").is_none(), "{r}");
            invoices.push(invoice);
        }
        // Stop before the jobs are due; start again; then let time pass.
        app.restart().await;
        app.clock.advance(chrono::Duration::seconds(10));
        for inv in &invoices {
            wait_for_status(&app, inv, "SPOT_CHECK").await;
        }
        app.restart().await;
        let queue = app
            .ok(
                &app.operator,
                "{ spotCheckQueue { edges { node { id } } } }",
                json!({}),
            )
            .await;
        for e in queue["spotCheckQueue"]["edges"].as_array().unwrap() {
            app.ok(&app.operator, "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED) { status } }", json!({ "id": e["node"]["id"] })).await;
        }
        app.clock
            .set(Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap());
        for inv in &invoices {
            wait_for_status(&app, inv, "PAID_OUT").await;
        }
        app.restart().await;
        // Give a restarted worker the chance to (wrongly) run anything twice.
        app.clock.advance(chrono::Duration::days(3));
        app.worker_settled().await;
        for inv in &invoices {
            let s = sale_of(&app, inv).await;
            let kinds: Vec<&str> = s["sale"]["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["kind"].as_str().unwrap())
                .collect();
            assert_eq!(
                kinds,
                vec![
                    "SUBMITTED",
                    "SPOT_CHECK_STARTED",
                    "SPOT_CHECK_RESOLVED",
                    "APPROVED",
                    "PAID_OUT"
                ]
            );
        }
        let r = app
            .ok(
                &app.company,
                "{ vouchers { totalCount } viewer { paymentsAccountBalance } }",
                json!({}),
            )
            .await;
        assert_eq!(r["vouchers"]["totalCount"], 6);
        assert_eq!(r["viewer"]["paymentsAccountBalance"], "0.00");
    }
);

db_test!(subscriptions_are_tenant_scoped_and_authenticated, |app| {
    activate(&app, agreement()).await;
    // A bad token is refused at connection_init.
    let (_c, first) = WsClient::connect_raw(
        &app.base,
        Protocol::TransportWs,
        json!({ "Authorization": "Bearer ifin_nope" }),
    )
    .await;
    let refused = match first {
        Some(tokio_tungstenite::tungstenite::Message::Close(_)) | None => true,
        Some(tokio_tungstenite::tungstenite::Message::Text(t)) => !t.contains("connection_ack"),
        _ => false,
    };
    assert!(refused);

    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    // Company B subscribes to everything, and to A's invoice by ID.
    let mut b = WsClient::connect(&app.base, Protocol::TransportWs, &app.other).await;
    b.subscribe("all", EVENTS, json!({})).await;
    b.subscribe("foreign", EVENTS, json!({ "id": invoice }))
        .await;
    b.subscribe(
        "notes",
        "subscription { notifications { notification { kind } } }",
        json!({}),
    )
    .await;
    // The operator sees every company's events.
    let mut op = WsClient::connect(&app.base, Protocol::TransportWs, &app.operator).await;
    op.subscribe("all", EVENTS, json!({})).await;
    let mut a = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    a.subscribe(
        "notes",
        "subscription { notifications { cursor notification { kind message } } }",
        json!({}),
    )
    .await;
    app.listening(4, 4).await;
    sell(&app, &invoice, "k").await;
    // A subscription without `after` starts at the events the hub has
    // dispatched, so the activation's notification, committed just before
    // it began, may still arrive first; the sale's follows.
    let kind = |got: Vec<Value>| got[0]["data"]["notifications"]["notification"]["kind"].clone();
    let mut first = kind(a.take("notes", 1).await);
    if first == "INVOICE_SALE_ACTIVATED" {
        first = kind(a.take("notes", 1).await);
    }
    assert_eq!(first, "SALE_SENT");
    let got = op.take("all", 1).await;
    assert_eq!(got[0]["data"]["invoiceSaleEvents"]["kind"], "SUBMITTED");
    // Company B got nothing on any of its subscriptions.
    let seen = b.all_within(std::time::Duration::from_millis(300)).await;
    assert_eq!(seen, Vec::<Value>::new(), "company B saw the sale");
});

db_test!(
    an_event_of_a_kind_this_version_does_not_know_is_never_shown_as_another,
    |app| {
        use invoice_finance::graphql::ids::{AnyId, decode_any};
        use sea_orm::ConnectionTrait;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let r = sell(&app, &invoice, "unknown-kind").await;
        let sale_id = r["data"]["sellInvoice"]["id"].as_str().unwrap().to_string();
        let Some(AnyId::InvoiceSale(sale)) = decode_any(&sale_id) else {
            panic!("not a sale's ID: {r}")
        };
        // A newer version wrote an event of a kind this one does not know.
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        db.execute_unprepared(&format!(
            "INSERT INTO outbox_event (company_id, topic, kind, invoice_id, subject_id, message, at, recorded_ms) \
             SELECT company_id, topic, 'REASSIGNED', invoice_id, subject_id, message, at, recorded_ms \
             FROM outbox_event WHERE topic = 'INVOICE_SALE' AND subject_id = {}",
            sale.get()
        ))
        .await
        .unwrap();

        // The history refuses it as an internal error rather than show it
        // as a step it is not.
        let history = app
            .gql(
                &app.company,
                "query($id: ID!) { node(id: $id) { ... on InvoiceSale { history { kind } } } }",
                json!({ "id": sale_id }),
            )
            .await;
        assert_eq!(code(&history), "INTERNAL", "{history}");

        // A subscriber replaying the sale's events gets an internal error in
        // its place, and the stream goes on to the next event.
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        ws.subscribe(
            "s",
            EVENTS,
            json!({ "id": invoice, "after": crate::helpers::cursor_zero() }),
        )
        .await;
        let r = app
            .gql(
                &app.company,
                "mutation($id: ID!) { withdrawInvoiceSale(saleId: $id) { status } }",
                json!({ "id": sale_id }),
            )
            .await;
        assert_eq!(
            r["data"]["withdrawInvoiceSale"]["status"], "WITHDRAWN",
            "{r}"
        );
        let got = ws.take("s", 3).await;
        let kinds: Vec<&str> = got
            .iter()
            .map(|e| {
                e["data"]["invoiceSaleEvents"]["kind"]
                    .as_str()
                    .unwrap_or_else(|| code(e))
            })
            .collect();
        assert_eq!(kinds, ["SUBMITTED", "INTERNAL", "WITHDRAWN"], "{got:?}");
    }
);

db_test!(
    an_unanswered_spot_check_of_a_rule_this_version_does_not_know_is_denied,
    |app| {
        use sea_orm::ConnectionTrait;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let invoice = invoice_of_10k(&app, &customer).await;
        let r = sell(&app, &invoice, "retired-rule").await;
        assert!(r.get("errors").is_none(), "{r}");
        app.clock.advance(chrono::Duration::seconds(10));
        wait_for_status(&app, &invoice, "SPOT_CHECK").await;
        let sale = sale_of(&app, &invoice).await["sale"].clone();
        // The rule that selected the sale was retired by a later version:
        // the risk it was to clear is not known to be routine.
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        db.execute_unprepared(
            "UPDATE invoice_sale SET spot_check_rule = 'RETIRED_RULE' WHERE status = 'SPOT_CHECK'",
        )
        .await
        .unwrap();
        let r = app
            .ok(
                &app.operator,
                "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: NO_ANSWER) { status denialReason { code } } }",
                json!({ "id": sale["id"] }),
            )
            .await;
        assert_eq!(
            r["resolveSpotCheck"],
            json!({ "status": "DENIED", "denialReason": { "code": "SPOT_CHECK_UNANSWERED" } })
        );
    }
);
