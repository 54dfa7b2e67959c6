//! ROT/RUT invoices whose tax reduction changes after they were sent, end
//! to end on both databases: a credit of labour lowers the reduction with
//! it, and Skatteverket's denial of part of it moves that part to the
//! customer, or off a sold invoice. An open Nox Finans case claims the
//! customer's part as it changes, with interest counted on what was owed
//! each day. Every scenario ends by checking that the books close.

use serde_json::{Value, json};

use crate::books::{assert_books_close, pay};
use crate::db_test;
use crate::fixtures::*;
use crate::helpers::{TestApp, code, field};

const CREDIT_HOUSE_WORK: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $d: Decimal, $k: String!) { creditInvoice(invoiceId: $id, rows: $r, houseWorkDeductibleAmount: $d, idempotencyKey: $k) { creditNote { id total } invoice { balance customerBalance credited status houseWork { deductibleAmount skatteverketBalance } } } }";

/// Credits `rows` of a house-work invoice, with the tax reduction `after`.
async fn credit_house_work(
    app: &TestApp,
    invoice: &str,
    rows: Option<Value>,
    after: Option<&str>,
    key: &str,
) -> Value {
    app.gql(
        &app.company,
        CREDIT_HOUSE_WORK,
        json!({ "id": invoice, "r": rows, "d": after, "k": key }),
    )
    .await
}

/// A ROT invoice of 10 000 (8 000 of carpentry + 25 % VAT) dated 20 Nov on
/// 10 days, with a tax reduction of 3 000: the customer owes 7 000.
async fn rot_invoice(app: &TestApp, customer: &str) -> String {
    let rows = json!([{ "description": "Snickeri", "quantity": "10", "unitPrice": "800", "vatRate": "25" }]);
    invoice_with(
        app,
        customer,
        json!({ "termsOfPayment": "10", "rows": rows, "houseWork": { "type": "ROT", "deductibleAmount": "3000" } }),
    )
    .await
}

