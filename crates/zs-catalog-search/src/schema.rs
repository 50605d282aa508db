//! The index schema and how an [`Entry`] becomes a document.
//!
//! Text fields are cut by jieba and scored with BM25; everything used to filter is a term of the
//! one keyword field `tags` (`status:draft`, `cls:101`, `org:12` …); everything used to count
//! facets, check visibility, sort or show a hit is a fast field, so a search never loads a stored
//! document.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::TantivyDocument;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use zs_catalog::classification;
use zs_catalog::Entry;
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};

use crate::error::{Result, SearchError};
use crate::tokenizer::TOKENIZER;

/// Version of what the index holds: the schema below, the tokenizer and the document mapping.
/// An on-disk index of another version is discarded and must be rebuilt.
pub const SCHEMA_VERSION: u32 = 1;

/// Separator between org id and provider name in the `dept` fast field.
pub(crate) const DEPT_SEP: char = '\u{1f}';

/// Handles of the schema's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Entry id: indexed (to delete by id) and fast (to show hits).
    pub id: Field,
    /// 信息资源代码: exact term, and fast (sort, hits).
    pub code: Field,
    /// 名称: jieba text, and fast raw value (sort, hits).
    pub name: Field,
    /// 摘要.
    pub summary: Field,
    /// Labels and machine names of the data items.
    pub items: Field,
    /// Provider name.
    pub provider: Field,
    /// Classification label (类 / 项 / 目).
    pub classification: Field,
    /// Everything else worth finding: code, format detail, area, vocabulary labels (zh and en).
    pub extra: Field,
    /// Fast only: `{org_id}\x1f{provider}`, for the department facet and hits.
    pub dept: Field,
    /// Fast only: the area, for its facet.
    pub area: Field,
    /// Fast only: the owner's path in the organisation tree, for visibility.
    pub owner: Field,
    /// Fast only: the closed vocabularies as one mixed-radix number (see [`combo`]).
    pub combo: Field,
    /// Fast only: `updated_at` in Unix milliseconds.
    pub updated: Field,
    /// Filter terms.
    pub tags: Field,
}

/// The field names, also used to open fast-field columns.
pub(crate) mod names {
    pub const ID: &str = "id";
    pub const CODE: &str = "code";
    pub const NAME: &str = "name";
    pub const DEPT: &str = "dept";
    pub const AREA: &str = "area";
    pub const OWNER: &str = "owner";
    pub const COMBO: &str = "combo";
    pub const UPDATED: &str = "updated";
}

/// Build the schema.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fast_str = TextOptions::default().set_fast(None);
    let fields = Fields {
        id: b.add_i64_field(names::ID, INDEXED | FAST),
        code: b.add_text_field(names::CODE, STRING | FAST),
        name: b.add_text_field(names::NAME, text().set_fast(None)),
        summary: b.add_text_field("summary", text()),
        items: b.add_text_field("items", text()),
        provider: b.add_text_field("provider", text()),
        classification: b.add_text_field("classification", text()),
        extra: b.add_text_field("extra", text()),
        dept: b.add_text_field(names::DEPT, fast_str.clone()),
        area: b.add_text_field(names::AREA, fast_str.clone()),
        owner: b.add_text_field(names::OWNER, fast_str),
        combo: b.add_u64_field(names::COMBO, NumericOptions::default().set_fast()),
        updated: b.add_i64_field(names::UPDATED, NumericOptions::default().set_fast()),
        tags: b.add_text_field("tags", STRING),
    };
    (b.build(), fields)
}

/// The closed vocabularies, in the order of their digits in [`combo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    Class = 0,
    Sharing = 1,
    Open = 2,
    Format = 3,
    Cycle = 4,
    Security = 5,
    Status = 6,
}

/// Number of closed vocabularies.
pub(crate) const DIMS: usize = 7;

/// Number of values of each vocabulary.
pub(crate) const DIM_SIZES: [usize; DIMS] = [
    ResourceClass::ALL.len(),
    SharingKind::ALL.len(),
    OpenKind::ALL.len(),
    FormatKind::ALL.len(),
    UpdateCycle::ALL.len(),
    SecurityLevel::ALL.len(),
    EntryStatus::ALL.len(),
];

const fn strides() -> [usize; DIMS] {
    let mut s = [1; DIMS];
    let mut i = 1;
    while i < DIMS {
        s[i] = s[i - 1] * DIM_SIZES[i - 1];
        i += 1;
    }
    s
}

/// Weight of each vocabulary's digit.
const STRIDES: [usize; DIMS] = strides();

/// Number of distinct combinations (3 × 3 × 3 × 3 × 7 × 4 × 5 = 11,340): a search counts
/// combinations in an array this long, one increment per document, and splits them afterwards.
pub(crate) const COMBOS: usize = STRIDES[DIMS - 1] * DIM_SIZES[DIMS - 1];

/// Position of `v` in `all`.
fn ordinal<T: PartialEq>(all: &[T], v: &T) -> usize {
    all.iter().position(|x| x == v).unwrap_or(0)
}

/// The value (position in its `ALL`) of one vocabulary in a combination.
pub(crate) fn component(combo: usize, dim: Dim) -> usize {
    (combo / STRIDES[dim as usize]) % DIM_SIZES[dim as usize]
}

