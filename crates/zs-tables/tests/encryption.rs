//! Encrypted tables: data files written in the ZSEF format under the resource's data key, read
//! back (scans, rewrites by key, key lookups) on both ciphers, locally and in an object store;
//! key rotation; tampering; destruction of a version and of the whole table.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use zs_catalog::{DataItem, DataType, OpenKind, SecurityLevel, SharingKind};
use zs_crypto::{Algorithm, Keyring, LocalMasterKeys};
use zs_tables::{CommitMode, KeyIndex, ObjectRoot, Table, TableRoot, TableSchema, TablesError};

fn schema() -> TableSchema {
    let item = |name: &str, t: DataType, key: bool| DataItem {
        name: name.into(),
        label: name.into(),
        data_type: t,
        length: None,
        key,
        element: None,
        security_level: SecurityLevel::L3,
        sharing: SharingKind::Unconditional,
        open: OpenKind::None,
    };
    TableSchema::from_items(&[item("id", DataType::Integer, true), item("name", DataType::String, false)]).unwrap()
}

fn ring(alg: Algorithm, scope: &str) -> Arc<Keyring> {
    let r = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"3c".repeat(32)).unwrap()), alg);
    let (k, _) = r.generate(scope).unwrap();
    r.install(k, true);
    Arc::new(r)
}

/// A marker no compression can hide: it repeats, and it must not appear in any stored file.
const SECRET: &str = "张三丰的身份证号码";

fn batch(t: &Table, ids: &[i64]) -> RecordBatch {
    let id: ArrayRef = Arc::new(Int64Array::from(ids.to_vec()));
    let names: ArrayRef = Arc::new(StringArray::from(ids.iter().map(|i| format!("{SECRET}{i}")).collect::<Vec<_>>()));
    RecordBatch::try_new(t.schema().arrow().clone(), vec![id, names]).unwrap()
}

fn ids(t: &Table, version: Option<u64>) -> Vec<i64> {
    let mut out: Vec<i64> = t
        .scan(version)
        .unwrap()
        .flat_map(|b| b.unwrap().column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    out.sort_unstable();
    out
}

fn stored_files(dir: &std::path::Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(dir.join("data")).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect()
}

#[test]
fn encrypted_tables_round_trip_on_both_ciphers() {
    for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
        let dir = tempfile::tempdir().unwrap();
        let keys = ring(alg, "people");
        let t = Table::open(dir.path(), schema()).unwrap().with_encryption(Arc::clone(&keys), "people");
        t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &(1..=3000).collect::<Vec<_>>())]).unwrap();
        t.commit(CommitMode::Upsert, "a", "push", &[batch(&t, &[5, 3001])]).unwrap();
        t.commit(CommitMode::DeleteByKey, "a", "push", &[batch(&t, &[7])]).unwrap();
        let expected: Vec<i64> = (1..=3001).filter(|i| *i != 7).collect();
        assert_eq!(ids(&t, None), expected);
        assert_eq!(ids(&t, Some(1)).len(), 3000, "time travel reads old files");
        // Nothing readable on disk: every file is ZSEF, and the names never show.
        for bytes in stored_files(dir.path()) {
            assert!(zs_crypto::is_encrypted(&bytes));
            assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
        }
        // Key lookups go through the same reads.
        let index = KeyIndex::build(&t, None).unwrap();
        assert!(index.get(&["5"]).unwrap().is_some());
        // Without the keyring the files cannot be read.
        let plain = Table::open(dir.path(), schema()).unwrap();
        assert!(matches!(plain.scan(None).unwrap().next().unwrap(), Err(TablesError::Encryption(_))));
    }
}

#[test]
fn plain_files_stay_readable_and_rotation_keeps_old_keys_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let plain = Table::open(dir.path(), schema()).unwrap();
    plain.commit(CommitMode::Append, "a", "upload", &[batch(&plain, &[1, 2])]).unwrap();
    // Encryption switched on later: old plain files read as they are, new ones are encrypted.
    let keys = ring(Algorithm::Sm4Gcm, "t");
    let t = Table::open(dir.path(), schema()).unwrap().with_encryption(Arc::clone(&keys), "t");
    t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &[3])]).unwrap();
    let first = keys.current("t").unwrap().id_hex();
    assert_eq!(t.key_ids_in_use().unwrap().into_iter().collect::<Vec<_>>(), vec![first.clone()]);
    // Rotation: a new key for new files; the old one stays in use (and readable).
    let (k2, _) = keys.generate("t").unwrap();
    let second = keys.install(k2, true).id_hex();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &[4])]).unwrap();
    assert_eq!(ids(&t, None), vec![1, 2, 3, 4]);
    let in_use = t.key_ids_in_use().unwrap();
    assert!(in_use.contains(&first) && in_use.contains(&second));
    // Once a replace leaves only new files, the first key is free to shred.
    t.commit(CommitMode::Replace, "a", "upload", &[batch(&t, &[9])]).unwrap();
    t.vacuum(1).unwrap();
    assert_eq!(t.key_ids_in_use().unwrap().into_iter().collect::<Vec<_>>(), vec![second]);
}

