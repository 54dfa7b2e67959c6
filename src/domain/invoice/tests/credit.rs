//! What credit notes may credit, and the VAT they take off.

use super::*;

fn net_row(rate_bp: i64, ore: i64) -> Row {
    Row {
        description: "Kreditering".into(),
        quantity_milli: 1000,
        unit_price_ore: Ore::new(ore),
        vat_rate_bp: rate_bp,
        amount_ore: Ore::new(ore),
    }
}

#[test]
fn a_credit_stays_within_the_net_the_invoice_charged_at_each_rate() {
    // The invoice: 1 000.00 at 25 % in two rows, 500.00 at 6 %.
    let invoiced = [
        (2500, Ore::new(60_000)),
        (2500, Ore::new(40_000)),
        (600, Ore::new(50_000)),
    ];
    let before = [(2500, Ore::new(-60_000))];
    for (credited, credit, field) in [
        (&[][..], vec![net_row(2500, 100_000)], None),
        (&[][..], vec![net_row(2500, 100_001)], Some("rows")),
        (
            &[][..],
            vec![net_row(600, 1), net_row(1200, 1)],
            Some("rows[1].vatRate"),
        ),
        (&[][..], vec![net_row(0, 1)], Some("rows[0].vatRate")),
        // Two rows at one rate count together.
        (
            &[][..],
            vec![net_row(2500, 60_000), net_row(2500, 40_001)],
            Some("rows"),
        ),
        (
            &before[..],
            vec![net_row(2500, 40_000), net_row(600, 50_000)],
            None,
        ),
        (&before[..], vec![net_row(2500, 40_001)], Some("rows")),
    ] {
        let r = credit_fits(invoiced, credited.iter().copied(), &credit);
        assert_eq!(
            r.err().map(|e| e.field),
            field.map(String::from),
            "{credit:?} after {credited:?}"
        );
    }
}

proptest! {
    /// However a company splits its credits, the credit notes it is allowed
    /// never take more off a rate than the invoice charged at it, each takes
    /// within an öre of the VAT on its own net, and what is left at each rate
    /// can always be credited, to the last öre of the invoice's total.
    #[test]
    fn credits_never_exceed_a_rate_and_can_close_every_rate(
        invoiced in proptest::collection::vec((0usize..4, 1i64..100_000), 1..5),
        attempts in proptest::collection::vec((0usize..4, 1i64..100_000), 0..12),
    ) {
        let rates = VAT_RATES_BP;
        let invoiced: Vec<(i64, Ore)> =
            invoiced.iter().map(|(r, n)| (rates[*r], Ore::new(*n))).collect();
        let net_at = |rows: &[(i64, Ore)], rate: i64| -> Ore {
            rows.iter().filter(|(r, _)| *r == rate).map(|(_, n)| *n).sum()
        };
        let mut credited: Vec<(i64, Ore)> = Vec::new();
        let mut credited_total = Ore::ZERO;
        for (r, n) in attempts {
            let asked = [net_row(rates[r], n)];
            let fits = credit_fits(invoiced.clone(), credited.clone(), &asked);
            let t = credit_totals(invoiced.clone(), credited.clone(), credited_total, &asked);
            prop_assert_eq!(fits.is_ok(), t.is_ok());
            if let Ok(t) = t {
                let own = totals(&asked).unwrap().vat_ore;
                prop_assert!((t.vat_ore - own).get().abs() <= 1, "{asked:?}: {t:?} against {own:?}");
                prop_assert_eq!(t.total_ore, t.net_ore + t.vat_ore);
                credited.push((asked[0].vat_rate_bp, -asked[0].amount_ore));
                credited_total += t.total_ore;
            }
        }
        // The invoice's own rows hold every credit it allowed.
        let rows: Vec<Row> = invoiced.iter().map(|(r, n)| net_row(*r, n.get())).collect();
        prop_assert!(keeps_credited(&rows, credited.clone()).is_ok());
        let mut rest = Vec::new();
        for &rate in rates {
            let left = net_at(&invoiced, rate) + net_at(&credited, rate);
            prop_assert!(!left.is_negative(), "{rate}: {left:?} left");
            if left.is_positive() {
                rest.push(net_row(rate, left.get()));
            }
        }
        prop_assert_eq!(
            rows_crediting(&left_to_credit(invoiced.clone(), credited.clone()), "Kreditering").len(),
            rest.len()
        );
        if !rest.is_empty() {
            let t = credit_totals(invoiced.clone(), credited.clone(), credited_total, &rest);
            prop_assert!(t.is_ok());
            credited_total += t.map(|t| t.total_ore).unwrap_or(Ore::ZERO);
            let one_more = net_row(rest[0].vat_rate_bp, 1);
            credited.extend(rest.iter().map(|r| (r.vat_rate_bp, -r.amount_ore)));
            prop_assert!(credit_fits(invoiced.clone(), credited.clone(), &[one_more]).is_err());
        }
        prop_assert_eq!(credited_total, totals(&rows).unwrap().total_ore);
    }
}

