//! The working-day calendar: weekends are rest days, official public holidays are rest days,
//! and make-up working days (调休) are working days even on weekends. The built-in table holds
//! the State Council's published schedules; operators extend it through the store.

use std::collections::BTreeMap;
use time::{Date, Month, Weekday};

/// What a listed day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// 法定节假日 (a rest day).
    Holiday,
    /// 调休上班 (a working day, usually a weekend).
    Workday,
}

impl DayKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// (year, month, day).
type Ymd = (i32, u8, u8);

/// Built-in schedule: (first day, last day, kind, name). Dates are inclusive.
const BUILT_IN: &[(Ymd, Ymd, DayKind, &str)] = &[
    // 2025, as published by the General Office of the State Council.
    ((2025, 1, 1), (2025, 1, 1), DayKind::Holiday, "元旦"),
    ((2025, 1, 26), (2025, 1, 26), DayKind::Workday, "春节调休"),
    ((2025, 1, 28), (2025, 2, 4), DayKind::Holiday, "春节"),
    ((2025, 2, 8), (2025, 2, 8), DayKind::Workday, "春节调休"),
    ((2025, 4, 4), (2025, 4, 6), DayKind::Holiday, "清明节"),
    ((2025, 4, 27), (2025, 4, 27), DayKind::Workday, "劳动节调休"),
    ((2025, 5, 1), (2025, 5, 5), DayKind::Holiday, "劳动节"),
    ((2025, 5, 31), (2025, 6, 2), DayKind::Holiday, "端午节"),
    ((2025, 9, 28), (2025, 9, 28), DayKind::Workday, "国庆节调休"),
    ((2025, 10, 1), (2025, 10, 8), DayKind::Holiday, "国庆节、中秋节"),
    ((2025, 10, 11), (2025, 10, 11), DayKind::Workday, "国庆节调休"),
    // 2026.
    ((2026, 1, 1), (2026, 1, 3), DayKind::Holiday, "元旦"),
    ((2026, 1, 4), (2026, 1, 4), DayKind::Workday, "元旦调休"),
    ((2026, 2, 14), (2026, 2, 14), DayKind::Workday, "春节调休"),
    ((2026, 2, 15), (2026, 2, 23), DayKind::Holiday, "春节"),
    ((2026, 2, 28), (2026, 2, 28), DayKind::Workday, "春节调休"),
    ((2026, 4, 4), (2026, 4, 6), DayKind::Holiday, "清明节"),
    ((2026, 5, 1), (2026, 5, 5), DayKind::Holiday, "劳动节"),
    ((2026, 5, 9), (2026, 5, 9), DayKind::Workday, "劳动节调休"),
    ((2026, 6, 19), (2026, 6, 21), DayKind::Holiday, "端午节"),
    ((2026, 9, 20), (2026, 9, 20), DayKind::Workday, "国庆节调休"),
    ((2026, 9, 25), (2026, 9, 27), DayKind::Holiday, "中秋节"),
    ((2026, 10, 1), (2026, 10, 7), DayKind::Holiday, "国庆节"),
    ((2026, 10, 10), (2026, 10, 10), DayKind::Workday, "国庆节调休"),
];

/// A working-day calendar.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<Date, (DayKind, String)>,
}

fn date(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

impl Calendar {
    /// The built-in schedule.
    pub fn built_in() -> Self {
        let mut c = Calendar::default();
        for &((y1, m1, d1), (y2, m2, d2), kind, name) in BUILT_IN {
            let (Some(mut d), Some(end)) = (date(y1, m1, d1), date(y2, m2, d2)) else { continue };
            while d <= end {
                c.days.insert(d, (kind, name.to_owned()));
                let Some(next) = d.next_day() else { break };
                d = next;
            }
        }
        c
    }

    /// Add or replace one day (operator data wins over the built-in table).
    pub fn set(&mut self, day: Date, kind: DayKind, name: &str) {
        self.days.insert(day, (kind, name.to_owned()));
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: Date) -> bool {
        match self.days.get(&day) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The date `n` working days after `start` (the start day itself does not count).
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days from `from` (exclusive) to `to` (inclusive); negative when `to` is earlier.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (a, b, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
        let mut n = 0;
        let mut d = a;
        while d < b {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }

    /// Listed days in a year, for the operator's page: (date, kind, name).
    pub fn listed(&self, year: i32) -> Vec<(Date, DayKind, String)> {
        self.days.iter().filter(|(d, _)| d.year() == year).map(|(d, (k, n))| (*d, *k, n.clone())).collect()
    }
}

/// The calendar date in Beijing time (UTC+8) of an instant.
pub fn beijing_date(t: time::OffsetDateTime) -> Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    t.to_offset(offset).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        date(y, m, day).unwrap_or(Date::MIN)
    }

    #[test]
    fn weekends_holidays_and_makeup_days() {
        let c = Calendar::built_in();
        assert!(c.is_working_day(d(2026, 11, 27)), "an ordinary Friday");
        assert!(!c.is_working_day(d(2026, 11, 28)), "an ordinary Saturday");
        assert!(!c.is_working_day(d(2026, 10, 5)), "National Day holiday on a Monday");
        assert!(c.is_working_day(d(2026, 10, 10)), "调休 Saturday is a working day");
        assert!(c.is_working_day(d(2026, 2, 14)), "Spring Festival 调休 Saturday");
        assert!(!c.is_working_day(d(2026, 2, 18)), "Spring Festival Wednesday");
    }

    #[test]
    fn twenty_working_days_across_national_day() {
        let c = Calendar::built_in();
        // Raised Friday 2026-09-18. Working days after it: 9/20 (Sun, 调休), 9/21-24 (4),
        // 9/28-30 (3) = 8; 10/1-7 holiday; 10/8, 10/9 (2) = 10, 10/10 (Sat, 调休) = 11;
        // 10/12-16 (5) = 16; 10/19-22 (4) = 20 → Thursday 2026-10-22.
        assert_eq!(c.add_working_days(d(2026, 9, 18), 20), d(2026, 10, 22));
        assert_eq!(c.working_days_between(d(2026, 9, 18), d(2026, 10, 22)), 20);
        assert_eq!(c.working_days_between(d(2026, 10, 22), d(2026, 9, 18)), -20);
        // Plain weeks: 20 working days = 4 weeks.
        assert_eq!(c.add_working_days(d(2026, 11, 2), 20), d(2026, 11, 30));
    }

    #[test]
    fn spring_festival_2026() {
        let c = Calendar::built_in();
        // From Friday 2026-02-13: 2/14 (Sat 调休)=1, 2/15-23 holiday, 2/24-27 = 5,
        // 2/28 (Sat 调休) = 6, 3/2-6 = 11, 3/9-13 = 16, 3/16-19 = 20.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 20), d(2026, 3, 19));
    }

    #[test]
    fn operator_days_override() {
        let mut c = Calendar::built_in();
        c.set(d(2026, 12, 1), DayKind::Holiday, "local holiday");
        assert!(!c.is_working_day(d(2026, 12, 1)));
        assert_eq!(c.add_working_days(d(2026, 11, 30), 1), d(2026, 12, 2));
    }
}
