//! zs-anomaly: anomaly detection and response (异常监测与处置) over the audit trail.
//!
//! - [`observed`]: what a rule reads from one audit record (grant, credential, client address,
//!   rows, the data API's facts), never personal data.
//! - [`rules`]: the rules and their findings; [`detector`]: their evaluation, record by record,
//!   with sliding windows in memory and the baselines (a consumer's own hourly volume, the
//!   networks a credential was used from) in the store.
//! - [`runner`]: the loop that reads new records from the store every few seconds behind a
//!   persisted cursor and a lease (one node evaluates at a time; another takes over when it
//!   stops), so a restart resumes where it stopped.
//! - [`service`]: alerts for security administrators (安全管理员) and their workflow —
//!   acknowledge, dismiss with a reason, suspend the credential or grant — and the automatic
//!   suspension of critical ones when configured. Alerts and responses are recorded through the
//!   audit sink, so they land in the ledger.
//!
//! It reads the trail and writes alerts; it never changes what a rule looked at, and it holds
//! no personal data (keys, filter values and data never reach the audit trail in the first place).

pub mod detector;
mod hours;
pub mod network;
pub mod observed;
pub mod rules;
pub mod runner;
pub mod service;
mod settings;
pub mod view;
mod window;

pub use hours::WorkingHours;
pub use runner::Runner;
pub use service::AnomalyService;
pub use settings::AnomalySettings;
pub use view::{AlertList, AlertView, RespondInput};
