//! Hand-in (归集): how data gets into a published resource's versioned table.
//!
//! Every channel ends in the same place: a file or row stream checked row by row by `zs-tables`
//! and committed as a new version, a [`zs_meta::resources::HandIn`] record naming that version
//! (channel, actor, counts, rejected-rows file), and a `data.ingest` audit event.
//!
//! * **Upload** (portal, API, CLI): the file is saved under `<data>/uploads/<resource>/`
//!   (encrypted under the resource's data key, see `files`), an `ingest.file` job is queued and
//!   a worker runs it, reporting progress on the job; the file is deleted when it ends.
//! * **Push** (department systems): a JSON batch with an idempotency key becomes an `ingest.push`
//!   job whose queue key is derived from that key, so a retried batch commits once.
//! * **Scheduled pulls and materialisations** are queued by the scheduler (see `schedule`).
//!
//! Jobs live in the store's persisted queue: after a crash, [`IngestService::recover`] re-queues or
//! fails running jobs and records any table version committed but not yet recorded.
//!
//! This crate decides who may hand in what and records it; it does not serve HTTP (`zs-http`,
//! `zs-portal` do) and does not know table formats (`zs-tables` does).

pub mod destroy;
mod error;
pub mod files;
mod handin;
mod hook;
mod jobs;
pub mod keys;
mod live;
mod preview;
mod pull;
mod reconcile;
mod rejects;
mod report;
mod schedule;
pub mod seed;
mod service;
mod source;
mod theme;

pub use error::tables_error;
pub use files::{FileKey, FileOpener, FileReader, SealedWriter};
pub use handin::{HandInRequest, Mode};
pub use hook::{FanOutHook, KeptFiles, VersionHook};
pub use jobs::{JobKind, Worker};
pub use live::{LiveSpec, LiveStatus, LiveView, MAX_LIVE_ROWS};
pub use preview::{Preview, MAX_PREVIEW_ROWS};
pub use pull::{DatabasePull, HttpPull, PullMode, PullSpec};
pub use rejects::{RejectsFormat, REJECTS_HEADER};
pub use report::{
    channel_label_en, channel_label_zh, cycle_allowance_ms, fmt_beijing_ms, month_bounds, month_of, parse_month,
    timeliness, AggregationReport, ChannelMix, EntryFigures, Figures, GroupFigures, Timeliness,
};
pub use schedule::{Cron, ScheduleView, Scheduler, BEIJING};
pub use service::{IngestService, ResourceView};
pub use source::redact_http_url;
pub use theme::theme_library;
pub use zs_meta::resources::{HandIn, LiveSource, ProbeStats, ResourceSettings, Schedule};