#[test]
fn a_changed_byte_in_a_data_file_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ring(Algorithm::Sm4Gcm, "t");
    let t = Table::open(dir.path(), schema()).unwrap().with_encryption(keys, "t");
    t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &(1..=500).collect::<Vec<_>>())]).unwrap();
    let path = std::fs::read_dir(dir.path().join("data")).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let read: Result<Vec<_>, _> = t.scan(None).unwrap().collect();
    assert!(read.is_err(), "a flipped byte must not read back as data");
}

#[test]
fn destroying_a_version_and_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ring(Algorithm::Sm4Gcm, "t");
    let t = Table::open(dir.path(), schema()).unwrap().with_encryption(Arc::clone(&keys), "t");
    t.commit(CommitMode::Replace, "a", "upload", &[batch(&t, &[1, 2])]).unwrap();
    t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &[3])]).unwrap();
    t.commit(CommitMode::Replace, "a", "upload", &[batch(&t, &[4])]).unwrap();
    // The current version cannot be destroyed alone.
    assert!(matches!(t.destroy_version(3), Err(TablesError::Conflict(_))));
    // Version 1's file is shared with version 2: kept; version 2's own file goes... no: destroy 2.
    let r = t.destroy_version(2).unwrap();
    assert_eq!((r.versions.clone(), r.rows), (vec![2], 3));
    assert_eq!((r.files_deleted.len(), r.files_shared.len()), (1, 1), "{r:?}");
    let e = t.scan(Some(2)).unwrap_err();
    assert!(matches!(e, TablesError::Destroyed(_)), "{e}");
    assert_eq!(zs_types::Error::from(e).code, zs_types::ErrorCode::DataDestroyed);
    assert_eq!(ids(&t, Some(1)), vec![1, 2]);
    assert_eq!(t.history().unwrap().iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 3]);
    // The next commit does not reuse a destroyed number.
    assert_eq!(t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &[5])]).unwrap().version, 4);

    // The whole table: nothing left, every read and write refused as destroyed.
    let r = t.destroy_all().unwrap();
    assert_eq!(r.versions, vec![1, 3, 4]);
    assert!(stored_files(dir.path()).is_empty());
    keys.shred("t");
    for e in [t.scan(None).err(), t.current().err(), t.begin(CommitMode::Append, "a", "x").err()] {
        assert!(matches!(e, Some(TablesError::Destroyed(_))), "{e:?}");
    }
    assert!(t.is_destroyed());
    assert_eq!(t.destroy_all().unwrap().files_deleted.len(), 0, "idempotent");
}

#[test]
fn a_copy_of_an_encrypted_file_is_unreadable_once_its_key_is_shredded() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ring(Algorithm::Aes256Gcm, "t");
    let t = Table::open(dir.path(), schema()).unwrap().with_encryption(Arc::clone(&keys), "t");
    t.commit(CommitMode::Replace, "a", "upload", &[batch(&t, &[1, 2])]).unwrap();
    // A "backup" taken before destruction.
    let backup = tempfile::tempdir().unwrap();
    let copy = Table::open(backup.path(), schema()).unwrap();
    drop(copy);
    for sub in ["data", "_versions"] {
        for e in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), backup.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    let restored = Table::open(backup.path(), schema()).unwrap().with_encryption(Arc::clone(&keys), "t");
    assert_eq!(ids(&restored, None), vec![1, 2], "readable while the key lives");
    t.destroy_all().unwrap();
    keys.shred("t");
    let e = restored.scan(None).unwrap().next().unwrap().unwrap_err();
    assert!(matches!(e, TablesError::Destroyed(_)), "{e}");
}

#[test]
fn encrypted_tables_in_an_object_store() {
    let store: Arc<dyn object_store::ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    let root = TableRoot::Object(ObjectRoot::new(Arc::clone(&store), "lib", "memory://bucket/lib".into()));
    let keys = ring(Algorithm::Sm4Gcm, "people");
    let t = root
        .open("people", schema(), Arc::new(zs_types::SystemClock))
        .unwrap()
        .with_encryption(Arc::clone(&keys), "people");
    // More than one 64 KiB segment and row group reads by range.
    t.commit(CommitMode::Append, "a", "upload", &[batch(&t, &(1..=40_000).collect::<Vec<_>>())]).unwrap();
    t.commit(CommitMode::Upsert, "a", "push", &[batch(&t, &[2, 40_001])]).unwrap();
    assert_eq!(ids(&t, None).len(), 40_001);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listed: Vec<object_store::ObjectMeta> =
        rt.block_on(futures::TryStreamExt::try_collect(store.list(Some(&"lib/people/data".into())))).unwrap();
    assert!(!listed.is_empty());
    for m in listed {
        let bytes = rt.block_on(async { store.get(&m.location).await.unwrap().bytes().await.unwrap() });
        assert!(zs_crypto::is_encrypted(&bytes));
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    }
    t.destroy_all().unwrap();
    assert!(matches!(t.current(), Err(TablesError::Destroyed(_))));
}
