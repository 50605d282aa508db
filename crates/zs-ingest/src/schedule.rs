//! Pull schedules: five-field cron expressions evaluated in Beijing time, the schedule API of the
//! service, and the [`Scheduler`] loop that turns due schedules into pull jobs.
//!
//! # Why enqueue comes before advance
//!
//! For each due schedule the scheduler first **enqueues** the run's job under the idempotency key
//! `schedule:<id>:<fire time>` and only then **advances** the schedule to its next fire time with a
//! compare-and-set on the old fire time ([`zs_meta::resources::ResourceStore::advance_schedule`]).
//!
//! * A crash between the two leaves the schedule due at the same fire time; the next tick (on this
//!   or another node) enqueues the same key again, which returns the job already queued, and then
//!   advances. The run is neither lost nor doubled.
//! * The other order (advance, then enqueue) could lose a run: a crash after the advance leaves no
//!   job and the schedule already points at the next fire time.
//! * Two nodes ticking at once both enqueue the same key (one job) and race on the advance; only
//!   one wins, the other sees `false` and moves on.
//!
//! Missed fire times (the platform was down for a day) are not replayed one by one: the run for
//! the oldest missed time is queued once and the schedule moves to the next time after *now*.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};
use zs_identity::policy::{Authorized, ResourceManage, ResourceRead};
use zs_meta::jobs::{JobRow, NewJob};
use zs_meta::resources::Schedule;
use zs_types::{Error, ErrorCode, Outcome, Result};

use crate::pull::{PullFailure, PullSpec};
use crate::service::{subject, IngestService};

/// Beijing time (UTC+8, no daylight saving): the city's clock for cron expressions.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// A parsed five-field cron expression: minute, hour, day of month, month, day of week
/// (0–7, Sunday is 0 or 7). Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and
/// comma-separated lists of these. As in Vixie cron, when both day of month and day of week are
/// restricted a day matches if either matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_any: bool,
    weekdays_any: bool,
}

const FIELDS: [(&str, u32, u32); 5] =
    [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];

fn parse_field(text: &str, (name, lo, hi): (&str, u32, u32)) -> Result<u64> {
    let bad = |why: String| Error::invalid("cron", format!("{name} field '{text}': {why}"));
    let num = |s: &str| -> Result<u32> {
        let n: u32 = s.parse().map_err(|_| bad(format!("'{s}' is not a number")))?;
        if n < lo || n > hi {
            return Err(bad(format!("{n} is outside {lo}-{hi}")));
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| bad(format!("step '{s}' is not a number")))?;
                if step == 0 {
                    return Err(bad("a step of 0 never fires".into()));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (num(a)?, num(b)?);
                    if a > b {
                        return Err(bad(format!("range {a}-{b} runs backwards")));
                    }
                    (a, b)
                }
                // `5/15` means from 5 to the end in steps of 15.
                None if part.contains('/') => (num(r)?, hi),
                None => {
                    let n = num(r)?;
                    (n, n)
                }
            },
        };
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Cron {
    /// Parse an expression such as `30 2 * * *` (02:30 every day) or `*/15 8-18 * * 1-5`.
    pub fn parse(expr: &str) -> Result<Self> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(Error::invalid(
                "cron",
                format!("'{expr}' has {} fields; give five: minute hour day-of-month month day-of-week", parts.len()),
            ));
        }
        let f = |i: usize| parse_field(parts[i], FIELDS[i]);
        let mut weekdays = f(4)?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & !(1 << 7);
        }
        let cron = Self {
            minutes: f(0)?,
            hours: f(1)?,
            days: f(2)?,
            months: f(3)?,
            weekdays,
            days_any: parts[2] == "*",
            weekdays_any: parts[4] == "*",
        };
        if cron.next_after(0).is_none() {
            return Err(Error::invalid("cron", format!("'{expr}' never fires (no such date)")));
        }
        Ok(cron)
    }

    fn day_matches(&self, t: OffsetDateTime) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().number_days_from_sunday()) != 0;
        match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        }
    }

    /// The first fire time strictly after `after_ms` (Unix ms), evaluated in Beijing time; `None`
    /// when nothing matches within five years (e.g. 31 February).
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let start = zs_types::clock::from_ms(after_ms).to_offset(BEIJING);
        // The next whole minute after `start`.
        let mut t = start.replace_second(0).ok()?.replace_nanosecond(0).ok()? + time::Duration::minutes(1);
        let limit = t + time::Duration::days(5 * 366);
        while t < limit {
            if self.months & (1 << u8::from(t.month())) == 0 {
                // First minute of the next month.
                let (y, m) = if t.month() == time::Month::December {
                    (t.year() + 1, 1)
                } else {
                    (t.year(), u8::from(t.month()) + 1)
                };
                let month = time::Month::try_from(m).ok()?;
                let date = time::Date::from_calendar_date(y, month, 1).ok()?;
                t = date.with_hms(0, 0, 0).ok()?.assume_offset(BEIJING);
                continue;
            }
            if !self.day_matches(t) {
                t = (t.date().next_day()?).with_hms(0, 0, 0).ok()?.assume_offset(BEIJING);
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = t.replace_minute(0).ok()? + time::Duration::hours(1);
                continue;
            }
            if self.minutes & (1 << t.minute()) == 0 {
                t += time::Duration::minutes(1);
                continue;
            }
            return Some(zs_types::clock::to_ms(t));
        }
        None
    }
}

