//! Bad input gets a VALIDATION error naming the field, and nothing is written.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TestApp, code, field};

const CREATE_CUSTOMER: &str = "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }";
const CREATE_INVOICE: &str = "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }";

async fn counts(app: &TestApp) -> (i64, i64) {
    let r = app
        .ok(
            &app.company,
            "{ customers { totalCount } invoices { totalCount } }",
            json!({}),
        )
        .await;
    (
        r["customers"]["totalCount"].as_i64().unwrap(),
        r["invoices"]["totalCount"].as_i64().unwrap(),
    )
}

db_test!(customer_fields_are_validated, |app| {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "address": { "postalCode": "1234" } }),
            "address.postalCode",
        ),
        (
            json!({ "address": { "postalCode": "ABCDE" } }),
            "address.postalCode",
        ),
        (
            json!({ "organisationNumber": "559012-3451" }),
            "organisationNumber",
        ),
        (
            json!({ "organisationNumber": "19850230-1234" }),
            "organisationNumber",
        ),
        (
            json!({ "organisationNumber": "12345" }),
            "organisationNumber",
        ),
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "phone": "12" }), "phone"),
        (
            json!({ "customerNumber": "has spaces in it" }),
            "customerNumber",
        ),
        (
            json!({ "address": { "country": "Sweden" } }),
            "address.country",
        ),
    ];
    for (input, expected_field) in cases {
        let r = app
            .gql(&app.company, CREATE_CUSTOMER, json!({ "i": input }))
            .await;
        assert_eq!(code(&r), "VALIDATION", "{input}: {r}");
        assert_eq!(field(&r), expected_field, "{input}");
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(expected_field)
        );
    }
    assert_eq!(counts(&app).await, (0, 0));

    // Valid forms are accepted and normalised.
    let r = app
        .ok(
            &app.company,
            "mutation($i: CustomerInput!) { createCustomer(input: $i) { customerNumber organisationNumber kind address { postalCode } } }",
            json!({ "i": { "organisationNumber": "8506141236", "address": { "postalCode": "11351" } } }),
        )
        .await;
    assert_eq!(
        r["createCustomer"],
        json!({ "customerNumber": "1", "organisationNumber": "19850614-1236", "kind": "PRIVATE", "address": { "postalCode": "113 51" } })
    );
    // A duplicate customer number is a CONFLICT, not a 500, on create and on
    // update, and the client is told which number.
    let taken = "a customer with this customer number already exists";
    let r = app
        .gql(
            &app.company,
            CREATE_CUSTOMER,
            json!({ "i": { "customerNumber": "1" } }),
        )
        .await;
    assert_eq!(
        (code(&r), r["errors"][0]["message"].as_str()),
        ("CONFLICT", Some(taken)),
        "{r}"
    );
    let other = app
        .ok(
            &app.company,
            CREATE_CUSTOMER,
            json!({ "i": { "customerNumber": "2" } }),
        )
        .await["createCustomer"]["id"]
        .clone();
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!, $i: CustomerInput!) { updateCustomer(id: $id, input: $i) { id } }",
            json!({ "id": other, "i": { "customerNumber": "1" } }),
        )
        .await;
    assert_eq!(
        (code(&r), r["errors"][0]["message"].as_str()),
        ("CONFLICT", Some(taken)),
        "{r}"
    );
    // A generated number passes over the numbers clients chose: "2" and "3"
    // are taken, so the next ones are "4" and "5".
    app.ok(
        &app.company,
        CREATE_CUSTOMER,
        json!({ "i": { "customerNumber": "3" } }),
    )
    .await;
    for expected in ["4", "5"] {
        let r = app
            .ok(
                &app.company,
                "mutation($i: CustomerInput!) { createCustomer(input: $i) { customerNumber } }",
                json!({ "i": { "name": "Ny Kund AB" } }),
            )
            .await;
        assert_eq!(r["createCustomer"]["customerNumber"], expected, "{r}");
    }
    // Customers imported with their numbers, 6 to 250: the next generated
    // number is 251, and the one after it 252.
    for n in 6..=250 {
        app.ok(
            &app.company,
            CREATE_CUSTOMER,
            json!({ "i": { "customerNumber": n.to_string() } }),
        )
        .await;
    }
    for expected in ["251", "252"] {
        let r = app
            .ok(
                &app.company,
                "mutation($i: CustomerInput!) { createCustomer(input: $i) { customerNumber } }",
                json!({ "i": {} }),
            )
            .await;
        assert_eq!(r["createCustomer"]["customerNumber"], expected, "{r}");
    }
});

