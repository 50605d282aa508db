//! One pass over the matching documents that drops those the viewer may not see, counts the rest,
//! counts every facet and keeps the best `offset + limit` candidates, reading only fast fields
//! (column values and term ordinals). Per segment, strings are handled as ordinals (whose order
//! is the strings' order) and turned into text only for the few candidates and the facet values
//! that occur.
//!
//! Visibility costs a range check per document: published entries are one range of the
//! vocabulary combination, and the owner paths under a scope are one range of term ordinals.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{BytesColumn, Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, COLLECT_BLOCK_BUFFER_LEN};
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};

use crate::query::Sort;
use crate::results::{AreaCount, Count, DepartmentCount, Facets, Hit};
use crate::schema::{component, names, published_combos, Dim, COMBOS, DEPT_SEP};

/// Everything a search computes.
pub(crate) struct Collected {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// Collects total, facets and one page of hits.
pub(crate) struct SearchCollector {
    /// Effective order.
    pub sort: Sort,
    /// Whether scores are computed (relevance order with text).
    pub scored: bool,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return.
    pub limit: usize,
    /// Path prefix under which unpublished entries are visible; `None`: published only.
    pub scope: Option<String>,
}

/// The fast-field columns of one segment.
struct Columns {
    id: Column<i64>,
    combo: Column<u64>,
    updated: Column<i64>,
    code: StrColumn,
    name: StrColumn,
    dept: StrColumn,
    area: StrColumn,
    owner: StrColumn,
}

impl Columns {
    fn open(segment: &SegmentReader) -> tantivy::Result<Self> {
        let ff = segment.fast_fields();
        // A string column is absent from a segment where no document has a value.
        let str_col = |name: &str| -> tantivy::Result<StrColumn> {
            Ok(ff.str(name)?.unwrap_or_else(|| StrColumn::wrap(BytesColumn::empty(segment.max_doc()))))
        };
        Ok(Self {
            id: ff.i64(names::ID)?,
            combo: ff.u64(names::COMBO)?,
            updated: ff.i64(names::UPDATED)?,
            code: str_col(names::CODE)?,
            name: str_col(names::NAME)?,
            dept: str_col(names::DEPT)?,
            area: str_col(names::AREA)?,
            owner: str_col(names::OWNER)?,
        })
    }
}

/// A candidate hit within a segment; the greatest is the worst.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    /// Sort key, ascending (descending orders are mapped to it).
    key: u64,
    /// Tie-break.
    id: i64,
    doc: DocId,
    score_bits: u32,
}

/// Map a score to a key where a better score is smaller.
fn score_key(score: Score) -> u64 {
    let b = score.to_bits();
    let ascending = if b & 0x8000_0000 != 0 { !b } else { b | 0x8000_0000 };
    u64::from(u32::MAX - ascending)
}

/// Map a timestamp to a key where a later time is smaller.
fn newest_first_key(v: i64) -> u64 {
    u64::MAX - ((v as u64) ^ (1 << 63))
}

/// A hit with what the merge across segments orders by.
pub(crate) struct Ranked {
    hit: Hit,
    updated: i64,
}

/// What one segment found.
pub(crate) struct SegmentFruit {
    count: usize,
    combos: Vec<u32>,
    dept: Vec<(i64, String, u32)>,
    area: Vec<(String, u32)>,
    hits: Vec<Ranked>,
}

/// Collector of one segment.
pub(crate) struct SegmentSearch {
    cols: Columns,
    /// Combinations of published entries.
    published: std::ops::Range<u64>,
    /// Ordinals of the owner paths under the viewer's scope.
    own: std::ops::Range<u64>,
    sort: Sort,
    scored: bool,
    k: usize,
    count: usize,
    /// Matches per vocabulary combination ([`crate::schema::combo`]).
    combos: Vec<u32>,
    dept: Vec<u32>,
    area: Vec<u32>,
    heap: BinaryHeap<Candidate>,
}

impl Collector for SearchCollector {
    type Fruit = Collected;
    type Child = SegmentSearch;

