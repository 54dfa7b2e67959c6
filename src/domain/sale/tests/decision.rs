//! Decisions: the table of who may decide what, and the sale's life as a
//! property over random steps.

use super::*;

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
        with(
            &|f| f.spot_check = Some((spot_check_rule("FIRST_SALES"), SpotCheckOutcome::Confirmed))
        ),
        "APPROVE"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some((
            spot_check_rule("ROUTINE_SAMPLE"),
            SpotCheckOutcome::Disputed
        ))),
        "SPOT_CHECK_DISPUTED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some((spot_check_rule("FIRST_SALES"), SpotCheckOutcome::NoAnswer))),
        "SPOT_CHECK_UNANSWERED"
    );
    assert_eq!(
        with(&|f| f.spot_check =
            Some((spot_check_rule("NEW_RECIPIENT"), SpotCheckOutcome::NoAnswer))),
        "SPOT_CHECK_UNANSWERED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some((
            spot_check_rule("ROUTINE_SAMPLE"),
            SpotCheckOutcome::NoAnswer
        ))),
        "APPROVE"
    );
    // A rule this version does not know is not taken to be routine.
    assert_eq!(
        with(&|f| f.spot_check = Some((None, SpotCheckOutcome::NoAnswer))),
        "SPOT_CHECK_UNANSWERED"
    );
    assert_eq!(
        with(&|f| f.spot_check = Some((None, SpotCheckOutcome::Confirmed))),
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
            f.spot_check = Some((
                spot_check_rule("ROUTINE_SAMPLE"),
                SpotCheckOutcome::Disputed,
            ));
            f.recipient_has_overdue_sold = true;
        }),
        "SPOT_CHECK_DISPUTED"
    );
}

proptest! {
    /// The quote and the decision read the agreement's limits alike: the
    /// decision denies with the quote's first limit reason, word for word,
    /// and approves when the quote names none.
    #[test]
    fn the_quote_and_the_decision_agree_on_the_limits(
        amount in 1i64..20_000_000,
        customer in 0i64..20_000_000,
        total in 0i64..60_000_000,
    ) {
        let mut sale = facts(amount);
        sale.customer_outstanding_ore = Ore::new(customer);
        sale.total_outstanding_ore = Ore::new(total);
        let quoted: Vec<Reason> = quote(&sale, Some(&agreement()), today())
            .reasons
            .into_iter()
            .filter(|r| r.code.ends_with("_LIMIT_EXCEEDED"))
            .collect();
        prop_assert_eq!(
            quoted.len(),
            usize::from(customer + amount > 10_000_000) + usize::from(total + amount > 50_000_000)
        );
        for r in &quoted {
            prop_assert!(r.message.contains(" SEK"), "{}", r.message);
        }
        let decided = decide(&DecisionFacts {
            sale,
            agreement: Some(agreement()),
            amount_ore: Ore::new(amount),
            spot_check: None,
            recipient_has_overdue_sold: false,
        });
        match quoted.first() {
            Some(first) => prop_assert_eq!(decided, Decision::Deny(first.clone())),
            None => prop_assert_eq!(decided, Decision::Approve),
        }
    }
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