db_test!(
    a_credit_of_house_work_lowers_the_tax_reduction_with_it,
    |app| {
        let anna = private_customer(&app).await;
        let inv = rot_invoice(&app, &anna).await;
        reminded(&app, &inv, "rot-send").await;
        app.clock.set(stockholm(2026, 12, 11, 12, 0));
        let before = case_view(&app, &inv).await["noxFinans"].clone();
        assert_eq!(before["capitalBalance"], "7000.00", "{before}");
        // Two of the ten days of work are called off: 2 000 with VAT, and
        // the tax reduction, 30 % of the labour, falls from 3 000 to 2 400.
        // The customer's part falls by the rest, 1 400, to 5 600.
        let r = credit_house_work(
            &app,
            &inv,
            Some(json!([row("1600", "25")])),
            Some("2400"),
            "rot-2d",
        )
        .await;
        assert_eq!(
            r["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "8000.00", "customerBalance": "5600.00", "credited": "2000.00", "status": "OVERDUE", "houseWork": { "deductibleAmount": "2400.00", "skatteverketBalance": "2400.00" } }),
            "{r}"
        );
        assert_eq!(
            r["data"]["creditInvoice"]["creditNote"]["total"],
            "-2000.00"
        );
        let after = case_view(&app, &inv).await["noxFinans"].clone();
        assert_eq!(after["capitalBalance"], "5600.00", "{after}");
        assert_eq!(
            after["accruedInterest"], before["accruedInterest"],
            "the credit does not change the interest of the days before it"
        );
        // A retry answers with the same note; the key with another
        // reduction is another credit.
        let again = credit_house_work(
            &app,
            &inv,
            Some(json!([row("1600", "25")])),
            Some("2400"),
            "rot-2d",
        )
        .await;
        assert_eq!(
            again["data"]["creditInvoice"]["creditNote"]["id"],
            r["data"]["creditInvoice"]["creditNote"]["id"],
            "{again}"
        );
        let other = credit_house_work(
            &app,
            &inv,
            Some(json!([row("1600", "25")])),
            Some("2500"),
            "rot-2d",
        )
        .await;
        assert_eq!(code(&other), "CONFLICT", "{other}");
        // Interest runs on 7 000 for the 11 days to the credit, then on
        // 5 600: 7 000 × 9.75 % × 11 / 365 + 5 600 × 9.75 % × 10 / 365.
        app.clock.set(stockholm(2026, 12, 21, 12, 0));
        wait_case(&app, &inv, "DEBT_COLLECTION").await;
        let later = case_view(&app, &inv).await["noxFinans"].clone();
        assert_eq!(later["accruedInterest"], "35.53", "{later}");
        // The customer pays the 5 600 and Skatteverket its 2 400: the
        // invoice is paid and the case closes.
        let r = pay(&app, &inv, "2400", "2026-12-21", "SKATTEVERKET", "rot-skv").await;
        assert!(r.get("errors").is_none(), "{r}");
        let r = pay(
            &app,
            &inv,
            "2400.01",
            "2026-12-21",
            "SKATTEVERKET",
            "rot-skv2",
        )
        .await;
        assert_eq!(code(&r), "VALIDATION", "{r}");
        assert_books_close(&app, &app.company).await;
    }
);

db_test!(
    a_credit_lowers_the_tax_reduction_only_within_the_credit_and_what_skatteverket_paid,
    |app| {
        let anna = private_customer(&app).await;
        let inv = rot_invoice(&app, &anna).await;
        let refused = |r: &Value, message: &str| {
            assert_eq!(
                (code(r), field(r)),
                ("VALIDATION", "houseWorkDeductibleAmount"),
                "{r}"
            );
            assert!(r.to_string().contains(message), "{r}");
        };
        let two_days = || Some(json!([row("1600", "25")]));
        let r = credit_house_work(&app, &inv, two_days(), Some("3000.01"), "up").await;
        refused(&r, "can lower the tax reduction (3000.00), not raise it");
        let r = credit_house_work(&app, &inv, two_days(), Some("999.99"), "deep").await;
        refused(&r, "falls by at most the credit (2000.00)");
        let r = credit_house_work(&app, &inv, two_days(), Some("-1"), "neg").await;
        refused(&r, "must not be negative");
        let r = credit_house_work(&app, &inv, two_days(), Some("2400.001"), "ore").await;
        refused(&r, "at most two decimals");
        let r = credit_house_work(&app, &inv, None, Some("2400"), "whole").await;
        refused(&r, "with rows");
        let plain = invoice_of_10k(&app, &anna).await;
        let r = credit_house_work(&app, &plain, two_days(), Some("0"), "plain").await;
        refused(&r, "has no house work");
        // Skatteverket has paid 2 500: the reduction cannot fall below it.
        let paid = pay(&app, &inv, "2500", "2026-11-22", "SKATTEVERKET", "skv").await;
        assert!(paid.get("errors").is_none(), "{paid}");
        let r = credit_house_work(&app, &inv, two_days(), Some("2400"), "below").await;
        refused(&r, "Skatteverket has paid 2500.00 of it");
        let untouched = json!({ "balance": "7500.00", "customerBalance": "7000.00", "credited": "0.00", "status": "UNPAID", "houseWork": { "deductibleAmount": "3000.00", "skatteverketBalance": "500.00" } });
        assert_eq!(
            invoice(&app, &inv, "balance customerBalance credited status houseWork { deductibleAmount skatteverketBalance }").await,
            untouched,
            "a refused credit changes nothing"
        );
        // Down to what Skatteverket paid: 7 500 credited, 500 of it off
        // Skatteverket's part and 7 000 off the customer's. What is left of
        // the invoice is the 2 500 Skatteverket paid.
        let r = credit_house_work(
            &app,
            &inv,
            Some(json!([row("6000", "25")])),
            Some("2500"),
            "most",
        )
        .await;
        assert_eq!(
            r["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "0.00", "customerBalance": "0.00", "credited": "7500.00", "status": "PAID", "houseWork": { "deductibleAmount": "2500.00", "skatteverketBalance": "0.00" } }),
            "{r}"
        );
        // On an invoice Skatteverket paid nothing of, a reduction of 0
        // drops the house work.
        let other = rot_invoice(&app, &anna).await;
        let r = credit_house_work(
            &app,
            &other,
            Some(json!([row("8000", "25")])),
            Some("0"),
            "all",
        )
        .await;
        assert_eq!(
            r["data"]["creditInvoice"]["invoice"],
            json!({ "balance": "0.00", "customerBalance": "0.00", "credited": "10000.00", "status": "CREDITED", "houseWork": null }),
            "{r}"
        );
        assert_books_close(&app, &app.company).await;
    }
);

const DENY: &str = "mutation($id: ID!, $a: Decimal!, $k: String!) { recordTaxReductionDenial(invoiceId: $id, amount: $a, idempotencyKey: $k) { balance customerBalance status houseWork { deductibleAmount skatteverketBalance } } }";

/// Records as the company behind `token` that Skatteverket denied `amount`
/// of the invoice's tax reduction, under `key`.
async fn deny_as(app: &TestApp, token: &str, invoice: &str, amount: &str, key: &str) -> Value {
    app.gql(token, DENY, json!({ "id": invoice, "a": amount, "k": key }))
        .await
}

async fn deny(app: &TestApp, invoice: &str, amount: &str, key: &str) -> Value {
    deny_as(app, &app.company, invoice, amount, key).await
}

db_test!(a_denied_tax_reduction_is_the_customers_to_pay, |app| {
    let anna = private_customer(&app).await;
    let inv = rot_invoice(&app, &anna).await;
    // Anna had used up most of her ROT reduction for the year: Skatteverket
    // pays 2 000 of the 3 000, and she owes the other 1 000.
    let r = deny(&app, &inv, "1000", "d1").await;
    let denied = json!({ "balance": "10000.00", "customerBalance": "8000.00", "status": "UNPAID", "houseWork": { "deductibleAmount": "2000.00", "skatteverketBalance": "2000.00" } });
    assert_eq!(r["data"]["recordTaxReductionDenial"], denied, "{r}");
    // A retry records nothing twice; the key with another amount is
    // another denial.
    let again = deny(&app, &inv, "1000", "d1").await;
    assert_eq!(again["data"]["recordTaxReductionDenial"], denied, "{again}");
    let other = deny(&app, &inv, "999", "d1").await;
    assert_eq!(code(&other), "CONFLICT", "{other}");
    // Skatteverket denies only what it has not paid; another company cannot
    // touch the invoice.
    for (amount, key, f, message) in [
        (
            "2000.01",
            "d2",
            "amount",
            "is more than the tax reduction Skatteverket has not paid (2000.00)",
        ),
        ("0", "d3", "amount", "must be greater than zero"),
        ("-1", "d4", "amount", "must not be negative"),
        ("0.001", "d5", "amount", "at most two decimals"),
    ] {
        let r = deny(&app, &inv, amount, key).await;
        assert_eq!((code(&r), field(&r)), ("VALIDATION", f), "{r}");
        assert!(r.to_string().contains(message), "{r}");
    }
    let r = deny_as(&app, &app.other, &inv, "1", "d6").await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let plain = invoice_of_10k(&app, &anna).await;
    let r = deny(&app, &plain, "1", "d7").await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "invoiceId"), "{r}");
    let selection =
        "balance customerBalance status houseWork { deductibleAmount skatteverketBalance }";
    assert_eq!(
        invoice(&app, &inv, selection).await,
        denied,
        "a refused denial changes nothing"
    );
    // Skatteverket pays its 2 000 and Anna her 8 000: the invoice is paid.
    let r = pay(&app, &inv, "2000", "2026-11-22", "SKATTEVERKET", "skv").await;
    assert!(r.get("errors").is_none(), "{r}");
    let r = deny(&app, &inv, "0.01", "d8").await;
    assert!(r.to_string().contains("has not paid (0.00)"), "{r}");
    let r = pay(&app, &inv, "8000", "2026-11-22", "CUSTOMER", "anna").await;
    assert_eq!(r["data"]["registerPayment"]["status"], "PAID", "{r}");
    // All of a reduction denied takes the house work off the invoice.
    let other = rot_invoice(&app, &anna).await;
    let r = deny(&app, &other, "3000", "all").await;
    assert_eq!(
        r["data"]["recordTaxReductionDenial"],
        json!({ "balance": "10000.00", "customerBalance": "10000.00", "status": "UNPAID", "houseWork": null }),
        "{r}"
    );
    assert_books_close(&app, &app.company).await;
});

