//! The detector's thresholds (from the `anomaly_*` settings of `zs-config`).

use std::time::Duration;

/// Thresholds and switches of anomaly detection.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalySettings {
    /// Evaluate at all.
    pub enabled: bool,
    /// Time between two reads of new records.
    pub interval: Duration,
    /// Volume rule: factor over the consumer's average active hour.
    pub volume_factor: f64,
    /// Volume rule: least rows in an hour to be considered.
    pub volume_min_rows: i64,
    /// Days the volume baseline is taken from.
    pub baseline_days: i64,
    /// Working hours (Beijing), minutes after midnight `[start, end)`, Monday to Friday and the
    /// calendar's 调休 working days.
    pub working_minutes: (u32, u32),
    /// Off-hours rule: rows within an hour outside working hours.
    pub off_hours_rows: i64,
    /// Enumeration rule: lookups (or unfiltered pages) within 10 minutes enough to judge.
    pub enumeration_calls: usize,
    /// Denial rule: refusals within 5 minutes.
    pub denial_burst: usize,
    /// Unusual-address rule: calls from known networks before a new one counts.
    pub address_min_calls: i64,
    /// Suspend automatically on critical alerts.
    pub auto_suspend: bool,
}

impl Default for AnomalySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval: Duration::from_secs(5),
            volume_factor: 10.0,
            volume_min_rows: 5000,
            baseline_days: 7,
            working_minutes: (8 * 60, 20 * 60),
            off_hours_rows: 1000,
            enumeration_calls: 100,
            denial_burst: 20,
            address_min_calls: 20,
            auto_suspend: false,
        }
    }
}
