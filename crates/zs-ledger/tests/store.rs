//! The durable log: appends, proofs against signed checkpoints, reopening, crash tails, and the
//! offline verifier catching every kind of tampering. Real files in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use zs_ledger::note::{Algorithm, Checkpoint, Role, Signer};
use zs_ledger::store::HistoryPolicy;
use zs_ledger::verify::verify_dir;
use zs_ledger::{tree, HashProfile, Ledger};

fn key(alg: Algorithm) -> Signer {
    Signer::generate("zhengshu.test/ledger", alg, Role::Note).unwrap()
}

fn entry(i: u64) -> Vec<u8> {
    format!(r#"{{"action":"share.grant","target":"grant:{i}","digest":"{:064x}"}}"#, i * 7919).into_bytes()
}

/// A log of `n` entries in batches of `batch`, every batch's checkpoint kept in the history.
fn make(dir: &Path, n: u64, batch: u64, alg: Algorithm, profile: HashProfile) -> Ledger {
    let mut l = Ledger::create(dir, "zhengshu.test/ledger", profile, key(alg)).unwrap();
    l.set_history_policy(HistoryPolicy { min_seconds: 0, min_entries: 0 });
    let mut i = 0;
    while i < n {
        let b: Vec<Vec<u8>> = (i..(i + batch).min(n)).map(entry).collect();
        assert_eq!(l.append_batch(&b).unwrap(), i);
        i += b.len() as u64;
    }
    l
}

#[test]
fn appends_prove_against_signed_checkpoints_and_survive_reopen() {
    for (alg, profile) in [(Algorithm::Sm2, HashProfile::Sm3), (Algorithm::Ed25519, HashProfile::Sha256)] {
        let dir = tempfile::tempdir().unwrap();
        let l = make(dir.path(), 137, 10, alg, profile);
        let (cp, note) = l.checkpoint();
        let (opened, _) = Checkpoint::open(note, l.verifier()).unwrap();
        assert_eq!(&opened, cp);
        assert_eq!(cp.size, 137);
        assert!(cp.extensions[0].starts_with("time "));
        for i in [0u64, 1, 63, 64, 136] {
            let proof = l.inclusion_proof(i, 137).unwrap();
            tree::verify_inclusion(profile, i, 137, &profile.leaf_hash(&l.entry(i).unwrap()), &proof, &cp.root)
                .unwrap();
            assert_eq!(l.entry(i).unwrap(), entry(i));
        }
        for m in [1u64, 10, 64, 100, 136, 137] {
            let proof = l.consistency_proof(m, 137).unwrap();
            tree::verify_consistency(profile, m, 137, &l.root_at(m).unwrap(), &cp.root, &proof).unwrap();
        }
        let root = cp.root;
        let signer = Signer::from_key_string(&key_string_of(dir.path())).ok();
        assert!(signer.is_none(), "the private key is never written into the log directory");
        drop(l);
        let vk =
            zs_ledger::note::Verifier::from_key_string(&zs_ledger::LogInfo::read(dir.path()).unwrap().log_key).unwrap();
        // Wrong key refused; the right key reopens at the same size and root.
        assert!(Ledger::open(dir.path(), key(alg)).is_err());
        let report = verify_dir(dir.path(), Some(&vk), &[], 0).unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!(report.entries_checked, 137);
        assert_eq!(report.root, hex::encode(root));
    }
}

fn key_string_of(dir: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        all.push_str(&String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()));
    }
    all.lines().find(|l| l.contains("PRIVATE+KEY")).unwrap_or("").to_owned()
}

#[test]
fn a_crash_mid_batch_leaves_the_last_committed_size() {
    let dir = tempfile::tempdir().unwrap();
    let signer = key(Algorithm::Sm2);
    let keystr = signer.to_key_string();
    let mut l = Ledger::create(dir.path(), "zhengshu.test/ledger", HashProfile::Sm3, signer).unwrap();
    l.append_batch(&[entry(0), entry(1), entry(2)]).unwrap();
    let root = l.checkpoint().0.root;
    drop(l);
    // A batch that wrote (part of) its data but never replaced the checkpoint.
    use std::io::Write as _;
    for (f, junk) in
        [("entries.bin", vec![0u8, 0, 0, 9, 1, 2]), ("entries.idx", vec![0u8; 8]), ("tree.bin", vec![7u8; 40])]
    {
        std::fs::OpenOptions::new().append(true).open(dir.path().join(f)).unwrap().write_all(&junk).unwrap();
    }
    let report = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert!(report.ok, "an uncommitted tail is not tampering: {report:?}");
    let mut l = Ledger::open(dir.path(), Signer::from_key_string(&keystr).unwrap()).unwrap();
    assert_eq!(l.size(), 3);
    assert_eq!(l.checkpoint().0.root, root);
    assert_eq!(l.append_batch(&[entry(3)]).unwrap(), 3);
    drop(l);
    let report = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert!(report.ok && report.entries_checked == 4, "{report:?}");
}

