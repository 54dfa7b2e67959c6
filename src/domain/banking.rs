//! Swedish banking days: weekdays that are not public holidays or the eves the
//! banks keep closed (Midsummer Eve, Christmas Eve, New Year's Eve).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` (anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn shift(d: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        d.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}

/// The first `weekday` on or after `from`.
fn first_weekday_from(from: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let offset = (7 + weekday.num_days_from_monday() as i64
        - from.weekday().num_days_from_monday() as i64)
        % 7;
    shift(from, offset)
}

/// Whether `d` is a Swedish public holiday or a bank-closed eve.
pub fn is_holiday(d: NaiveDate) -> bool {
    let (y, m, day) = (d.year(), d.month(), d.day());
    let fixed = matches!(
        (m, day),
        (1, 1) | (1, 6) | (5, 1) | (6, 6) | (12, 24) | (12, 25) | (12, 26) | (12, 31)
    );
    if fixed {
        return true;
    }
    let movable = easter_sunday(y)
        .into_iter()
        .flat_map(|e| [shift(e, -2), shift(e, 1), shift(e, 39)])
        .flatten()
        .chain(
            // Midsummer Eve: the Friday between 19 and 25 June; All Saints' Day:
            // the Saturday between 31 October and 6 November.
            [
                NaiveDate::from_ymd_opt(y, 6, 19).and_then(|s| first_weekday_from(s, Weekday::Fri)),
                NaiveDate::from_ymd_opt(y, 10, 31)
                    .and_then(|s| first_weekday_from(s, Weekday::Sat)),
            ]
            .into_iter()
            .flatten(),
        );
    movable.into_iter().any(|h| h == d)
}

/// Whether banks are open on `d`.
pub fn is_banking_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(d)
}

/// The first banking day strictly after `d`.
pub fn next_banking_day(d: NaiveDate) -> NaiveDate {
    let mut next = d;
    // At most a few days away; the bound only guards against a calendar bug.
    for _ in 0..14 {
        match next.succ_opt() {
            Some(n) => next = n,
            None => return d,
        }
        if is_banking_day(next) {
            return next;
        }
    }
    next
}

/// The `n`th banking day after `d` (`n = 0`: `d` itself).
pub fn add_banking_days(d: NaiveDate, n: u32) -> NaiveDate {
    (0..n).fold(d, |day, _| next_banking_day(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates_match_the_calendar() {
        for (y, m, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2030, 4, 21),
        ] {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "{y}");
        }
    }

    #[test]
    fn known_bank_holidays() {
        // 2026: Good Friday 3 Apr, Easter Monday 6 Apr, Ascension 14 May,
        // Midsummer Eve 19 Jun, National Day 6 Jun (Sat), Christmas/New Year's Eve.
        for h in [
            d(2026, 1, 1),
            d(2026, 1, 6),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 1),
            d(2026, 5, 14),
            d(2026, 6, 19),
            d(2026, 12, 24),
            d(2026, 12, 25),
            d(2026, 12, 31),
        ] {
            assert!(!is_banking_day(h), "{h}");
        }
        // 2025: Midsummer Eve 20 Jun, Ascension 29 May; 2027: Midsummer Eve 25 Jun.
        assert!(is_holiday(d(2025, 6, 20)));
        assert!(is_holiday(d(2025, 5, 29)));
        assert!(is_holiday(d(2027, 6, 25)));
        assert!(is_holiday(d(2026, 10, 31))); // All Saints' Day (a Saturday anyway)
        assert!(is_banking_day(d(2026, 11, 23)));
        assert!(is_banking_day(d(2026, 6, 18)));
        assert!(is_banking_day(d(2026, 4, 2)));
    }

    #[test]
    fn next_banking_day_skips_weekends_and_holidays() {
        let cases = [
            // Easter 2026: Thu 2 Apr → Tue 7 Apr.
            (d(2026, 4, 2), d(2026, 4, 7)),
            // Midsummer 2026: Thu 18 Jun → Mon 22 Jun.
            (d(2026, 6, 18), d(2026, 6, 22)),
            // Christmas 2026: Wed 23 Dec → Mon 28 Dec.
            (d(2026, 12, 23), d(2026, 12, 28)),
            // New Year 2026/27: Wed 30 Dec → Mon 4 Jan (31 Dec and 1 Jan closed).
            (d(2026, 12, 30), d(2027, 1, 4)),
            // Epiphany 2027 is a Wednesday: Tue 5 Jan → Thu 7 Jan.
            (d(2027, 1, 5), d(2027, 1, 7)),
            // Easter 2025: Thu 17 Apr → Tue 22 Apr.
            (d(2025, 4, 17), d(2025, 4, 22)),
            // New Year 2025/26: Tue 30 Dec → Fri 2 Jan.
            (d(2025, 12, 30), d(2026, 1, 2)),
            // Easter 2027: Thu 25 Mar → Tue 30 Mar.
            (d(2027, 3, 25), d(2027, 3, 30)),
            // An ordinary Friday → Monday; Sunday → Monday.
            (d(2026, 11, 20), d(2026, 11, 23)),
            (d(2026, 11, 22), d(2026, 11, 23)),
        ];
        for (from, expected) in cases {
            assert_eq!(next_banking_day(from), expected, "after {from}");
        }
    }

    #[test]
    fn a_year_has_about_250_banking_days() {
        for y in 2024..=2030 {
            let n = (1..=366)
                .filter_map(|o| NaiveDate::from_yo_opt(y, o))
                .filter(|d| is_banking_day(*d))
                .count();
            assert!((245..=253).contains(&n), "{y}: {n}");
        }
    }
}