db_test!(
    invoice_fields_are_validated_and_nothing_is_half_written,
    |app| {
        let customer = app.full_customer(&app.company).await;
        let base = json!({
            "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
            "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "100", "vatRate": "25" }]
        });
        let with = |patch: Value| {
            let mut v = base.clone();
            for (k, val) in patch.as_object().unwrap() {
                v[k] = val.clone();
            }
            v
        };
        let row = |q: &str, p: &str, vat: &str| json!([{ "description": "Work", "quantity": q, "unitPrice": p, "vatRate": vat }]);
        let cases: Vec<(Value, &str, &str)> = vec![
            (with(json!({ "rows": [] })), "VALIDATION", "rows"),
            (
                with(json!({ "rows": row("1", "-5", "25") })),
                "VALIDATION",
                "rows[0].unitPrice",
            ),
            (
                with(json!({ "rows": row("0", "5", "25") })),
                "VALIDATION",
                "rows[0].quantity",
            ),
            (
                with(json!({ "rows": row("1", "0.001", "25") })),
                "VALIDATION",
                "rows[0].unitPrice",
            ),
            (
                with(json!({ "rows": row("1", "99999999999", "25") })),
                "VALIDATION",
                "rows[0].unitPrice",
            ),
            (
                with(json!({ "rows": row("1", "5", "19") })),
                "VALIDATION",
                "rows[0].vatRate",
            ),
            (with(json!({ "currency": "XYZ" })), "VALIDATION", "currency"),
            (
                with(json!({ "termsOfPayment": "99" })),
                "VALIDATION",
                "termsOfPayment",
            ),
            (
                with(json!({ "invoiceDate": "1899-01-01" })),
                "VALIDATION",
                "invoiceDate",
            ),
            (
                with(json!({ "houseWork": { "type": "ROT", "deductibleAmount": "1000" } })),
                "VALIDATION",
                "houseWork.deductibleAmount",
            ),
            (
                with(json!({ "invoiceAddress": { "postalCode": "12" } })),
                "VALIDATION",
                "invoiceAddress.postalCode",
            ),
            (
                with(json!({ "customerId": "not-an-id" })),
                "VALIDATION",
                "customerId",
            ),
        ];
        for (input, expected_code, expected_field) in cases {
            let r = app
                .gql(&app.company, CREATE_INVOICE, json!({ "i": input }))
                .await;
            assert_eq!(code(&r), expected_code, "{input}: {r}");
            assert_eq!(field(&r), expected_field, "{input}");
        }
        assert_eq!(counts(&app).await, (1, 0));

        // A failed update leaves the invoice as it was.
        let id = app.invoice(&app.company, &customer, "100").await;
        let r = app
        .gql(
            &app.company,
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }",
            json!({ "id": id, "i": with(json!({ "rows": [
                { "description": "A", "quantity": "1", "unitPrice": "50", "vatRate": "25" },
                { "description": "B", "quantity": "1", "unitPrice": "5", "vatRate": "7" }
            ] })) }),
        )
        .await;
        assert_eq!(field(&r), "rows[1].vatRate");
        let r = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { total rows { description } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            r["invoice"],
            json!({ "total": "125.00", "rows": [{ "description": "Work" }] })
        );
    }
);