/// Rewrite the data files from `entries` the way a forger without the key would: consistent
/// entries, index and tree, but the signed checkpoints stay.
fn forge(dir: &Path, entries: &[Vec<u8>], profile: HashProfile) {
    let mut eb = Vec::new();
    let mut ib = Vec::new();
    let mut tb = Vec::new();
    let mut f = tree::Frontier::new(profile);
    let mut nodes = Vec::new();
    for e in entries {
        ib.extend_from_slice(&(eb.len() as u64).to_be_bytes());
        eb.extend_from_slice(&(e.len() as u32).to_be_bytes());
        eb.extend_from_slice(e);
        f.push_collect(profile.leaf_hash(e), &mut nodes);
    }
    for n in nodes {
        tb.extend_from_slice(&n);
    }
    std::fs::write(dir.join("entries.bin"), eb).unwrap();
    std::fs::write(dir.join("entries.idx"), ib).unwrap();
    std::fs::write(dir.join("tree.bin"), tb).unwrap();
}

#[test]
fn verify_names_the_first_altered_removed_or_reordered_entry() {
    let p = HashProfile::Sm3;
    let all: Vec<Vec<u8>> = (0..40).map(entry).collect();
    let fresh = || {
        let dir = tempfile::tempdir().unwrap();
        drop(make(dir.path(), 40, 1, Algorithm::Sm2, p));
        dir
    };
    // Altered in place, tree untouched: caught at the entry.
    let dir = fresh();
    let mut bytes = std::fs::read(dir.path().join("entries.bin")).unwrap();
    let pos = bytes.windows(9).position(|w| w == b"grant:17\"").unwrap();
    bytes[pos + 6] = b'8';
    std::fs::write(dir.path().join("entries.bin"), &bytes).unwrap();
    let r = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert!(!r.ok);
    assert_eq!(r.first_bad_entry, Some(17), "{r:?}");

    // Altered with the whole tree recomputed (a careful forger): caught by the signed roots.
    let dir = fresh();
    let mut forged = all.clone();
    forged[23] = entry(9999);
    forge(dir.path(), &forged, p);
    let r = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert_eq!(r.first_bad_entry, Some(23), "{r:?}");

    // Removed from the middle.
    let dir = fresh();
    let mut removed = all.clone();
    removed.remove(5);
    forge(dir.path(), &removed, p);
    let r = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert_eq!(r.first_bad_entry, Some(5), "{r:?}");

    // Removed from the end (cut off).
    let dir = fresh();
    forge(dir.path(), &all[..38], p);
    let r = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert_eq!(r.first_bad_entry, Some(38), "{r:?}");

    // Reordered.
    let dir = fresh();
    let mut swapped = all.clone();
    swapped.swap(11, 30);
    forge(dir.path(), &swapped, p);
    let r = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert_eq!(r.first_bad_entry, Some(11), "{r:?}");

    // A re-signed checkpoint by another key is refused when the key is pinned.
    let dir = fresh();
    let vk =
        zs_ledger::note::Verifier::from_key_string(&zs_ledger::LogInfo::read(dir.path()).unwrap().log_key).unwrap();
    let other = key(Algorithm::Sm2);
    let cp = Checkpoint::parse(
        &zs_ledger::note::Note::parse(&std::fs::read_to_string(dir.path().join("checkpoint")).unwrap()).unwrap().text,
    )
    .unwrap();
    std::fs::write(dir.path().join("checkpoint"), cp.sign(&other, 0).to_string()).unwrap();
    let r = verify_dir(dir.path(), Some(&vk), &[], 0).unwrap();
    assert!(!r.ok, "{r:?}");
}

#[test]
fn flipping_any_stored_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    drop(make(dir.path(), 6, 2, Algorithm::Ed25519, HashProfile::Sha256));
    let vk =
        zs_ledger::note::Verifier::from_key_string(&zs_ledger::LogInfo::read(dir.path()).unwrap().log_key).unwrap();
    for name in ["entries.bin", "entries.idx", "tree.bin", "checkpoint"] {
        let path = dir.path().join(name);
        let orig = std::fs::read(&path).unwrap();
        for i in 0..orig.len() {
            let mut b = orig.clone();
            b[i] ^= 0x01;
            std::fs::write(&path, &b).unwrap();
            let r = verify_dir(dir.path(), Some(&vk), &[], 0);
            assert!(r.map(|r| !r.ok).unwrap_or(true), "flipping byte {i} of {name} went unnoticed");
        }
        std::fs::write(&path, &orig).unwrap();
    }
    assert!(verify_dir(dir.path(), Some(&vk), &[], 0).unwrap().ok);
}

#[test]
fn the_group_writer_batches_concurrent_appends() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::create(dir.path(), "zhengshu.test/ledger", HashProfile::Sm3, key(Algorithm::Sm2)).unwrap();
    let w = zs_ledger::commit::GroupWriter::start(l, None);
    let mut threads = Vec::new();
    for t in 0..8u64 {
        let w = w.clone();
        threads.push(std::thread::spawn(move || {
            (0..50u64).map(|i| w.append(entry(t * 1000 + i)).unwrap()).collect::<Vec<_>>()
        }));
    }
    let mut idx: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    idx.sort_unstable();
    assert_eq!(idx, (0..400).collect::<Vec<_>>());
    assert_eq!(w.ledger().lock().unwrap().size(), 400);
}

