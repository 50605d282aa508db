//! The anomaly part of the store contract (alerts, their responses, the detector's cursor, data
//! volume per hour, credential networks) on SQLite (temp file) and PostgreSQL
//! (`ZS_TEST_PG_URL`, one fresh schema per test).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use serde_json::json;
use support::conformance;
use zs_meta::alert::{AlertQuery, AlertResponse, NewAlert};
use zs_meta::DynStore;
use zs_types::{AuditEvent, OrgId, Outcome, UserId};

const NOW: i64 = 1_780_000_000_000;
const HOUR: i64 = 3_600_000;

conformance!("alr"; alerts_dedup_list_and_respond, cursor_volume_and_networks);

fn new_alert(key: &str, path: &str) -> NewAlert {
    NewAlert {
        rule: "volume".into(),
        severity: "high".into(),
        dedup_key: key.into(),
        subject: "grant:5".into(),
        org_id: Some(3),
        org_path: path.into(),
        user_id: Some(4),
        credential_id: Some(9),
        grant_id: Some(5),
        address: Some("10.0.0.0/24".into()),
        facts: json!({ "rows": 50000, "baseline": 120 }),
        first_seq: 10,
        last_seq: 20,
        window_from: NOW - HOUR,
        window_to: NOW,
        created_at: NOW,
    }
}

