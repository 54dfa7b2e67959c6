//! One company can never read or change another's data: its IDs behave exactly
//! like IDs that do not exist.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::TestApp;

mod sweep;

/// A well-formed ID of `kind` that exists nowhere.
fn missing(kind: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:999999"))
}

/// Runs `query` as the first company with `id` and with a missing ID, and
/// checks the two answers are the same once the IDs are blanked out.
async fn same_as_missing(
    app: &TestApp,
    query: &str,
    kind: &str,
    foreign: &str,
    extra: Value,
) -> Value {
    same_as_missing_for(app, &app.company, query, kind, foreign, extra).await
}

/// [`same_as_missing`] as the company behind `token`.
async fn same_as_missing_for(
    app: &TestApp,
    token: &str,
    query: &str,
    kind: &str,
    foreign: &str,
    extra: Value,
) -> Value {
    let mut vars = extra.clone();
    vars["id"] = json!(foreign);
    let with_foreign = app.gql(token, query, vars).await;
    let mut vars = extra;
    vars["id"] = json!(missing(kind));
    let with_missing = app.gql(token, query, vars).await;
    assert_eq!(with_foreign, with_missing, "{query}");
    with_foreign
}

db_test!(another_companys_ids_behave_like_missing_ones, |app| {
    let b_customer = app.full_customer(&app.other).await;
    let b_invoice = app.invoice(&app.other, &b_customer, "100").await;
    let a_customer = app.full_customer(&app.company).await;

    // Reads give null, like a missing ID.
    for (q, kind, id) in [
        (
            "query($id: ID!) { invoice(id: $id) { id } }",
            "Invoice",
            &b_invoice,
        ),
        (
            "query($id: ID!) { customer(id: $id) { id } }",
            "Customer",
            &b_customer,
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            "Invoice",
            &b_invoice,
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            "Customer",
            &b_customer,
        ),
    ] {
        let r = same_as_missing(&app, q, kind, id, json!({})).await;
        assert!(r.get("errors").is_none(), "{r}");
        let value = r["data"].as_object().unwrap().values().next().unwrap();
        assert!(value.is_null());
    }
    // The other company's own company node is not visible either.
    let b_company =
        app.ok(&app.other, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let r = app
        .ok(
            &app.company,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": b_company }),
        )
        .await;
    assert!(r["node"].is_null());

    // Filters by a foreign customer find nothing.
    let r = app
        .ok(
            &app.company,
            "query($id: ID!) { invoices(filter: {customerId: $id}) { totalCount edges { node { id } } } }",
            json!({ "id": b_customer }),
        )
        .await;
    assert_eq!(r["invoices"]["totalCount"], 0);

    // Writes give NOT_FOUND, like a missing ID, and change nothing.
    let invoice_input = json!({
        "customerId": a_customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
        "rows": [{ "description": "x", "quantity": "1", "unitPrice": "1", "vatRate": "25" }]
    });
    let writes: Vec<(&str, &str, &String, Value)> = vec![
        (
            "mutation($id: ID!) { updateCustomer(id: $id, input: {name: \"Hacked\"}) { id } }",
            "Customer",
            &b_customer,
            json!({}),
        ),
        (
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }",
            "Invoice",
            &b_invoice,
            json!({ "i": invoice_input }),
        ),
        (
            "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
            "Invoice",
            &b_invoice,
            json!({}),
        ),
        (
            "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }",
            "Invoice",
            &b_invoice,
            json!({}),
        ),
        (
            "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"1.00\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: \"k-tenancy-1\") { id } }",
            "Invoice",
            &b_invoice,
            json!({}),
        ),
        (
            "mutation($id: ID!) { createInvoice(input: {customerId: $id, invoiceDate: \"2026-11-20\", termsOfPayment: \"30\", rows: [{description: \"x\", quantity: \"1\", unitPrice: \"1\", vatRate: \"25\"}]}) { id } }",
            "Customer",
            &b_customer,
            json!({}),
        ),
    ];
    for (q, kind, id, extra) in writes {
        let r = same_as_missing(&app, q, kind, id, extra).await;
        assert_eq!(crate::helpers::code(&r), "NOT_FOUND", "{q}: {r}");
    }

    // Company B's data is untouched.
    let r = app
        .ok(
            &app.other,
            "query($i: ID!, $c: ID!) { invoice(id: $i) { cancelled sent balance } customer(id: $c) { name } }",
            json!({ "i": b_invoice, "c": b_customer }),
        )
        .await;
    assert_eq!(
        r["invoice"],
        json!({ "cancelled": false, "sent": false, "balance": "125.00" })
    );
    assert_eq!(r["customer"]["name"], "Byggvaruhuset AB");
    // And company A sees only its own lists.
    let r = app
        .ok(
            &app.company,
            "{ customers { totalCount } invoices { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["customers"]["totalCount"], 1);
    assert_eq!(r["invoices"]["totalCount"], 0);
});

db_test!(another_companys_sale_and_case_read_as_missing_ones, |app| {
    use crate::fixtures::*;
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let sold = invoice_of_10k(&app, &customer).await;
    let sale = sell(&app, &sold, "tenancy-sale").await["data"]["sellInvoice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let handed = invoice_of_10k(&app, &customer).await;
    let sent = hand_over(
        &app,
        &handed,
        "INVOICE_SERVICE",
        Some("LETTER"),
        "tenancy-case",
    )
    .await;
    let case = sent["case"]["id"].as_str().unwrap().to_string();
    let reads = [
        (
            "query($id: ID!) { invoiceSale(id: $id) { id } }",
            "InvoiceSale",
            &sale,
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            "NoxFinansCase",
            &case,
        ),
    ];
    // Their owner reads them.
    for (q, _, id) in reads {
        let r = app.ok(&app.company, q, json!({ "id": id })).await;
        let value = r.as_object().unwrap().values().next().unwrap();
        assert_eq!(value["id"], json!(id), "{q}: {r}");
    }
    // The other company reads them as it reads ids that exist nowhere.
    for (q, kind, id) in reads {
        let r = same_as_missing_for(&app, &app.other, q, kind, id, json!({})).await;
        assert!(r.get("errors").is_none(), "{r}");
        let value = r["data"].as_object().unwrap().values().next().unwrap();
        assert!(value.is_null(), "{q}: {r}");
    }
});

db_test!(
    every_kind_of_node_is_found_by_its_id_and_only_by_its_owner,
    |app| {
        use crate::fixtures::*;
        activate(&app, agreement()).await;
        let customer = app.full_customer(&app.company).await;
        let sold = invoice_of_10k(&app, &customer).await;
        let sale = sell_and_confirm(&app, &sold, "node-sale").await;
        // Paid out on the next banking day: a statement entry besides the vouchers.
        app.clock.advance(chrono::Duration::days(4));
        wait_for_status(&app, &sold, "PAID_OUT").await;
        let handed = invoice_of_10k(&app, &customer).await;
        let sent = hand_over(
            &app,
            &handed,
            "INVOICE_SERVICE",
            Some("LETTER"),
            "node-case",
        )
        .await;
        let lists = app
        .ok(
            &app.company,
            "{ viewer { id } \
               statement(from: \"2026-01-01\", to: \"2027-12-31\") { entries(first: 1) { nodes { id } } } \
               vouchers(first: 1) { nodes { id } } \
               notifications(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
        let first = |v: &Value| v["nodes"][0]["id"].clone();
        let nodes = [
            ("Company", lists["viewer"]["id"].clone()),
            ("Customer", json!(customer)),
            ("Invoice", json!(sold)),
            ("InvoiceSale", sale),
            ("StatementEntry", first(&lists["statement"]["entries"])),
            ("Voucher", first(&lists["vouchers"])),
            ("Notification", first(&lists["notifications"])),
            ("NoxFinansCase", sent["case"]["id"].clone()),
        ];
        const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";
        for (kind, id) in &nodes {
            assert!(id.is_string(), "{kind}: no id in {lists}");
            let r = app.ok(&app.company, NODE, json!({ "id": id })).await;
            assert_eq!(r["node"], json!({ "__typename": kind, "id": id }), "{kind}");
            let r = app.ok(&app.other, NODE, json!({ "id": id })).await;
            assert_eq!(r["node"], Value::Null, "{kind} of another company");
            // Operators read any company's sale, as `invoiceSale(id:)` lets
            // them, and no other kind.
            let r = app.gql(&app.operator, NODE, json!({ "id": id })).await;
            if *kind == "InvoiceSale" {
                assert_eq!(r["data"]["node"]["id"], *id, "{r}");
            } else {
                assert_eq!(crate::helpers::code(&r), "FORBIDDEN", "{kind}: {r}");
            }
        }
    }
);

db_test!(
    the_store_reads_no_rows_of_another_companys_invoices,
    |app| {
        use invoice_finance::domain::id::InvoiceId;
        use invoice_finance::store::{companies, invoices};
        use sea_orm::{EntityTrait, QueryOrder};
        let customer = app.customer(&app.company, json!({ "name": "Kund" })).await;
        app.invoice(&app.company, &customer, "10").await;
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        let tenants: Vec<_> = entity::company::Entity::find()
            .order_by_asc(entity::company::Column::Id)
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| companies::tenant(&c.into()))
            .collect();
        let ids: Vec<InvoiceId> = entity::invoice::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.company_id == tenants[0].company_id().get())
            .map(|i| InvoiceId::new(i.id))
            .collect();
        assert!(tenants.len() >= 2 && !ids.is_empty());
        let own = invoices::rows_of(&db, tenants[0], ids.clone())
            .await
            .unwrap();
        assert!(own.len() >= ids.len(), "{} rows", own.len());
        for other in &tenants[1..] {
            let foreign = invoices::rows_of(&db, *other, ids.clone()).await.unwrap();
            assert!(
                foreign.is_empty(),
                "another company read {} rows",
                foreign.len()
            );
        }
    }
);

// An idempotency key is the company's own: the same keys sent by two
// companies make two payments, two credit notes, two sales and two Nox
// Finans cases, each answered to its own company, and a retry by either
// answers its own again. (Within a company a payment and a credit note
// share one namespace of keys, so they have a key each.)
db_test!(
    the_same_idempotency_key_in_two_companies_is_two_requests,
    |app| {
        use crate::fixtures::*;
        const PAY: &str = "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"100\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: \"shared-pay\") { id balance } }";
        const CREDIT: &str = "mutation($id: ID!) { creditInvoice(invoiceId: $id, rows: [{description: \"Credit\", quantity: \"1\", unitPrice: \"80\", vatRate: \"25\"}], idempotencyKey: \"shared-credit\") { creditNote { id } invoice { id balance } } }";
        const SEND: &str = "mutation($id: ID!) { sendToNoxFinans(input: {invoiceIds: [$id], service: INVOICE_SERVICE, delivery: LETTER, idempotencyKey: \"shared\"}) { results { accepted case { id } } } }";
        let mut answers = Vec::new();
        for token in [&app.company, &app.other] {
            activate_for(&app, token, agreement()).await;
            let customer = app.full_customer(token).await;
            let paid = app.invoice(token, &customer, "1000").await;
            let sold = app.invoice(token, &customer, "8000").await;
            let sent = app.invoice(token, &customer, "1000").await;
            let mut mine = Vec::new();
            for (round, balance) in [(0, "1150.00"), (1, "1050.00")] {
                // The payment's answer is the invoice as it stands: after the
                // credit note on the retry.
                let pay = app.ok(token, PAY, json!({ "id": paid })).await;
                assert_eq!(pay["registerPayment"]["id"], json!(paid));
                assert_eq!(pay["registerPayment"]["balance"], balance, "round {round}");
                let credit = app.ok(token, CREDIT, json!({ "id": paid })).await;
                assert_eq!(
                    credit["creditInvoice"]["invoice"]["balance"], "1050.00",
                    "one credit note"
                );
                let sale = crate::fixtures::sell_as(&app, token, &sold, "shared").await;
                assert!(sale.get("errors").is_none(), "{sale}");
                let case = app.ok(token, SEND, json!({ "id": sent })).await;
                assert_eq!(
                    case["sendToNoxFinans"]["results"][0]["accepted"], true,
                    "{case}"
                );
                mine.push(json!([
                    credit["creditInvoice"]["creditNote"]["id"],
                    sale["data"]["sellInvoice"]["id"],
                    case["sendToNoxFinans"]["results"][0]["case"]["id"],
                ]));
            }
            // The retry answered with the same credit note, sale and case.
            assert_eq!(mine[0], mine[1]);
            answers.push(mine[0].clone());
        }
        // Each company's are its own.
        for (a, b) in answers[0]
            .as_array()
            .unwrap()
            .iter()
            .zip(answers[1].as_array().unwrap())
        {
            assert_ne!(a, b);
        }
    }
);
