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

fn test_key() -> SamplingKey {
    SamplingKey::new(*b"a test key of thirty-two bytes!!").unwrap()
}

fn history(n: u32, key: i64) -> SpotCheckFacts {
    SpotCheckFacts {
        previous_sales: n,
        approved_sales: n,
        approved_to_recipient: n,
        average_approved_ore: Ore::new(100_000),
        amount_ore: Ore::new(100_000),
        draw: sampling_draw(&test_key(), CompanyId::new(7), SaleId::new(key)),
    }
}

#[test]
fn the_draw_depends_on_the_key_and_repeats_under_it() {
    let other = SamplingKey::new(*b"another key, also 32 bytes long.").unwrap();
    let a: Vec<u32> = (1..=200)
        .map(|s| sampling_draw(&test_key(), CompanyId::new(7), SaleId::new(s)))
        .collect();
    let again: Vec<u32> = (1..=200)
        .map(|s| sampling_draw(&test_key(), CompanyId::new(7), SaleId::new(s)))
        .collect();
    let b: Vec<u32> = (1..=200)
        .map(|s| sampling_draw(&other, CompanyId::new(7), SaleId::new(s)))
        .collect();
    assert_eq!(a, again);
    assert!(a.iter().all(|d| *d < 1000));
    // Under another key the draws are unrelated: few coincide.
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(same < 10, "{same} of 200 draws equal under two keys");
    // And the draw is not the unkeyed hash a company could compute.
    let unkeyed: Vec<u32> = (1..=200_i64)
        .map(|s| {
            let d = Sha256::digest(format!("spot-check|7|{s}").as_bytes());
            u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % 1000
        })
        .collect();
    assert!(a.iter().zip(&unkeyed).filter(|(x, y)| x == y).count() < 10);
    assert!(SamplingKey::new(*b"short").is_none());
    assert_eq!(format!("{:?}", test_key()), "SamplingKey(..)");
}

#[test]
fn spot_check_density_falls_over_the_first_hundred_sales() {
    let checked: Vec<bool> = (0..100)
        .map(|n| select_spot_check(&history(n, i64::from(n) + 1)).is_some())
        .collect();
    assert!(
        checked[..5].iter().all(|c| *c),
        "the first five are always checked"
    );
    let count = |r: std::ops::Range<usize>| checked[r].iter().filter(|c| **c).count();
    let (early, middle, late) = (count(5..25), count(25..50), count(50..100));
    // Expected shares: ~55 % in 5..25, ~14 % in 25..50, ~7 % in 50..100.
    assert!(early >= 7, "early {early}");
    assert!(
        early * 25 > middle * 20,
        "density must fall: {early}/20 vs {middle}/25"
    );
    assert!(middle * 50 >= late * 25 / 2, "{middle}/25 vs {late}/50");
    assert!(late <= 12, "late {late}");
    // The curve itself: decreasing, with a floor.
    let shares: Vec<u32> = (0..200).map(sampling_permille).collect();
    assert!(shares.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(shares[0], 1000);
    assert_eq!(shares[199], SAMPLING_FLOOR_PERMILLE);
    // Reproducible: the same history selects the same sales.
    let again: Vec<bool> = (0..100)
        .map(|n| select_spot_check(&history(n, i64::from(n) + 1)).is_some())
        .collect();
    assert_eq!(checked, again);
}

#[test]
fn risk_rules_add_checks_and_explain_themselves() {
    let mut f = history(50, 3);
    f.approved_to_recipient = 0;
    assert_eq!(select_spot_check(&f).map(|r| r.name), Some("NEW_RECIPIENT"));
    let mut f = history(50, 3);
    f.amount_ore = Ore::new(300_001);
    assert_eq!(select_spot_check(&f).map(|r| r.name), Some("LARGE_AMOUNT"));
    assert_eq!(
        select_spot_check(&history(2, 3)).map(|r| r.name),
        Some("FIRST_SALES")
    );
    assert!(SPOT_CHECK_RULES.iter().all(|r| !r.explanation.is_empty()));
}

#[test]
fn decision_table() {
    let base = DecisionFacts {
        sale: facts(100_000),
        agreement: Some(agreement()),
        amount_ore: Ore::new(100_000),
        spot_check: None,
        recipient_has_overdue_sold: false,
    };
    let code = |f: &DecisionFacts| match decide(f) {
        Decision::Approve => "APPROVE",
        Decision::Deny(r) => r.code,
    };
    assert_eq!(code(&base), "APPROVE");
    let with = |change: &dyn Fn(&mut DecisionFacts)| {
        let mut f = base.clone();
        change(&mut f);
        code(&f)
    };
    assert_eq!(
        with(&|f| f.spot_check = Some(("FIRST_SALES", SpotCheckOutcome::Confirmed))),
        "APPROVE"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some(("ROUTINE_SAMPLE", SpotCheckOutcome::Disputed))),
        "SPOT_CHECK_DISPUTED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some(("FIRST_SALES", SpotCheckOutcome::NoAnswer))),
        "SPOT_CHECK_UNANSWERED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some(("NEW_RECIPIENT", SpotCheckOutcome::NoAnswer))),
        "SPOT_CHECK_UNANSWERED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some(("ROUTINE_SAMPLE", SpotCheckOutcome::NoAnswer))),
        "APPROVE"
    );
    assert_eq!(with(&|f| f.agreement = None), "INVOICE_SALE_NOT_ACTIVE");
    assert_eq!(with(&|f| f.sale.cancelled = true), "INVOICE_CHANGED");
    assert_eq!(
        with(&|f| f.sale.balance_ore = Ore::new(50_000)),
        "INVOICE_CHANGED"
    );
    assert_eq!(
        with(&|f| f.sale.customer_outstanding_ore = Ore::new(9_950_000)),
        "CUSTOMER_LIMIT_EXCEEDED"
    );
    assert_eq!(
        with(&|f| f.sale.total_outstanding_ore = Ore::new(49_950_000)),
        "TOTAL_LIMIT_EXCEEDED"
    );
    assert_eq!(
        with(&|f| f.recipient_has_overdue_sold = true),
        "RECIPIENT_OVERDUE"
    );
    assert_eq!(
        with(&|f| f.sale.handed_to_nox = true),
        "HANDED_TO_NOX_FINANS"
    );
    // A dispute outranks everything else.
    assert_eq!(
        with(&|f| {
            f.spot_check = Some(("ROUTINE_SAMPLE", SpotCheckOutcome::Disputed));
            f.recipient_has_overdue_sold = true;
        }),
        "SPOT_CHECK_DISPUTED"
    );
}

