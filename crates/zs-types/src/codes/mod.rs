//! Official Chinese codes and their check rules.
//!
//! - [`CreditCode`]: 统一社会信用代码, GB 32100-2015 (18 characters, mod-31 check character).
//! - [`DivisionCode`]: 行政区划代码, GB/T 2260 (6 digits: province, prefecture, county).
//! - [`DivisionTable`]: the curated GB/T 2260 table with abolished (historical) codes.
//! - [`IdNumber`]: 公民身份号码, GB 11643-1999 (17 digits + ISO 7064 MOD 11-2 check).

mod credit_code;
mod division;
mod division_table;
mod id_number;

pub use credit_code::{gb11714_check, CreditCode};
pub use division::{DivisionCode, DivisionLevel};
pub use division_table::{DivisionRow, DivisionStatus, DivisionTable};
pub use id_number::IdNumber;
