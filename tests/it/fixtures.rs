//! What the tests build on, made through the API as a user would: the
//! company's invoice-sale agreement, customers, invoices, a sale and its
//! status, a Nox Finans case and its status, and Stockholm times for the
//! manual clock. Every test module takes its fixtures from here.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const ACTIVATE: &str = "mutation($c: ID!, $a: AgreementInput!) { activateInvoiceSale(companyId: $c, agreement: $a) { active fixedFee percentageFee } }";
const QUOTE: &str = "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { amount fees { kind amount } totalFees payout payoutDate quoteId eligible reasons { code message } } }";
const SELL: &str = "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id status amount totalFees payout } }";
const SALE: &str = "query($id: ID!) { invoice(id: $id) { listIcon { kind tooltip } sale { id status payoutDate denialReason { code message } spotCheck { rule explanation outcome } history { kind } } } }";
const CASE: &str = "query($id: ID!) { invoice(id: $id) { balance status noxFinans { id status nextEvent nextEventDate pausedUntil pauseDaysUsed claim capitalBalance feesCharged accruedInterest feesBalance history { status } collected { capital fees interest total kept paidOut pending } } } }";
const CREATE_INVOICE: &str = "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }";
const HAND_OVER: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted invoice { id } case { id status } warnings { code } blockers { code } } } }";

/// Stockholm wall-clock time (UTC+1 in winter) as an instant.
pub fn stockholm(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h - 1, min, 0).unwrap()
}

/// 06:00:01 Stockholm on day `d` of `m`/`y` (UTC+1 in winter): just after the
/// worker's morning run becomes due.
pub fn morning(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 5, 0, 1).unwrap()
}

/// The invoice-sale agreement most tests sell under: 19.90 SEK and 2.9 %.
pub fn agreement() -> Value {
    json!({ "fixedFee": "19.90", "percentageFee": "2.9", "minimumFee": "0", "customerCreditLimit": "200000", "totalCreditLimit": "1000000" })
}

/// The operator activates invoice sale for the first company.
pub async fn activate(app: &TestApp, agreement: Value) {
    activate_for(app, &app.company, agreement).await;
}

