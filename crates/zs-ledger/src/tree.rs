//! The RFC 6962 / RFC 9162 Merkle tree: the tree head (MTH), inclusion and consistency proofs
//! (RFC 9162 §2.1.3.1 and §2.1.4.1) and their verification (§2.1.3.2 and §2.1.4.2).
//!
//! Proof generation is written against [`NodeSource`], which yields the hash of any *full*
//! subtree (2^level leaves starting at a multiple of 2^level). Every subtree the RFC's recursion
//! visits is either full or splits into a full left part and a smaller right part, so a store
//! that keeps the full-subtree hashes answers a proof in O(log n) reads without a rebuild.

use crate::hash::{Hash, HashProfile};

/// Errors of proof generation and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// An index or size outside the tree.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// The proof has the wrong number of hashes.
    #[error("proof has {got} hashes, expected {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes the algorithm consumes.
        want: usize,
    },
    /// The recomputed root does not match.
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    /// The node source failed (I/O).
    #[error("reading the tree failed: {0}")]
    Source(String),
}

/// Where full-subtree hashes come from.
pub trait NodeSource {
    /// The hash of the full subtree at `level` (2^level leaves) with index `index` (its first leaf is
    /// `index << level`).
    fn node(&self, level: u32, index: u64) -> Result<Hash, ProofError>;
}

/// An in-memory tree of leaf hashes (tests, small logs, the offline verifier's recomputation).
pub struct MemoryTree {
    profile: HashProfile,
    /// levels[l][i] = full subtree hash at level l, index i.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new(profile: HashProfile) -> Self {
        Self { profile, levels: vec![Vec::new()] }
    }

    /// Build from leaf hashes.
    pub fn from_leaf_hashes(profile: HashProfile, leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut t = Self::new(profile);
        for l in leaves {
            t.push_leaf_hash(l);
        }
        t
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Append a leaf hash, completing full subtrees as they fill.
    pub fn push_leaf_hash(&mut self, leaf: Hash) {
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let h = self.profile.node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(h);
            level += 1;
        }
    }

    /// The root hash of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        root_at(self.profile, self, size, self.size())
    }
}

impl NodeSource for MemoryTree {
    fn node(&self, level: u32, index: u64) -> Result<Hash, ProofError> {
        self.levels
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .ok_or_else(|| ProofError::OutOfRange(format!("node {level}/{index}")))
    }
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// MTH of leaves `[lo, hi)`, where `lo` is a multiple of the largest power of two ≥ `hi - lo`
/// (true for every range the RFC recursion visits).
fn subtree<S: NodeSource + ?Sized>(p: HashProfile, src: &S, lo: u64, hi: u64) -> Result<Hash, ProofError> {
    let n = hi - lo;
    if n == 0 {
        return Ok(p.empty_root());
    }
    if n.is_power_of_two() {
        let level = n.trailing_zeros();
        return src.node(level, lo >> level);
    }
    let k = split(n);
    let left = subtree(p, src, lo, lo + k)?;
    let right = subtree(p, src, lo + k, hi)?;
    Ok(p.node_hash(&left, &right))
}

/// The root hash of a tree of `size` leaves, where the source holds `available` leaves.
pub fn root_at<S: NodeSource + ?Sized>(p: HashProfile, src: &S, size: u64, available: u64) -> Result<Hash, ProofError> {
    if size > available {
        return Err(ProofError::OutOfRange(format!("size {size} > {available}")));
    }
    subtree(p, src, 0, size)
}

/// Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1 PATH).
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    p: HashProfile,
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!("leaf {index} not in a tree of {size}")));
    }
    let mut out = Vec::new();
    path(p, src, index, 0, size, &mut out)?;
    Ok(out)
}

fn path<S: NodeSource + ?Sized>(
    p: HashProfile,
    src: &S,
    m: u64,
    lo: u64,
    hi: u64,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = hi - lo;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(p, src, m, lo, lo + k, out)?;
        out.push(subtree(p, src, lo + k, hi)?);
    } else {
        path(p, src, m - k, lo + k, hi, out)?;
        out.push(subtree(p, src, lo, lo + k)?);
    }
    Ok(())
}

/// Consistency proof between the trees of `m` and `n` leaves, 0 < m ≤ n (RFC 9162 §2.1.4.1).
pub fn consistency_proof<S: NodeSource + ?Sized>(
    p: HashProfile,
    src: &S,
    m: u64,
    n: u64,
) -> Result<Vec<Hash>, ProofError> {
    if m == 0 || m > n {
        return Err(ProofError::OutOfRange(format!("no consistency proof from {m} to {n}")));
    }
    let mut out = Vec::new();
    if m < n {
        subproof(p, src, m, 0, n, true, &mut out)?;
    }
    Ok(out)
}

