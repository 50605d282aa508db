//! What a caller asks for ([`SearchQuery`], [`Filters`], [`Sort`], [`Visibility`]) and how it
//! becomes a tantivy query. Free text is never handed to a query parser: it is cut into words
//! and each word becomes term queries, so no input (quotes, `AND OR (`, `*`, emoji) is syntax.

use serde::{Deserialize, Serialize};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;
use utoipa::ToSchema;
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};

use crate::error::{Result, SearchError};
use crate::schema::{tag, Fields};
use crate::tokenizer::{is_single_han, normalize, query_units};

/// Largest page.
pub const MAX_LIMIT: usize = 1_000;
/// Deepest result reachable by paging (`offset + limit`).
pub const MAX_WINDOW: usize = 10_000;
/// Characters of the text that are searched; the rest is ignored.
pub const MAX_TEXT_CHARS: usize = 200;
/// Words of the text that are searched; the rest are ignored.
pub const MAX_TEXT_WORDS: usize = 24;

/// Query-time weight of each text field: a word in the name counts most.
const NAME_BOOST: f32 = 5.0;
const ITEMS_BOOST: f32 = 2.0;
const PROVIDER_BOOST: f32 = 1.5;
const SUMMARY_BOOST: f32 = 1.0;
const CLASSIFICATION_BOOST: f32 = 1.0;
const EXTRA_BOOST: f32 = 0.5;
/// The whole text equal to an entry's code.
const CODE_BOOST: f32 = 50.0;

/// A search over the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SearchQuery {
    /// Free text (Chinese, English, a resource code); empty matches every visible entry.
    pub text: String,
    /// Restrictions on the result set.
    pub filters: Filters,
    /// Order of the hits.
    pub sort: Sort,
    /// Hits to skip (`offset + limit` ≤ 10,000).
    pub offset: usize,
    /// Hits to return (≤ 1,000; 0 returns only the total and the facets).
    pub limit: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self { text: String::new(), filters: Filters::default(), sort: Sort::Relevance, offset: 0, limit: 20 }
    }
}

impl SearchQuery {
    /// A first page of 20 hits for `text`, by relevance, unfiltered.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }
}

/// Restrictions on the result set; each one that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Providing department (organisation id).
    pub org_id: Option<i64>,
    /// Area (city or district name), e.g. 城东区.
    pub area: Option<String>,
    /// 资源属性分类 (类).
    pub class: Option<ResourceClass>,
    /// Prefix of the 前段码, 1 to 9 digits: `1` = 基础信息资源, `101` = 基础 / 人口,
    /// `101001` = 基础 / 人口 / 目001 (for browsing the classification tree).
    pub classification: Option<String>,
    /// 共享类型.
    pub sharing: Option<SharingKind>,
    /// 开放属性.
    pub open: Option<OpenKind>,
    /// 信息资源格式.
    pub format: Option<FormatKind>,
    /// 更新周期.
    pub update_cycle: Option<UpdateCycle>,
    /// 安全级别.
    pub security_level: Option<SecurityLevel>,
    /// Lifecycle status.
    pub status: Option<EntryStatus>,
}

/// Order of the hits. Ties are broken by entry id, so paging is stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first. With empty text there is nothing to rank, and [`Sort::Code`] is used.
    #[default]
    Relevance,
    /// By name (Unicode code point order).
    Name,
    /// Most recently updated first.
    UpdatedDesc,
    /// By 信息资源代码, i.e. by classification then sequence.
    Code,
}

/// Who is looking. A published entry is visible to everyone; an entry in any other status only
/// to a scope its owner path starts with, so one department never sees another's drafts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Visibility {
    /// Path prefix of the organisations the viewer acts for (`Principal::scope_path`), e.g.
    /// `/1/3/` for a department or `/` for the whole tree. Empty means the public, who see only
    /// published entries: an empty scope fails closed rather than matching every path.
    pub scope_path: String,
}

impl Visibility {
    /// A viewer acting for the organisations under `scope_path`.
    pub fn scope(scope_path: impl Into<String>) -> Self {
        Self { scope_path: scope_path.into() }
    }

    /// The public: published entries only.
    pub fn public() -> Self {
        Self::default()
    }
}

/// A checked query, ready to run. Visibility is not part of the query: the collector applies it
/// (see [`crate::collector`]).
pub(crate) struct Plan {
    /// The query with every word required (single characters optional).
    pub strict: Box<dyn Query>,
    /// The query with any word enough, tried when the strict one finds nothing; `None` when it
    /// could not find more (no text, or one word).
    pub relaxed: Option<Box<dyn Query>>,
    /// Effective order.
    pub sort: Sort,
    /// Whether there is text to rank by.
    pub scored: bool,
}

