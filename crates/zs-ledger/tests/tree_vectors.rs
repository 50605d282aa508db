//! The tree against public vectors: RFC 6962 (SHA-256, transparency-dev/merkle) and SM3 roots
//! computed independently with OpenSSL's SM3 and a naive recursive MTH.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use zs_ledger::tree::{self, MemoryTree};
use zs_ledger::{Hash, HashProfile};

fn b64(v: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or("")).unwrap()
}

fn h32(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

/// A root as given; the suite's "don't care" roots are not 32 bytes, so those are mapped to a
/// hash of their bytes (equal strings stay equal, different ones differ).
fn root(v: &serde_json::Value) -> Hash {
    let b = b64(v);
    h32(&b).unwrap_or_else(|| HashProfile::Sha256.digest(&[b"not-a-hash", &b]))
}

fn proof(v: &serde_json::Value) -> Option<Vec<Hash>> {
    match v {
        serde_json::Value::Null => Some(Vec::new()),
        serde_json::Value::Array(a) => a.iter().map(|x| h32(&b64(x))).collect(),
        _ => None,
    }
}

fn leaves(d: &serde_json::Value) -> Vec<Vec<u8>> {
    d["leaf_inputs_hex"].as_array().unwrap().iter().map(|x| hex::decode(x.as_str().unwrap()).unwrap()).collect()
}

#[test]
fn rfc6962_roots_nodes_and_generated_proofs() {
    let d = common::vectors("tlog_rfc6962_sha256.json");
    let p = HashProfile::Sha256;
    let leaves = leaves(&d);
    let t = MemoryTree::from_leaf_hashes(p, leaves.iter().map(|l| p.leaf_hash(l)));
    for (n, want) in d["root_hashes_hex"].as_array().unwrap().iter().enumerate() {
        assert_eq!(hex::encode(t.root(n as u64).unwrap()), want.as_str().unwrap(), "root of {n}");
    }
    for (level, row) in d["node_hashes_hex"].as_array().unwrap().iter().enumerate() {
        for (i, want) in row.as_array().unwrap().iter().enumerate() {
            use zs_ledger::tree::NodeSource;
            assert_eq!(hex::encode(t.node(level as u32, i as u64).unwrap()), want.as_str().unwrap());
        }
    }
    // Every generated inclusion proof in the vector file for a happy path equals ours.
    for c in d["inclusion"].as_array().unwrap() {
        if c["wantErr"].as_bool().unwrap() || c["treeSize"].as_u64().unwrap() > 8 {
            continue;
        }
        let got =
            tree::inclusion_proof(p, &t, c["leafIdx"].as_u64().unwrap(), c["treeSize"].as_u64().unwrap()).unwrap();
        assert_eq!(Some(got), proof(&c["proof"]), "{}", c["file"]);
    }
    for c in d["consistency"].as_array().unwrap() {
        if c["wantErr"].as_bool().unwrap() || c["size2"].as_u64().unwrap() > 8 {
            continue;
        }
        let got = tree::consistency_proof(p, &t, c["size1"].as_u64().unwrap(), c["size2"].as_u64().unwrap()).unwrap();
        assert_eq!(Some(got), proof(&c["proof"]), "{}", c["file"]);
    }
}

#[test]
fn rfc6962_inclusion_vectors_verify_or_fail_as_stated() {
    let d = common::vectors("tlog_rfc6962_sha256.json");
    let mut checked = 0;
    for c in d["inclusion"].as_array().unwrap() {
        let want_err = c["wantErr"].as_bool().unwrap();
        let ok = (|| {
            let pr = proof(&c["proof"])?;
            let leaf = h32(&b64(&c["leafHash"]))?;
            let root = h32(&b64(&c["root"]))?;
            let idx = c["leafIdx"].as_u64()?;
            let size = c["treeSize"].as_u64()?;
            tree::verify_inclusion(HashProfile::Sha256, idx, size, &leaf, &pr, &root).ok()
        })()
        .is_some();
        assert_eq!(ok, !want_err, "{} ({})", c["file"], c["desc"]);
        checked += 1;
    }
    assert_eq!(checked, 98);
}

#[test]
fn rfc6962_consistency_vectors_verify_or_fail_as_stated() {
    let d = common::vectors("tlog_rfc6962_sha256.json");
    let mut checked = 0;
    for c in d["consistency"].as_array().unwrap() {
        let want_err = c["wantErr"].as_bool().unwrap();
        let ok = (|| {
            let pr = proof(&c["proof"])?;
            let r1 = root(&c["root1"]);
            let r2 = root(&c["root2"]);
            let s1 = c["size1"].as_u64()?;
            let s2 = c["size2"].as_u64()?;
            tree::verify_consistency(HashProfile::Sha256, s1, s2, &r1, &r2, &pr).ok()
        })()
        .is_some();
        assert_eq!(ok, !want_err, "{} ({})", c["file"], c["desc"]);
        checked += 1;
    }
    assert_eq!(checked, 98);
}

/// SM3 roots of the same 8 leaves, sizes 0..=8, computed outside this crate (Python `hashlib.new("sm3")`,
/// i.e. OpenSSL's SM3, with a naive recursive MTH).
const SM3_ROOTS: [&str; 9] = [
    "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
    "2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf",
    "0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d",
    "209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56",
    "28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377",
    "bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b",
    "8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66",
    "bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2",
    "bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38",
];

#[test]
fn sm3_known_answers_and_tree() {
    let kat = common::vectors("crypto_kat.json");
    for c in kat["sm3"]["cases"].as_array().unwrap() {
        let got = HashProfile::Sm3.digest(&[c["msg_ascii"].as_str().unwrap().as_bytes()]);
        assert_eq!(hex::encode(got), c["digest"].as_str().unwrap().to_ascii_lowercase());
    }
    let d = common::vectors("tlog_rfc6962_sha256.json");
    let p = HashProfile::Sm3;
    let leaves = leaves(&d);
    let t = MemoryTree::from_leaf_hashes(p, leaves.iter().map(|l| p.leaf_hash(l)));
    let mut f = tree::Frontier::new(p);
    for (n, want) in SM3_ROOTS.iter().enumerate() {
        assert_eq!(hex::encode(t.root(n as u64).unwrap()), *want, "sm3 root of {n}");
        assert_eq!(hex::encode(f.root()), *want, "frontier root of {n}");
        if n < leaves.len() {
            f.push(p.leaf_hash(&leaves[n]));
        }
    }
    // Every proof of the SM3 tree verifies; a flipped byte does not.
    for n in 1..=8u64 {
        let root = t.root(n).unwrap();
        for i in 0..n {
            let pr = tree::inclusion_proof(p, &t, i, n).unwrap();
            let leaf = p.leaf_hash(&leaves[i as usize]);
            tree::verify_inclusion(p, i, n, &leaf, &pr, &root).unwrap();
            assert!(tree::verify_inclusion(HashProfile::Sha256, i, n, &leaf, &pr, &root).is_err() || pr.is_empty());
            if let Some(first) = pr.first() {
                let mut bad = pr.clone();
                bad[0][0] ^= 1;
                assert_ne!(&bad[0], first);
                assert!(tree::verify_inclusion(p, i, n, &leaf, &bad, &root).is_err());
            }
        }
        for m in 1..=n {
            let pr = tree::consistency_proof(p, &t, m, n).unwrap();
            tree::verify_consistency(p, m, n, &t.root(m).unwrap(), &root, &pr).unwrap();
        }
    }
}

#[test]
fn larger_trees_match_the_frontier_and_proofs_verify() {
    for p in [HashProfile::Sm3, HashProfile::Sha256] {
        let mut t = MemoryTree::new(p);
        let mut f = tree::Frontier::new(p);
        for i in 0..300u32 {
            let h = p.leaf_hash(&i.to_be_bytes());
            t.push_leaf_hash(h);
            f.push(h);
            assert_eq!(t.root(t.size()).unwrap(), f.root());
        }
        for (m, n) in [(1, 300), (7, 64), (64, 65), (100, 257), (255, 256), (299, 300)] {
            let pr = tree::consistency_proof(p, &t, m, n).unwrap();
            tree::verify_consistency(p, m, n, &t.root(m).unwrap(), &t.root(n).unwrap(), &pr).unwrap();
            let pr = tree::inclusion_proof(p, &t, m - 1, n).unwrap();
            let leaf = p.leaf_hash(&((m - 1) as u32).to_be_bytes());
            tree::verify_inclusion(p, m - 1, n, &leaf, &pr, &t.root(n).unwrap()).unwrap();
        }
    }
}