db_test!(payments_and_state_changes_are_guarded, |app| {
    let customer = app.full_customer(&app.company).await;
    let id = app.invoice(&app.company, &customer, "100").await;
    let pay = |amount: &str, on: &str| json!({ "id": id, "a": amount, "d": on, "k": format!("{amount}@{on}") });
    const PAY: &str = "mutation($id: ID!, $a: Decimal!, $d: Date!, $k: String!) { registerPayment(invoiceId: $id, amount: $a, paidOn: $d, payer: CUSTOMER, idempotencyKey: $k) { balance status } }";
    for (vars, f) in [
        (pay("0", "2026-11-21"), "amount"),
        (pay("-1", "2026-11-21"), "amount"),
        (pay("125.01", "2026-11-21"), "amount"),
        (pay("1.005", "2026-11-21"), "amount"),
        (pay("1", "2026-11-23"), "paidOn"),
        (pay("1", "2026-11-19"), "paidOn"),
    ] {
        let r = app.gql(&app.company, PAY, vars.clone()).await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", f), "{vars}: {r}");
    }
    let r = app.ok(&app.company, PAY, pay("25", "2026-11-21")).await;
    assert_eq!(
        r["registerPayment"],
        json!({ "balance": "100.00", "status": "UNPAID" })
    );
    // An invoice with payments cannot be cancelled.
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let r = app.ok(&app.company, PAY, pay("100", "2026-11-22")).await;
    assert_eq!(
        r["registerPayment"],
        json!({ "balance": "0.00", "status": "PAID" })
    );

    // A cancelled invoice takes no payments, no edits and is not sent.
    let other = app.invoice(&app.company, &customer, "10").await;
    let r = app
        .ok(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { cancelled status } }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(
        r["cancelInvoice"],
        json!({ "cancelled": true, "status": "CANCELLED" })
    );
    let r = app
        .gql(
            &app.company,
            PAY,
            json!({ "id": other, "a": "1", "d": "2026-11-21", "k": "cancelled-1" }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!) { markInvoiceSent(id: $id) { id } }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT");
});

db_test!(malformed_requests_get_coded_errors, |app| {
    // Malformed JSON.
    let resp = app
        .client
        .post(&app.url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "BAD_REQUEST");

    // Wrong media type.
    let resp = app
        .client
        .post(&app.url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "UNSUPPORTED_MEDIA_TYPE");

    // Syntax error, unknown field, wrong argument type, unknown input field.
    let cases = [
        ("{ viewer { name ", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ invoices(first: \"ten\") { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "mutation { createCustomer(input: {nickname: \"x\"}) { id } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (q, expected) in cases {
        let r = app.gql(&app.company, q, json!({})).await;
        assert_eq!(code(&r), expected, "{q}: {r}");
    }
    // A variable of the wrong shape: a date is exactly YYYY-MM-DD.
    for d in ["22/11/2026", "+10000-01-01", "-0001-01-01", "2026-1-05"] {
        let r = app
            .gql(
                &app.company,
                "query($d: Date!) { invoices(filter: {dueBefore: $d}) { totalCount } }",
                json!({ "d": d }),
            )
            .await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{d}: {r}");
        assert!(r["data"].is_null());
    }
    let r = app
        .gql(&app.company, "mutation($a: Decimal!) { registerPayment(invoiceId: \"x\", amount: $a, paidOn: \"2026-11-01\", payer: CUSTOMER, idempotencyKey: \"k-validation-2\") { id } }", json!({ "a": "lots" }))
        .await;
    assert_ne!(code(&r), "<none>", "{r}");
    // Invalid IDs.
    let r = app
        .gql(&app.company, "{ invoice(id: \"%%%\") { id } }", json!({}))
        .await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "id"));
    let r = app
        .gql(&app.company, "{ node(id: \"%%%\") { id } }", json!({}))
        .await;
    assert!(r["data"]["node"].is_null(), "{r}");
});

db_test!(idempotency_keys_are_counted_in_characters, |app| {
    let customer = app.full_customer(&app.company).await;
    let id = app.invoice(&app.company, &customer, "100").await;
    const PAY: &str = "mutation($id: ID!, $k: String!) { registerPayment(invoiceId: $id, amount: \"1\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: $k) { balance } }";
    const CREDIT: &str = "mutation($id: ID!, $k: String!) { creditInvoice(invoiceId: $id, idempotencyKey: $k) { invoice { balance } } }";
    // Empty, blank and over 100 characters: refused, nothing written.
    for key in [
        String::new(),
        "   ".into(),
        "k".repeat(101),
        "ö".repeat(101),
    ] {
        for query in [PAY, CREDIT] {
            let r = app
                .gql(&app.company, query, json!({ "id": id, "k": key }))
                .await;
            assert_eq!(
                (code(&r), field(&r)),
                ("VALIDATION", "idempotencyKey"),
                "{key:?}: {r}"
            );
        }
    }
    // 100 characters is the limit whatever their bytes: "ö" takes two in UTF-8.
    let r = app
        .ok(&app.company, PAY, json!({ "id": id, "k": "ö".repeat(100) }))
        .await;
    assert_eq!(r["registerPayment"]["balance"], "124.00");
    // Surrounding blanks are not part of the key: the same payment again.
    let padded = format!("  {}  ", "ö".repeat(100));
    let r = app
        .ok(&app.company, PAY, json!({ "id": id, "k": padded }))
        .await;
    assert_eq!(r["registerPayment"]["balance"], "124.00");
    let other = app.invoice(&app.company, &customer, "10").await;
    let r = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": other, "k": "å".repeat(100) }),
        )
        .await;
    assert_eq!(r["creditInvoice"]["invoice"]["balance"], "0.00");
});

db_test!(texts_are_bounded_in_characters_and_addresses_clear, |app| {
    const UPDATE: &str = "mutation($id: ID!, $i: CustomerInput!) { updateCustomer(id: $id, input: $i) { name address { street city postalCode country } } }";
    // 200 letters of two bytes each are a name; 201 are not.
    let id = app
        .customer(&app.company, json!({ "name": "ö".repeat(200) }))
        .await;
    for (input, f) in [
        (json!({ "name": "ö".repeat(201) }), "name"),
        (
            json!({ "address": { "street": "g".repeat(201) } }),
            "address.street",
        ),
        (
            json!({ "address": { "city": "å".repeat(201) } }),
            "address.city",
        ),
    ] {
        let r = app
            .gql(&app.company, UPDATE, json!({ "id": id, "i": input }))
            .await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", f), "{input}: {r}");
    }
    let r = app
        .ok(&app.company, UPDATE, json!({ "id": id, "i": { "address": { "street": " Storgatan 1 ", "postalCode": "90326", "city": "Umeå", "country": "NO" } } }))
        .await;
    assert_eq!(
        r["updateCustomer"]["address"],
        json!({ "street": "Storgatan 1", "city": "Umeå", "postalCode": "903 26", "country": "NO" })
    );
    // A patch keeps what it does not name.
    let r = app
        .ok(
            &app.company,
            UPDATE,
            json!({ "id": id, "i": { "address": { "city": "Luleå" } } }),
        )
        .await;
    assert_eq!(r["updateCustomer"]["address"]["street"], "Storgatan 1");
    assert_eq!(r["updateCustomer"]["address"]["country"], "NO");
    // null clears the whole address, the country back to Sweden.
    let r = app
        .ok(
            &app.company,
            UPDATE,
            json!({ "id": id, "i": { "address": null } }),
        )
        .await;
    assert_eq!(
        r["updateCustomer"],
        json!({ "name": "ö".repeat(200), "address": null })
    );
    let r = app
        .ok(
            &app.company,
            UPDATE,
            json!({ "id": id, "i": { "address": { "city": "Kiruna" } } }),
        )
        .await;
    assert_eq!(
        r["updateCustomer"]["address"],
        json!({ "street": null, "city": "Kiruna", "postalCode": null, "country": "SE" })
    );

    // The invoice's printed name and address follow the same rules.
    let customer = app.full_customer(&app.company).await;
    let input = |extra: Value| {
        let mut i = json!({
            "customerId": customer,
            "invoiceDate": "2026-11-20",
            "termsOfPayment": "30",
            "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "100", "vatRate": "25" }]
        });
        i.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "i": i })
    };
    let r = app
        .gql(
            &app.company,
            CREATE_INVOICE,
            input(json!({ "customerName": "n".repeat(201) })),
        )
        .await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "customerName"), "{r}");
    let r = app
        .gql(
            &app.company,
            CREATE_INVOICE,
            input(json!({ "invoiceAddress": { "street": "s".repeat(201) } })),
        )
        .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("VALIDATION", "invoiceAddress.street"),
        "{r}"
    );
    let r = app
        .ok(
            &app.company,
            "mutation($i: InvoiceInput!) { createInvoice(input: $i) { customerName invoiceAddress { city country } } }",
            input(json!({ "customerName": "ä".repeat(200), "invoiceAddress": null })),
        )
        .await;
    assert_eq!(
        r["createInvoice"],
        json!({ "customerName": "ä".repeat(200), "invoiceAddress": null })
    );
});