    fn for_segment(&self, _ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentSearch> {
        let cols = Columns::open(segment)?;
        let k = self.offset.saturating_add(self.limit);
        let own = match &self.scope {
            Some(scope) => ord_range(&cols.owner, scope)?,
            None => 0..0,
        };
        Ok(SegmentSearch {
            published: published_combos(),
            own,
            sort: self.sort,
            scored: self.scored,
            k,
            count: 0,
            combos: vec![0; COMBOS],
            dept: vec![0; cols.dept.num_terms()],
            area: vec![0; cols.area.num_terms()],
            heap: BinaryHeap::with_capacity(k.min(1024) + 1),
            cols,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<SegmentFruit>>) -> tantivy::Result<Collected> {
        let mut total = 0;
        let mut combos = vec![0u32; COMBOS];
        // org id → (name, matches carrying that name, total matches)
        let mut dept: HashMap<i64, (String, u32, usize)> = HashMap::new();
        let mut area: HashMap<String, usize> = HashMap::new();
        let mut ranked = Vec::new();
        for fruit in fruits {
            let fruit = fruit?;
            total += fruit.count;
            for (all, part) in combos.iter_mut().zip(fruit.combos.iter()) {
                *all += part;
            }
            for (org, name, n) in fruit.dept {
                let slot = dept.entry(org).or_insert_with(|| (name.clone(), 0, 0));
                // An organisation renamed between entries is shown by its most frequent name.
                if n > slot.1 {
                    *slot = (name, n, slot.2);
                }
                slot.2 += n as usize;
            }
            for (a, n) in fruit.area {
                *area.entry(a).or_default() += n as usize;
            }
            ranked.extend(fruit.hits);
        }
        ranked.sort_by(|a, b| order(self.sort, a, b));
        let hits = ranked.into_iter().skip(self.offset).take(self.limit).map(|r| r.hit).collect();

        let mut department: Vec<DepartmentCount> = dept
            .into_iter()
            .map(|(org_id, (provider, _, count))| DepartmentCount { org_id, provider, count })
            .collect();
        department.sort_by(|a, b| b.count.cmp(&a.count).then(a.org_id.cmp(&b.org_id)));
        let mut area: Vec<AreaCount> = area.into_iter().map(|(area, count)| AreaCount { area, count }).collect();
        area.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.area.cmp(&b.area)));
        let vocab = |dim: Dim, size: usize| {
            let mut n = vec![0usize; size];
            for (c, &k) in combos.iter().enumerate() {
                if k > 0 {
                    if let Some(slot) = n.get_mut(component(c, dim)) {
                        *slot += k as usize;
                    }
                }
            }
            n
        };
        let facets = Facets {
            department,
            area,
            class: counts(ResourceClass::ALL, &vocab(Dim::Class, ResourceClass::ALL.len())),
            sharing: counts(SharingKind::ALL, &vocab(Dim::Sharing, SharingKind::ALL.len())),
            open: counts(OpenKind::ALL, &vocab(Dim::Open, OpenKind::ALL.len())),
            format: counts(FormatKind::ALL, &vocab(Dim::Format, FormatKind::ALL.len())),
            update_cycle: counts(UpdateCycle::ALL, &vocab(Dim::Cycle, UpdateCycle::ALL.len())),
            security_level: counts(SecurityLevel::ALL, &vocab(Dim::Security, SecurityLevel::ALL.len())),
            status: counts(EntryStatus::ALL, &vocab(Dim::Status, EntryStatus::ALL.len())),
        };
        Ok(Collected { total, hits, facets })
    }
}

/// The order of hits across segments; the same as the per-segment keys, with ties by id.
fn order(sort: Sort, a: &Ranked, b: &Ranked) -> Ordering {
    let primary = match sort {
        Sort::Relevance => b.hit.score.total_cmp(&a.hit.score),
        Sort::Name => a.hit.name.cmp(&b.hit.name),
        Sort::Code => a.hit.code.cmp(&b.hit.code),
        Sort::UpdatedDesc => b.updated.cmp(&a.updated),
    };
    primary.then(a.hit.id.cmp(&b.hit.id))
}

/// The values of a vocabulary that occur, in display order.
fn counts<T: Copy>(all: &[T], n: &[usize]) -> Vec<Count<T>> {
    all.iter().zip(n.iter()).filter(|(_, &c)| c > 0).map(|(&value, &count)| Count { value, count }).collect()
}

impl SegmentSearch {
    /// One matching document: drop it if invisible, else count it and consider it for the page.
    /// `facets` holds its department and area ordinals when they were read in a block.
    #[inline]
    fn visit(&mut self, doc: DocId, score: Score, combo: Option<u64>, facets: Option<(Option<u64>, Option<u64>)>) {
        let Some(combo) = combo else { return };
        if !self.published.contains(&combo) && !self.cols.owner.ords().first(doc).is_some_and(|o| self.own.contains(&o))
        {
            return;
        }
        self.count += 1;
        if let Some(c) = self.combos.get_mut(combo as usize) {
            *c += 1;
        }
        let (dept, area) =
            facets.unwrap_or_else(|| (self.cols.dept.ords().first(doc), self.cols.area.ords().first(doc)));
        if let Some(c) = dept.and_then(|o| self.dept.get_mut(o as usize)) {
            *c += 1;
        }
        if let Some(c) = area.and_then(|o| self.area.get_mut(o as usize)) {
            *c += 1;
        }
        if self.k == 0 {
            return;
        }
        let key = match self.sort {
            Sort::Relevance => score_key(score),
            Sort::Name => self.cols.name.ords().first(doc).unwrap_or(u64::MAX),
            Sort::Code => self.cols.code.ords().first(doc).unwrap_or(u64::MAX),
            Sort::UpdatedDesc => newest_first_key(self.cols.updated.first(doc).unwrap_or(i64::MIN)),
        };
        let full = self.heap.len() >= self.k;
        if full && self.heap.peek().is_some_and(|worst| key > worst.key) {
            return; // cannot make the page: skip reading the id
        }
        let id = self.cols.id.first(doc).unwrap_or(i64::MAX);
        let candidate = Candidate { key, id, doc, score_bits: score.to_bits() };
        if !full {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate < *worst {
                *worst = candidate;
            }
        }
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = io::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let combo = self.cols.combo.first(doc);
        self.visit(doc, score, combo, None);
    }

