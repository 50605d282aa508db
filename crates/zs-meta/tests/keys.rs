//! The encryption part of the store contract (wrapped data keys, destructions, the backup
//! register, sealed columns) on SQLite (temp file) and PostgreSQL (`ZS_TEST_PG_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use support::conformance;
use zs_meta::keys::{Backup, DataKeyRow, Destruction};
use zs_meta::DynStore;
use zs_types::seal::Sealer;
use zs_types::{Error, ErrorCode};

const NOW: i64 = 1_780_000_000_000;

conformance!("keys"; data_keys_rotate_rewrap_and_destroy, destructions_and_backups, secrets_sealed_at_rest);

fn key(id: &str, scope: &str, at: i64) -> DataKeyRow {
    DataKeyRow {
        id: id.into(),
        scope: scope.into(),
        algorithm: "sm4-gcm".into(),
        master_key_id: "m1".into(),
        wrapped: "d3JhcHBlZA==".into(),
        state: "active".into(),
        created_at: at,
        retired_at: None,
        destroyed_at: None,
    }
}

async fn data_keys_rotate_rewrap_and_destroy(s: DynStore) {
    s.add_data_key(&key("k1", "people", NOW), false).await.unwrap();
    s.add_data_key(&key("m", "meta", NOW), false).await.unwrap();
    // One active key per scope: a second first key loses.
    let e = s.add_data_key(&key("k1b", "people", NOW + 1), false).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists);
    // Rotation retires the active one in the same transaction.
    s.add_data_key(&key("k2", "people", NOW + 2), true).await.unwrap();
    let people = s.data_keys_of("people").await.unwrap();
    assert_eq!(
        people.iter().map(|k| (k.id.as_str(), k.state.as_str())).collect::<Vec<_>>(),
        [("k1", "retired"), ("k2", "active")]
    );
    assert_eq!(people[0].retired_at, Some(NOW + 2));
    assert_eq!(s.data_keys().await.unwrap().len(), 3);
    assert!(s.rewrap_data_key("k1", "m2", "bmV3").await.unwrap());
    assert!(!s.rewrap_data_key("nope", "m2", "bmV3").await.unwrap());
    let k1 = s.data_keys_of("people").await.unwrap().remove(0);
    assert_eq!((k1.master_key_id.as_str(), k1.wrapped.as_str()), ("m2", "bmV3"));
    // Shredding erases the wrapped bytes and keeps the row.
    assert_eq!(s.destroy_data_keys(&["k1".into(), "k2".into()], NOW + 9).await.unwrap(), 2);
    assert_eq!(s.destroy_data_keys(&["k1".into()], NOW + 10).await.unwrap(), 0, "once");
    for k in s.data_keys_of("people").await.unwrap() {
        assert_eq!((k.state.as_str(), k.wrapped.as_str(), k.destroyed_at), ("destroyed", "", Some(NOW + 9)));
    }
    assert!(!s.rewrap_data_key("k1", "m3", "eA==").await.unwrap(), "a destroyed key is never re-wrapped");
}

async fn destructions_and_backups(s: DynStore) {
    let d = |code: &str, version: Option<i64>| Destruction {
        id: 0,
        code: code.into(),
        version,
        org_id: 3,
        reason: "retention ended".into(),
        state: "requested".into(),
        requested_by: 5,
        requested_at: NOW,
        decided_by: None,
        decided_at: None,
        note: None,
        certificate: None,
    };
    let a = s.create_destruction(&d("A/1", None)).await.unwrap();
    let b = s.create_destruction(&d("B/1", Some(2))).await.unwrap();
    assert_eq!(s.list_destructions(None, 10).await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), [b.id, a.id]);
    assert_eq!(s.list_destructions(Some("B/1"), 10).await.unwrap(), vec![b.clone()]);
    assert!(s.decide_destruction(a.id, "done", 9, NOW + 1, None, Some("{\"rows\":3}")).await.unwrap());
    assert!(!s.decide_destruction(a.id, "refused", 9, NOW + 2, Some("late"), None).await.unwrap(), "decided once");
    let got = s.get_destruction(a.id).await.unwrap().unwrap();
    assert_eq!(
        (got.state.as_str(), got.decided_by, got.certificate.as_deref()),
        ("done", Some(9), Some("{\"rows\":3}"))
    );
    assert!(s.get_destruction(999_999).await.unwrap().is_none());

    let bk = |label: &str, at: i64| Backup {
        id: 0,
        label: label.into(),
        location: "vault".into(),
        taken_at: at,
        recorded_by: Some(1),
        recorded_at: NOW,
    };
    let old = s.add_backup(&bk("old", NOW - 100)).await.unwrap();
    let new = s.add_backup(&bk("new", NOW - 10)).await.unwrap();
    assert_eq!(s.list_backups().await.unwrap(), vec![new, old]);
}

