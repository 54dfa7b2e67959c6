//! Invoice rows, totals, house work and payers.

use super::*;
use crate::domain::money::Ore;
use proptest::prelude::*;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn row(q: &str, p: &str, v: &str) -> RowInput {
    RowInput {
        description: "Work".into(),
        quantity: d(q),
        unit_price: d(p),
        vat_rate: d(v),
    }
}

#[test]
fn totals_round_each_row_and_vat_per_rate() {
    let rows = parse_rows(&[
        row("3", "33.33", "25"),
        row("1.5", "0.01", "12"),
        row("2", "10", "0"),
    ])
    .unwrap();
    assert_eq!(rows[1].amount_ore, Ore::new(2)); // 0.015 rounds half away from zero
    let t = totals(&rows).unwrap();
    assert_eq!(t.net_ore, Ore::new(9999 + 2 + 2000));
    // VAT: 99.99 × 0.25 = 24.9975 → 25.00; 0.02 × 0.12 = 0.0024 → 0.00.
    assert_eq!(t.vat_ore, Ore::new(2500));
    assert_eq!(t.total_ore, Ore::new(12001 + 2500));
}

#[test]
fn rows_are_validated_with_field_names() {
    assert_eq!(parse_rows(&[]).unwrap_err().field, "rows");
    assert_eq!(
        parse_rows(&[row("0", "1", "25")]).unwrap_err().field,
        "rows[0].quantity"
    );
    assert_eq!(
        parse_rows(&[row("1", "1", "25"), row("1", "-1", "25")])
            .unwrap_err()
            .field,
        "rows[1].unitPrice"
    );
    assert_eq!(
        parse_rows(&[row("1", "1.001", "25")]).unwrap_err().field,
        "rows[0].unitPrice"
    );
    assert_eq!(
        parse_rows(&[row("1", "1", "20")]).unwrap_err().field,
        "rows[0].vatRate"
    );
    assert_eq!(
        parse_rows(&[row("1", "99999999999", "25")])
            .unwrap_err()
            .field,
        "rows[0].unitPrice"
    );
    let huge = parse_rows(&[row("1000", "10000000000", "25")]).unwrap_err();
    assert_eq!(huge.field, "rows[0].unitPrice");
}

#[test]
fn house_work_deductible_is_bounded_by_total() {
    let t = Totals {
        net_ore: Ore::new(8000),
        vat_ore: Ore::new(2000),
        total_ore: Ore::new(10000),
    };
    assert_eq!(
        parse_house_work_deductible(d("100"), &t),
        Ok(Ore::new(10000))
    );
    assert!(parse_house_work_deductible(d("100.01"), &t).is_err());
    assert!(parse_house_work_deductible(d("0"), &t).is_err());
}

#[test]
fn state_follows_fields_and_today() {
    let due = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let f = StateFacts {
        cancelled: false,
        not_completed: false,
        sold: false,
        balance_ore: Ore::new(100),
        total_ore: Ore::new(100),
        credited_ore: Ore::ZERO,
        due_date: due,
    };
    assert_eq!(state(f, due), InvoiceState::Unpaid);
    // Nothing left: credited whole, or paid (in part, or in full).
    let settled = |credited| StateFacts {
        balance_ore: Ore::ZERO,
        credited_ore: Ore::new(credited),
        ..f
    };
    assert_eq!(state(settled(100), due), InvoiceState::Credited);
    assert_eq!(state(settled(99), due), InvoiceState::Paid);
    assert_eq!(state(settled(0), due), InvoiceState::Paid);
    // A credit note (a negative total) is never credited itself.
    let note = StateFacts {
        balance_ore: Ore::ZERO,
        total_ore: Ore::new(-100),
        ..f
    };
    assert_eq!(state(note, due), InvoiceState::Paid);
    // A sold invoice is sold, never overdue, even with Skatteverket's part open.
    let later = due.succ_opt().unwrap();
    assert_eq!(
        state(StateFacts { sold: true, ..f }, later),
        InvoiceState::Sold
    );
    assert_eq!(state(f, due.succ_opt().unwrap()), InvoiceState::Overdue);
    assert_eq!(
        state(
            StateFacts {
                balance_ore: Ore::ZERO,
                ..f
            },
            due
        ),
        InvoiceState::Paid
    );
    assert_eq!(
        state(
            StateFacts {
                cancelled: true,
                ..f
            },
            due
        ),
        InvoiceState::Cancelled
    );
    assert_eq!(
        state(
            StateFacts {
                not_completed: true,
                ..f
            },
            due
        ),
        InvoiceState::NotCompleted
    );
}

proptest! {
    #[test]
    fn total_is_net_plus_vat_and_net_is_sum_of_rows(
        rows in proptest::collection::vec((1i64..100_000, 0i64..10_000_000, 0usize..4), 1..30)
    ) {
        let input: Vec<RowInput> = rows
            .iter()
            .map(|(q, p, v)| RowInput {
                description: "x".into(),
                quantity: Decimal::new(*q, 3),
                unit_price: Decimal::new(*p, 2),
                vat_rate: Decimal::new(VAT_RATES_BP[*v], 2),
            })
            .collect();
        let parsed = parse_rows(&input).unwrap();
        let t = totals(&parsed).unwrap();
        prop_assert_eq!(t.total_ore, t.net_ore + t.vat_ore);
        prop_assert_eq!(t.net_ore, parsed.iter().map(|r| r.amount_ore).sum::<Ore>());
        // VAT never strays more than half an öre per rate from the exact value.
        let exact: Decimal = parsed
            .iter()
            .map(|r| from_ore(r.amount_ore) * from_scaled(r.vat_rate_bp, 4))
            .sum();
        prop_assert!((from_ore(t.vat_ore) - exact).abs() <= d("0.02"));
        for r in &parsed {
            let exact_row = from_scaled(r.quantity_milli, 3) * from_ore(r.unit_price_ore);
            prop_assert!((from_ore(r.amount_ore) - exact_row).abs() <= d("0.005"));
        }
    }
}