db_test!(an_edit_does_not_claim_a_denied_reduction_again, |app| {
    let anna = private_customer(&app).await;
    let inv = rot_invoice(&app, &anna).await;
    const EDIT: &str = "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { customerBalance houseWork { type deductibleAmount } } }";
    let edit = |invoice: &str, house_work: Value| {
        let rows = json!([{ "description": "Snickeri", "quantity": "10", "unitPrice": "800", "vatRate": "25" }]);
        let i = json!({ "customerId": anna, "invoiceDate": "2026-11-20", "termsOfPayment": "10", "rows": rows, "houseWork": house_work });
        app.gql(&app.company, EDIT, json!({ "id": invoice, "i": i }))
    };
    let rot = |amount: &str| json!({ "type": "ROT", "deductibleAmount": amount });
    // Before Skatteverket has said anything, the company may raise it.
    let r = edit(&inv, rot("2400")).await;
    assert!(r.get("errors").is_none(), "{r}");
    let r = edit(&inv, rot("3000")).await;
    assert!(r.get("errors").is_none(), "{r}");
    // Skatteverket denies 1 000 of the 3 000. An edit that asks for it
    // again, in part or whole, would claim what Skatteverket refused.
    let r = deny(&app, &inv, "1000", "edit-d1").await;
    assert!(r.get("errors").is_none(), "{r}");
    for amount in ["3000", "2000.01"] {
        let r = edit(&inv, rot(amount)).await;
        assert_eq!(
            (code(&r), field(&r)),
            ("VALIDATION", "houseWork.deductibleAmount"),
            "{amount}: {r}"
        );
        assert!(
            r.to_string()
                .contains("Skatteverket has denied part of the tax reduction"),
            "{r}"
        );
    }
    // Keeping it, or lowering it, claims nothing anew; a lowered reduction
    // is then the most an edit may ask.
    let r = edit(&inv, rot("2000")).await;
    assert_eq!(
        r["data"]["updateInvoice"],
        json!({ "customerBalance": "8000.00", "houseWork": { "type": "ROT", "deductibleAmount": "2000.00" } }),
        "{r}"
    );
    let r = edit(&inv, rot("1500")).await;
    assert_eq!(
        r["data"]["updateInvoice"]["customerBalance"], "8500.00",
        "{r}"
    );
    let r = edit(&inv, rot("2000")).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("VALIDATION", "houseWork.deductibleAmount"),
        "{r}"
    );
    // A reduction denied whole is not brought back by an edit either.
    let other = rot_invoice(&app, &anna).await;
    let r = deny(&app, &other, "3000", "edit-all").await;
    assert!(r.get("errors").is_none(), "{r}");
    let r = edit(&other, rot("100")).await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "houseWork"), "{r}");
    assert!(r.to_string().contains("none is left"), "{r}");
    let r = edit(&other, Value::Null).await;
    assert_eq!(
        r["data"]["updateInvoice"],
        json!({ "customerBalance": "10000.00", "houseWork": null }),
        "{r}"
    );
    assert_eq!(
        invoice(
            &app,
            &inv,
            "houseWork { deductibleAmount skatteverketBalance }"
        )
        .await,
        json!({ "houseWork": { "deductibleAmount": "1500.00", "skatteverketBalance": "1500.00" } }),
        "refused edits change nothing"
    );
    // Dropped by an edit after a part was denied, none comes back either.
    let r = edit(&inv, Value::Null).await;
    assert_eq!(r["data"]["updateInvoice"]["houseWork"], Value::Null, "{r}");
    let r = edit(&inv, rot("1")).await;
    assert_eq!((code(&r), field(&r)), ("VALIDATION", "houseWork"), "{r}");
    assert_books_close(&app, &app.company).await;
});