/// A test sealer: reversible, marks the column, so a value moved between columns fails.
struct Mark(&'static str);

impl Sealer for Mark {
    fn seal(&self, column: &str, plain: &str) -> zs_types::Result<String> {
        Ok(format!("zsenc1:{}:{column}:{}", self.0, plain.chars().rev().collect::<String>()))
    }
    fn open(&self, column: &str, sealed: &str) -> zs_types::Result<String> {
        let prefix = format!("zsenc1:{}:{column}:", self.0);
        let body = sealed.strip_prefix(&prefix).ok_or_else(|| Error::internal("wrong key or column"))?;
        Ok(body.chars().rev().collect())
    }
}

async fn secrets_sealed_at_rest(s: DynStore) {
    use zs_meta::delivery::Subscription;
    use zs_meta::resources::{LiveSource, Schedule};
    let sched = |spec: &str| Schedule {
        id: 0,
        code: "A".into(),
        kind: "pull.database".into(),
        spec: spec.into(),
        cron: "0 2 * * *".into(),
        enabled: true,
        next_run_at: NOW,
        watermark: None,
        last_run_at: None,
        last_status: None,
        last_message: None,
        failures: 0,
        created_by: Some(1),
        created_at: NOW,
    };
    let secret = r#"{"url":"postgres://u:pw@h/db"}"#;
    // Written before a sealer is installed: stored as given, read back as given.
    let before = s.create_schedule(&sched(secret)).await.unwrap();
    assert_eq!(before.spec, secret);
    assert_eq!(s.reseal_secrets(false).await.unwrap(), 0, "nothing to do without a sealer");

    s.sealing().set(Arc::new(Mark("k1")));
    // Values stored in clear are sealed once.
    assert_eq!(s.reseal_secrets(false).await.unwrap(), 1);
    assert_eq!(s.reseal_secrets(false).await.unwrap(), 0);
    let after = s.create_schedule(&sched(secret)).await.unwrap();
    s.put_live_source(&LiveSource {
        code: "A".into(),
        kind: "database".into(),
        spec: secret.into(),
        timeout_ms: 500,
        created_by: Some(1),
        created_at: NOW,
    })
    .await
    .unwrap();
    let sub = s
        .create_subscription(&Subscription {
            id: 0,
            grant_id: 7,
            code: "C".into(),
            consumer_org_id: 3,
            url: "https://example.org/hook".into(),
            secret: "hook-secret".into(),
            enabled: true,
            created_by: Some(1),
            created_at: NOW,
        })
        .await
        .unwrap();
    // Every reader gets the value.
    assert_eq!(s.get_schedule(before.id).await.unwrap().unwrap().spec, secret);
    assert_eq!(s.get_schedule(after.id).await.unwrap().unwrap().spec, secret);
    assert_eq!(s.live_source("A").await.unwrap().unwrap().spec, secret);
    assert_eq!(s.get_subscription(sub.id).await.unwrap().unwrap().secret, "hook-secret");

    // A different key cannot open them: proof they are stored sealed, not in clear.
    s.sealing().set(Arc::new(Mark("k2")));
    assert!(s.get_schedule(before.id).await.is_err());
    assert!(s.live_source("A").await.is_err());
    assert!(s.get_subscription(sub.id).await.is_err());
    // Back to the right key; re-sealing everything (a key rotation) keeps the values.
    s.sealing().set(Arc::new(Mark("k1")));
    assert!(s.reseal_secrets(true).await.unwrap() >= 4);
    assert_eq!(s.get_schedule(after.id).await.unwrap().unwrap().spec, secret);
}
