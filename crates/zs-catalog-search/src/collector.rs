//! One pass over the matching documents that counts them, counts every facet and keeps the best
//! `offset + limit` candidates, reading only fast fields (column values and term ordinals). Per
//! segment, strings are handled as ordinals (whose order is the strings' order) and turned into
//! text only for the few candidates and the facet values that occur.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{BytesColumn, Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};

use crate::query::Sort;
use crate::results::{AreaCount, Count, DepartmentCount, Facets, Hit};
use crate::schema::{names, unpack, Dim, DEPT_SEP, DIMS};

/// Counts per packed vocabulary value.
type VocabCounts = [[u32; 16]; DIMS];

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
}

/// The fast-field columns of one segment.
struct Columns {
    id: Column<i64>,
    bits: Column<u64>,
    updated: Column<i64>,
    code: StrColumn,
    name: StrColumn,
    dept: StrColumn,
    area: StrColumn,
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
            bits: ff.u64(names::BITS)?,
            updated: ff.i64(names::UPDATED)?,
            code: str_col(names::CODE)?,
            name: str_col(names::NAME)?,
            dept: str_col(names::DEPT)?,
            area: str_col(names::AREA)?,
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
    vocab: VocabCounts,
    dept: Vec<(i64, String, u32)>,
    area: Vec<(String, u32)>,
    hits: Vec<Ranked>,
}

/// Collector of one segment.
pub(crate) struct SegmentSearch {
    cols: Columns,
    sort: Sort,
    scored: bool,
    k: usize,
    count: usize,
    vocab: VocabCounts,
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
        Ok(SegmentSearch {
            sort: self.sort,
            scored: self.scored,
            k,
            count: 0,
            vocab: [[0; 16]; DIMS],
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
        let mut vocab: VocabCounts = [[0; 16]; DIMS];
        // org id → (name, matches carrying that name, total matches)
        let mut dept: HashMap<i64, (String, u32, usize)> = HashMap::new();
        let mut area: HashMap<String, usize> = HashMap::new();
        let mut ranked = Vec::new();
        for fruit in fruits {
            let fruit = fruit?;
            total += fruit.count;
            for (all, part) in vocab.iter_mut().zip(fruit.vocab.iter()) {
                for (a, p) in all.iter_mut().zip(part.iter()) {
                    *a += p;
                }
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
        let facets = Facets {
            department,
            area,
            class: counts(ResourceClass::ALL, &vocab[Dim::Class as usize]),
            sharing: counts(SharingKind::ALL, &vocab[Dim::Sharing as usize]),
            open: counts(OpenKind::ALL, &vocab[Dim::Open as usize]),
            format: counts(FormatKind::ALL, &vocab[Dim::Format as usize]),
            update_cycle: counts(UpdateCycle::ALL, &vocab[Dim::Cycle as usize]),
            security_level: counts(SecurityLevel::ALL, &vocab[Dim::Security as usize]),
            status: counts(EntryStatus::ALL, &vocab[Dim::Status as usize]),
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
fn counts<T: Copy>(all: &[T], n: &[u32; 16]) -> Vec<Count<T>> {
    all.iter().zip(n.iter()).filter(|(_, &c)| c > 0).map(|(&value, &c)| Count { value, count: c as usize }).collect()
}

impl SegmentCollector for SegmentSearch {
    type Fruit = io::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        if let Some(bits) = self.cols.bits.first(doc) {
            for (d, counts) in self.vocab.iter_mut().enumerate() {
                if let Some(c) = counts.get_mut(unpack(bits, d)) {
                    *c += 1;
                }
            }
        }
        if let Some(c) = self.cols.dept.ords().first(doc).and_then(|o| self.dept.get_mut(o as usize)) {
            *c += 1;
        }
        if let Some(c) = self.cols.area.ords().first(doc).and_then(|o| self.area.get_mut(o as usize)) {
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
        let id = self.cols.id.first(doc).unwrap_or(i64::MAX);
        let candidate = Candidate { key, id, doc, score_bits: score.to_bits() };
        if self.heap.len() < self.k {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate < *worst {
                *worst = candidate;
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
            let status_ord = cols.bits.first(c.doc).map(|b| unpack(b, Dim::Status as usize));
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
        Ok(SegmentFruit { count: self.count, vocab: self.vocab, dept, area, hits })
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
