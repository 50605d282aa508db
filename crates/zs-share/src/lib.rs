//! Sharing and exchange (共享交换): how data leaves the platform, and only under a grant.
//!
//! * **Applications (共享申请)**: a data user applies for items of a published entry with purpose,
//!   scenario, legal basis, period and expected volume. The share type decides: 无条件共享 is
//!   granted at once, 有条件共享 goes to the providing department with a deadline in working days
//!   (the catalogue's calendar, holidays and 调休 included) and escalates to the platform operator
//!   when overdue, 不予共享 cannot be applied for and the refusal names the legal basis.
//! * **Review**: the provider grants as asked or narrower (fewer items, a row restriction such as
//!   the applicant's district, a shorter period, lower quotas) or refuses with reasons.
//! * **Grants (授权)**: consumer department, resource, items, row restriction, masking per item,
//!   period, daily quotas. Revocation and expiry take effect on the next call (grants in use are
//!   cached; see the `serving` module for how the cache stays right, and its multi-node bound).
//! * **The data API**: lookup by key, filtered and paged listing, count, over the resource's
//!   current table version or its live source; every call checked, masked and recorded with a
//!   digest of what was returned (never the data). Lookups by key read one row through the
//!   current version's [`zs_tables::KeyIndex`] (built once per version, cached); quotas are
//!   counted in memory and written in batches (see the `quota` module for the multi-node caveat);
//!   each call writes one audit record through the group-committed sink.
//!
//! * **Bulk delivery (库表/文件交换)**: a full extract or the changes since the last delivered
//!   version (a streaming diff by key), as CSV/Parquet/Excel in the consumer's download area or
//!   into the consumer's PostgreSQL table, on demand or on a schedule, each recorded with its
//!   version range, rows and digest.
//! * **Subscriptions (订阅)**: signed webhook notifications of each committed version with
//!   retries, back-off and a dead-letter list to replay; a pollable change feed.
//!
//! * **Supply–demand matching (供需对接)** ([`demand`]): demands for data not in the catalogue,
//!   routed by the operator, answered by the provider within N working days, on a board every
//!   department sees.
//! * **Sharing evaluation (共享评估)** ([`evaluation`]): per department and month, as provider
//!   and consumer, from the applications, the audited data-API calls and the demands; a score,
//!   the ranking and an Excel export.
//!
//! This crate decides who may take what and records it; it does not speak HTTP (`zs-http` and
//! `zs-portal` do) and does not know table files (`zs-tables` does).

mod apply;
mod data;
mod delivery;
pub mod demand;
mod diff;
pub mod egress;
pub mod evaluation;
mod evaluation_xlsx;
mod exchange;
mod feed;
mod grants;
mod key_steps;
pub mod masking;
pub mod model;
mod output;
mod pg_target;
mod quota;
mod read;
mod runner;
mod service;
mod serving;
mod subscriptions;
pub mod webhook_sig;

pub use apply::applicable;
pub use data::{DataPage, RowsRequest, MAX_PAGE_ROWS};
pub use delivery::{DeliverInput, DeliveryView, PlanInput, PlanView};
pub use demand::{
    AnswerInput, BoardFilter, DemandDetail, DemandEventView, DemandInput, DemandView, NoteInput, RouteInput,
};
pub use egress::EgressPolicy;
pub use evaluation::{DepartmentEvaluation, EvaluationReport};
pub use exchange::{DeliverySettings, WebhookPolicy};
pub use feed::{ChangeView, FeedPage, ShareHook, MAX_FEED};
pub use grants::api_base;
pub use masking::{load_or_create_secret, Masker, Technique};
pub use model::{ApplicationView, ApplyInput, GrantView, ReviewInput, RowCondition, APPLICANT_DIVISION};
pub use output::{FileFormat, XLSX_MAX_ROWS};
pub use pg_target::{check_url as check_database_url, parse_table as parse_target_table};
pub use quota::FLUSH_EVERY;
pub use runner::ExchangeRunner;
pub use service::{ShareService, ShareSettings, KEY_INDEX_BUDGET};
pub use serving::MAX_AGE;
pub use subscriptions::{
    signature, NotificationView, SubscribeInput, SubscriptionCreated, SubscriptionView, EVENT_HEADER, SIGNATURE_HEADER,
};
pub use webhook_sig::{load_or_create_webhook_key, verify_sm2_signature, SM2_SIGNATURE_HEADER};
