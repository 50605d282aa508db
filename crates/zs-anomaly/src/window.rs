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

/// Hits of the last `span` milliseconds, with running totals: every rule reads them after
/// every record, so they are kept as hits come and go, never counted over the window.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    span: i64,
    hits: VecDeque<Hit>,
    rows: i64,
    sequential: usize,
    misses: usize,
}

impl Window {
    pub(crate) fn new(span_ms: i64) -> Self {
        Self { span: span_ms, hits: VecDeque::new(), rows: 0, sequential: 0, misses: 0 }
    }

    /// Add a hit and drop those older than the span before it.
    pub(crate) fn push(&mut self, hit: Hit) {
        self.expire(hit.at);
        if self.hits.len() >= MAX_HITS {
            self.pop();
        }
        self.rows += hit.rows;
        self.sequential += usize::from(hit.sequential);
        self.misses += usize::from(hit.miss);
        self.hits.push_back(hit);
    }

    fn pop(&mut self) {
        if let Some(old) = self.hits.pop_front() {
            self.rows -= old.rows;
            self.sequential -= usize::from(old.sequential);
            self.misses -= usize::from(old.miss);
        }
    }

    /// Drop hits older than the span before `now`.
    pub(crate) fn expire(&mut self, now: i64) {
        while self.hits.front().is_some_and(|h| h.at <= now - self.span) {
            self.pop();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.hits.len()
    }

    pub(crate) fn rows(&self) -> i64 {
        self.rows
    }

    /// Hits with a sequential key.
    pub(crate) fn sequential(&self) -> usize {
        self.sequential
    }

    /// Hits that found nothing.
    pub(crate) fn misses(&self) -> usize {
        self.misses
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

    #[test]
    fn totals_follow_the_hits_in_the_window() {
        let mut w = Window::new(1000);
        for at in 0..3000 {
            w.push(Hit { at, seq: at, rows: 1, sequential: at % 2 == 0, miss: at % 3 == 0 });
            let (seq, miss) =
                (w.hits.iter().filter(|h| h.sequential).count(), w.hits.iter().filter(|h| h.miss).count());
            assert_eq!((w.sequential(), w.misses(), w.rows()), (seq, miss, w.len() as i64), "at {at}");
        }
        assert_eq!(w.len(), 1000, "hits newer than 1000 ms before the last");
        w.expire(10_000);
        assert_eq!((w.sequential(), w.misses(), w.rows()), (0, 0, 0));
    }
}