    /// Unscored blocks (the common case for browsing) read the vocabulary and facet columns for
    /// the whole block at once.
    fn collect_block(&mut self, docs: &[DocId]) {
        let mut combo = [None; COLLECT_BLOCK_BUFFER_LEN];
        let mut dept = [None; COLLECT_BLOCK_BUFFER_LEN];
        let mut area = [None; COLLECT_BLOCK_BUFFER_LEN];
        for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            let n = block.len();
            let (combo, dept, area) = (&mut combo[..n], &mut dept[..n], &mut area[..n]);
            combo.fill(None);
            dept.fill(None);
            area.fill(None);
            self.cols.combo.first_vals(block, combo);
            self.cols.dept.ords().first_vals(block, dept);
            self.cols.area.ords().first_vals(block, area);
            for (i, &doc) in block.iter().enumerate() {
                self.visit(doc, 0.0, combo[i], Some((dept[i], area[i])));
            }
        }
    }

    fn harvest(self) -> io::Result<SegmentFruit> {
        let cols = &self.cols;
        let mut dept = Vec::new();
        for (ord, &n) in self.dept.iter().enumerate() {
            if n > 0 {
                let (org, provider) = split_dept(&ord_str(&cols.dept, ord as u64)?)?;
                dept.push((org, provider, n));
            }
        }
        let mut area = Vec::new();
        for (ord, &n) in self.area.iter().enumerate() {
            if n > 0 {
                area.push((ord_str(&cols.area, ord as u64)?, n));
            }
        }
        let mut hits = Vec::with_capacity(self.heap.len());
        for c in self.heap.into_vec() {
            let status_ord = cols.combo.first(c.doc).map(|b| component(b as usize, Dim::Status));
            let status = status_ord
                .and_then(|i| EntryStatus::ALL.get(i).copied())
                .ok_or_else(|| corrupt(format!("document {} has no valid status", c.doc)))?;
            let provider = match doc_str(&cols.dept, c.doc)? {
                Some(d) => split_dept(&d)?.1,
                None => String::new(),
            };
            let hit = Hit {
                id: c.id,
                code: doc_str(&cols.code, c.doc)?.unwrap_or_default(),
                name: doc_str(&cols.name, c.doc)?.unwrap_or_default(),
                provider,
                status,
                score: if self.scored { f32::from_bits(c.score_bits) } else { 0.0 },
            };
            hits.push(Ranked { hit, updated: cols.updated.first(c.doc).unwrap_or(i64::MIN) });
        }
        Ok(SegmentFruit { count: self.count, combos: self.combos, dept, area, hits })
    }
}

fn corrupt(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The string of a term ordinal.
fn ord_str(col: &StrColumn, ord: u64) -> io::Result<String> {
    let mut s = String::new();
    if col.ord_to_str(ord, &mut s)? {
        Ok(s)
    } else {
        Err(corrupt(format!("term ordinal {ord} is not in the dictionary")))
    }
}

/// The ordinals of the terms of a string column that start with `prefix`.
fn ord_range(col: &StrColumn, prefix: &str) -> tantivy::Result<std::ops::Range<u64>> {
    let mut terms = col.dictionary().prefix_range(prefix).into_stream()?;
    let Some(first) = terms.advance().then(|| terms.term_ord()) else { return Ok(0..0) };
    let mut last = first;
    while terms.advance() {
        last = terms.term_ord();
    }
    Ok(first..last + 1)
}

/// The string value of a document, if it has one.
fn doc_str(col: &StrColumn, doc: DocId) -> io::Result<Option<String>> {
    col.ords().first(doc).map(|ord| ord_str(col, ord)).transpose()
}

/// `{org_id}\x1f{provider}` → (org id, provider).
fn split_dept(s: &str) -> io::Result<(i64, String)> {
    let (org, provider) = s.split_once(DEPT_SEP).ok_or_else(|| corrupt(format!("bad department value {s:?}")))?;
    let org = org.parse().map_err(|_| corrupt(format!("bad department value {s:?}")))?;
    Ok((org, provider.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_order() {
        assert!(score_key(2.0) < score_key(1.0));
        assert!(score_key(1.0) < score_key(0.0));
        assert!(score_key(0.0) < score_key(-1.0));
        assert!(newest_first_key(2) < newest_first_key(1));
        assert!(newest_first_key(0) < newest_first_key(-5));
        assert!(newest_first_key(i64::MAX) < newest_first_key(i64::MIN));
    }
}