db_test!(searches_are_bounded, |app| {
    let customer = app
        .customer(
            &app.company,
            json!({ "name": format!("AB {}", "ö".repeat(197)) }),
        )
        .await;
    let _ = app.invoice(&app.company, &customer, "100").await;
    const CUSTOMERS: &str = "query($s: String) { customers(search: $s) { totalCount } }";
    const INVOICES: &str = "query($s: String) { invoices(filter: { search: $s }) { totalCount } }";
    // Longer than any name: refused before it reaches the database (SQLite
    // refuses a LIKE pattern over 50,000 bytes).
    for long in ["x".repeat(201), "ö".repeat(60_000)] {
        let r = app.gql(&app.company, CUSTOMERS, json!({ "s": long })).await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", "search"), "{r}");
        let r = app.gql(&app.company, INVOICES, json!({ "s": long })).await;
        assert_eq!(
            (code(&r), field(&r)),
            ("VALIDATION", "filter.search"),
            "{r}"
        );
    }
    // 200 characters (400 bytes) still search.
    let needle = format!("b {}", "ö".repeat(197));
    let r = app
        .ok(&app.company, CUSTOMERS, json!({ "s": needle }))
        .await;
    assert_eq!(r["customers"]["totalCount"], 1);
    let r = app.ok(&app.company, INVOICES, json!({ "s": needle })).await;
    assert_eq!(r["invoices"]["totalCount"], 1);
    // Blank is no search.
    let r = app.ok(&app.company, CUSTOMERS, json!({ "s": "   " })).await;
    assert!(r["customers"]["totalCount"].as_i64().unwrap() >= 1);
});

