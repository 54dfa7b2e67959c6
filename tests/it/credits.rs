//! Credit notes that close: an invoice credited in parts, rate by rate, ends
//! at nothing left to pay to the öre, and `creditInvoice` without rows
//! credits what earlier credit notes left.

use serde_json::{Value, json};

use crate::books::assert_books_close;
use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{TestApp, code, field};

const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { id total rows { description quantity amount vatRate } } invoice { balance credited status } } }";

fn row(net: &str, rate: &str) -> Value {
    json!({ "description": "Kreditering", "quantity": "1", "unitPrice": net, "vatRate": rate })
}

async fn credit(app: &TestApp, invoice: &str, rows: Option<Value>, key: &str) -> Value {
    app.gql(
        &app.company,
        CREDIT,
        json!({ "id": invoice, "r": rows, "k": key }),
    )
    .await
}

db_test!(credits_in_parts_take_off_the_whole_vat_to_the_ore, |app| {
    let anna = private_customer(&app).await;
    // 100.02 at 25 % (VAT 25.005, so 25.01) and 100.03 at 6 % (VAT 6.0018,
    // so 6.00): 231.06 in all.
    let rows = json!([
        { "description": "Arbete", "quantity": "1", "unitPrice": "100.02", "vatRate": "25" },
        { "description": "Bok", "quantity": "1", "unitPrice": "100.03", "vatRate": "6" }
    ]);
    let inv = invoice_with(&app, &anna, json!({ "rows": rows })).await;
    // Half of the 25 % net: its own VAT would be 12.5025, so 12.50, and
    // twice that leaves an öre of the invoice's VAT that no credit note
    // takes off. The first half takes 12.51: the VAT on the net left at the
    // rate falls from 25.01 to 12.50.
    let first = credit(&app, &inv, Some(json!([row("50.01", "25")])), "h1").await;
    assert_eq!(
        first["data"]["creditInvoice"]["invoice"],
        json!({ "balance": "168.54", "credited": "62.52", "status": "UNPAID" }),
        "{first}"
    );
    let second = credit(&app, &inv, Some(json!([row("50.01", "25")])), "h2").await;
    assert_eq!(
        second["data"]["creditInvoice"]["creditNote"]["total"], "-62.51",
        "{second}"
    );
    assert_eq!(
        second["data"]["creditInvoice"]["invoice"]["balance"], "106.03",
        "all of 25 % is credited, VAT and all: 100.03 and its 6.00 are left"
    );
    // Without rows: what the credit notes left, one row a rate.
    let rest = credit(&app, &inv, None, "rest").await;
    let number = app
        .ok(
            &app.company,
            "query($id: ID!) { invoice(id: $id) { invoiceNumber } }",
            json!({ "id": inv }),
        )
        .await["invoice"]["invoiceNumber"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        rest["data"]["creditInvoice"],
        json!({
            "creditNote": {
                "id": rest["data"]["creditInvoice"]["creditNote"]["id"],
                "total": "-106.03",
                "rows": [{ "description": format!("The rest of invoice {number}"), "quantity": "-1", "amount": "-100.03", "vatRate": "6" }]
            },
            "invoice": { "balance": "0.00", "credited": "231.06", "status": "CREDITED" }
        }),
        "{rest}"
    );
    // A retry answers with that note; once all is credited, nothing is left.
    let again = credit(&app, &inv, None, "rest").await;
    assert_eq!(
        again["data"]["creditInvoice"]["creditNote"]["id"],
        rest["data"]["creditInvoice"]["creditNote"]["id"]
    );
    let none = credit(&app, &inv, None, "more").await;
    assert_eq!(
        (code(&none), field(&none)),
        ("VALIDATION", "invoiceId"),
        "{none}"
    );
    assert!(none.to_string().contains("nothing is left"), "{none}");
    assert_books_close(&app, &app.company).await;
});

db_test!(
    a_whole_credit_of_an_uncredited_invoice_copies_its_rows,
    |app| {
        let anna = private_customer(&app).await;
        let rows = json!([
            { "description": "Arbete", "quantity": "3", "unitPrice": "33.34", "vatRate": "12" },
            { "description": "Bok", "quantity": "1", "unitPrice": "0.10", "vatRate": "25" }
        ]);
        let inv = invoice_with(&app, &anna, json!({ "rows": rows })).await;
        let r = credit(&app, &inv, None, "all").await;
        let note = &r["data"]["creditInvoice"]["creditNote"];
        assert_eq!(
            note["rows"],
            json!([
                { "description": "Arbete", "quantity": "-3", "amount": "-100.02", "vatRate": "12" },
                { "description": "Bok", "quantity": "-1", "amount": "-0.10", "vatRate": "25" }
            ]),
            "{r}"
        );
        // 100.02 + 12.00 (12.0024) + 0.10 + 0.03 (0.025, away from zero).
        assert_eq!(note["total"], "-112.15", "{r}");
        assert_eq!(
            r["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "0.00", "credited": "112.15", "status": "CREDITED" })
        );
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(
    the_rest_of_a_part_paid_invoice_is_more_than_is_left_to_pay,
    |app| {
        let anna = private_customer(&app).await;
        let inv = invoice_on(&app, &anna, "2026-11-20", "30", "1000").await;
        credit(&app, &inv, Some(json!([row("200", "25")])), "part").await;
        app.ok(
        &app.company,
        "mutation($id: ID!) { registerPayment(invoiceId: $id, amount: \"500\", paidOn: \"2026-11-21\", payer: CUSTOMER, idempotencyKey: \"p\") { balance } }",
        json!({ "id": inv }),
    )
    .await;
        // 800 net and its 200 VAT are left to credit, 500 to pay: the rest of
        // the rows is refused, and nothing changes.
        let r = credit(&app, &inv, None, "rest").await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", "rows"), "{r}");
        assert!(r.to_string().contains("500.00"), "{r}");
        let after = app
            .ok(
                &app.company,
                "query($id: ID!) { invoice(id: $id) { balance credited } }",
                json!({ "id": inv }),
            )
            .await;
        assert_eq!(
            after["invoice"],
            json!({ "balance": "500.00", "credited": "250.00" })
        );
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(a_case_credited_in_parts_closes_to_the_ore, |app| {
    let customer = app.full_customer(&app.company).await;
    let rows = json!([{ "description": "Arbete", "quantity": "1", "unitPrice": "100.02", "vatRate": "25" }]);
    let inv = invoice_with(&app, &customer, json!({ "rows": rows })).await;
    hand_over(&app, &inv, "INVOICE_SERVICE", Some("LETTER"), "send").await;
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(&app, &inv, "DELIVERED").await;
    // 125.03 in two credit notes of half the net each: the case's capital
    // reaches 0.00 and it closes, rather than go on to remind the customer
    // of an öre.
    let first = credit(&app, &inv, Some(json!([row("50.01", "25")])), "h1").await;
    assert_eq!(
        first["data"]["creditInvoice"]["invoice"]["status"], "UNPAID",
        "{first}"
    );
    assert_eq!(
        case_view(&app, &inv).await["noxFinans"]["status"],
        "DELIVERED"
    );
    let second = credit(&app, &inv, Some(json!([row("50.01", "25")])), "h2").await;
    assert_eq!(
        second["data"]["creditInvoice"]["invoice"],
        json!({ "balance": "0.00", "credited": "125.03", "status": "CREDITED" }),
        "{second}"
    );
    wait_case(&app, &inv, "CREDITED").await;
    assert_books_close(&app, &app.company).await;
});