fn subproof<S: NodeSource + ?Sized>(
    p: HashProfile,
    src: &S,
    m: u64,
    lo: u64,
    hi: u64,
    b: bool,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = hi - lo;
    if m == n {
        if !b {
            out.push(subtree(p, src, lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(p, src, m, lo, lo + k, b, out)?;
        out.push(subtree(p, src, lo + k, hi)?);
    } else {
        subproof(p, src, m - k, lo + k, hi, false, out)?;
        out.push(subtree(p, src, lo, lo + k)?);
    }
    Ok(())
}

/// Verify an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    p: HashProfile,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if leaf_index >= tree_size {
        return Err(ProofError::OutOfRange(format!("leaf {leaf_index} not in a tree of {tree_size}")));
    }
    let mut f_n = leaf_index;
    let mut s_n = tree_size - 1;
    let mut r = *leaf_hash;
    for pi in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength { got: proof.len(), want: inclusion_len(leaf_index, tree_size) });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = p.node_hash(pi, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = p.node_hash(&r, pi);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength { got: proof.len(), want: inclusion_len(leaf_index, tree_size) });
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

fn inclusion_len(index: u64, size: u64) -> usize {
    let mut f = index;
    let mut s = size - 1;
    let mut n = 0;
    while s != 0 {
        if f & 1 == 1 || f == s {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
        n += 1;
    }
    n
}

/// Verify a consistency proof between `(first, first_root)` and `(second, second_root)`
/// (RFC 9162 §2.1.4.2). A proof from size 0 is refused (nothing to prove).
pub fn verify_consistency(
    p: HashProfile,
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first == 0 || first > second {
        return Err(ProofError::OutOfRange(format!("no consistency proof from {first} to {second}")));
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength { got: proof.len(), want: 0 });
        }
        return if first_root == second_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, want: 1 });
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let mut f_n = first - 1;
    let mut s_n = second - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s_n == 0 {
            return Err(ProofError::WrongLength { got: proof.len(), want: proof.len() - 1 });
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = p.node_hash(c, &fr);
            sr = p.node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = p.node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength { got: proof.len(), want: proof.len() + 1 });
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Incremental root computation over a stream of leaf hashes: keeps only the roots of the full
/// subtrees on the right edge (the "compact range" of the tree), O(log n) memory.
#[derive(Debug, Clone)]
pub struct Frontier {
    profile: HashProfile,
    size: u64,
    /// Roots of full subtrees, largest first.
    stack: Vec<Hash>,
}

impl Frontier {
    /// Empty.
    pub fn new(profile: HashProfile) -> Self {
        Self { profile, size: 0, stack: Vec::new() }
    }

    /// Leaves seen.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Rebuild from the roots of the full subtrees of a tree of `size` leaves, largest first
    /// (one per set bit of `size`).
    pub fn from_parts(profile: HashProfile, size: u64, stack: Vec<Hash>) -> Option<Self> {
        (stack.len() == size.count_ones() as usize).then_some(Self { profile, size, stack })
    }

    /// Add a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_collect(leaf, &mut Vec::new());
    }

    /// Add a leaf hash and append to `completed` the leaf and every full subtree it completes, in
    /// post-order (the order of the ledger's `tree.bin`).
    pub fn push_collect(&mut self, leaf: Hash, completed: &mut Vec<Hash>) {
        completed.push(leaf);
        self.stack.push(leaf);
        let mut s = self.size;
        while s & 1 == 1 {
            let right = self.stack.pop().unwrap_or_default();
            let left = self.stack.pop().unwrap_or_default();
            let node = self.profile.node_hash(&left, &right);
            completed.push(node);
            self.stack.push(node);
            s >>= 1;
        }
        self.size += 1;
    }

    /// The root of the leaves seen so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(first) = it.next() else { return self.profile.empty_root() };
        let mut acc = *first;
        for left in it {
            acc = self.profile.node_hash(left, &acc);
        }
        acc
    }
}

/// Position of the full subtree (`level`, `index`) in post-order over all full subtrees of the
/// growing tree (the record number in `tree.bin`): `2s - popcount(s) + 2^(level+1) - 2` with
/// `s = index << level` its first leaf.
pub fn postorder_position(level: u32, index: u64) -> u64 {
    let s = index << level;
    2 * s - u64::from(s.count_ones()) + (1u64 << (level + 1)) - 2
}

/// Number of full-subtree hashes stored for a tree of `size` leaves: `2·size − popcount(size)`.
pub fn stored_nodes(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postorder_positions_match_the_append_order() {
        let p = HashProfile::Sha256;
        let mut f = Frontier::new(p);
        let mut all = Vec::new();
        for i in 0..100u32 {
            f.push_collect(p.leaf_hash(&i.to_be_bytes()), &mut all);
            assert_eq!(all.len() as u64, stored_nodes(u64::from(i) + 1));
        }
        let t = MemoryTree::from_leaf_hashes(p, (0..100u32).map(|i| p.leaf_hash(&i.to_be_bytes())));
        for level in 0..7u32 {
            for index in 0..(100u64 >> level) {
                assert_eq!(all[postorder_position(level, index) as usize], t.node(level, index).unwrap_or_default());
            }
        }
    }
}