/// Check the paging and filters and build the query.
pub(crate) fn plan(f: &Fields, q: &SearchQuery) -> Result<Plan> {
    if q.limit > MAX_LIMIT {
        return Err(SearchError::InvalidQuery {
            field: "limit",
            message: format!("at most {MAX_LIMIT}, got {}", q.limit),
        });
    }
    if q.offset.saturating_add(q.limit) > MAX_WINDOW {
        return Err(SearchError::InvalidQuery {
            field: "offset",
            message: format!("offset + limit must be at most {MAX_WINDOW}, got {} + {}", q.offset, q.limit),
        });
    }
    let restrictions: Vec<(Occur, Box<dyn Query>)> =
        filter_tags(&q.filters)?.iter().map(|t| (Occur::Must, constant(tag_query(f.tags, t)))).collect();

    let text = q.text.trim();
    if text.is_empty() {
        let sort = if q.sort == Sort::Relevance { Sort::Code } else { q.sort };
        let strict: Box<dyn Query> =
            if restrictions.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(restrictions)) };
        return Ok(Plan { strict, relaxed: None, sort, scored: false });
    }
    let units = query_units(text, MAX_TEXT_CHARS, MAX_TEXT_WORDS);
    let with = |text_query: Box<dyn Query>| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = restrictions.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        clauses.push((Occur::Must, text_query));
        Box::new(BooleanQuery::new(clauses))
    };
    let strict = with(text_query(f, text, &units, true));
    let relaxed = (units.len() > 1).then(|| with(text_query(f, text, &units, false)));
    Ok(Plan { strict, relaxed, sort: q.sort, scored: q.sort == Sort::Relevance })
}

/// The text part: the whole text as a code, or its words in the text fields.
fn text_query(f: &Fields, text: &str, units: &[String], strict: bool) -> Box<dyn Query> {
    let code = Term::from_field_text(f.code, &normalize(text));
    let code: Box<dyn Query> =
        Box::new(BoostQuery::new(Box::new(TermQuery::new(code, IndexRecordOption::Basic)), CODE_BOOST));
    let all_single = units.iter().all(|u| is_single_han(u));
    let words: Vec<(Occur, Box<dyn Query>)> = units
        .iter()
        .map(|u| {
            let required = strict && (all_single || !is_single_han(u));
            (if required { Occur::Must } else { Occur::Should }, word_query(f, u))
        })
        .collect();
    if words.is_empty() {
        return code;
    }
    Box::new(BooleanQuery::new(vec![(Occur::Should, code), (Occur::Should, Box::new(BooleanQuery::new(words)))]))
}

/// One word in any text field, each field with its weight.
fn word_query(f: &Fields, word: &str) -> Box<dyn Query> {
    let fields = [
        (f.name, NAME_BOOST),
        (f.items, ITEMS_BOOST),
        (f.provider, PROVIDER_BOOST),
        (f.summary, SUMMARY_BOOST),
        (f.classification, CLASSIFICATION_BOOST),
        (f.extra, EXTRA_BOOST),
    ];
    let clauses = fields
        .iter()
        .map(|&(field, boost)| {
            let term = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// The filter terms a query asks for.
fn filter_tags(x: &Filters) -> Result<Vec<String>> {
    let mut tags = Vec::new();
    if let Some(id) = x.org_id {
        tags.push(tag::org(id));
    }
    if let Some(a) = &x.area {
        tags.push(tag::area(a));
    }
    if let Some(p) = &x.classification {
        let p = p.trim();
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SearchError::InvalidQuery {
                field: "filters.classification",
                message: format!("a classification prefix is 1 to 9 digits (类 项 目 细目), got {p:?}"),
            });
        }
        tags.push(tag::cls(p));
    }
    let vocab = [
        ("class", x.class.map(ResourceClass::as_str)),
        ("sharing", x.sharing.map(SharingKind::as_str)),
        ("open", x.open.map(OpenKind::as_str)),
        ("format", x.format.map(FormatKind::as_str)),
        ("cycle", x.update_cycle.map(UpdateCycle::as_str)),
        ("security", x.security_level.map(SecurityLevel::as_str)),
        ("status", x.status.map(EntryStatus::as_str)),
    ];
    tags.extend(vocab.iter().filter_map(|(kind, v)| v.map(|v| tag::vocab(kind, v))));
    Ok(tags)
}

fn tag_query(field: Field, tag: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, tag), IndexRecordOption::Basic))
}

/// A restriction that does not change the score.
fn constant(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, 0.0))
}
