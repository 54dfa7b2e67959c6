//! Every argument of the API that takes an ID, read off the served schema,
//! tried as the first company with the second company's IDs: each answers
//! as it answers an ID that exists nowhere, and neither company's data
//! changes. An argument the schema gains without a line here fails the test.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use super::same_as_missing_for;
use crate::db_test;
use crate::fixtures::*;
use crate::helpers::TestApp;
use crate::ws::{Protocol, WsClient};

/// What each company sees of its own data, and what the operator sees of
/// API tokens, dead jobs and the spot-check queue: the sweep must leave all
/// of it as it was.
const SNAPSHOT: &str = "{ viewer { id name paymentsAccountBalance } \
    customers(first: 100) { nodes { id name email } } \
    invoices(first: 100) { nodes { id total balance status cancelled sent customer { id } \
      sale { id status } noxFinans { id status pausedUntil } } } \
    notifications(first: 100) { nodes { id read } } unreadNotificationCount \
    noxFinansCandidates(first: 100) { nodes { hidden invoice { id } } } \
    vouchers(first: 100) { totalCount } }";
const OPERATOR_SNAPSHOT: &str =
    "{ apiTokens { id active } deadJobs { totalCount } spotCheckQueue { totalCount } }";

const SALE_EVENTS: &str =
    "subscription($id: ID) { invoiceSaleEvents(invoiceId: $id) { kind sale { id } } }";
const CASE_EVENTS: &str =
    "subscription($id: ID) { noxFinansEvents(invoiceId: $id) { status case { id } } }";
const SEND: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted case { id } blockers { code } } } }";
const ROWS: &str =
    "rows: [{description: \"x\", quantity: \"1\", unitPrice: \"1\", vatRate: \"25\"}]";