/// A schedule as the API and the resource page show it: the connection's password is never shown.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    /// Identifier.
    pub id: i64,
    /// Target resource code.
    pub code: String,
    /// pull.database | pull.http | materialise.
    pub kind: String,
    /// The pull's parameters, credentials redacted.
    pub spec: serde_json::Value,
    /// Five-field cron expression, Beijing time.
    pub cron: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Next run (Unix ms).
    pub next_run_at: i64,
    /// Incremental pulls: the highest watermark handed in so far.
    pub watermark: Option<String>,
    /// Last run (Unix ms).
    pub last_run_at: Option<i64>,
    /// succeeded | retrying | failed.
    pub last_status: Option<String>,
    /// Last result or failure reason.
    pub last_message: Option<String>,
    /// Consecutive failed attempts.
    pub failures: i64,
    /// When it was created (Unix ms).
    pub created_at: i64,
}

impl From<&Schedule> for ScheduleView {
    fn from(s: &Schedule) -> Self {
        let spec = serde_json::from_str::<serde_json::Value>(&s.spec)
            .ok()
            .and_then(|v| PullSpec::parse(&s.kind, &v).ok())
            .map_or(serde_json::Value::Null, |p| p.redacted());
        Self {
            id: s.id,
            code: s.code.clone(),
            kind: s.kind.clone(),
            spec,
            cron: s.cron.clone(),
            enabled: s.enabled,
            next_run_at: s.next_run_at,
            watermark: s.watermark.clone(),
            last_run_at: s.last_run_at,
            last_status: s.last_status.clone(),
            last_message: s.last_message.clone(),
            failures: s.failures,
            created_at: s.created_at,
        }
    }
}

/// Parameters of a pull job.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PullPayload {
    pub(crate) schedule: i64,
    /// The fire time it runs for (Unix ms); the run-now time for manual runs.
    pub(crate) fire_at: i64,
}

/// Attempts of one scheduled run: the first and three retries.
const PULL_ATTEMPTS: i64 = 4;
/// Back-off before the first retry; doubled for each further one.
const PULL_BACKOFF_MS: i64 = 30_000;

impl IngestService {
    /// A schedule the caller may change: it exists and its resource is a published entry of the
    /// caller's department.
    async fn own_schedule(&self, pass: &Authorized<ResourceManage>, id: i64) -> Result<Schedule> {
        let s = self.store.get_schedule(id).await?.ok_or_else(|| Error::not_found("schedule"))?;
        self.own_published_entry(&pass.principal_arc(), &s.code).await?;
        Ok(s)
    }

