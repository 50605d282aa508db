//! A sliding window of hits over time, kept in memory, with a bound on its length so a flood
//! cannot exhaust memory (the oldest hits go first; a rule then sees at least the bound).

use std::collections::VecDeque;

/// Most hits one window keeps.
const MAX_HITS: usize = 100_000;

/// One counted record.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hit {
    /// When (Unix ms).
    pub at: i64,
    /// Its record.
    pub seq: i64,
    /// Rows (volume windows).
    pub rows: i64,
    /// A sequential key (lookup windows).
    pub sequential: bool,
    /// Found nothing (lookup windows).
    pub miss: bool,
}

/// Hits of the last `span` milliseconds.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    span: i64,
    hits: VecDeque<Hit>,
    rows: i64,
}

impl Window {
    pub(crate) fn new(span_ms: i64) -> Self {
        Self { span: span_ms, hits: VecDeque::new(), rows: 0 }
    }

    /// Add a hit and drop those older than the span before it.
    pub(crate) fn push(&mut self, hit: Hit) {
        self.expire(hit.at);
        if self.hits.len() >= MAX_HITS {
            if let Some(old) = self.hits.pop_front() {
                self.rows -= old.rows;
            }
        }
        self.rows += hit.rows;
        self.hits.push_back(hit);
    }

    /// Drop hits older than the span before `now`.
    pub(crate) fn expire(&mut self, now: i64) {
        while let Some(h) = self.hits.front() {
            if h.at > now - self.span {
                break;
            }
            self.rows -= h.rows;
            self.hits.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.hits.len()
    }

    pub(crate) fn rows(&self) -> i64 {
        self.rows
    }

    pub(crate) fn count(&self, f: impl Fn(&Hit) -> bool) -> usize {
        self.hits.iter().filter(|h| f(h)).count()
    }

    /// (first seq, first at) of the hits in the window.
    pub(crate) fn first(&self) -> Option<&Hit> {
        self.hits.front()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides() {
        let mut w = Window::new(1000);
        w.push(Hit { at: 0, seq: 1, rows: 5, ..Hit::default() });
        w.push(Hit { at: 500, seq: 2, rows: 7, ..Hit::default() });
        assert_eq!((w.len(), w.rows()), (2, 12));
        w.push(Hit { at: 1000, seq: 3, rows: 1, ..Hit::default() });
        assert_eq!((w.len(), w.rows(), w.first().map(|h| h.seq)), (2, 8, Some(2)));
        w.expire(5000);
        assert!(w.is_empty() && w.rows() == 0);
    }
}
