//! Credit notes, end to end on both databases: a credit note lowers its
//! invoice and any open Nox Finans case, credits only VAT the invoice
//! charged, answers a retry with its own note, and leaves a fully credited
//! invoice CREDITED. Credited in parts, rate by rate, an invoice closes to
//! the öre, and `creditInvoice` without rows credits what earlier credit
//! notes left. Every scenario ends by checking that the books close.

use serde_json::{Value, json};

use crate::books::{assert_books_close, pay};
use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{TestApp, code, field};

const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { id total rows { description quantity amount vatRate } } invoice { balance credited status } } }";

async fn credit(app: &TestApp, invoice: &str, rows: Option<Value>, key: &str) -> Value {
    app.gql(
        &app.company,
        CREDIT,
        json!({ "id": invoice, "r": rows, "k": key }),
    )
    .await
}

/// A credit without rows refused on `invoiceId`, saying `message`.
fn refused_whole(r: &Value, message: &str) {
    assert_eq!((code(r), field(r)), ("VALIDATION", "invoiceId"), "{r}");
    assert!(r.to_string().contains(message), "{r}");
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
    let number = invoice(&app, &inv, "invoiceNumber").await["invoiceNumber"]
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
    // A key first sent with rows, sent again without: another credit, since
    // what the notes before it left was the whole invoice.
    let other = credit(&app, &inv, None, "h2").await;
    assert_eq!(code(&other), "CONFLICT", "{other}");
    let none = credit(&app, &inv, None, "more").await;
    refused_whole(&none, "nothing is left");
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
        refused_whole(
            &r,
            "what is left to credit (1000.00) is more than what is left to pay (500.00)",
        );
        assert_eq!(
            invoice(&app, &inv, "balance credited").await,
            json!({ "balance": "500.00", "credited": "250.00" })
        );
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(
    an_invoice_edited_between_credits_still_closes_to_the_ore,
    |app| {
        let anna = private_customer(&app).await;
        let work = |net: &str| json!([{ "description": "Arbete", "quantity": "1", "unitPrice": net, "vatRate": "25" }]);
        let inv = invoice_with(&app, &anna, json!({ "rows": work("100.02") })).await;
        // Half of 100.02 takes 12.51 of its 25.01 VAT, leaving 12.50.
        let half = credit(&app, &inv, Some(json!([row("50.01", "25")])), "half").await;
        assert_eq!(
            half["data"]["creditInvoice"]["creditNote"]["total"], "-62.52",
            "{half}"
        );
        // The work is put at 100.03: VAT 25.0075, so still 25.01, and 50.02 is
        // left to credit, whose own VAT would be 12.505, so 12.51, an öre more
        // than the invoice has left.
        let r = app
        .ok(
            &app.company,
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { total balance } }",
            json!({ "id": inv, "i": { "customerId": anna, "invoiceDate": "2026-11-20", "termsOfPayment": "30", "rows": work("100.03") } }),
        )
        .await;
        assert_eq!(
            r["updateInvoice"],
            json!({ "total": "125.04", "balance": "62.52" })
        );
        let rest = credit(&app, &inv, None, "rest").await;
        assert_eq!(
            rest["data"]["creditInvoice"]["creditNote"]["total"], "-62.52",
            "{rest}"
        );
        assert_eq!(
            rest["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "0.00", "credited": "125.04", "status": "CREDITED" })
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

db_test!(a_retried_credit_answers_with_its_own_credit_note, |app| {
    const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { invoiceNumber rows { description } } invoice { balance } } }";
    let customer = app.full_customer(&app.company).await;
    let inv = invoice_on(&app, &customer, "2026-11-20", "30", "1000").await;
    let credit = |key: &'static str, what: &'static str| {
        let rows =
            json!([{ "description": what, "quantity": "1", "unitPrice": "100", "vatRate": "25" }]);
        app.gql(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": rows, "k": key }),
        )
    };
    // Two credits of the same amount, each with its own note.
    let first = credit("cr-a", "Wrong colour").await;
    let second = credit("cr-b", "Late delivery").await;
    let note = |r: &Value| r["data"]["creditInvoice"]["creditNote"].clone();
    assert_ne!(
        note(&first)["invoiceNumber"],
        note(&second)["invoiceNumber"],
        "{first} {second}"
    );
    assert_eq!(
        second["data"]["creditInvoice"]["invoice"]["balance"],
        "1000.00"
    );
    // Each retry answers with the note its key made, and credits nothing more.
    for (key, what, was) in [
        ("cr-a", "Wrong colour", &first),
        ("cr-b", "Late delivery", &second),
    ] {
        let again = credit(key, what).await;
        assert_eq!(note(&again), note(was), "retry of {key}: {again}");
        assert_eq!(
            again["data"]["creditInvoice"]["invoice"]["balance"],
            "1000.00"
        );
    }
    // The same key for another amount, or for the same amount at another
    // VAT rate (125 at 0 % against 100 + 25 % VAT), is another credit:
    // refused.
    for (price, rate) in [("100", "25"), ("125", "0")] {
        let quantity = if rate == "25" { "2" } else { "1" };
        let rows = json!([{ "description": "More", "quantity": quantity, "unitPrice": price, "vatRate": rate }]);
        let r = app
            .gql(
                &app.company,
                CREDIT,
                json!({ "id": inv, "r": rows, "k": "cr-a" }),
            )
            .await;
        assert_eq!(code(&r), "CONFLICT", "{price} at {rate} %: {r}");
    }
    // Credits recorded before payments named their notes are paired with
    // them when the database is migrated.
    crate::helpers::migrate_again_from(&app, "m20261206_000020").await;
    for (key, what, was) in [
        ("cr-b", "Late delivery", &second),
        ("cr-a", "Wrong colour", &first),
    ] {
        let again = credit(key, what).await;
        assert_eq!(
            note(&again),
            note(was),
            "retry of {key} after migrating: {again}"
        );
    }
    assert_books_close(&app, &app.company).await;
});

db_test!(a_credit_note_reduces_the_invoice_and_its_case, |app| {
    let anna = private_customer(&app).await;
    let inv = invoice_on(&app, &anna, "2026-11-20", "10", "1000").await;
    const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { id type total balance rows { quantity amount } creditsInvoice { id } } invoice { balance credited status } } }";
    let discount =
        json!([{ "description": "Rabatt", "quantity": "1", "unitPrice": "200", "vatRate": "25" }]);
    let r = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": discount, "k": "cr1" }),
        )
        .await["creditInvoice"]
        .clone();
    assert_eq!(r["creditNote"]["type"], "CREDIT_NOTE");
    assert_eq!(r["creditNote"]["total"], "-250.00");
    assert_eq!(
        r["creditNote"]["rows"][0],
        json!({ "quantity": "-1", "amount": "-200.00" })
    );
    assert_eq!(r["creditNote"]["creditsInvoice"]["id"], inv.as_str());
    assert_eq!(
        r["invoice"],
        json!({ "balance": "1000.00", "credited": "250.00", "status": "UNPAID" })
    );
    let again = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": discount, "k": "cr1" }),
        )
        .await["creditInvoice"]
        .clone();
    assert_eq!(
        again["creditNote"]["id"], r["creditNote"]["id"],
        "the same key, the same credit note"
    );
    assert_eq!(again["invoice"]["balance"], "1000.00");
    // A credit note is part of the invoice it credits: it cannot be
    // cancelled on its own.
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!) { cancelInvoice(id: $id) { cancelled } }",
            json!({ "id": r["creditNote"]["id"] }),
        )
        .await;
    assert_eq!(
        (code(&r), crate::helpers::field(&r)),
        ("VALIDATION", "id"),
        "{r}"
    );
    assert!(r.to_string().contains("credit note"), "{r}");
    // Nor is one made or edited as an invoice: the error names the input
    // field a client shows it at.
    let rows =
        json!([{ "description": "Rabatt", "quantity": "1", "unitPrice": "200", "vatRate": "25" }]);
    let input = json!({ "customerId": anna, "invoiceDate": "2026-11-20", "termsOfPayment": "30", "type": "CREDIT_NOTE", "rows": rows });
    let r = app
        .gql(
            &app.company,
            "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    assert_eq!(
        (code(&r), crate::helpers::field(&r)),
        ("VALIDATION", "type"),
        "{r}"
    );
    let mut input = input;
    input["type"] = json!("INVOICE");
    let r = app
        .gql(
            &app.company,
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }",
            json!({ "id": again["creditNote"]["id"], "i": input }),
        )
        .await;
    assert_eq!(
        (code(&r), crate::helpers::field(&r)),
        ("VALIDATION", "id"),
        "{r}"
    );
    // Handed to Nox Finans, then credited in full: the case closes as CREDITED.
    hand_over(&app, &inv, "INVOICE_SERVICE", Some("LETTER"), "cr-send").await;
    app.clock.advance(chrono::Duration::seconds(10));
    wait_case(&app, &inv, "DELIVERED").await;
    // Without rows, what the discount left: 800 and its VAT.
    let r = app
        .ok(&app.company, CREDIT, json!({ "id": inv, "k": "cr-all" }))
        .await;
    assert_eq!(r["creditInvoice"]["creditNote"]["total"], "-1000.00");
    assert_eq!(r["creditInvoice"]["invoice"]["balance"], "0.00");
    let rest = json!([{ "description": "Kreditering", "quantity": "1", "unitPrice": "800", "vatRate": "25" }]);
    wait_case(&app, &inv, "CREDITED").await;
    // Nothing left: it cannot be sent again; a credit note cannot be credited.
    let credit_note = r["creditInvoice"]["creditNote"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .gql(
            &app.company,
            CREDIT,
            json!({ "id": credit_note, "r": rest, "k": "cr3" }),
        )
        .await;
    assert_eq!(code(&r), "VALIDATION");
    let r = hand_over(&app, &inv, "INVOICE_SERVICE", Some("LETTER"), "cr-send2").await;
    assert_eq!(r["accepted"], false);
    assert!(
        r["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["code"] == "BALANCE_NOT_POSITIVE"),
        "{r}"
    );
    assert_books_close(&app, &app.company).await;
});