    /// Create a pull schedule for a resource of the caller's department. `spec` is checked now
    /// (kind, URL, table or query, watermark); the first run is the next fire time of `cron`.
    pub async fn create_schedule(
        &self,
        pass: &Authorized<ResourceManage>,
        code: &str,
        kind: &str,
        spec: &serde_json::Value,
        cron: &str,
    ) -> Result<ScheduleView> {
        let entry = self.own_published_entry(&pass.principal_arc(), code).await?;
        let parsed = PullSpec::parse(kind, spec)?;
        parsed.check_against(&entry)?;
        let c = Cron::parse(cron)?;
        let now = self.now_ms();
        let next = c.next_after(now).ok_or_else(|| Error::invalid("cron", "the expression never fires"))?;
        let stored = serde_json::to_string(&parsed.to_json()).map_err(|_| Error::internal("encoding the pull"))?;
        let s = self
            .store
            .create_schedule(&Schedule {
                id: 0,
                code: entry.code.clone(),
                kind: parsed.kind().into(),
                spec: stored,
                cron: cron.split_whitespace().collect::<Vec<_>>().join(" "),
                enabled: true,
                next_run_at: next,
                watermark: None,
                last_run_at: None,
                last_status: None,
                last_message: None,
                failures: 0,
                created_by: Some(pass.principal().user.id.0),
                created_at: now,
            })
            .await?;
        let view = ScheduleView::from(&s);
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &s.code,
            Outcome::Succeeded,
            serde_json::json!({ "schedule": s.id, "op": "create_schedule", "kind": s.kind, "cron": s.cron, "spec": view.spec }),
        )
        .await?;
        Ok(view)
    }

    /// Schedules of a resource, credentials redacted.
    pub async fn schedule_views(&self, pass: &Authorized<ResourceRead>, code: &str) -> Result<Vec<ScheduleView>> {
        Ok(self.schedules(pass, code).await?.iter().map(ScheduleView::from).collect())
    }

    /// One schedule, if its resource is visible to the caller.
    pub async fn schedule_view(&self, pass: &Authorized<ResourceRead>, id: i64) -> Result<ScheduleView> {
        let s = self.store.get_schedule(id).await?.ok_or_else(|| Error::not_found("schedule"))?;
        self.schedules(pass, &s.code).await.map_err(|_| Error::not_found("schedule"))?;
        Ok(ScheduleView::from(&s))
    }

    /// Enable or disable a schedule. Enabling moves its next run to the next fire time after now
    /// (runs missed while disabled are not made up).
    pub async fn set_schedule_enabled(
        &self,
        pass: &Authorized<ResourceManage>,
        id: i64,
        enabled: bool,
    ) -> Result<ScheduleView> {
        let s = self.own_schedule(pass, id).await?;
        if enabled && !s.enabled {
            let next = Cron::parse(&s.cron)?.next_after(self.now_ms()).unwrap_or(s.next_run_at);
            self.store.advance_schedule(id, s.next_run_at, next).await?;
        }
        self.store.set_schedule_enabled(id, enabled).await?;
        let op = if enabled { "enable_schedule" } else { "disable_schedule" };
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &s.code,
            Outcome::Succeeded,
            serde_json::json!({ "schedule": id, "op": op }),
        )
        .await?;
        let s = self.store.get_schedule(id).await?.ok_or_else(|| Error::not_found("schedule"))?;
        Ok(ScheduleView::from(&s))
    }

    /// Delete a schedule (queued runs of it fail with "the schedule was deleted").
    pub async fn delete_schedule(&self, pass: &Authorized<ResourceManage>, id: i64) -> Result<()> {
        let s = self.own_schedule(pass, id).await?;
        self.store.delete_schedule(id).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &s.code,
            Outcome::Succeeded,
            serde_json::json!({ "schedule": id, "op": "delete_schedule" }),
        )
        .await
    }

    /// Queue a run of a schedule now, whatever its cron expression says.
    pub async fn run_schedule_now(&self, pass: &Authorized<ResourceManage>, id: i64) -> Result<JobRow> {
        let s = self.own_schedule(pass, id).await?;
        let now = self.now_ms();
        let (job, _) = self.enqueue_pull(&s, now, &format!("schedule:{id}:now:{now}")).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "resource.manage",
            &s.code,
            Outcome::Succeeded,
            serde_json::json!({ "schedule": id, "op": "run_schedule", "job": job.id }),
        )
        .await?;
        Ok(job)
    }

    async fn enqueue_pull(&self, s: &Schedule, fire_at: i64, key: &str) -> Result<(JobRow, bool)> {
        let payload = serde_json::to_string(&PullPayload { schedule: s.id, fire_at })
            .map_err(|_| Error::internal("encoding the job"))?;
        let now = self.now_ms();
        let r = self
            .store
            .enqueue(
                NewJob {
                    kind: s.kind.clone(),
                    subject: Some(subject(&s.code)),
                    payload,
                    max_attempts: PULL_ATTEMPTS,
                    run_after: fire_at.min(now),
                    idempotency_key: Some(key.to_owned()),
                    created_by: s.created_by,
                },
                now,
            )
            .await?;
        if r.1 {
            self.wake.notify_one();
        }
        Ok(r)
    }

    /// Run a claimed pull job to its end: finish it, or put it back with back-off, and record the
    /// result on its schedule.
    pub(crate) async fn run_pull_job(&self, job: &JobRow) -> Result<()> {
        let now = || self.now_ms();
        let Ok(p) = serde_json::from_str::<PullPayload>(&job.payload) else {
            return self.store.finish(job.id, false, "the job's parameters cannot be read", now()).await;
        };
        let Some(sched) = self.store.get_schedule(p.schedule).await? else {
            return self.store.finish(job.id, false, "the schedule was deleted", now()).await;
        };
        match self.run_pull(&sched, job).await {
            Ok((msg, watermark)) => {
                self.store.finish(job.id, true, &msg, now()).await?;
                self.store.record_schedule_run(sched.id, now(), "succeeded", &msg, 0, watermark.as_deref()).await
            }
            Err(PullFailure { error, retry: true }) => {
                let backoff = PULL_BACKOFF_MS.saturating_mul(1 << (job.attempts - 1).clamp(0, 10));
                let at = now() + backoff;
                let state = self.store.retry_later(job.id, at, &error.message, now()).await?;
                let (status, msg) = if state == "queued" {
                    let when = zs_types::clock::from_ms(at).to_offset(BEIJING);
                    let when = format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                        when.year(),
                        u8::from(when.month()),
                        when.day(),
                        when.hour(),
                        when.minute(),
                        when.second()
                    );
                    (
                        "retrying",
                        format!(
                            "attempt {} of {} failed: {}; retrying at {when} (Beijing time)",
                            job.attempts, job.max_attempts, error.message
                        ),
                    )
                } else {
                    ("failed", format!("failed after {} attempts: {}", job.attempts, error.message))
                };
                tracing::warn!(schedule = sched.id, job = job.id, status, error = %error.message, "pull failed");
                self.store.record_schedule_run(sched.id, now(), status, &msg, sched.failures + 1, None).await
            }
            Err(PullFailure { error, retry: false }) => {
                tracing::warn!(schedule = sched.id, job = job.id, error = %error.message, "pull failed; not retried");
                self.store.finish(job.id, false, &error.message, now()).await?;
                self.store
                    .record_schedule_run(sched.id, now(), "failed", &error.message, sched.failures + 1, None)
                    .await
            }
        }
    }
}

