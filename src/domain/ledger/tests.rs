//! The ledger's builders: balanced vouchers that settle, and running balances.

use super::*;
use crate::domain::sale::{Agreement, fees};
use proptest::prelude::*;

#[test]
fn approval_and_payout_return_the_account_to_zero() {
    let a = Agreement {
        active: true,
        fixed_fee_ore: Ore::new(1990),
        percentage_bp: 290,
        minimum_fee_ore: Ore::ZERO,
        customer_limit_ore: Ore::ZERO,
        total_limit_ore: Ore::ZERO,
    };
    let f = fees(Ore::new(1_000_000), &a);
    let (lines, v) = approval("1001", Ore::new(1_000_000), &f);
    assert!(v.balances());
    assert_eq!(
        v.rows(),
        vec![
            Posting::debit(2811, Ore::new(969_010)),
            Posting::debit(6064, Ore::new(30_990)),
            Posting::credit(1510, Ore::new(1_000_000))
        ]
    );
    let (out, pv) = payout("1001", Ore::new(969_010));
    assert!(pv.balances());
    let all: Vec<Ore> = lines
        .iter()
        .chain(out.iter())
        .map(|l| l.amount_ore)
        .collect();
    assert_eq!(running_balances(Ore::ZERO, &all).last(), Some(&Ore::ZERO));
}

#[test]
fn a_voucher_books_no_zero_rows() {
    // A waived fee and no VAT: only the rows that move money are kept, in order.
    let v = VoucherDraft::new(
        "fee".into(),
        [
            Posting::debit(6590, Ore::ZERO),
            Posting::debit(2641, Ore::new(500)),
            Posting::credit(SETTLEMENT_ACCOUNT, Ore::new(500)),
            Posting::credit(3590, Ore::ZERO),
        ],
    );
    assert_eq!(
        v.rows(),
        [
            Posting::debit(2641, Ore::new(500)),
            Posting::credit(SETTLEMENT_ACCOUNT, Ore::new(500))
        ]
    );
    assert_eq!(v.description(), "fee");
    let (line, fee) = nox_fee("recall".into(), Ore::new(5000), Ore::ZERO);
    assert_eq!(line.amount_ore, Ore::new(-5000));
    assert_eq!(
        fee.rows(),
        [
            Posting::debit(6590, Ore::new(5000)),
            Posting::credit(SETTLEMENT_ACCOUNT, Ore::new(5000))
        ]
    );
}

proptest! {
    #[test]
    fn every_sale_voucher_balances_and_settles(amount in 1i64..1_000_000_000_000, pct in 0i64..2000, fixed in 0i64..100_000, min in 0i64..100_000) {
        let amount = Ore::new(amount);
        let a = Agreement { active: true, fixed_fee_ore: Ore::new(fixed), percentage_bp: pct, minimum_fee_ore: Ore::new(min), customer_limit_ore: Ore::ZERO, total_limit_ore: Ore::ZERO };
        let f = fees(amount, &a);
        let (lines, v) = approval("1", amount, &f);
        prop_assert!(v.balances());
        prop_assert!(v.settles(&lines));
        let total_fees: Ore = f.iter().map(|l| l.amount_ore).sum();
        let (out, pv) = payout("1", amount - total_fees);
        prop_assert!(pv.balances());
        prop_assert!(pv.settles(&out));
        prop_assert_eq!(lines.iter().map(|l| l.amount_ore).sum::<Ore>(), amount - total_fees);
    }

    #[test]
    fn every_nox_voucher_balances_and_settles(
        capital in 0i64..1_000_000_000,
        fees in 0i64..100_000,
        interest in 0i64..100_000,
        share in 0i64..=1000,
        set_off in 0i64..100_000,
        fee in 0i64..100_000,
        vat in 0i64..25_000,
    ) {
        let (capital, fees, interest) = (Ore::new(capital), Ore::new(fees), Ore::new(interest));
        let (set_off, fee, vat) = (Ore::new(set_off), Ore::new(fee), Ore::new(vat));
        let collected = capital + fees + interest;
        let kept = collected.share(share, 1000);
        let (lines, v) = nox_collection("1", capital, fees, interest, kept);
        prop_assert!(v.balances());
        prop_assert!(v.settles(&lines));
        prop_assert_eq!(lines.iter().map(|l| l.amount_ore).sum::<Ore>(), collected - kept);
        let pending = collected - kept;
        let set_off = set_off.min(pending);
        let (out, pv) = nox_payout("1", pending, set_off);
        prop_assert!(pv.balances());
        prop_assert!(pv.settles(&out));
        prop_assert_eq!(out[0].amount_ore, -(pending - set_off));
        let (line, fv) = nox_fee("fee".into(), fee, vat);
        prop_assert!(fv.balances());
        prop_assert!(fv.settles(std::slice::from_ref(&line)));
        prop_assert_eq!(line.amount_ore, -(fee + vat));
        let (invoiced, iv) = nox_fee_invoice("2026-11", fee);
        prop_assert!(iv.balances());
        prop_assert!(iv.settles(&[invoiced]));
    }

    #[test]
    fn closing_is_opening_plus_entries(opening in -1_000_000i64..1_000_000, amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 0..100)) {
        let opening = Ore::new(opening);
        let amounts: Vec<Ore> = amounts.into_iter().map(Ore::new).collect();
        let balances = running_balances(opening, &amounts);
        let closing = balances.last().copied().unwrap_or(opening);
        prop_assert_eq!(closing, opening + amounts.iter().sum::<Ore>());
        for (i, b) in balances.iter().enumerate() {
            let before = if i == 0 { opening } else { balances[i - 1] };
            prop_assert_eq!(*b, before + amounts[i]);
        }
    }
}