/// Journaled appends (one sync each, the checkpoint signed later): a crash before the next
/// checkpoint loses none of them, even with the unsynced data files cut back to the signed size;
/// a torn journal tail is dropped.
#[test]
fn journaled_batches_survive_a_crash_before_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let signer = key(Algorithm::Sm2);
    let keystr = signer.to_key_string();
    let mut l = Ledger::create(dir.path(), "zhengshu.test/ledger", HashProfile::Sm3, signer).unwrap();
    l.append_batch(&[entry(0), entry(1)]).unwrap();
    for i in 0..5u64 {
        assert_eq!(l.append_journaled(&[entry(2 + 2 * i), entry(3 + 2 * i)]).unwrap(), 2 + 2 * i);
    }
    assert_eq!(l.size(), 12);
    assert!(l.behind());
    assert_eq!(l.checkpoint().0.size, 2);
    // Proofs are already served from the tree, and match the entries.
    let root = l.root_at(12).unwrap();
    let proof = l.inclusion_proof(11, 12).unwrap();
    tree::verify_inclusion(HashProfile::Sm3, 11, 12, &HashProfile::Sm3.leaf_hash(&entry(11)), &proof, &root).unwrap();
    drop(l);
    // The crash: what the data files held beyond the checkpoint never reached the disk, and the
    // last journal record was half written.
    let signed_entries = 2 * (4 + entry(0).len() as u64);
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("entries.bin"))
        .unwrap()
        .set_len(signed_entries)
        .unwrap();
    std::fs::OpenOptions::new().write(true).open(dir.path().join("entries.idx")).unwrap().set_len(16).unwrap();
    std::fs::OpenOptions::new().write(true).open(dir.path().join("tree.bin")).unwrap().set_len(32 * 3).unwrap();
    {
        use std::io::Write as _;
        // (the batches after the first went to journal.1: the first's checkpoint switched them)
        let mut j = std::fs::OpenOptions::new().append(true).open(dir.path().join("journal.1")).unwrap();
        j.write_all(b"ZSJ1\0\0\0\0\0\0\0\x0c\0\0\0\x01\0\0").unwrap();
    }
    let report = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert!(report.ok && report.size == 2, "{report:?}");
    let mut l = Ledger::open(dir.path(), Signer::from_key_string(&keystr).unwrap()).unwrap();
    assert_eq!(l.size(), 12, "every acknowledged batch is back");
    assert!(!l.behind(), "opening signs a checkpoint over the replayed batches");
    assert_eq!(l.checkpoint().0.root, root);
    for i in 0..12 {
        assert_eq!(l.entry(i).unwrap(), entry(i));
    }
    assert_eq!(std::fs::metadata(dir.path().join("journal.1")).unwrap().len(), 0);
    assert_eq!(l.append_journaled(&[entry(12)]).unwrap(), 12);
    l.sign_if_behind().unwrap();
    drop(l);
    let report = verify_dir(dir.path(), None, &[], 0).unwrap();
    assert!(report.ok && report.entries_checked == 13, "{report:?}");
}

/// The checkpoint job runs without the ledger while appends go on; journals alternate and the one
/// the checkpoint covers is emptied; an older job never replaces a newer checkpoint.
#[test]
fn checkpoint_jobs_run_beside_appends() {
    let dir = tempfile::tempdir().unwrap();
    let signer = key(Algorithm::Sm2);
    let keystr = signer.to_key_string();
    let mut l = Ledger::create(dir.path(), "zhengshu.test/ledger", HashProfile::Sm3, signer).unwrap();
    let jlen = |n: &str| std::fs::metadata(dir.path().join(n)).unwrap().len();
    l.append_journaled(&[entry(0), entry(1)]).unwrap();
    assert!(jlen("journal.0") > 0);
    let job = l.prepare_checkpoint(false).unwrap();
    // Appends after the snapshot go to the other journal.
    l.append_journaled(&[entry(2)]).unwrap();
    assert!(jlen("journal.1") > 0);
    let done = job.run().unwrap();
    l.finish_checkpoint(done);
    assert_eq!(l.checkpoint().0.size, 2);
    assert_eq!(jlen("journal.0"), 0, "the covered journal is emptied");
    assert!(jlen("journal.1") > 0 && l.behind());
    // Two jobs: the newer one written first; the older one then changes nothing.
    let old = l.prepare_checkpoint(false).unwrap();
    l.append_journaled(&[entry(3)]).unwrap();
    l.sign_checkpoint().unwrap();
    let older = old.run().unwrap();
    l.finish_checkpoint(older);
    assert_eq!(l.checkpoint().0.size, 4);
    let on_disk = std::fs::read_to_string(dir.path().join("checkpoint")).unwrap();
    assert_eq!(Checkpoint::open(&on_disk, l.verifier()).unwrap().0.size, 4);
    drop(l);
    let l = Ledger::open(dir.path(), Signer::from_key_string(&keystr).unwrap()).unwrap();
    assert_eq!(l.size(), 4);
    assert!(verify_dir(dir.path(), None, &[], 0).unwrap().ok);
}