/// The operator activates invoice sale for the company behind `token`.
pub async fn activate_for(app: &TestApp, token: &str, agreement: Value) {
    let company = app.ok(token, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    app.ok(
        &app.operator,
        ACTIVATE,
        json!({ "c": company, "a": agreement }),
    )
    .await;
}

impl TestApp {
    /// Creates a customer for the company behind `token` and returns its ID.
    pub async fn customer(&self, token: &str, input: Value) -> String {
        let data = self
            .ok(
                token,
                "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        data["createCustomer"]["id"].as_str().unwrap().to_string()
    }

    /// A complete customer.
    pub async fn full_customer(&self, token: &str) -> String {
        self.customer(
            token,
            json!({
                "name": "Byggvaruhuset AB",
                "organisationNumber": "559345-6782",
                "email": "faktura@bygg.example",
                "phone": "090-123456",
                "address": { "street": "Storgatan 1", "postalCode": "903 26", "city": "Umeå" }
            }),
        )
        .await
    }

    /// Creates an invoice of one row and returns its ID.
    pub async fn invoice(&self, token: &str, customer_id: &str, unit_price: &str) -> String {
        let data = self
            .ok(
                token,
                "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }",
                json!({ "i": {
                    "customerId": customer_id,
                    "invoiceDate": "2026-11-20",
                    "termsOfPayment": "30",
                    "rows": [{ "description": "Work", "quantity": "1", "unitPrice": unit_price, "vatRate": "25" }]
                }}),
            )
            .await;
        data["createInvoice"]["id"].as_str().unwrap().to_string()
    }
}

/// A private person as customer, complete.
pub async fn private_customer(app: &TestApp) -> String {
    app.customer(
        &app.company,
        json!({ "name": "Anna Lindqvist", "organisationNumber": "19850614-1236", "email": "anna@example.se", "phone": "070-1234567", "address": { "street": "Björkvägen 3", "postalCode": "90422", "city": "Umeå" } }),
    )
    .await
}

/// A 10 000 SEK invoice (8 000 + 25 % VAT) due in 30 days.
pub async fn invoice_of_10k(app: &TestApp, customer: &str) -> String {
    app.invoice(&app.company, customer, "8000").await
}

/// The first company's invoice of one row with `fields` (the input's
/// `invoiceDate`, `termsOfPayment`, `currency`, …) over the defaults: dated
/// 20 Nov 2026, 30 days, 1 000 + 25 % VAT.
pub async fn invoice_with(app: &TestApp, customer: &str, fields: Value) -> String {
    let mut input = json!({ "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
        "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "1000", "vatRate": "25" }] });
    for (k, v) in fields.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.ok(&app.company, CREATE_INVOICE, json!({ "i": input }))
        .await["createInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An invoice of one row at `price` + 25 % VAT, dated `date`, on `terms` days.
pub async fn invoice_on(
    app: &TestApp,
    customer: &str,
    date: &str,
    terms: &str,
    price: &str,
) -> String {
    let rows =
        json!([{ "description": "Work", "quantity": "1", "unitPrice": price, "vatRate": "25" }]);
    invoice_with(
        app,
        customer,
        json!({ "invoiceDate": date, "termsOfPayment": terms, "rows": rows }),
    )
    .await
}

/// A row of a credit note: `net` at `rate` % VAT.
pub fn row(net: &str, rate: &str) -> Value {
    json!({ "description": "Kreditering", "quantity": "1", "unitPrice": net, "vatRate": rate })
}

/// The first company's invoice `id`: its fields in `selection`.
pub async fn invoice(app: &TestApp, id: &str, selection: &str) -> Value {
    let query = format!("query($id: ID!) {{ invoice(id: $id) {{ {selection} }} }}");
    app.ok(&app.company, &query, json!({ "id": id })).await["invoice"].clone()
}

/// The invoice with its sale, icon and sale history.
pub async fn sale_of(app: &TestApp, invoice: &str) -> Value {
    sale_of_as(app, &app.company, invoice).await
}

/// [`sale_of`] as the company behind `token`.
pub async fn sale_of_as(app: &TestApp, token: &str, invoice: &str) -> Value {
    app.ok(token, SALE, json!({ "id": invoice })).await["invoice"].clone()
}

/// Quotes and sells the invoice under idempotency key `key`; the whole response.
pub async fn sell(app: &TestApp, invoice: &str, key: &str) -> Value {
    sell_as(app, &app.company, invoice, key).await
}

/// [`sell`] by the company behind `token`.
pub async fn sell_as(app: &TestApp, token: &str, invoice: &str, key: &str) -> Value {
    let q = app.ok(token, QUOTE, json!({ "id": invoice })).await;
    let quote_id = q["invoiceSaleQuote"]["quoteId"].clone();
    app.gql(
        token,
        SELL,
        json!({ "i": { "invoiceId": invoice, "quoteId": quote_id, "idempotencyKey": key } }),
    )
    .await
}

/// Waits until the invoice's sale has `status`.
pub async fn wait_for_status(app: &TestApp, invoice: &str, status: &str) {
    wait_for_status_as(app, &app.company, invoice, status).await;
}

/// [`wait_for_status`] as the company behind `token`.
pub async fn wait_for_status_as(app: &TestApp, token: &str, invoice: &str, status: &str) {
    let what = format!("sale status {status}");
    app.eventually(&what, || async {
        sale_of_as(app, token, invoice).await["sale"]["status"] == status
    })
    .await;
}

/// Sells the invoice under `key` and lets the processing delay pass until
/// the rule engine has selected it for a spot check (a company's first sales
/// always are); the sale's ID, the sale waiting for its check.
pub async fn sell_to_spot_check(app: &TestApp, invoice: &str, key: &str) -> Value {
    sell_to_spot_check_as(app, &app.company, invoice, key).await
}

/// [`sell_to_spot_check`] by the company behind `token`.
pub async fn sell_to_spot_check_as(app: &TestApp, token: &str, invoice: &str, key: &str) -> Value {
    let r = sell_as(app, token, invoice, key).await;
    assert!(r.get("errors").is_none(), "{r}");
    app.clock.advance(chrono::Duration::seconds(10));
    wait_for_status_as(app, token, invoice, "SPOT_CHECK").await;
    r["data"]["sellInvoice"]["id"].clone()
}

/// [`sell_to_spot_check`], then the operator confirms it; the sale's ID,
/// the sale approved.
pub async fn sell_and_confirm(app: &TestApp, invoice: &str, key: &str) -> Value {
    sell_and_confirm_as(app, &app.company, invoice, key).await
}

/// [`sell_and_confirm`] by the company behind `token`.
pub async fn sell_and_confirm_as(app: &TestApp, token: &str, invoice: &str, key: &str) -> Value {
    let id = sell_to_spot_check_as(app, token, invoice, key).await;
    confirm_spot_check(app, &id).await;
    id
}

/// The operator confirms the spot check of sale `id`, which is approved.
pub async fn confirm_spot_check(app: &TestApp, id: &Value) {
    let r = app
        .ok(
            &app.operator,
            "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["resolveSpotCheck"]["status"], "APPROVED");
}

/// Hands the invoice to Nox Finans for `service`, delivered by `delivery`
/// (the company's setting when `None`), under idempotency key `key`; the
/// invoice's result (accepted, case, warnings, blockers).
pub async fn hand_over(
    app: &TestApp,
    invoice: &str,
    service: &str,
    delivery: Option<&str>,
    key: &str,
) -> Value {
    let i = json!({ "invoiceIds": [invoice], "service": service, "delivery": delivery, "idempotencyKey": key });
    app.ok(&app.company, HAND_OVER, json!({ "i": i })).await["sendToNoxFinans"]["results"][0]
        .clone()
}

/// The invoice (balance, status) with its Nox Finans case under `noxFinans`.
pub async fn case_view(app: &TestApp, invoice: &str) -> Value {
    app.ok(&app.company, CASE, json!({ "id": invoice })).await["invoice"].clone()
}

/// Hands the invoice (due 30 November) to Nox Finans by letter under `key`
/// and lets its case run to the reminder, on 7 December at noon.
pub async fn reminded(app: &TestApp, invoice: &str, key: &str) {
    hand_over(app, invoice, "INVOICE_SERVICE", Some("LETTER"), key).await;
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(app, invoice, "DELIVERED").await;
    app.clock.set(stockholm(2026, 12, 2, 12, 0));
    wait_case(app, invoice, "OVERDUE_NOTICE_SENT").await;
    app.clock.set(stockholm(2026, 12, 7, 12, 0));
    wait_case(app, invoice, "REMINDER_SENT").await;
}

/// Waits until the invoice's Nox Finans case has `status`.
pub async fn wait_case(app: &TestApp, invoice: &str, status: &str) {
    app.eventually(&format!("case status {status}"), || async {
        case_view(app, invoice).await["noxFinans"]["status"] == status
    })
    .await;
}