#[test]
fn a_credit_takes_off_the_fall_in_vat_on_what_is_left() {
    // 100.02 at 25 %: VAT 25.005, so 25.01. Each half's own VAT is 12.5025,
    // so 12.50; the first half takes 25.01 - 12.50 = 12.51.
    let invoiced = [(2500, Ore::new(10_002))];
    let half = [net_row(2500, 5_001)];
    let first = credit_totals(invoiced, [], Ore::ZERO, &half).unwrap();
    assert_eq!(
        (first.net_ore, first.vat_ore, first.total_ore),
        (Ore::new(5_001), Ore::new(1_251), Ore::new(6_252))
    );
    let before = [(2500, Ore::new(-5_001))];
    let second = credit_totals(invoiced, before, first.total_ore, &half).unwrap();
    assert_eq!(second.vat_ore, Ore::new(1_250));
    assert_eq!(
        first.vat_ore + second.vat_ore,
        totals(&[net_row(2500, 10_002)]).unwrap().vat_ore
    );
    // Beyond the rate's net it fails as credit_fits does.
    let err = credit_totals(invoiced, before, first.total_ore, &[net_row(2500, 5_002)]);
    assert_eq!(err.err().map(|e| e.field), Some("rows".to_string()));
    // The invoice edited to 100.03 after the first half: VAT 25.0075, so
    // still 25.01. The 50.02 left would have 12.505, so 12.51, of VAT of
    // its own, but only 12.50 of the invoice's VAT is left to credit.
    let edited = [(2500, Ore::new(10_003))];
    let rest = credit_totals(edited, before, first.total_ore, &[net_row(2500, 5_002)]).unwrap();
    assert_eq!(
        (rest.vat_ore, rest.total_ore),
        (Ore::new(1_250), Ore::new(6_252))
    );
    // What is left, by rate, and rows that credit it.
    let left = left_to_credit(
        [(2500, Ore::new(10_002)), (600, Ore::new(10_003))],
        [(2500, Ore::new(-10_002)), (600, Ore::new(-3))],
    );
    assert_eq!(left, vec![(600, Ore::new(10_000))]);
    // In the order the invoice first charges each rate, not by rate.
    let invoiced = [
        (600, Ore::new(100)),
        (2500, Ore::new(200)),
        (600, Ore::new(300)),
        (1200, Ore::new(400)),
    ];
    assert_eq!(
        left_to_credit(invoiced, [(600, Ore::new(-400))]),
        vec![(2500, Ore::new(200)), (1200, Ore::new(400))]
    );
    assert_eq!(
        left_to_credit(invoiced, [(2500, Ore::new(-1))]),
        vec![
            (600, Ore::new(400)),
            (2500, Ore::new(199)),
            (1200, Ore::new(400))
        ]
    );
    assert_eq!(
        rows_crediting(&left, "Kreditering"),
        vec![net_row(600, 10_000)]
    );
}

