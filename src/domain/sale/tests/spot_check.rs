//! The spot checks: the sampling draw, its density, and the risk rules.

use super::*;

fn test_key() -> SamplingKey {
    SamplingKey::new(*b"a test key of thirty-two bytes!!").unwrap()
}

fn history(n: u32, key: i64) -> SpotCheckFacts {
    SpotCheckFacts {
        approved_sales: n,
        recipient_known: n > 0,
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
    f.recipient_known = false;
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
