//! Working hours in Beijing time: Monday to Friday (and the catalogue calendar's 调休 working
//! days, not its holidays) between the configured start and end.

use time::{OffsetDateTime, UtcOffset};
use zs_catalog::calendar::Calendar;

/// Working hours on the working-day calendar.
#[derive(Debug, Clone)]
pub struct WorkingHours {
    /// `[start, end)` in minutes after midnight, Beijing time.
    pub minutes: (u32, u32),
    /// The working-day calendar (holidays and 调休).
    pub calendar: Calendar,
}

impl WorkingHours {
    /// Whether `at` falls within working hours.
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        let local = at.to_offset(UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC));
        let minute = u32::from(local.hour()) * 60 + u32::from(local.minute());
        self.calendar.is_working_day(local.date()) && minute >= self.minutes.0 && minute < self.minutes.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn beijing_working_hours() {
        let h = WorkingHours { minutes: (8 * 60, 20 * 60), calendar: Calendar::built_in() };
        // Wednesday 2026-11-25, 10:00 Beijing = 02:00 UTC.
        assert!(h.contains(datetime!(2026-11-25 02:00 UTC)));
        // 21:00 Beijing.
        assert!(!h.contains(datetime!(2026-11-25 13:00 UTC)));
        // 07:59 Beijing.
        assert!(!h.contains(datetime!(2026-11-24 23:59 UTC)));
        // Saturday 2026-11-28, 10:00 Beijing.
        assert!(!h.contains(datetime!(2026-11-28 02:00 UTC)));
    }
}