async fn alerts_dedup_list_and_respond(s: DynStore) {
    let a = s.insert_alert(&new_alert("volume:grant:5:1", "/1/3/")).await.unwrap().unwrap();
    assert_eq!((a.state.as_str(), a.revision, a.facts["rows"].as_i64()), ("open", 0, Some(50000)));
    // The same occurrence again (another node, or after a restart) is not a second alert.
    assert!(s.insert_alert(&new_alert("volume:grant:5:1", "/1/3/")).await.unwrap().is_none());
    let b = s.insert_alert(&new_alert("volume:grant:5:2", "/2/8/")).await.unwrap().unwrap();

    let q = |prefix: &str, states: &[&str]| AlertQuery {
        path_prefix: prefix.into(),
        states: states.iter().map(|s| (*s).to_owned()).collect(),
        rule: None,
        before_id: None,
        limit: 50,
    };
    let all = s.list_alerts(&q("/", &[])).await.unwrap();
    assert_eq!(all.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    assert_eq!(s.list_alerts(&q("/1/", &[])).await.unwrap().len(), 1, "scoped by organisation path");
    let older = AlertQuery { before_id: Some(b.id), ..q("/", &[]) };
    assert_eq!(s.list_alerts(&older).await.unwrap()[0].id, a.id);
    let other_rule = AlertQuery { rule: Some("denials".into()), ..q("/", &[]) };
    assert!(s.list_alerts(&other_rule).await.unwrap().is_empty());
    assert_eq!(s.count_open_alerts("/").await.unwrap(), vec![("high".to_owned(), 2)]);

    let ack = AlertResponse {
        from_states: vec!["open".into()],
        revision: Some(0),
        state: "acknowledged".into(),
        response: "acknowledged".into(),
        reason: None,
        by: Some(77),
        at: NOW + 1,
    };
    assert!(s.respond_alert(a.id, &ack).await.unwrap());
    // A second administrator answering from the same page loses: state and revision moved.
    assert!(!s.respond_alert(a.id, &ack).await.unwrap());
    let dismiss = AlertResponse {
        from_states: vec!["open".into(), "acknowledged".into()],
        revision: None,
        state: "dismissed".into(),
        response: "dismissed".into(),
        reason: Some("scheduled migration".into()),
        by: Some(77),
        at: NOW + 2,
    };
    assert!(s.respond_alert(a.id, &dismiss).await.unwrap());
    assert!(!s.respond_alert(a.id, &dismiss).await.unwrap(), "a closed alert stays closed");
    assert!(!s.respond_alert(987_654, &dismiss).await.unwrap());
    let a = s.get_alert(a.id).await.unwrap().unwrap();
    assert_eq!(
        (a.state.as_str(), a.response.as_deref(), a.reason.as_deref(), a.handled_by, a.handled_at, a.revision),
        ("dismissed", Some("dismissed"), Some("scheduled migration"), Some(77), Some(NOW + 2), 2)
    );
    assert_eq!(s.list_alerts(&q("/", &["open", "acknowledged"])).await.unwrap().len(), 1);
    assert!(s.get_alert(987_654).await.unwrap().is_none());
}

fn call(at: i64, target: &str, outcome: Outcome, rows: i64) -> AuditEvent {
    AuditEvent {
        at: zs_types::clock::from_ms(at),
        request_id: None,
        actor_user: Some(UserId(4)),
        actor_org: Some(OrgId(3)),
        action: "share.data".into(),
        target: Some(target.into()),
        outcome,
        detail: json!({ "op": "list", "rows": rows }),
    }
}

async fn cursor_volume_and_networks(s: DynStore) {
    assert_eq!((s.anomaly_cursor("detector").await.unwrap(), s.audit_max_seq().await.unwrap()), (0, 0));
    let h0 = (NOW / HOUR) * HOUR;
    s.append_audit(&[
        call(h0 + 1, "grant:5", Outcome::Succeeded, 100),
        call(h0 + 2, "grant:5", Outcome::Succeeded, 50),
        call(h0 + 3, "grant:5", Outcome::Failed, 0),
        call(h0 + 4, "grant:6", Outcome::Succeeded, 7),
        call(h0 + HOUR + 5, "grant:5", Outcome::Succeeded, 1),
    ])
    .await
    .unwrap();
    let max = s.audit_max_seq().await.unwrap();
    let recs = s.audit_after(0, 3).await.unwrap();
    assert_eq!(recs.len(), 3);
    assert!(recs.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    assert_eq!(s.audit_after(recs[2].seq, 100).await.unwrap().last().unwrap().seq, max);

    // The cursor only moves forward (another node may be ahead).
    s.advance_anomaly_cursor("detector", 4, NOW).await.unwrap();
    s.advance_anomaly_cursor("detector", 2, NOW).await.unwrap();
    assert_eq!(s.anomaly_cursor("detector").await.unwrap(), 4);
    assert_eq!(s.anomaly_cursor("other").await.unwrap(), 0);

    // One node at a time holds the detector's lease; another takes over when it runs out.
    assert!(s.claim_anomaly_lease("detector", "node-a", NOW, 30_000).await.unwrap());
    assert!(s.claim_anomaly_lease("detector", "node-a", NOW + 10_000, 30_000).await.unwrap(), "renewed");
    assert!(!s.claim_anomaly_lease("detector", "node-b", NOW + 20_000, 30_000).await.unwrap());
    assert!(s.claim_anomaly_lease("detector", "node-b", NOW + 40_001, 30_000).await.unwrap(), "ran out");
    assert!(!s.claim_anomaly_lease("detector", "node-a", NOW + 40_002, 30_000).await.unwrap());
    assert!(s.claim_anomaly_lease("fresh", "node-a", NOW, 30_000).await.unwrap());
    assert_eq!(s.anomaly_cursor("detector").await.unwrap(), 4, "the lease leaves the position alone");

    let v = s.data_volume_by_hour("grant:5", h0, h0 + 2 * HOUR).await.unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!((v[0].hour, v[0].calls, v[0].rows), (h0, 2, 150), "failed calls do not count");
    assert_eq!((v[1].hour, v[1].calls, v[1].rows), (h0 + HOUR, 1, 1));
    assert!(s.data_volume_by_hour("grant:5", h0 + 2 * HOUR, h0 + 3 * HOUR).await.unwrap().is_empty());

    assert!(s.known_networks(9).await.unwrap().is_empty());
    s.touch_network(9, "10.0.0.0/24", 3, NOW).await.unwrap();
    s.touch_network(9, "10.0.0.0/24", 2, NOW - 5).await.unwrap();
    s.touch_network(9, "192.168.1.0/24", 1, NOW + 9).await.unwrap();
    let n = s.known_networks(9).await.unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!((n[0].network.as_str(), n[0].calls, n[0].first_seen, n[0].last_seen), ("10.0.0.0/24", 5, NOW, NOW));
    assert!(s.known_networks(10).await.unwrap().is_empty());
}