db_test!(a_credit_note_credits_only_vat_the_invoice_charged, |app| {
    let anna = private_customer(&app).await;
    // 1 000 at 25 % (VAT 250) and 500 at 6 % (VAT 30): 1 780 in all.
    let rows = json!([
        { "description": "Arbete", "quantity": "1", "unitPrice": "1000", "vatRate": "25" },
        { "description": "Bok", "quantity": "1", "unitPrice": "500", "vatRate": "6" }
    ]);
    let inv = invoice_with(&app, &anna, json!({ "rows": rows })).await;
    const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { total } invoice { balance credited } } }";
    let row = |price: &str, rate: &str| json!({ "description": "Kreditering", "quantity": "1", "unitPrice": price, "vatRate": rate });
    let refused = |rows: Value, k: &'static str| {
        let app = &app;
        let inv = inv.clone();
        async move {
            let r = app
                .gql(
                    &app.company,
                    CREDIT,
                    json!({ "id": inv, "r": rows, "k": k }),
                )
                .await;
            assert_eq!(code(&r), "VALIDATION", "{k}: {r}");
            crate::helpers::field(&r).to_string()
        }
    };
    let unchanged = |balance: &'static str, credited: &'static str| {
        let app = &app;
        let inv = inv.clone();
        async move {
            let r = app
                .ok(
                    &app.company,
                    "query($id: ID!) { invoice(id: $id) { balance credited } }",
                    json!({ "id": inv }),
                )
                .await;
            assert_eq!(
                r["invoice"],
                json!({ "balance": balance, "credited": credited })
            );
        }
    };
    // A rate the invoice never charged, second of two rows.
    assert_eq!(
        refused(json!([row("100", "25"), row("100", "12")]), "c1").await,
        "rows[1].vatRate"
    );
    // Within what is left to pay (1 500 of 1 780), but more than the
    // invoice's 1 000 at 25 %.
    assert_eq!(refused(json!([row("1200", "25")]), "c2").await, "rows");
    unchanged("1780.00", "0.00").await;
    let r = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": [row("600", "25")], "k": "c3" }),
        )
        .await;
    assert_eq!(r["creditInvoice"]["invoice"]["balance"], "1030.00");
    // 600 credited at 25 % already: 500 more would be 1 100 of 1 000.
    assert_eq!(refused(json!([row("500", "25")]), "c4").await, "rows");
    unchanged("1030.00", "750.00").await;
    // What is left at each rate can be credited, to the last öre.
    let r = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": [row("400", "25"), row("500", "6")], "k": "c5" }),
        )
        .await;
    assert_eq!(
        r["creditInvoice"],
        json!({ "creditNote": { "total": "-1030.00" }, "invoice": { "balance": "0.00", "credited": "1780.00" } })
    );
    // A retry still answers with its own note.
    let again = app
        .ok(
            &app.company,
            CREDIT,
            json!({ "id": inv, "r": [row("600", "25")], "k": "c3" }),
        )
        .await;
    assert_eq!(again["creditInvoice"]["creditNote"]["total"], "-750.00");
    assert_books_close(&app, &app.company).await;
});

