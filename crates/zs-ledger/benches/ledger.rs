//! Ledger benchmark: prints figures (no assertions on speed).
//! - group-committed appends per second (SM3 tree, SM2 checkpoints, 8 producer threads);
//! - inclusion and consistency proof generation + verification on a 1,000,000-entry log;
//! - full offline verification of that log (`verify_dir`).
//!
//! `cargo bench -p zs-ledger` (set `ZS_LEDGER_BENCH_N` for another log size).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;
use zs_ledger::commit::GroupWriter;
use zs_ledger::note::{Algorithm, Role, Signer};
use zs_ledger::{tree, HashProfile, Ledger};

fn entry(i: u64) -> Vec<u8> {
    format!(
        r#"{{"seq":{i},"at":"2026-11-29T12:00:00Z","action":"share.deliver","actor_org":"11630100MB1234567X","target":"grant:{}","outcome":"succeeded","digest":"{:064x}"}}"#,
        i % 977,
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
    .into_bytes()
}

fn main() {
    let n: u64 = std::env::var("ZS_LEDGER_BENCH_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let base = tempfile::tempdir().unwrap();
    let p = HashProfile::Sm3;

    // 1. Group commit through the writer thread.
    let dir = base.path().join("group");
    let l =
        Ledger::create(&dir, "bench/group", p, Signer::generate("bench/group", Algorithm::Sm2, Role::Note).unwrap())
            .unwrap();
    let w = GroupWriter::start(l, None);
    let producers = 8u64;
    let per = 25_000u64;
    let t = Instant::now();
    let hs: Vec<_> = (0..producers)
        .map(|k| {
            let w = w.clone();
            std::thread::spawn(move || {
                // Each producer keeps up to 256 events in flight (like concurrent API requests).
                let (tx, rx) = std::sync::mpsc::channel();
                for i in 0..per {
                    let tx = tx.clone();
                    w.submit(entry(k * per + i), move |r| {
                        let _ = tx.send(r.is_ok());
                    });
                    if i >= 256 {
                        assert!(rx.recv().unwrap());
                    }
                }
                for _ in 0..per.min(256) {
                    assert!(rx.recv().unwrap());
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let total = producers * per;
    println!(
        "append (group commit, SM3 + SM2, fsync per batch): {total} events in {secs:.2} s = {:.0} events/s",
        total as f64 / secs
    );
    drop(w);

    // 2. A log of n entries, built in batches of 10,000.
    let dir = base.path().join("big");
    let mut l =
        Ledger::create(&dir, "bench/big", p, Signer::generate("bench/big", Algorithm::Sm2, Role::Note).unwrap())
            .unwrap();
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let b: Vec<Vec<u8>> = (i..(i + 10_000).min(n)).map(entry).collect();
        l.append_batch(&b).unwrap();
        i += b.len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!("append (batches of 10,000): {n} events in {secs:.2} s = {:.0} events/s", n as f64 / secs);

    // 3. Proofs on the big log (generation reads tree.bin; verification recomputes the root).
    let root = l.checkpoint().0.root;
    let rounds = 2_000u64;
    let mut x = 12_345u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let t = Instant::now();
    for _ in 0..rounds {
        let i = next() % n;
        let pr = l.inclusion_proof(i, n).unwrap();
        tree::verify_inclusion(p, i, n, &p.leaf_hash(&entry(i)), &pr, &root).unwrap();
    }
    let inc = t.elapsed().as_secs_f64() / rounds as f64;
    let t = Instant::now();
    for _ in 0..rounds {
        let m = 1 + next() % (n - 1);
        let pr = l.consistency_proof(m, n).unwrap();
        let old = l.root_at(m).unwrap();
        tree::verify_consistency(p, m, n, &old, &root, &pr).unwrap();
    }
    let cons = t.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "inclusion proof (generate + verify) in a {n}-entry log: {:.1} µs; consistency proof (old root + generate + verify): {:.1} µs",
        inc * 1e6,
        cons * 1e6
    );
    drop(l);

    // 4. Full offline verification.
    let t = Instant::now();
    let r = zs_ledger::verify::verify_dir(&dir, None, &[], 0).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(r.ok, "{r:?}");
    println!(
        "full verification of a {n}-entry log ({} checkpoints): {secs:.2} s ({:.0} entries/s)",
        r.checkpoints_checked,
        n as f64 / secs
    );
}
