//! Amounts are exact through both databases: öre sums, large amounts, payments.

use serde_json::json;

use crate::db_test;

db_test!(amounts_round_trip_exactly, |app| {
    let customer = app.full_customer(&app.company).await;
    let create = "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id net vat total balance rows { unitPrice amount quantity vatRate } } }";
    let rows = |r: serde_json::Value| json!({ "i": { "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30", "rows": r } });

    // 0.10 + 0.20 is 0.30, not 0.30000000000000004.
    let r = app
        .ok(
            &app.company,
            create,
            rows(json!([
                { "description": "a", "quantity": "1", "unitPrice": "0.10", "vatRate": "0" },
                { "description": "b", "quantity": "1", "unitPrice": "0.20", "vatRate": "0" }
            ])),
        )
        .await;
    assert_eq!(r["createInvoice"]["total"], "0.30");
    assert_eq!(r["createInvoice"]["rows"][0]["unitPrice"], "0.10");

    // The largest amount keeps every öre.
    let r = app
        .ok(&app.company, create, rows(json!([{ "description": "big", "quantity": "1", "unitPrice": "9999999999.99", "vatRate": "0" }])))
        .await;
    assert_eq!(r["createInvoice"]["total"], "9999999999.99");
    let id = r["createInvoice"]["id"].clone();
    let r = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { total balance } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r["invoice"],
        json!({ "total": "9999999999.99", "balance": "9999999999.99" })
    );

    // 200 rows of odd öre amounts sum exactly; VAT is rounded once per rate.
    let many: Vec<_> = (1..=200)
        .map(|i| json!({ "description": format!("r{i}"), "quantity": "1", "unitPrice": format!("0.{:02}", i % 100), "vatRate": if i % 2 == 0 { "25" } else { "12" } }))
        .collect();
    let r = app.ok(&app.company, create, rows(json!(many))).await;
    // Each residue 0..99 appears twice: 2 × 49.50 = 99.00 net.
    assert_eq!(r["createInvoice"]["net"], "99.00");
    // Even rows (25 %): residues 2,4,..,98,0 twice → 2 × 24.50 = 49.00 → VAT 12.25;
    // odd rows (12 %): 1,3,..,99 twice → 2 × 25.00 = 50.00 → VAT 6.00.
    assert_eq!(r["createInvoice"]["vat"], "18.25");
    assert_eq!(r["createInvoice"]["total"], "117.25");

    // A hundred one-öre payments bring a 1.00 invoice to exactly zero.
    let r = app
        .ok(&app.company, create, rows(json!([{ "description": "one", "quantity": "4", "unitPrice": "0.25", "vatRate": "0" }])))
        .await;
    let id = r["createInvoice"]["id"].clone();
    for i in 0..100 {
        app.ok(&app.company, "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"0.01\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: $k) { id } }", json!({ "id": id, "k": format!("cent-{i}") }))
            .await;
    }
    let r = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { balance status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["invoice"], json!({ "balance": "0.00", "status": "PAID" }));

    // Quantities with decimals and rounding half away from zero: 1.5 × 0.01 = 0.015 → 0.02.
    let r = app
        .ok(&app.company, create, rows(json!([{ "description": "q", "quantity": "1.5", "unitPrice": "0.01", "vatRate": "6" }])))
        .await;
    assert_eq!(r["createInvoice"]["rows"][0]["amount"], "0.02");
    assert_eq!(r["createInvoice"]["rows"][0]["quantity"], "1.5");
    assert_eq!(r["createInvoice"]["rows"][0]["vatRate"], "6");
});

db_test!(concurrent_invoices_get_distinct_numbers, |app| {
    let customer = app.full_customer(&app.company).await;
    let mut handles = Vec::new();
    let app = std::sync::Arc::new(app);
    for _ in 0..20 {
        let app = app.clone();
        let customer = customer.clone();
        handles.push(tokio::spawn(async move {
            let r = app
                .gql(&app.company, "mutation($i: InvoiceInput!) { createInvoice(input: $i) { invoiceNumber ocr } }", json!({ "i": {
                    "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
                    "rows": [{ "description": "x", "quantity": "1", "unitPrice": "1", "vatRate": "25" }] } }))
                .await;
            assert!(r.get("errors").is_none(), "{r}");
            r["data"]["createInvoice"]["invoiceNumber"].as_str().unwrap().parse::<i64>().unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1001..=1020).collect::<Vec<_>>());
});