db_test!(an_open_case_claims_a_denied_tax_reduction, |app| {
    let anna = private_customer(&app).await;
    let inv = rot_invoice(&app, &anna).await;
    reminded(&app, &inv, "deny-send").await;
    app.clock.set(stockholm(2026, 12, 11, 12, 0));
    let before = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(
        (before["claim"].as_str(), before["capitalBalance"].as_str()),
        (Some("7000.00"), Some("7000.00")),
        "{before}"
    );
    let r = deny(&app, &inv, "1000", "case-d1").await;
    assert_eq!(
        r["data"]["recordTaxReductionDenial"]["customerBalance"], "8000.00",
        "{r}"
    );
    let after = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(
        (after["claim"].as_str(), after["capitalBalance"].as_str()),
        (Some("8000.00"), Some("8000.00")),
        "{after}"
    );
    assert_eq!(
        after["accruedInterest"], before["accruedInterest"],
        "the denied part bears no interest for the days before it"
    );
    let history = invoice(&app, &inv, "noxFinans { history { status message } }").await;
    let last = history["noxFinans"]["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned();
    assert_eq!(
        last,
        Some(
            json!({ "status": "REMINDER_SENT", "message": "Skatteverket denied 1000.00 SEK of the tax reduction of invoice 1001; Nox Finans now claims 8000.00 SEK of the customer" })
        ),
        "{history}"
    );
    // Interest on the 1 000 runs from 30 days after it was demanded (10
    // January): 7 000 × 9.75 % × 51 / 365 + 1 000 × 9.75 % × 10 / 365 on
    // 20 January.
    app.clock.set(stockholm(2027, 1, 20, 12, 0));
    app.worker_settled().await;
    let later = case_view(&app, &inv).await["noxFinans"].clone();
    assert_eq!(later["accruedInterest"], "98.03", "{later}");
    assert_eq!(later["capitalBalance"], "8000.00", "{later}");
    assert_books_close(&app, &app.company).await;
});

db_test!(a_denied_tax_reduction_leaves_a_sold_invoice, |app| {
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let inv = rot_invoice(&app, &customer).await;
    // Offered for sale, the quote stands on the customer's part: a denial
    // waits until the sale is decided.
    let sale = sell_to_spot_check(&app, &inv, "rot-sale").await;
    let r = deny(&app, &inv, "1000", "early").await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    confirm_spot_check(&app, &sale).await;
    // Sold, the invoice keeps Skatteverket's 3 000. The financier bought the
    // customer's part, so the denied 1 000 leaves the invoice: the company
    // invoices the customer for it anew.
    let selection = "balance status houseWork { deductibleAmount skatteverketBalance }";
    assert_eq!(
        invoice(&app, &inv, selection).await,
        json!({ "balance": "3000.00", "status": "SOLD", "houseWork": { "deductibleAmount": "3000.00", "skatteverketBalance": "3000.00" } })
    );
    let r = deny(&app, &inv, "1000", "sold").await;
    assert!(r.get("errors").is_none(), "{r}");
    assert_eq!(
        invoice(&app, &inv, selection).await,
        json!({ "balance": "2000.00", "status": "SOLD", "houseWork": { "deductibleAmount": "2000.00", "skatteverketBalance": "2000.00" } })
    );
    let r = pay(&app, &inv, "2000", "2026-11-22", "SKATTEVERKET", "skv").await;
    assert_eq!(r["data"]["registerPayment"]["balance"], "0.00", "{r}");
    assert_books_close(&app, &app.company).await;
});

db_test!(skatteverkets_part_is_paid_or_denied_never_both, |app| {
    let anna = private_customer(&app).await;
    let mut invoices = Vec::new();
    for _ in 0..8 {
        invoices.push(rot_invoice(&app, &anna).await);
    }
    // For each invoice Skatteverket's payment of its whole part races
    // its denial of the whole part, and the denial is sent twice under
    // one key: each locks the invoice, and what comes second finds the
    // part gone or its own denial recorded.
    let races = invoices.iter().enumerate().map(|(i, inv)| {
        let app = &app;
        async move {
            let (pay_key, key) = (format!("p{i}"), format!("d{i}"));
            let pay = pay(app, inv, "3000", "2026-11-22", "SKATTEVERKET", &pay_key);
            let (paid, denied, again) = tokio::join!(
                pay,
                deny(app, inv, "3000", &key),
                deny(app, inv, "3000", &key)
            );
            (inv, paid, denied, again)
        }
    });
    for (inv, paid, denied, again) in futures_util::future::join_all(races).await {
        for r in [&paid, &denied, &again] {
            let code = code(r);
            assert!(["<none>", "VALIDATION", "CONFLICT"].contains(&code), "{r}");
        }
        let now = invoice(
                &app,
                inv,
                "balance customerBalance houseWork { deductibleAmount skatteverketBalance paidBySkatteverket }",
            )
            .await;
        let paid_won = paid.get("errors").is_none();
        let denied_won = denied.get("errors").is_none() || again.get("errors").is_none();
        assert!(
            paid_won != denied_won,
            "paid or denied, not both: {paid} {denied} {again}"
        );
        let expected = if paid_won {
            json!({ "balance": "7000.00", "customerBalance": "7000.00", "houseWork": { "deductibleAmount": "3000.00", "skatteverketBalance": "0.00", "paidBySkatteverket": "3000.00" } })
        } else {
            json!({ "balance": "10000.00", "customerBalance": "10000.00", "houseWork": null })
        };
        assert_eq!(now, expected, "{paid} {denied} {again}");
    }
    assert_books_close(&app, &app.company).await;
});
