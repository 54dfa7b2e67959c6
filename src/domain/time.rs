//! Calendar rules: "today" is the date in Europe/Stockholm, instants are UTC.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;

/// The Swedish calendar date at instant `now`.
pub fn stockholm_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Stockholm).date_naive()
}

/// The UTC instant of `hour`:00 Stockholm time on `day` (the first one when
/// the clock is set back; the next valid hour when it jumps forward).
pub fn stockholm_instant(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    let local = day.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    match Stockholm.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stockholm_morning_in_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            stockholm_instant(d, 6),
            Utc.with_ymd_and_hms(2026, 11, 23, 5, 0, 0).unwrap()
        );
        let d = NaiveDate::from_ymd_opt(2026, 6, 22).unwrap();
        assert_eq!(
            stockholm_instant(d, 6),
            Utc.with_ymd_and_hms(2026, 6, 22, 4, 0, 0).unwrap()
        );
    }

    #[test]
    fn just_after_local_midnight_is_already_tomorrow() {
        // 23:30 UTC on 21 Nov is 00:30 on 22 Nov in Stockholm (CET, UTC+1).
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).single();
        assert_eq!(
            now.map(stockholm_date),
            NaiveDate::from_ymd_opt(2026, 11, 22)
        );
        // Summer time: 22:30 UTC on 30 Jun is 00:30 on 1 Jul (CEST, UTC+2).
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).single();
        assert_eq!(now.map(stockholm_date), NaiveDate::from_ymd_opt(2026, 7, 1));
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 21, 59, 0).single();
        assert_eq!(
            now.map(stockholm_date),
            NaiveDate::from_ymd_opt(2026, 6, 30)
        );
    }
}