db_test!(a_fully_credited_invoice_is_credited_not_paid, |app| {
    const CREDIT_ALL: &str = "mutation($id: ID!, $k: String!) { creditInvoice(invoiceId: $id, idempotencyKey: $k) { invoice { status balance } creditNote { id status } } }";
    const STATUS: &str = "query($id: ID!) { invoice(id: $id) { status } }";
    let customer = app.full_customer(&app.company).await;
    // Credited whole: nothing was paid, so it is CREDITED, and so listed.
    let credited = invoice_on(&app, &customer, "2026-11-20", "30", "1000").await;
    let r = app
        .ok(
            &app.company,
            CREDIT_ALL,
            json!({ "id": credited, "k": "all" }),
        )
        .await;
    assert_eq!(
        r["creditInvoice"]["invoice"],
        json!({ "status": "CREDITED", "balance": "0.00" })
    );
    let note = r["creditInvoice"]["creditNote"]["id"].clone();
    assert_ne!(r["creditInvoice"]["creditNote"]["status"], "CREDITED");
    // Part paid, the rest credited: PAID, as when paid in full.
    let paid = invoice_on(&app, &customer, "2026-11-20", "30", "1000").await;
    pay(&app, &paid, "250", "2026-11-21", "CUSTOMER", "part").await;
    let rows =
        json!([{ "description": "Rest", "quantity": "1", "unitPrice": "800", "vatRate": "25" }]);
    app.ok(
        &app.company,
        "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { invoice { id } } }",
        json!({ "id": paid, "r": rows, "k": "rest" }),
    )
    .await;
    let status = |id: Value| {
        let app = &app;
        async move {
            app.ok(&app.company, STATUS, json!({ "id": id })).await["invoice"]["status"].clone()
        }
    };
    assert_eq!(status(json!(paid)).await, "PAID");
    // The list's status filter agrees with each invoice's status.
    let listed = |s: &'static str| {
        let app = &app;
        async move {
            let r = app
                .ok(
                    &app.company,
                    "query($s: [InvoiceStatus!]) { invoices(filter: { status: $s }) { nodes { id } } }",
                    json!({ "s": [s] }),
                )
                .await;
            r["invoices"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("CREDITED").await, vec![json!(credited)]);
    let paid_list = listed("PAID").await;
    assert!(paid_list.contains(&json!(paid)) && !paid_list.contains(&json!(credited)));
    assert!(
        paid_list.contains(&note) == (status(note.clone()).await == "PAID"),
        "the credit note's status and the filter agree"
    );
    assert_books_close(&app, &app.company).await;
});

db_test!(
    a_whole_credit_of_a_house_work_invoice_drops_its_unpaid_tax_reduction,
    |app| {
        const CREDIT_ALL: &str = "mutation($id: ID!, $k: String!) { creditInvoice(invoiceId: $id, idempotencyKey: $k) { creditNote { total } invoice { balance customerBalance credited status houseWork { deductibleAmount } } } }";
        let anna = private_customer(&app).await;
        let rot = |k: &'static str| {
            let app = &app;
            let anna = anna.clone();
            async move {
                let rows = json!([{ "description": "Snickeri", "quantity": "10", "unitPrice": "800", "vatRate": "25" }]);
                let inv = invoice_with(app, &anna, json!({ "rows": rows, "houseWork": { "type": "ROT", "deductibleAmount": "3000" } })).await;
                (inv, k)
            }
        };
        // 10 000, of which Skatteverket owes 3 000 and the customer 7 000. The
        // job is called off: the whole invoice is credited, and the tax
        // reduction no one will claim goes with it.
        // A whole credit that closes the invoice and drops its reduction,
        // with a credit note of `note`.
        let closes = |inv: String, k: &'static str, note: &'static str| {
            let app = &app;
            async move {
                let r = app
                    .ok(&app.company, CREDIT_ALL, json!({ "id": inv, "k": k }))
                    .await;
                assert_eq!(
                    r["creditInvoice"],
                    json!({ "creditNote": { "total": note }, "invoice": { "balance": "0.00", "customerBalance": "0.00", "credited": "10000.00", "status": "CREDITED", "houseWork": null } })
                );
            }
        };
        let (inv, k) = rot("all").await;
        closes(inv, k, "-10000.00").await;
        // Rows credit the customer's part only, as before; the rest without
        // rows is Skatteverket's part, and it goes too.
        let (inv, k) = rot("rest").await;
        let part = credit(&app, &inv, Some(json!([row("5600", "25")])), "part").await;
        assert_eq!(
            part["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "3000.00", "credited": "7000.00", "status": "UNPAID" }),
            "{part}"
        );
        let more = credit(&app, &inv, Some(json!([row("0.01", "25")])), "more").await;
        assert_eq!(
            (code(&more), field(&more)),
            ("VALIDATION", "rows"),
            "{more}"
        );
        closes(inv, k, "-3000.00").await;
        // Once Skatteverket has paid its part, that money is not the company's
        // to credit: the whole credit is refused and nothing changes.
        let (inv, k) = rot("paid").await;
        let paid = pay(&app, &inv, "3000", "2026-11-21", "SKATTEVERKET", "skv").await;
        assert_eq!(
            paid["data"]["registerPayment"]["houseWork"]["skatteverketBalance"], "0.00",
            "{paid}"
        );
        let r = app
            .gql(&app.company, CREDIT_ALL, json!({ "id": inv, "k": k }))
            .await;
        refused_whole(
            &r,
            "what is left to credit (10000.00) is more than the customer's part left to pay (7000.00)",
        );
        assert_eq!(
            invoice(
                &app,
                &inv,
                "balance credited houseWork { deductibleAmount skatteverketBalance }"
            )
            .await,
            json!({ "balance": "7000.00", "credited": "0.00", "houseWork": { "deductibleAmount": "3000.00", "skatteverketBalance": "0.00" } })
        );
        assert_books_close(&app, &app.company).await;
    }
);