db_test!(date_ranges_end_after_they_start, |app| {
    for query in [
        "{ statement(from: \"2026-12-01\", to: \"2026-11-30\") { closingBalance } }",
        "{ vouchers(from: \"2026-12-01\", to: \"2026-11-30\") { totalCount } }",
    ] {
        let r = app.gql(&app.company, query, json!({})).await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", "to"), "{query}: {r}");
    }
    // One day, and an open end, are ranges.
    let r = app
        .ok(
            &app.company,
            "{ vouchers(from: \"2026-11-30\", to: \"2026-11-30\") { totalCount } a: vouchers(to: \"2026-11-30\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["vouchers"]["totalCount"], 0);
    assert_eq!(r["a"]["totalCount"], 0);
});

db_test!(free_texts_are_bounded_in_characters, |app| {
    // Each free text has its limit in characters ("ö" is two bytes and one
    // character): one more is refused naming the field, and nothing changes.
    let refused = |r: &Value, f: &str| {
        assert_eq!((code(r), field(r)), ("VALIDATION", f), "{r}");
        assert!(r["data"].is_null(), "{r}");
    };

    // A contact request's message: at most 2 000.
    const CONTACT: &str =
        "mutation($m: String) { requestInvoiceSaleContact(phone: \"070-1234567\", message: $m) }";
    let r = app
        .gql(&app.company, CONTACT, json!({ "m": "ö".repeat(2001) }))
        .await;
    refused(&r, "message");
    const REQUESTS: &str = "{ contactRequests { totalCount } }";
    let r = app.ok(&app.operator, REQUESTS, json!({})).await;
    assert_eq!(r["contactRequests"]["totalCount"], 0, "{r}");
    app.ok(&app.company, CONTACT, json!({ "m": "ö".repeat(2000) }))
        .await;
    let r = app.ok(&app.operator, REQUESTS, json!({})).await;
    assert_eq!(r["contactRequests"]["totalCount"], 1, "{r}");

    // A token's label: 1 to 100, without surrounding blanks.
    const TOKEN: &str = "mutation($l: String!) { createApiToken(label: $l) { token { label } } }";
    for label in [String::new(), "   ".into(), "ö".repeat(101)] {
        let r = app.gql(&app.operator, TOKEN, json!({ "l": label })).await;
        refused(&r, "label");
    }
    let r = app
        .ok(
            &app.operator,
            TOKEN,
            json!({ "l": format!(" {} ", "ö".repeat(100)) }),
        )
        .await;
    assert_eq!(r["createApiToken"]["token"]["label"], "ö".repeat(100));

    // An invoice row's description: 1 to 500.
    let customer = app.full_customer(&app.company).await;
    let invoice = |description: String| {
        json!({ "i": { "customerId": customer, "invoiceDate": "2026-11-20", "termsOfPayment": "30",
            "rows": [{ "description": description, "quantity": "1", "unitPrice": "1000", "vatRate": "25" }] } })
    };
    for description in [" ".into(), "ö".repeat(501)] {
        let r = app
            .gql(&app.company, CREATE_INVOICE, invoice(description))
            .await;
        refused(&r, "rows[0].description");
    }
    assert_eq!(counts(&app).await.1, 0);
    app.ok(&app.company, CREATE_INVOICE, invoice("ö".repeat(500)))
        .await;

    // A spot check's internal note: at most 1 000; the sale waits on.
    crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
    let sold = crate::fixtures::invoice_of_10k(&app, &customer).await;
    let sale = crate::fixtures::sell_to_spot_check(&app, &sold, "k-note").await;
    const RESOLVE: &str = "mutation($id: ID!, $n: String) { resolveSpotCheck(saleId: $id, outcome: CONFIRMED, note: $n) { status } }";
    let r = app
        .gql(
            &app.operator,
            RESOLVE,
            json!({ "id": sale, "n": "ö".repeat(1001) }),
        )
        .await;
    refused(&r, "note");
    assert_eq!(
        crate::fixtures::sale_of(&app, &sold).await["sale"]["status"],
        "SPOT_CHECK"
    );
    let r = app
        .ok(
            &app.operator,
            RESOLVE,
            json!({ "id": sale, "n": "ö".repeat(1000) }),
        )
        .await;
    assert_eq!(r["resolveSpotCheck"]["status"], "APPROVED");
});