/// The combinations of published entries: status is the most significant digit, so they are
/// one range.
pub(crate) fn published_combos() -> std::ops::Range<u64> {
    let stride = STRIDES[Dim::Status as usize] as u64;
    let published = ordinal(EntryStatus::ALL, &EntryStatus::Published) as u64;
    published * stride..(published + 1) * stride
}

/// An entry's vocabularies as one number below [`COMBOS`].
pub(crate) fn combo(e: &Entry) -> u64 {
    let b = &e.body;
    let digits = [
        ordinal(ResourceClass::ALL, &b.classification.class),
        ordinal(SharingKind::ALL, &b.sharing.kind),
        ordinal(OpenKind::ALL, &b.open.kind),
        ordinal(FormatKind::ALL, &b.format.kind),
        ordinal(UpdateCycle::ALL, &b.update_cycle),
        ordinal(SecurityLevel::ALL, &e.security_level),
        ordinal(EntryStatus::ALL, &e.status),
    ];
    digits.iter().zip(STRIDES).map(|(d, s)| (d * s) as u64).sum()
}

/// Filter terms (the `tags` field).
pub(crate) mod tag {
    use std::fmt::Display;

    /// `org:{id}`.
    pub fn org(id: i64) -> String {
        format!("org:{id}")
    }
    /// `area:{name}`.
    pub fn area(a: &str) -> String {
        format!("area:{a}")
    }
    /// `cls:{prefix of the 前段码}`.
    pub fn cls(prefix: &str) -> String {
        format!("cls:{prefix}")
    }
    /// `{kind}:{stable name}` for a vocabulary value.
    pub fn vocab(kind: &str, value: impl Display) -> String {
        format!("{kind}:{value}")
    }
}

/// Turn an entry into a document.
pub(crate) fn document(f: &Fields, e: &Entry) -> Result<TantivyDocument> {
    let b = &e.body;
    let updated = OffsetDateTime::parse(&e.updated_at, &Rfc3339).map_err(|err| SearchError::InvalidEntry {
        id: e.id,
        field: "updated_at",
        message: format!("{:?} is not RFC 3339: {err}", e.updated_at),
    })?;
    let updated_ms = i64::try_from(updated.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);

    let mut d = TantivyDocument::default();
    d.add_i64(f.id, e.id);
    d.add_text(f.code, &e.code);
    d.add_text(f.name, &b.name);
    d.add_text(f.summary, &b.summary);
    for item in &b.items {
        d.add_text(f.items, &item.label);
        d.add_text(f.items, &item.name);
    }
    d.add_text(f.provider, &e.provider);
    d.add_text(f.classification, classification::label(&b.classification));
    let class = b.classification.class;
    let extra = [
        e.code.as_str(),
        b.format.detail.as_str(),
        e.area.as_str(),
        b.format.kind.label_zh(),
        b.sharing.kind.label_zh(),
        b.open.kind.label_zh(),
        b.update_cycle.label_zh(),
        class.label_en(),
        b.format.kind.label_en(),
        b.sharing.kind.label_en(),
        b.open.kind.label_en(),
        b.update_cycle.label_en(),
        classification::item_name(&b.classification).unwrap_or_default(),
    ];
    for text in extra {
        d.add_text(f.extra, text);
    }
    d.add_text(f.dept, format!("{}{DEPT_SEP}{}", e.org_id, e.provider));
    d.add_text(f.area, &e.area);
    d.add_text(f.owner, &e.owner_path);
    d.add_u64(f.combo, combo(e));
    d.add_i64(f.updated, updated_ms);

    d.add_text(f.tags, tag::org(e.org_id));
    d.add_text(f.tags, tag::area(&e.area));
    let prefix = classification::prefix(&b.classification);
    for end in 1..=prefix.len() {
        if let Some(p) = prefix.get(..end) {
            d.add_text(f.tags, tag::cls(p));
        }
    }
    d.add_text(f.tags, tag::vocab("class", class.as_str()));
    d.add_text(f.tags, tag::vocab("sharing", b.sharing.kind.as_str()));
    d.add_text(f.tags, tag::vocab("open", b.open.kind.as_str()));
    d.add_text(f.tags, tag::vocab("format", b.format.kind.as_str()));
    d.add_text(f.tags, tag::vocab("cycle", b.update_cycle.as_str()));
    d.add_text(f.tags, tag::vocab("security", e.security_level.as_str()));
    d.add_text(f.tags, tag::vocab("status", e.status.as_str()));
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_round_trip() {
        assert_eq!(COMBOS, 11_340);
        let mut seen = std::collections::HashSet::new();
        for c in 0..COMBOS {
            let digits: Vec<usize> =
                [Dim::Class, Dim::Sharing, Dim::Open, Dim::Format, Dim::Cycle, Dim::Security, Dim::Status]
                    .iter()
                    .map(|d| component(c, *d))
                    .collect();
            assert!(digits.iter().zip(DIM_SIZES).all(|(d, n)| *d < n));
            let published = digits[Dim::Status as usize] == ordinal(EntryStatus::ALL, &EntryStatus::Published);
            assert_eq!(published_combos().contains(&(c as u64)), published);
            assert!(seen.insert(digits));
        }
    }
}