proptest! {
    /// Credits of many rates at once, with the invoice's rows growing between
    /// them: a credit that leaves nothing to credit takes off the last öre
    /// of the invoice's VAT.
    #[test]
    fn the_last_credit_takes_off_the_last_ore_whatever_came_between(
        invoiced in proptest::collection::vec((0usize..4, 1i64..100_000), 1..5),
        steps in proptest::collection::vec(
            (proptest::bool::weighted(0.3), proptest::collection::vec((0usize..4, 1i64..50_000), 1..3)),
            0..10,
        ),
    ) {
        let rates = VAT_RATES_BP;
        let mut invoiced: Vec<(i64, Ore)> =
            invoiced.iter().map(|(r, n)| (rates[*r], Ore::new(*n))).collect();
        let mut credited: Vec<(i64, Ore)> = Vec::new();
        let mut credited_total = Ore::ZERO;
        for (edit, rows) in steps {
            let rows: Vec<Row> = rows.iter().map(|(r, n)| net_row(rates[*r], *n)).collect();
            if edit {
                // An edit that adds rows keeps what the credit notes took off.
                invoiced.extend(rows.iter().map(Row::net_at_rate));
            } else if let Ok(t) = credit_totals(invoiced.clone(), credited.clone(), credited_total, &rows) {
                credited.extend(rows.iter().map(|r| (r.vat_rate_bp, -r.amount_ore)));
                credited_total += t.total_ore;
            }
        }
        let rest = rows_crediting(&left_to_credit(invoiced.clone(), credited.clone()), "Rest");
        let invoice = totals(&invoiced.iter().map(|(r, n)| net_row(*r, n.get())).collect::<Vec<_>>()).unwrap();
        if rest.is_empty() {
            prop_assert_eq!(credited_total, invoice.total_ore);
        } else {
            let t = credit_totals(invoiced.clone(), credited.clone(), credited_total, &rest).unwrap();
            prop_assert_eq!(credited_total + t.total_ore, invoice.total_ore);
        }
    }
}

#[test]
fn an_edit_keeps_at_each_rate_what_credit_notes_took_off() {
    // Credit notes took 400.00 off at 25 % (in two notes) and 100.00 at 6 %.
    let credited = [
        (2500, Ore::new(-30_000)),
        (2500, Ore::new(-10_000)),
        (600, Ore::new(-10_000)),
    ];
    for (rows, ok) in [
        (vec![net_row(2500, 40_000), net_row(600, 10_000)], true),
        (
            vec![
                net_row(2500, 20_000),
                net_row(2500, 20_000),
                net_row(600, 90_000),
            ],
            true,
        ),
        (vec![net_row(2500, 39_999), net_row(600, 10_000)], false),
        (vec![net_row(2500, 90_000)], false),
        (vec![net_row(2500, 40_000), net_row(1200, 10_000)], false),
    ] {
        let r = keeps_credited(&rows, credited);
        assert_eq!(r.is_ok(), ok, "{rows:?}");
        if let Err(e) = r {
            assert_eq!(e.field, "rows");
        }
    }
    assert!(keeps_credited(&[net_row(0, 1)], []).is_ok());
}

#[test]
fn a_retried_credit_asks_for_the_same_net_at_each_rate() {
    let note = [(2500, Ore::new(-10_000)), (600, Ore::new(-5_000))];
    let asked = [
        net_row(600, 5_000),
        net_row(2500, 4_000),
        net_row(2500, 6_000),
    ];
    assert!(same_credit(note, &asked));
    assert!(!same_credit(note, &asked[..2]));
    assert!(!same_credit(note, &[net_row(0, 15_000)]));
    assert!(!same_credit(
        note,
        &[net_row(2500, 10_000), net_row(1200, 5_000)]
    ));
}