/// Turns due schedules into pull jobs (see the module documentation for the order of steps).
pub struct Scheduler {
    service: IngestService,
    interval: Duration,
}

impl Scheduler {
    /// A scheduler ticking every two seconds.
    pub fn new(service: IngestService) -> Self {
        Self { service, interval: Duration::from_secs(2) }
    }

    /// Tick at another interval.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Queue a job for every due schedule and move each to its next fire time. Safe to run on
    /// several nodes at once. Returns the number of jobs newly queued.
    pub async fn tick(&self) -> Result<usize> {
        let s = &self.service;
        let now = s.now_ms();
        let mut queued = 0;
        for sched in s.store.due_schedules(now).await? {
            let next = match Cron::parse(&sched.cron).map(|c| c.next_after(now.max(sched.next_run_at))) {
                Ok(Some(n)) => n,
                Ok(None) | Err(_) => {
                    // An expression that can no longer fire: stop it, with the reason shown.
                    let msg = format!("the cron expression '{}' cannot be evaluated; schedule disabled", sched.cron);
                    s.store.set_schedule_enabled(sched.id, false).await?;
                    s.store.record_schedule_run(sched.id, now, "failed", &msg, sched.failures, None).await?;
                    continue;
                }
            };
            // Enqueue first (idempotent per fire time), then advance: see the module docs.
            let key = format!("schedule:{}:{}", sched.id, sched.next_run_at);
            let (_, created) = s.enqueue_pull(&sched, sched.next_run_at, &key).await?;
            queued += usize::from(created);
            if !s.store.advance_schedule(sched.id, sched.next_run_at, next).await? {
                tracing::debug!(schedule = sched.id, "another node advanced the schedule");
            }
        }
        Ok(queued)
    }

