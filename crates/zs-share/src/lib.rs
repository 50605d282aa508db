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
//!   period, daily quotas. Revocation and expiry take effect on the next call.
//! * **The data API**: lookup by key, filtered and paged listing, count, over the resource's
//!   current table version or its live source; every call checked, masked and recorded with a
//!   digest of what was returned (never the data).
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
pub mod demand;
pub mod evaluation;
mod evaluation_xlsx;
mod grants;
pub mod masking;
pub mod model;
mod read;
mod service;

pub use apply::applicable;
pub use data::{DataPage, RowsRequest, MAX_PAGE_ROWS};
pub use demand::{
    AnswerInput, BoardFilter, DemandDetail, DemandEventView, DemandInput, DemandView, NoteInput, RouteInput,
};
pub use evaluation::{DepartmentEvaluation, EvaluationReport};
pub use grants::api_base;
pub use masking::{load_or_create_secret, Masker, Technique};
pub use model::{ApplicationView, ApplyInput, GrantView, ReviewInput, RowCondition, APPLICANT_DIVISION};
pub use service::{ShareService, ShareSettings};
