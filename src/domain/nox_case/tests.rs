//! Tests of the case state machine and the money of a case.

use super::*;
use crate::domain::money::Ore;
use crate::domain::nox::ReferenceRates;
use proptest::prelude::*;

/// [`accrued_interest_ore`] at the built-in reference rates.
fn interest(claim: Ore, reductions: &[Reduction], due: NaiveDate, until: NaiveDate) -> Ore {
    accrued_interest_ore(&ReferenceRates::built_in(), claim, reductions, due, until)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn facts(status: NoxStatus, has_email: bool, has_identity: bool) -> CaseFacts {
    CaseFacts {
        status,
        due: d(2026, 11, 30),
        has_email,
        has_identity,
        since: d(2026, 11, 30),
        recall_instead_of_monitoring: false,
    }
}

#[test]
fn stored_statuses_round_trip_and_unknown_ones_are_refused() {
    for s in NoxStatus::ALL {
        assert_eq!(NoxStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(NoxStatus::parse("PAID_OUT"), None);
    assert_eq!(NoxStatus::parse(""), None);
}

#[test]
fn the_timeline_in_order() {
    use NoxStatus::*;
    let d12 = |n: u32| d(2026, 12, n);
    assert_eq!(
        next_step(facts(Delivered, true, true)),
        Some((Step::OverdueNotice, d12(2)))
    );
    assert_eq!(
        next_step(facts(Delivered, false, true)),
        Some((Step::Reminder, d12(7)))
    );
    assert_eq!(
        next_step(facts(OverdueNoticeSent, true, true)),
        Some((Step::Reminder, d12(7)))
    );
    assert_eq!(
        next_step(facts(ReminderSent, true, true)),
        Some((Step::DebtCollection, d12(14)))
    );
    assert_eq!(
        next_step(facts(ReminderSent, true, false)),
        Some((Step::LongTermMonitoring, d(2027, 1, 1)))
    );
    assert_eq!(
        next_step(facts(DebtCollection, true, true)).map(|s| s.0),
        Some(Step::LongTermMonitoring)
    );
    for end in [
        LongTermMonitoring,
        Paid,
        Recalled,
        Submitted,
        Rejected,
        Credited,
    ] {
        assert_eq!(next_step(facts(end, true, true)), None, "{end:?}");
    }
    // The company chose recall instead of long-term monitoring.
    let recall = CaseFacts {
        recall_instead_of_monitoring: true,
        ..facts(DebtCollection, true, true)
    };
    assert_eq!(
        next_step(recall),
        Some((Step::ReturnToCompany, d(2027, 1, 1)))
    );
    // Handed over late: the debt collection notice still comes a week after
    // the reminder.
    let late = CaseFacts {
        since: d12(20),
        ..facts(ReminderSent, true, true)
    };
    assert_eq!(next_step(late), Some((Step::DebtCollection, d12(27))));
    // A business pays one 450 SEK compensation instead of both fees.
    assert_eq!(
        Step::Reminder.customer_fee(false) + Step::DebtCollection.customer_fee(false),
        Ore::new(24_000)
    );
    assert_eq!(
        Step::Reminder.customer_fee(true) + Step::DebtCollection.customer_fee(true),
        Ore::new(45_000)
    );
    assert_eq!(Step::OverdueNotice.customer_fee(false), Ore::ZERO);
}

#[test]
fn the_transition_table() {
    use NoxStatus::*;
    assert_eq!(next_status(Submitted, CaseEvent::Accept), Some(Accepted));
    assert_eq!(next_status(Submitted, CaseEvent::Reject), Some(Rejected));
    assert_eq!(next_status(Accepted, CaseEvent::Reject), None);
    assert_eq!(
        next_status(Accepted, CaseEvent::Step(Step::Reminder)),
        Some(ReminderSent)
    );
    assert_eq!(
        next_status(Delivered, CaseEvent::Step(Step::DebtCollection)),
        None
    );
    assert_eq!(next_status(Submitted, CaseEvent::Touch), None);
    assert_eq!(
        next_status(ReminderSent, CaseEvent::Touch),
        Some(ReminderSent)
    );
    for closed in [Paid, Recalled, Rejected, Credited] {
        for e in [
            CaseEvent::Pay,
            CaseEvent::Recall,
            CaseEvent::Touch,
            CaseEvent::Credit,
        ] {
            assert_eq!(next_status(closed, e), None, "{closed:?} {e:?}");
        }
    }
}

#[test]
fn interest_follows_what_was_outstanding_each_day() {
    let due = d(2026, 11, 30);
    // 10 000 due; 9 000 paid on day 31; 30 more days on the remaining 1 000:
    // 10 000 × 9.75 % × 31 / 365 + 1 000 × 9.75 % × 30 / 365 = 82.81 + 8.01 = 90.82.
    let paid_on = due.checked_add_days(chrono::Days::new(31)).unwrap();
    let until = due.checked_add_days(chrono::Days::new(61)).unwrap();
    let r = [Reduction {
        on: paid_on,
        ore: Ore::new(900_000),
    }];
    assert_eq!(
        interest(Ore::new(1_000_000), &r, due, until),
        Ore::new(9082)
    );
    // Without the payment: the whole 10 000 for 61 days.
    assert_eq!(
        interest(Ore::new(1_000_000), &[], due, until),
        Ore::new(16_295)
    );
    // Nothing accrues before the due date or once paid in full.
    assert_eq!(interest(Ore::new(1_000_000), &[], due, due), Ore::ZERO);
    let full = [Reduction {
        on: due,
        ore: Ore::new(1_000_000),
    }];
    assert_eq!(interest(Ore::new(1_000_000), &full, due, until), Ore::ZERO);
}

#[test]
fn payments_go_to_the_invoice_first() {
    assert_eq!(
        allocate(
            Ore::new(10_000),
            Ore::new(8_000),
            Ore::new(6_000),
            Ore::new(500)
        ),
        Some(Allocation {
            capital_ore: Ore::new(8_000),
            fees_ore: Ore::new(2_000),
            interest_ore: Ore::ZERO
        })
    );
    assert_eq!(
        allocate(
            Ore::new(14_501),
            Ore::new(8_000),
            Ore::new(6_000),
            Ore::new(500)
        ),
        None
    );
    assert_eq!(
        allocate(Ore::ZERO, Ore::new(8_000), Ore::ZERO, Ore::ZERO),
        None
    );
    assert_eq!(
        payout_split(Ore::new(100_000), Ore::new(1_200)),
        (Ore::new(1_200), Ore::new(98_800))
    );
    assert_eq!(
        payout_split(Ore::new(1_000), Ore::new(1_200)),
        (Ore::new(1_000), Ore::ZERO)
    );
    assert_eq!(
        payout_split(Ore::new(1_000), Ore::ZERO),
        (Ore::ZERO, Ore::new(1_000))
    );
}

fn event() -> impl Strategy<Value = CaseEvent> {
    prop_oneof![
        Just(CaseEvent::Accept),
        Just(CaseEvent::Reject),
        Just(CaseEvent::Deliver),
        Just(CaseEvent::Step(Step::OverdueNotice)),
        Just(CaseEvent::Step(Step::Reminder)),
        Just(CaseEvent::Step(Step::DebtCollection)),
        Just(CaseEvent::Step(Step::LongTermMonitoring)),
        Just(CaseEvent::Step(Step::ReturnToCompany)),
        Just(CaseEvent::Pay),
        Just(CaseEvent::Credit),
        Just(CaseEvent::Recall),
        Just(CaseEvent::Touch),
    ]
}

proptest! {
    #[test]
    fn a_case_closes_once_and_never_reopens(events in proptest::collection::vec(event(), 0..40)) {
        let mut status = NoxStatus::Submitted;
        let mut closings = 0;
        let mut reminders = 0;
        for e in events {
            if allowed_from(e).contains(&status) {
                let next = next_status(status, e);
                prop_assert!(next.is_some());
                let next = next.unwrap_or(status);
                if status.is_open() && !next.is_open() {
                    closings += 1;
                }
                if e == CaseEvent::Step(Step::Reminder) {
                    reminders += 1;
                }
                prop_assert!(status.is_open() || next == status);
                status = next;
            }
        }
        prop_assert!(closings <= 1);
        // A reminder fee is charged at most once per case.
        prop_assert!(reminders <= 1);
    }

    #[test]
    fn collected_equals_paid_out_plus_kept(
        claim in 1i64..10_000_000,
        fees in 0i64..50_000,
        payments in proptest::collection::vec((1i64..5_000_000, any::<bool>()), 0..8),
        company_fees in proptest::collection::vec(0i64..10_000, 0..8),
    ) {
        // A case collects payments (in or out of long-term monitoring), and each
        // payout sets off the company's unsettled fees first.
        let (mut capital, mut fees_owed) = (Ore::new(claim), Ore::new(fees));
        let (mut collected, mut kept, mut paid_out, mut pending) = (Ore::ZERO, Ore::ZERO, Ore::ZERO, Ore::ZERO);
        let mut fees_due = Ore::ZERO;
        for (i, (amount, ltm)) in payments.into_iter().enumerate() {
            fees_due += Ore::new(company_fees.get(i).copied().unwrap_or(0));
            let Some(a) = allocate(Ore::new(amount), capital, fees_owed, Ore::ZERO) else { continue };
            capital -= a.capital_ore;
            fees_owed -= a.fees_ore;
            collected += a.total();
            let status = if ltm { NoxStatus::LongTermMonitoring } else { NoxStatus::ReminderSent };
            let k = kept_of_collection(status, a.total());
            prop_assert!((Ore::ZERO..=a.total()).contains(&k));
            kept += k;
            pending += a.total() - k;
            let (set_off, out) = payout_split(pending, fees_due);
            prop_assert_eq!(set_off + out, pending);
            fees_due -= set_off;
            kept += set_off;
            paid_out += out;
            pending = Ore::ZERO;
            prop_assert!(!fees_due.is_negative() && !capital.is_negative() && !fees_owed.is_negative());
        }
        prop_assert_eq!(collected, paid_out + kept + pending);
    }

    #[test]
    fn interest_never_grows_with_earlier_payments(
        claim in 1i64..100_000_000,
        part in 0i64..100_000_000,
        day in 1u64..200,
        later in 0u64..200,
    ) {
        let due = d(2026, 1, 1);
        let part = part.min(claim);
        let until = due.checked_add_days(chrono::Days::new(day + later)).unwrap();
        let on = due.checked_add_days(chrono::Days::new(day)).unwrap();
        let with = interest(Ore::new(claim), &[Reduction { on, ore: Ore::new(part) }], due, until);
        let without = interest(Ore::new(claim), &[], due, until);
        prop_assert!(with <= without);
        prop_assert!(with >= interest(Ore::new(claim - part), &[], due, until));
    }
}

#[test]
fn interest_is_reference_rate_plus_eight() {
    let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    // 10 000 SEK for 365 days at 1.75 % + 8 % = 975.00 SEK.
    let a_year = NaiveDate::from_ymd_opt(2027, 11, 30).unwrap();
    assert_eq!(
        interest(Ore::new(1_000_000), &[], due, a_year),
        Ore::new(97_500)
    );
    // 10 days: 10 000 × 9.75 % × 10 / 365 = 26.71.
    assert_eq!(
        interest(
            Ore::new(1_000_000),
            &[],
            due,
            crate::domain::nox::step_date(due, 10)
        ),
        Ore::new(2671)
    );
    assert_eq!(interest(Ore::new(1_000_000), &[], due, due), Ore::ZERO);
    assert_eq!(
        ReferenceRates::built_in().bp_on(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap()),
        200
    );
}
