//! Tests of [`super`]: the rules, with unit and property tests.

use super::*;
use crate::domain::id::{CompanyId, InvoiceId, SaleId};
use crate::domain::money::Ore;
use proptest::prelude::*;

fn agreement() -> Agreement {
    Agreement {
        active: true,
        fixed_fee_ore: DEFAULT_FIXED_FEE_ORE,
        percentage_bp: DEFAULT_PERCENTAGE_BP,
        minimum_fee_ore: Ore::ZERO,
        customer_limit_ore: Ore::new(10_000_000),
        total_limit_ore: Ore::new(50_000_000),
    }
}

fn facts(balance: i64) -> SaleFacts {
    SaleFacts {
        currency: "SEK".into(),
        cancelled: false,
        not_completed: false,
        invoice_type: InvoiceType::Invoice,
        balance_ore: Ore::new(balance),
        house_work_deductible_ore: None,
        due_date: NaiveDate::from_ymd_opt(2026, 12, 22).unwrap(),
        recipient_overdue: false,
        already_sold: false,
        handed_to_nox: false,
        customer_outstanding_ore: Ore::ZERO,
        total_outstanding_ore: Ore::ZERO,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

#[test]
fn fees_are_rounded_to_ore() {
    // 10 000.00 × 2.9 % = 290.00; + 19.90.
    let q = quote(&facts(1_000_000), Some(&agreement()), today());
    assert!(q.eligible(), "{:?}", q.reasons);
    assert_eq!(q.fees[1].amount_ore, Ore::new(29_000));
    assert_eq!(q.total_fees_ore, Ore::new(30_990));
    assert_eq!(q.payout_ore, Ore::new(1_000_000 - 30_990));
    // 1 234.55 × 2.9 % = 35.80195 → 35.80; 1 234.57 × 2.9 % = 35.80253 → 35.80;
    // 17.25 × 2.9 % = 0.50025 → 0.50; 1.55 × 2.9 % = 0.04495 → 0.04.
    for (amount, fee) in [(123_455, 3580), (123_457, 3580), (1725, 50), (155, 4)] {
        assert_eq!(
            fees(Ore::new(amount), &agreement())[1].amount_ore,
            Ore::new(fee),
            "{amount}"
        );
    }
    // 0.50 × 2.9 % = 0.0145 → 0.01; 5.00 × 1.1 % = 0.055 → 0.06 (half away from zero).
    assert_eq!(fees(Ore::new(50), &agreement())[1].amount_ore, Ore::new(1));
    assert_eq!(
        fees(
            Ore::new(500),
            &Agreement {
                percentage_bp: 110,
                ..agreement()
            }
        )[1]
        .amount_ore,
        Ore::new(6)
    );
    // The minimum fee lifts a small factoring fee.
    assert_eq!(
        fees(
            Ore::new(1000),
            &Agreement {
                minimum_fee_ore: Ore::new(5000),
                ..agreement()
            }
        )[1]
        .amount_ore,
        Ore::new(5000)
    );
}

#[test]
fn house_work_fee_base_excludes_the_tax_reduction() {
    let mut f = facts(2_337_500);
    f.house_work_deductible_ore = Some(Ore::new(450_000));
    let q = quote(&f, Some(&agreement()), today());
    assert_eq!(q.amount_ore, Ore::new(1_887_500));
    // 18 875.00 × 2.9 % = 547.375 → 547.38.
    assert_eq!(q.fees[1].amount_ore, Ore::new(54_738));
}

#[test]
fn eligibility_reasons() {
    let codes = |f: &SaleFacts, a: Option<&Agreement>| -> Vec<&'static str> {
        quote(f, a, today())
            .reasons
            .iter()
            .map(|r| r.code)
            .collect()
    };
    assert_eq!(
        codes(&facts(100_000), None),
        vec!["INVOICE_SALE_NOT_ACTIVE"]
    );
    let inactive = Agreement {
        active: false,
        ..agreement()
    };
    assert_eq!(
        codes(&facts(100_000), Some(&inactive)),
        vec!["INVOICE_SALE_NOT_ACTIVE"]
    );
    let a = agreement();
    type Change = Box<dyn Fn(&mut SaleFacts)>;
    let cases: Vec<(Change, &str)> = vec![
        (Box::new(|f| f.currency = "EUR".into()), "CURRENCY_NOT_SEK"),
        (Box::new(|f| f.cancelled = true), "CANCELLED"),
        (Box::new(|f| f.not_completed = true), "NOT_COMPLETED"),
        (
            Box::new(|f| f.invoice_type = InvoiceType::Cash),
            "CASH_INVOICE",
        ),
        (
            Box::new(|f| f.invoice_type = InvoiceType::Interest),
            "INTEREST_INVOICE",
        ),
        (Box::new(|f| f.balance_ore = Ore::ZERO), "NO_BALANCE"),
        (Box::new(|f| f.already_sold = true), "ALREADY_SOLD"),
        (Box::new(|f| f.handed_to_nox = true), "HANDED_TO_NOX_FINANS"),
        (
            Box::new(|f| f.due_date = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()),
            "OVERDUE",
        ),
        (
            Box::new(|f| f.customer_outstanding_ore = Ore::new(9_950_000)),
            "CUSTOMER_LIMIT_EXCEEDED",
        ),
        (
            Box::new(|f| f.total_outstanding_ore = Ore::new(49_950_000)),
            "TOTAL_LIMIT_EXCEEDED",
        ),
        (
            Box::new(|f| f.balance_ore = Ore::new(2000)),
            "FEES_EXCEED_AMOUNT",
        ),
        (
            Box::new(|f| f.recipient_overdue = true),
            "RECIPIENT_OVERDUE",
        ),
    ];
    for (change, code) in cases {
        let mut f = facts(100_000);
        change(&mut f);
        assert_eq!(codes(&f, Some(&a)), vec![code]);
    }
    // Due today is not overdue; at the limit exactly is allowed.
    let mut f = facts(100_000);
    f.due_date = today();
    f.customer_outstanding_ore = Ore::new(9_900_000);
    assert!(codes(&f, Some(&a)).is_empty());
}

#[test]
fn quote_id_binds_the_terms() {
    let d = today();
    let q = quote(&facts(100_000), Some(&agreement()), d);
    let same = quote(&facts(100_000), Some(&agreement()), d);
    assert_eq!(
        quote_id(InvoiceId::new(1), &q, d),
        quote_id(InvoiceId::new(1), &same, d)
    );
    let pricier = quote(
        &facts(100_000),
        Some(&Agreement {
            percentage_bp: 300,
            ..agreement()
        }),
        d,
    );
    assert_ne!(
        quote_id(InvoiceId::new(1), &q, d),
        quote_id(InvoiceId::new(1), &pricier, d)
    );
    assert_ne!(
        quote_id(InvoiceId::new(1), &q, d),
        quote_id(InvoiceId::new(2), &q, d)
    );
    assert_ne!(
        quote_id(InvoiceId::new(1), &q, d),
        quote_id(InvoiceId::new(1), &q, d.succ_opt().unwrap())
    );
}

mod decision;
mod spot_check;