    /// Tick until the task is dropped.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e.message, "scheduler");
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

/// The retry decision for a failed job or pull: a busy table, an unreachable source or store and
/// internal failures are retried; bad input or parameters, refused actors, missing objects and
/// state conflicts are not (retrying cannot fix them).
pub(crate) fn retryable(e: &Error) -> bool {
    matches!(e.code, ErrorCode::ResourceBusy | ErrorCode::StoreUnavailable | ErrorCode::Internal)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ms(t: OffsetDateTime) -> i64 {
        zs_types::clock::to_ms(t)
    }

    fn next(expr: &str, after: OffsetDateTime) -> OffsetDateTime {
        zs_types::clock::from_ms(Cron::parse(expr).unwrap().next_after(ms(after)).unwrap()).to_offset(BEIJING)
    }

    #[test]
    fn every_minute_is_the_next_whole_minute() {
        assert_eq!(next("* * * * *", datetime!(2024-03-01 10:15:30 +8)), datetime!(2024-03-01 10:16:00 +8));
        assert_eq!(next("* * * * *", datetime!(2024-03-01 10:15:00 +8)), datetime!(2024-03-01 10:16:00 +8));
    }

    #[test]
    fn daily_time_is_beijing_time() {
        // 02:30 Beijing is 18:30 UTC the day before.
        let t = next("30 2 * * *", datetime!(2024-03-01 00:00:00 UTC));
        assert_eq!(t, datetime!(2024-03-02 02:30:00 +8));
        assert_eq!(t.to_offset(UtcOffset::UTC), datetime!(2024-03-01 18:30:00 UTC));
        assert_eq!(next("30 2 * * *", datetime!(2024-03-01 01:00:00 +8)), datetime!(2024-03-01 02:30:00 +8));
    }

    #[test]
    fn lists_ranges_and_steps() {
        let c = "*/15 8-18 * * 1-5";
        assert_eq!(next(c, datetime!(2024-03-01 18:50:00 +8)), datetime!(2024-03-04 08:00:00 +8)); // Fri → Mon
        assert_eq!(next(c, datetime!(2024-03-04 08:00:00 +8)), datetime!(2024-03-04 08:15:00 +8));
        assert_eq!(next("0 9,12,17 * * *", datetime!(2024-03-01 12:00:00 +8)), datetime!(2024-03-01 17:00:00 +8));
        assert_eq!(next("5/20 * * * *", datetime!(2024-03-01 12:26:00 +8)), datetime!(2024-03-01 12:45:00 +8));
        assert_eq!(next("0 0-12/6 * * *", datetime!(2024-03-01 06:00:00 +8)), datetime!(2024-03-01 12:00:00 +8));
    }

    #[test]
    fn months_days_and_weekdays() {
        // Leap day, and the 31st skips short months.
        assert_eq!(next("0 0 29 2 *", datetime!(2024-03-01 00:00:00 +8)), datetime!(2028-02-29 00:00:00 +8));
        assert_eq!(next("0 0 31 * *", datetime!(2024-04-01 00:00:00 +8)), datetime!(2024-05-31 00:00:00 +8));
        // Sunday as 0 and as 7.
        assert_eq!(next("0 0 * * 0", datetime!(2024-03-01 00:00:00 +8)), datetime!(2024-03-03 00:00:00 +8));
        assert_eq!(next("0 0 * * 7", datetime!(2024-03-01 00:00:00 +8)), datetime!(2024-03-03 00:00:00 +8));
        // Both day fields restricted: either matches (the 10th, or a Monday).
        assert_eq!(next("0 0 10 * 1", datetime!(2024-03-01 00:00:00 +8)), datetime!(2024-03-04 00:00:00 +8));
        assert_eq!(next("0 0 10 * 1", datetime!(2024-03-04 00:00:00 +8)), datetime!(2024-03-10 00:00:00 +8));
        // Year end.
        assert_eq!(next("0 0 1 1 *", datetime!(2024-12-31 23:59:00 +8)), datetime!(2025-01-01 00:00:00 +8));
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        for (expr, needle) in [
            ("* * * *", "4 fields"),
            ("60 * * * *", "minute field '60': 60 is outside 0-59"),
            ("* 24 * * *", "hour"),
            ("* * 0 * *", "day of month"),
            ("* * * 13 *", "month"),
            ("* * * * 8", "day of week"),
            ("*/0 * * * *", "step of 0"),
            ("5-1 * * * *", "backwards"),
            ("a * * * *", "not a number"),
            ("0 0 30 2 *", "never fires"),
        ] {
            let e = Cron::parse(expr).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("cron"));
            assert!(e.message.contains(needle), "{expr}: {}", e.message);
        }
    }
}