/// The ID arguments of the served schema, as `Type.field.argument` with
/// the path through input objects (`Mutation.sellInvoice.input.invoiceId`).
async fn id_arguments(app: &TestApp) -> BTreeSet<String> {
    const T: &str =
        "type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let q = format!(
        "{{ __schema {{ types {{ name kind fields {{ name args {{ name {T} }} }} inputFields {{ name {T} }} }} }} }}"
    );
    let r = app.ok(&app.company, &q, json!({})).await;
    let types = r["__schema"]["types"].as_array().unwrap();
    // The named type under any NON_NULL and LIST wrappers.
    fn named(t: &Value) -> &str {
        if t["ofType"].is_null() {
            t["name"].as_str().unwrap()
        } else {
            named(&t["ofType"])
        }
    }
    let input = |name: &str| {
        types
            .iter()
            .find(|t| t["name"] == name && t["kind"] == "INPUT_OBJECT")
    };
    fn walk<'a>(
        at: String,
        ty: &str,
        input: &dyn Fn(&str) -> Option<&'a Value>,
        out: &mut BTreeSet<String>,
    ) {
        if ty == "ID" {
            out.insert(at);
        } else if let Some(obj) = input(ty) {
            for f in obj["inputFields"].as_array().unwrap() {
                let name = f["name"].as_str().unwrap();
                walk(format!("{at}.{name}"), named(&f["type"]), input, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for root in ["Query", "Mutation", "Subscription"] {
        let ty = types.iter().find(|t| t["name"] == root).unwrap();
        for f in ty["fields"].as_array().unwrap() {
            for a in f["args"].as_array().unwrap() {
                let at = format!(
                    "{root}.{}.{}",
                    f["name"].as_str().unwrap(),
                    a["name"].as_str().unwrap()
                );
                walk(at, named(&a["type"]), &input, &mut out);
            }
        }
    }
    out
}

async fn snapshot(app: &TestApp) -> Value {
    json!({
        "company": app.ok(&app.company, SNAPSHOT, json!({})).await,
        "other": app.ok(&app.other, SNAPSHOT, json!({})).await,
        "operator": app.ok(&app.operator, OPERATOR_SNAPSHOT, json!({})).await,
    })
}

fn id_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("no ID: {v}"))
        .to_string()
}

db_test!(
    every_id_argument_reads_another_companys_ids_as_missing,
    |app| {
        activate(&app, agreement()).await;
        activate_for(&app, &app.other, agreement()).await;
        // The second company's objects of each kind an argument names.
        let b_company =
            id_of(&app.ok(&app.other, "{ viewer { id } }", json!({})).await["viewer"]["id"]);
        let b_customer = app.full_customer(&app.other).await;
        let b_invoice = app.invoice(&app.other, &b_customer, "8000").await;
        let b_sold = app.invoice(&app.other, &b_customer, "8000").await;
        let b_handed = app.invoice(&app.other, &b_customer, "8000").await;
        let b_note = id_of(
            &app.ok(
                &app.other,
                "{ notifications(first: 1) { nodes { id } } }",
                json!({}),
            )
            .await["notifications"]["nodes"][0]["id"],
        );
        let b_token = id_of(
            &app.ok(
                &app.operator,
                "mutation($c: ID) { createApiToken(companyId: $c, label: \"b\") { token { id } } }",
                json!({ "c": b_company }),
            )
            .await["createApiToken"]["token"]["id"],
        );
        let a_customer = app.full_customer(&app.company).await;
        let a_invoice = app.invoice(&app.company, &a_customer, "8000").await;

        // The first company subscribes by the second's invoice IDs, and to its
        // own invoice; then both companies' invoices move.
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        ws.subscribe("sales", SALE_EVENTS, json!({ "id": b_sold }))
            .await;
        ws.subscribe("cases", CASE_EVENTS, json!({ "id": b_handed }))
            .await;
        ws.subscribe("own", SALE_EVENTS, json!({ "id": a_invoice }))
            .await;
        app.listening(3, 3).await;
        let b_sale = id_of(
            &sell_as(&app, &app.other, &b_sold, "sweep-b-sale").await["data"]["sellInvoice"]["id"],
        );
        let sent = app
        .ok(
            &app.other,
            SEND,
            json!({ "i": { "invoiceIds": [b_handed], "service": "INVOICE_SERVICE", "delivery": "LETTER", "idempotencyKey": "sweep-b-case" } }),
        )
        .await;
        let b_case = id_of(&sent["sendToNoxFinans"]["results"][0]["case"]["id"]);
        sell(&app, &a_invoice, "sweep-a-sale").await;
        // The own sale's event comes after the other company's events were
        // committed: up to it, and for a while after, the subscriptions by
        // their IDs got nothing.
        let mut seen = Vec::new();
        loop {
            let m = ws
                .recv_json(Duration::from_secs(10))
                .await
                .expect("the own sale's event");
            if m["id"] == "own" {
                assert_eq!(
                    m["payload"]["data"]["invoiceSaleEvents"]["kind"], "SUBMITTED",
                    "{m}"
                );
                break;
            }
            seen.push(m);
        }
        seen.extend(ws.all_within(Duration::from_millis(300)).await);
        assert_eq!(seen, Vec::<Value>::new(), "the other company's events");
        app.worker_settled().await;

        let foreign = |kind: &str| -> String {
            match kind {
                "Company" => b_company.clone(),
                "Customer" => b_customer.clone(),
                "Invoice" => b_invoice.clone(),
                "InvoiceSale" => b_sale.clone(),
                "NoxFinansCase" => b_case.clone(),
                "Notification" => b_note.clone(),
                "ApiToken" => b_token.clone(),
                // Jobs are the operators' alone: a company is refused
                // whatever the job, so the first one stands for any.
                "Job" => {
                    use base64::Engine;
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Job:1")
                }
                _ => panic!("no {kind} of the second company"),
            }
        };
        let a_input = format!(
            "{{customerId: \"{a_customer}\", invoiceDate: \"2026-11-20\", termsOfPayment: \"30\", {ROWS}}}"
        );
        // Each ID argument: the kind of ID it takes and an operation that sends
        // `$id` there (with the first company's own IDs everywhere else).
        let calls: Vec<(&str, &str, String)> = vec![
        ("Mutation.updateCustomer.id", "Customer", "mutation($id: ID!) { updateCustomer(id: $id, input: {name: \"Taken\"}) { id } }".into()),
        ("Mutation.createInvoice.input.customerId", "Customer", format!("mutation($id: ID!) {{ createInvoice(input: {{customerId: $id, invoiceDate: \"2026-11-20\", termsOfPayment: \"30\", {ROWS}}}) {{ id }} }}")),
        ("Mutation.updateInvoice.id", "Invoice", format!("mutation($id: ID!) {{ updateInvoice(id: $id, input: {a_input}) {{ id }} }}")),
        ("Mutation.updateInvoice.input.customerId", "Customer", format!("mutation($id: ID!) {{ updateInvoice(id: \"{a_invoice}\", input: {{customerId: $id, invoiceDate: \"2026-11-20\", termsOfPayment: \"30\", {ROWS}}}) {{ id }} }}")),
        ("Mutation.cancelInvoice.id", "Invoice", "mutation($id: ID!) { cancelInvoice(id: $id) { id } }".into()),
        ("Mutation.markInvoiceSent.id", "Invoice", "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }".into()),
        ("Mutation.creditInvoice.invoiceId", "Invoice", "mutation($id: ID!) { creditInvoice(invoiceId: $id, idempotencyKey: \"sweep-credit\") { creditNote { id } } }".into()),
        ("Mutation.recordTaxReductionDenial.invoiceId", "Invoice", "mutation($id: ID!) { recordTaxReductionDenial(invoiceId: $id, amount: \"1\", idempotencyKey: \"sweep-deny\") { id } }".into()),
        ("Mutation.registerPayment.invoiceId", "Invoice", "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"1\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: \"sweep-pay\") { id } }".into()),
        ("Mutation.sellInvoice.input.invoiceId", "Invoice", "mutation($id: ID!) { sellInvoice(input: {invoiceId: $id, quoteId: \"q\", idempotencyKey: \"sweep-sell\"}) { id } }".into()),
        ("Mutation.withdrawInvoiceSale.saleId", "InvoiceSale", "mutation($id: ID!) { withdrawInvoiceSale(saleId: $id) { id } }".into()),
        ("Mutation.recordSaleCollection.saleId", "InvoiceSale", "mutation($id: ID!) { recordSaleCollection(saleId: $id, amount: \"1\", collectedOn: \"2026-11-22\", idempotencyKey: \"sweep-collect\") { id } }".into()),
        ("Mutation.markNotificationsRead.ids", "Notification", "mutation($id: ID!) { markNotificationsRead(ids: [$id]) }".into()),
        ("Mutation.activateInvoiceSale.companyId", "Company", "mutation($id: ID!) { activateInvoiceSale(companyId: $id, agreement: {fixedFee: \"0\", percentageFee: \"0\", minimumFee: \"0\", customerCreditLimit: \"1\", totalCreditLimit: \"1\"}) { active } }".into()),
        ("Mutation.resolveSpotCheck.saleId", "InvoiceSale", "mutation($id: ID!) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED) { id } }".into()),
        ("Mutation.setNoxFinansHidden.invoiceId", "Invoice", "mutation($id: ID!) { setNoxFinansHidden(invoiceId: $id, hidden: true) { hidden } }".into()),
        ("Mutation.sendToNoxFinans.input.invoiceIds", "Invoice", "mutation($id: ID!) { sendToNoxFinans(input: {invoiceIds: [$id], service: INVOICE_SERVICE, idempotencyKey: \"sweep-send\"}) { results { accepted case { id } blockers { code message } } } }".into()),
        ("Mutation.pauseNoxFinansCase.caseId", "NoxFinansCase", "mutation($id: ID!) { pauseNoxFinansCase(caseId: $id, until: \"2027-01-10\") { id } }".into()),
        ("Mutation.resumeNoxFinansCase.caseId", "NoxFinansCase", "mutation($id: ID!) { resumeNoxFinansCase(caseId: $id) { id } }".into()),
        ("Mutation.rejectNoxFinansCase.caseId", "NoxFinansCase", "mutation($id: ID!) { rejectNoxFinansCase(caseId: $id, reason: \"no\") { id } }".into()),
        ("Mutation.recallFromNoxFinans.caseId", "NoxFinansCase", "mutation($id: ID!) { recallFromNoxFinans(caseId: $id) { id } }".into()),
        ("Mutation.createApiToken.companyId", "Company", "mutation($id: ID!) { createApiToken(companyId: $id, label: \"x\") { secret } }".into()),
        ("Mutation.revokeApiToken.tokenId", "ApiToken", "mutation($id: ID!) { revokeApiToken(tokenId: $id) { id } }".into()),
        ("Mutation.retryDeadJob.jobId", "Job", "mutation($id: ID!) { retryDeadJob(jobId: $id) { id } }".into()),
        ("Query.node.id", "Invoice", "query($id: ID!) { node(id: $id) { id } }".into()),
        ("Query.customer.id", "Customer", "query($id: ID!) { customer(id: $id) { id } }".into()),
        ("Query.invoices.filter.customerId", "Customer", "query($id: ID!) { invoices(filter: {customerId: $id}) { totalCount nodes { id } } }".into()),
        ("Query.invoice.id", "Invoice", "query($id: ID!) { invoice(id: $id) { id } }".into()),
        ("Query.invoiceSaleQuote.invoiceId", "Invoice", "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { eligible payout } }".into()),
        ("Query.invoiceSale.id", "InvoiceSale", "query($id: ID!) { invoiceSale(id: $id) { id } }".into()),
        ("Query.salesToCollect.companyId", "Company", "query($id: ID!) { salesToCollect(companyId: $id) { totalCount } }".into()),
        ("Query.noxFinansSubmissions.companyId", "Company", "query($id: ID!) { noxFinansSubmissions(companyId: $id) { totalCount } }".into()),
        ("Query.apiTokens.companyId", "Company", "query($id: ID!) { apiTokens(companyId: $id) { id } }".into()),
        ("Query.auditLog.companyId", "Company", "query($id: ID!) { auditLog(companyId: $id) { totalCount } }".into()),
    ];
        // The subscriptions were tried above, over the WebSocket.
        let over_ws = [
            "Subscription.invoiceSaleEvents.invoiceId",
            "Subscription.noxFinansEvents.invoiceId",
        ];
        let covered: BTreeSet<String> = calls
            .iter()
            .map(|(at, _, _)| at.to_string())
            .chain(over_ws.iter().map(|s| s.to_string()))
            .collect();
        let served = id_arguments(&app).await;
        assert_eq!(
            served.difference(&covered).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "ID arguments the sweep does not try"
        );
        assert_eq!(
            covered.difference(&served).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "lines of the sweep for arguments the schema no longer has"
        );

        let before = snapshot(&app).await;
        for (at, kind, query) in &calls {
            let r = same_as_missing_for(&app, &app.company, query, kind, &foreign(kind), json!({}))
                .await;
            // A read answers null or empty, a write an error; none of them
            // shows the other company's object.
            let text = r.to_string();
            for theirs in [&b_customer, &b_invoice, &b_sale, &b_case, &b_note, &b_token] {
                assert!(!text.contains(theirs.as_str()), "{at} showed {theirs}: {r}");
            }
        }
        assert_eq!(snapshot(&app).await, before, "the sweep changed data");
    }
);