proptest! {
    /// New content is accepted exactly when, after it, neither Skatteverket
    /// nor the customer has paid more than their part: what each still owes
    /// is never below zero.
    #[test]
    fn an_edit_is_accepted_exactly_when_no_part_is_overpaid(
        total in 0i64..10_000,
        deductible in proptest::option::of(1i64..10_000),
        customer in 0i64..10_000,
        skatteverket in 0i64..10_000,
    ) {
        let (total, deductible) = (Ore::new(total), deductible.map(Ore::new));
        let paid = Paid { customer_ore: Ore::new(customer), skatteverket_ore: Ore::new(skatteverket) };
        let balance = total - paid.customer_ore - paid.skatteverket_ore;
        let keeps = deductible.unwrap_or(Ore::ZERO) >= paid.skatteverket_ore
            && !customer_outstanding(balance, deductible, paid.skatteverket_ore).is_negative();
        prop_assert_eq!(covers_paid(total, deductible, paid).is_ok(), keeps);
    }
}

#[test]
fn an_edit_that_overpays_a_part_names_the_field() {
    // Paid so far: 600 by the customer, 200 by Skatteverket.
    let paid = Paid {
        customer_ore: Ore::new(600),
        skatteverket_ore: Ore::new(200),
    };
    for (total, deductible, field) in [
        (799, Some(300), Some("rows")),
        (1250, None, Some("houseWork")),
        (1250, Some(199), Some("houseWork.deductibleAmount")),
        (1250, Some(651), Some("houseWork.deductibleAmount")),
        (1250, Some(650), None),
        (1250, Some(200), None),
        (800, Some(200), None),
    ] {
        let r = covers_paid(Ore::new(total), deductible.map(Ore::new), paid);
        assert_eq!(
            r.err().map(|e| e.field),
            field.map(String::from),
            "{total} with {deductible:?}"
        );
    }
    let customer_only = Paid {
        customer_ore: Ore::new(800),
        skatteverket_ore: Ore::ZERO,
    };
    assert!(covers_paid(Ore::new(800), None, customer_only).is_ok());
}

#[test]
fn after_a_denial_an_edit_may_keep_or_lower_the_reduction_but_not_raise_it() {
    let on = |current: Option<i64>, asked: Option<i64>| {
        keeps_denied_reduction(current.map(Ore::new), asked.map(Ore::new))
            .err()
            .map(|e| e.field)
    };
    // Denied 1 000 of 3 000: 2 000 stands.
    assert_eq!(on(Some(200_000), Some(200_000)), None);
    assert_eq!(on(Some(200_000), Some(150_000)), None);
    assert_eq!(on(Some(200_000), None), None);
    assert_eq!(
        on(Some(200_000), Some(200_001)),
        Some("houseWork.deductibleAmount".into())
    );
    // Denied whole: no reduction comes back.
    assert_eq!(on(None, None), None);
    assert_eq!(on(None, Some(0)), None);
    assert_eq!(on(None, Some(1)), Some("houseWork".into()));
}

mod credit;

proptest! {
    /// A credit that lowers the tax reduction is accepted exactly when the
    /// reduction does not rise, falls by at most the credit, and stays at
    /// least what Skatteverket paid; then Skatteverket's part falls by the
    /// fall and the customer's by the rest, and the two still make the
    /// balance.
    #[test]
    fn a_credit_splits_between_the_customer_and_skatteverket(
        deductible in 1i64..10_000,
        paid in 0i64..10_000,
        credit in 1i64..10_000,
        after in 0i64..10_000,
        customer_left in 0i64..10_000,
    ) {
        prop_assume!(paid <= deductible);
        let result = reduction_fall(
            Ore::new(credit),
            Some(Ore::new(deductible)),
            Ore::new(paid),
            Decimal::new(after, 2),
        );
        let fits = after <= deductible && after >= paid && deductible - after <= credit;
        prop_assert_eq!(result.is_ok(), fits, "{:?}", result);
        if let Ok(fall) = result {
            prop_assert_eq!(fall, Ore::new(deductible - after));
            // Before: the balance is the customer's part and Skatteverket's.
            let balance = Ore::new(customer_left + deductible - paid);
            let before = customer_outstanding(balance, Some(Ore::new(deductible)), Ore::new(paid));
            let after_balance = balance - Ore::new(credit);
            let reduction = Some(Ore::new(after));
            let customer = customer_outstanding(after_balance, reduction, Ore::new(paid));
            prop_assert_eq!(customer, before - (Ore::new(credit) - fall));
            prop_assert_eq!(
                customer + skatteverket_outstanding(reduction, Ore::new(paid)),
                after_balance
            );
        }
    }
}

#[test]
fn a_credit_lowers_no_reduction_of_an_invoice_without_house_work() {
    let r = reduction_fall(Ore::new(100), None, Ore::ZERO, d("0"));
    assert_eq!(r.unwrap_err().field, "houseWorkDeductibleAmount");
    let r = reduction_fall(Ore::new(100), Some(Ore::new(300)), Ore::ZERO, d("2.001"));
    assert!(r.is_err(), "öre only");
}