#[test]
fn only_undecided_sales_await_a_decision() {
    use SaleStatus::*;
    for s in SaleStatus::ALL {
        assert_eq!(SaleStatus::parse(s.as_str()), Some(s));
        assert_eq!(s.awaits_decision(), matches!(s, Processing | SpotCheck));
    }
}

fn step() -> impl Strategy<Value = SaleStep> {
    prop_oneof![
        Just(SaleStep::StartSpotCheck),
        Just(SaleStep::Approve),
        Just(SaleStep::Deny),
        Just(SaleStep::PayOut),
        Just(SaleStep::Withdraw),
    ]
}

proptest! {
    #[test]
    fn no_sale_is_ever_decided_twice(steps in proptest::collection::vec(step(), 0..40)) {
        // Apply steps as the store does: only from an allowed status.
        let mut status = SaleStatus::Processing;
        let (mut decisions, mut payouts) = (0, 0);
        for s in steps {
            if allowed_from(s).contains(&status) {
                let next = next_status(status, s);
                prop_assert!(next.is_some());
                if matches!(s, SaleStep::Approve | SaleStep::Deny) {
                    decisions += 1;
                }
                if s == SaleStep::PayOut {
                    payouts += 1;
                    prop_assert_eq!(status, SaleStatus::Approved);
                }
                status = next.unwrap_or(status);
            }
        }
        prop_assert!(decisions <= 1);
        if status == SaleStatus::Withdrawn {
            prop_assert_eq!(payouts, 0);
        }
        prop_assert!(payouts <= decisions);
    }

    #[test]
    fn payout_plus_fees_is_the_amount(
        balance in 1i64..1_000_000_000,
        deductible in proptest::option::of(0i64..1_000_000),
        pct in 0i64..1000,
        fixed in 0i64..10_000,
        minimum in 0i64..10_000,
    ) {
        let mut f = facts(balance);
        let balance = Ore::new(balance);
        f.house_work_deductible_ore = deductible.map(Ore::new).filter(|d| *d < balance);
        let a = Agreement { percentage_bp: pct, fixed_fee_ore: Ore::new(fixed), minimum_fee_ore: Ore::new(minimum), customer_limit_ore: Ore::new(i64::MAX / 4), total_limit_ore: Ore::new(i64::MAX / 4), ..agreement() };
        let q = quote(&f, Some(&a), today());
        prop_assert_eq!(q.payout_ore + q.total_fees_ore, q.amount_ore);
        prop_assert_eq!(q.total_fees_ore, q.fees.iter().map(|l| l.amount_ore).sum::<Ore>());
        prop_assert_eq!(q.amount_ore, balance - f.house_work_deductible_ore.unwrap_or(Ore::ZERO));
    }
}
