//! The store conformance suite: the same tests against SQLite (temp file) and PostgreSQL
//! (`ZS_TEST_PG_URL`, one fresh schema per test). With `CI=true`, a missing PostgreSQL URL fails.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use support::conformance;
use time::macros::datetime;
use zs_meta::{AuditQuery, DynStore};
use zs_types::clock::to_ms;
use zs_types::model::{NewCredential, NewOrg, NewUser, OrgKind, Session};
use zs_types::{AuditEvent, ErrorCode, OrgId, Outcome, Role, UserId};

const NOW: i64 = 1_780_000_000_000;

conformance!("conf"; governance_rules_runs_and_tickets,
    catalog_entries_versions_and_conflicts,
    job_queue_claims_retries_and_recovery,
    hand_ins_settings_schedules_and_live_sources,
    share_applications_grants_and_usage,
    deliveries_feed_and_notifications,
    migrations_are_idempotent,
    org_tree_and_paths,
    duplicate_codes_rejected,
    users_roundtrip,
    credentials_and_revocation,
    sessions,
    audit_append_only_and_paged,
    audit_ledgered_targets_and_subjects
);

fn org(parent: Option<OrgId>, kind: OrgKind, name: &str, code: &str) -> NewOrg {
    NewOrg { parent_id: parent, kind, name: name.into(), code: code.into(), division_code: "630100".into() }
}

async fn city(s: &DynStore) -> OrgId {
    s.create_org(org(None, OrgKind::City, "西宁市", "630100"), NOW).await.unwrap().id
}

fn new_user(org: OrgId, name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: format!("{name} 显示名"),
        org_id: org,
        role: Role::Steward,
        password_hash: "$argon2id$fake".into(),
        must_change_password: true,
    }
}

async fn migrations_are_idempotent(s: DynStore) {
    let v = s.schema_version().await.unwrap();
    assert!(v >= 1);
    assert_eq!(s.migrate().await.unwrap(), 0, "second run applies nothing");
    assert_eq!(s.schema_version().await.unwrap(), v);
    s.ping().await.unwrap();
}

async fn org_tree_and_paths(s: DynStore) {
    let c = city(&s).await;
    let d = s.create_org(org(Some(c), OrgKind::District, "城东区", "630102"), NOW).await.unwrap();
    let dep =
        s.create_org(org(Some(d.id), OrgKind::Department, "城东区民政局", "11630102MB0000000X"), NOW).await.unwrap();
    assert_eq!(dep.path, format!("/{}/{}/{}/", c.0, d.id.0, dep.id.0));
    let city_org = s.get_org(c).await.unwrap().unwrap();
    assert!(city_org.contains(&dep) && !dep.contains(&city_org));
    let under_d = s.list_orgs(&d.path).await.unwrap();
    assert_eq!(under_d.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["城东区", "城东区民政局"]);
    assert_eq!(s.list_orgs("/").await.unwrap().len(), 3);
    assert_eq!(s.org_by_code("630102").await.unwrap().map(|o| o.id), Some(d.id));
    assert!(s.get_org(OrgId(99_999)).await.unwrap().is_none());
    let e = s.create_org(org(Some(OrgId(99_999)), OrgKind::District, "x", "630199"), NOW).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("parent_id"));
    assert_eq!(s.list_orgs("/").await.unwrap().len(), 3, "failed insert left nothing behind");
}

async fn duplicate_codes_rejected(s: DynStore) {
    let c = city(&s).await;
    s.create_org(org(Some(c), OrgKind::District, "城东区", "630102"), NOW).await.unwrap();
    let e = s.create_org(org(Some(c), OrgKind::District, "城东区二", "630102"), NOW).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists, "{e:?}");
    let e = s.create_org(org(Some(c), OrgKind::District, "城东区", "630103"), NOW).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists, "{e:?}");
}

async fn users_roundtrip(s: DynStore) {
    let c = city(&s).await;
    let u = s.create_user(new_user(c, "Zhang.San"), NOW).await.unwrap();
    assert!(u.must_change_password && !u.disabled && u.failed_logins == 0);
    assert_eq!(s.user_by_username("zhang.san").await.unwrap().map(|x| x.id), Some(u.id));
    let e = s.create_user(new_user(c, "ZHANG.SAN"), NOW).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists, "user names are case-insensitive");
    s.set_login_failures(u.id, 3, Some(NOW + 60_000)).await.unwrap();
    let got = s.get_user(u.id).await.unwrap().unwrap();
    assert_eq!((got.failed_logins, got.locked_until.map(to_ms)), (3, Some(NOW + 60_000)));
    s.set_password(u.id, "$argon2id$new", false).await.unwrap();
    let got = s.get_user(u.id).await.unwrap().unwrap();
    assert_eq!((got.failed_logins, got.locked_until, got.must_change_password), (0, None, false));
    assert_eq!(got.password_hash, "$argon2id$new");
    s.set_user_disabled(u.id, true).await.unwrap();
    assert!(s.get_user(u.id).await.unwrap().unwrap().disabled);
    assert_eq!(s.set_user_disabled(UserId(424_242), true).await.unwrap_err().code, ErrorCode::NotFound);
    let city_org = s.get_org(c).await.unwrap().unwrap();
    assert_eq!(s.list_users(&city_org.path).await.unwrap().len(), 1);
    assert_eq!(s.list_users("/999999/").await.unwrap().len(), 0);
}

async fn credentials_and_revocation(s: DynStore) {
    let c = city(&s).await;
    let u = s.create_user(new_user(c, "svc"), NOW).await.unwrap();
    let cred = s
        .create_credential(
            NewCredential {
                user_id: u.id,
                name: "nightly sync".into(),
                token_prefix: "zs_abcd".into(),
                token_hash: "h1".into(),
                scopes: vec!["org.read".into(), "user.*".into()],
                expires_at: Some(datetime!(2030-01-01 0:00 UTC)),
            },
            NOW,
        )
        .await
        .unwrap();
    let got = s.credential_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(got, cred);
    assert_eq!(got.scopes, ["org.read", "user.*"]);
    // Suspension is reversible and separate from revocation.
    assert!(s.suspend_credential(cred.id, NOW + 1, "告警 3").await.unwrap());
    assert!(!s.suspend_credential(cred.id, NOW + 2, "again").await.unwrap(), "already suspended");
    let got = s.get_credential(cred.id).await.unwrap().unwrap();
    assert_eq!((got.suspended_at.map(to_ms), got.suspend_reason.as_deref()), (Some(NOW + 1), Some("告警 3")));
    assert!(s.reinstate_credential(cred.id).await.unwrap());
    assert!(!s.reinstate_credential(cred.id).await.unwrap(), "not suspended any more");
    let got = s.get_credential(cred.id).await.unwrap().unwrap();
    assert_eq!((got.suspended_at, got.suspend_reason), (None, None));
    assert!(s.revoke_credential(cred.id, NOW + 5).await.unwrap());
    assert!(!s.suspend_credential(cred.id, NOW + 6, "x").await.unwrap(), "a revoked credential is not suspended");
    assert!(s.revoke_credential(cred.id, NOW + 9).await.unwrap());
    let got = s.get_credential(cred.id).await.unwrap().unwrap();
    assert_eq!(got.revoked_at.map(to_ms), Some(NOW + 5), "first revocation time is kept");
    assert!(!s.revoke_credential(zs_types::CredentialId(77_777), NOW).await.unwrap());
    assert_eq!(s.list_credentials("/").await.unwrap().len(), 1);
}

async fn sessions(s: DynStore) {
    let c = city(&s).await;
    let u = s.create_user(new_user(c, "sess"), NOW).await.unwrap();
    let sess = Session {
        token_hash: "t1".into(),
        user_id: u.id,
        created_at: zs_types::clock::from_ms(NOW),
        expires_at: zs_types::clock::from_ms(NOW + 3_600_000),
    };
    s.create_session(&sess).await.unwrap();
    s.create_session(&Session { token_hash: "t2".into(), ..sess.clone() }).await.unwrap();
    assert_eq!(s.session_by_hash("t1").await.unwrap(), Some(sess));
    s.delete_session("t1").await.unwrap();
    assert!(s.session_by_hash("t1").await.unwrap().is_none());
    s.delete_user_sessions(u.id).await.unwrap();
    assert!(s.session_by_hash("t2").await.unwrap().is_none());
}

async fn audit_append_only_and_paged(s: DynStore) {
    let ev = |i: i64, action: &str| AuditEvent {
        at: zs_types::clock::from_ms(NOW + i),
        request_id: Some(format!("req-{i}")),
        actor_user: Some(UserId(1)),
        actor_org: Some(OrgId(1)),
        action: action.into(),
        target: Some(format!("user:{i}")),
        outcome: if i % 2 == 0 { Outcome::Allowed } else { Outcome::Denied },
        detail: serde_json::json!({ "n": i }),
    };
    let batch: Vec<_> = (0..10).map(|i| ev(i, if i < 5 { "auth.login" } else { "user_create" })).collect();
    s.append_audit(&batch).await.unwrap();
    let all = s.list_audit(&AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(all[0].event, batch[9], "newest first, stored exactly");
    let page =
        s.list_audit(&AuditQuery { limit: 3, before_seq: Some(all[2].seq), ..Default::default() }).await.unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [all[3].seq, all[4].seq, all[5].seq]);
    let auth = s
        .list_audit(&AuditQuery { limit: 100, action_prefix: Some("auth.".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(auth.len(), 5);
    // `_` is literal, not a wildcard: "user_" must not match "userXcreate"-style rows.
    let under = s
        .list_audit(&AuditQuery { limit: 100, action_prefix: Some("user_".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(under.len(), 5);
}

async fn catalog_entries_versions_and_conflicts(s: DynStore) {
    use zs_meta::catalog::{EntryChange, EventRow, NewEntry};
    let c = city(&s).await;
    let new = |name: &str| NewEntry {
        prefix: "101001000".into(),
        org_id: c.0,
        name: name.into(),
        body: "{}".into(),
        actor_id: 1,
        at: NOW,
        reason: None,
    };
    let rows = s.create_entries(vec![new("甲"), new("乙")]).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["101001000/000001", "101001000/000002"]);
    // All or nothing: a duplicate name in a batch leaves no entry and no consumed sequence.
    let e = s.create_entries(vec![new("丙"), new("甲")]).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::AlreadyExists, Some("name")));
    assert!(s.entry_by_code("101001000/000003").await.unwrap().is_none());
    assert_eq!(s.create_entries(vec![new("丙")]).await.unwrap()[0].code, "101001000/000003");
    let first = rows[0].clone();
    let v1 = s.get_version(first.id, 1).await.unwrap().unwrap();
    assert_eq!((v1.state.as_str(), v1.body.as_str()), ("draft", "{}"));
    let change = |row: &zs_meta::catalog::EntryRow| EntryChange {
        entry: zs_meta::catalog::EntryRow { status: "submitted".into(), updated_at: NOW + 1, ..row.clone() },
        insert_versions: vec![],
        update_versions: vec![zs_meta::catalog::VersionRow {
            state: "submitted".into(),
            submitted_by: Some(1),
            submitted_at: Some(NOW + 1),
            ..v1.clone()
        }],
        event: EventRow {
            entry_id: row.id,
            version: 1,
            action: "submit".into(),
            actor_id: Some(1),
            at: NOW + 1,
            reason: None,
        },
        fulfil_obligations: None,
    };
    let after = s.apply_change(change(&first)).await.unwrap();
    assert_eq!((after.status.as_str(), after.revision), ("submitted", first.revision + 1));
    // The same decision based on the stale row is refused, not applied twice.
    assert_eq!(s.apply_change(change(&first)).await.unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(
        s.list_events(first.id).await.unwrap().iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["create", "submit"]
    );
    let shown = s.list_entries_shown(0, 10).await.unwrap();
    assert_eq!(shown.len(), 3);
    assert_eq!(shown[0].1.state, "submitted");
    assert_eq!(s.list_pending_review("/").await.unwrap().len(), 1);
}

async fn job_queue_claims_retries_and_recovery(s: DynStore) {
    use zs_meta::jobs::NewJob;
    let job = |key: Option<&str>, run_after: i64| NewJob {
        kind: "ingest.file".into(),
        subject: Some("resource:1".into()),
        payload: "{}".into(),
        max_attempts: 2,
        run_after,
        idempotency_key: key.map(str::to_owned),
        created_by: Some(1),
    };
    let (a, created) = s.enqueue(job(Some("batch-1"), NOW), NOW).await.unwrap();
    assert!(created && a.state == "queued");
    let (again, created) = s.enqueue(job(Some("batch-1"), NOW), NOW + 5).await.unwrap();
    assert!(!created && again.id == a.id, "a retried request enqueues once");
    let (later, _) = s.enqueue(job(None, NOW + 60_000), NOW).await.unwrap();
    // Only ready jobs are claimed, oldest first.
    let c = s.claim("w1", NOW).await.unwrap().unwrap();
    assert_eq!((c.id, c.state.as_str(), c.attempts, c.worker.as_deref()), (a.id, "running", 1, Some("w1")));
    assert!(s.claim("w2", NOW).await.unwrap().is_none(), "the other job is not due yet");
    s.set_progress(a.id, 420, Some("420,000 rows"), NOW + 1).await.unwrap();
    assert_eq!(s.get_job(a.id).await.unwrap().unwrap().progress, 420);
    // Back-off: queued again until its time; the last attempt fails it for good.
    assert_eq!(s.retry_later(a.id, NOW + 1000, "source timed out", NOW + 2).await.unwrap(), "queued");
    assert!(s.claim("w1", NOW + 500).await.unwrap().is_none());
    let c = s.claim("w1", NOW + 1000).await.unwrap().unwrap();
    assert_eq!((c.id, c.attempts), (a.id, 2));
    assert_eq!(s.retry_later(a.id, NOW + 5000, "source timed out", NOW + 1001).await.unwrap(), "failed");
    assert_eq!(s.set_progress(a.id, 1, None, NOW).await.unwrap_err().code, ErrorCode::Conflict);
    // A crash while running: recovery re-queues it (attempts left) or fails it.
    let c = s.claim("w1", NOW + 60_000).await.unwrap().unwrap();
    assert_eq!(c.id, later.id);
    let (requeued, failed) = s.recover_interrupted(NOW + 70_000).await.unwrap();
    assert_eq!((requeued, failed), (1, 0));
    let j = s.get_job(later.id).await.unwrap().unwrap();
    assert_eq!((j.state.as_str(), j.message.as_deref()), ("queued", Some("interrupted by a restart; queued again")));
    let c = s.claim("w2", NOW + 70_000).await.unwrap().unwrap();
    s.finish(c.id, true, "1,000,000 rows, 12 rejected", NOW + 80_000).await.unwrap();
    let j = s.get_job(c.id).await.unwrap().unwrap();
    assert_eq!((j.state.as_str(), j.progress, j.finished_at), ("succeeded", 1000, Some(NOW + 80_000)));
    assert_eq!(s.list_jobs(Some("resource:1"), 10).await.unwrap().len(), 2);
    // Concurrent workers never claim the same job.
    for i in 0..20 {
        s.enqueue(job(Some(&format!("k{i}")), NOW), NOW).await.unwrap();
    }
    let mut handles = Vec::new();
    for w in 0..6 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = s.claim(&format!("w{w}"), NOW + 100_000).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (20, 20), "each of 20 jobs claimed exactly once");
}

async fn hand_ins_settings_schedules_and_live_sources(s: DynStore) {
    use zs_meta::resources::*;
    let h = |code: &str, version: Option<i64>, outcome: &str, channel: &str, at: i64| HandIn {
        id: 0,
        code: code.into(),
        entry_id: 7,
        org_id: 3,
        channel: channel.into(),
        mode: "append".into(),
        actor_user: Some(1),
        actor_name: "steward".into(),
        outcome: outcome.into(),
        version,
        total_rows: version.map(|v| v * 10),
        rows_read: 12,
        rows_written: if outcome == "committed" { 10 } else { 0 },
        rows_rejected: 2,
        message: None,
        rejects_file: Some("rejects/1.csv".into()),
        job_id: None,
        lineage: None,
        started_at: at - 5,
        finished_at: at,
    };
    let a = s.record_hand_in(&h("A", Some(1), "committed", "upload", NOW)).await.unwrap();
    assert!(a.id > 0 && a.rejects_file.as_deref() == Some("rejects/1.csv"));
    s.record_hand_in(&h("A", None, "batch_rejected", "push", NOW + 1)).await.unwrap();
    let b = s.record_hand_in(&h("A", Some(2), "committed", "push", NOW + 2)).await.unwrap();
    s.record_hand_in(&h("B", Some(1), "committed", "cli", NOW + 3)).await.unwrap();
    // The same version of the same resource cannot be recorded twice.
    let dup = s.record_hand_in(&h("A", Some(2), "committed", "push", NOW + 4)).await.unwrap_err();
    assert_eq!(dup.code, ErrorCode::AlreadyExists);
    assert_eq!(s.get_hand_in(b.id).await.unwrap().unwrap(), b);
    let list = s.list_hand_ins(Some("A"), None, 10).await.unwrap();
    assert_eq!(list.iter().map(|x| x.version).collect::<Vec<_>>(), vec![Some(2), None, Some(1)]);
    assert_eq!(s.list_hand_ins(Some("A"), Some(b.id), 1).await.unwrap()[0].outcome, "batch_rejected");
    let latest = s.latest_versions().await.unwrap();
    assert_eq!(
        latest.iter().map(|x| (x.code.as_str(), x.version)).collect::<Vec<_>>(),
        vec![("A", Some(2)), ("B", Some(1))]
    );
    let totals = s.hand_in_totals(NOW, NOW + 3).await.unwrap();
    let push = totals.iter().find(|t| t.code == "A" && t.channel == "push").unwrap();
    assert_eq!((push.hand_ins, push.committed, push.rows_read, push.rows_rejected), (2, 1, 24, 4));
    assert_eq!(push.last_committed_at, Some(NOW + 2));
    assert!(!totals.iter().any(|t| t.code == "B"), "B finished outside the period");

    assert_eq!(s.resource_settings("A").await.unwrap(), None);
    let mut set = ResourceSettings {
        code: "A".into(),
        mapping: r#"{"证件号":"id_number"}"#.into(),
        max_error_rate: Some(0.1),
        keep_versions: None,
        updated_by: Some(1),
        updated_at: NOW,
    };
    s.put_resource_settings(&set).await.unwrap();
    set.max_error_rate = None;
    set.keep_versions = Some(5);
    s.put_resource_settings(&set).await.unwrap();
    assert_eq!(s.resource_settings("A").await.unwrap().unwrap(), set);

    let sched = Schedule {
        id: 0,
        code: "A".into(),
        kind: "pull.database".into(),
        spec: "{}".into(),
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
    let sc = s.create_schedule(&sched).await.unwrap();
    assert_eq!(s.due_schedules(NOW - 1).await.unwrap().len(), 0);
    assert_eq!(s.due_schedules(NOW).await.unwrap()[0].id, sc.id);
    assert!(s.advance_schedule(sc.id, NOW, NOW + 86_400_000).await.unwrap());
    assert!(!s.advance_schedule(sc.id, NOW, NOW + 86_400_000).await.unwrap(), "a run is started once");
    s.record_schedule_run(sc.id, NOW, "succeeded", "10 rows", 0, Some("2026-11-01")).await.unwrap();
    s.record_schedule_run(sc.id, NOW + 1, "failed", "timeout", 1, None).await.unwrap();
    let got = s.get_schedule(sc.id).await.unwrap().unwrap();
    assert_eq!(
        (got.watermark.as_deref(), got.failures, got.last_status.as_deref()),
        (Some("2026-11-01"), 1, Some("failed"))
    );
    assert!(s.set_schedule_enabled(sc.id, false).await.unwrap());
    assert!(s.due_schedules(NOW + 100_000_000).await.unwrap().is_empty());
    assert_eq!(s.list_schedules(Some("A")).await.unwrap().len(), 1);
    assert!(s.delete_schedule(sc.id).await.unwrap());
    assert!(s.list_schedules(None).await.unwrap().is_empty());

    let live = LiveSource {
        code: "C".into(),
        kind: "database".into(),
        spec: "{}".into(),
        timeout_ms: 2000,
        created_by: Some(1),
        created_at: NOW,
    };
    s.put_live_source(&live).await.unwrap();
    s.put_live_source(&LiveSource { timeout_ms: 500, ..live.clone() }).await.unwrap();
    assert_eq!(s.live_source("C").await.unwrap().unwrap().timeout_ms, 500);
    assert_eq!(s.probe_stats("C", 0).await.unwrap(), ProbeStats::default());
    s.record_probe("C", NOW, true, 10, 1, None).await.unwrap();
    s.record_probe("C", NOW + 1, false, 30, 0, Some("timeout")).await.unwrap();
    let st = s.probe_stats("C", NOW).await.unwrap();
    assert_eq!((st.calls, st.failures, st.max_latency_ms), (2, 1, 30));
    assert!((st.mean_latency_ms - 20.0).abs() < 1e-9);
    assert_eq!(s.list_live_sources().await.unwrap().len(), 1);
    assert!(s.delete_live_source("C").await.unwrap());
}

async fn governance_rules_runs_and_tickets(s: DynStore) {
    use zs_meta::govern::{RuleSetRow, RunRow, TicketEventRow, TicketQuery, TicketRow};
    // Rule sets: insert, replace, list.
    assert!(s.rule_set("A/1").await.unwrap().is_none());
    let rs = RuleSetRow { code: "A/1".into(), rules: "[]".into(), updated_by: Some(3), updated_at: NOW };
    s.put_rule_set(&rs).await.unwrap();
    s.put_rule_set(&RuleSetRow { rules: "[{\"id\":\"x\"}]".into(), ..rs.clone() }).await.unwrap();
    assert_eq!(s.rule_set("A/1").await.unwrap().unwrap().rules, "[{\"id\":\"x\"}]");
    assert_eq!(s.list_rule_sets().await.unwrap().len(), 1);

    // Authoritative sources (一数一源): one per element, re-designation replaces, delete.
    use zs_meta::govern::AuthorityRow;
    let a = AuthorityRow {
        element: "DE01002".into(),
        resource: "A/1".into(),
        key_element: "DE01001".into(),
        note: "户籍登记".into(),
        designated_by: Some(3),
        designated_at: NOW,
    };
    s.put_authority(&a).await.unwrap();
    s.put_authority(&AuthorityRow { resource: "B/2".into(), ..a.clone() }).await.unwrap();
    s.put_authority(&AuthorityRow { element: "DE02003".into(), key_element: "DE02001".into(), ..a.clone() })
        .await
        .unwrap();
    let all = s.list_authorities().await.unwrap();
    assert_eq!(
        all.iter().map(|x| (x.element.as_str(), x.resource.as_str())).collect::<Vec<_>>(),
        [("DE01002", "B/2"), ("DE02003", "A/1")]
    );
    assert!(s.delete_authority("DE02003").await.unwrap());
    assert!(!s.delete_authority("DE02003").await.unwrap());
    assert_eq!(s.list_authorities().await.unwrap().len(), 1);

    // Runs: one per version, a re-check replaces it, latest per resource.
    let run = |code: &str, version: i64, overall: Option<f64>| RunRow {
        id: 0,
        code: code.into(),
        entry_id: 1,
        org_id: 7,
        version,
        hand_in_id: Some(version),
        trigger: "hand_in".into(),
        rows: 100,
        blocked: 2,
        files_scanned: 1,
        completeness: Some(99.5),
        validity: Some(97.25),
        uniqueness: None,
        consistency: Some(100.0),
        timeliness: None,
        overall,
        result: "{}".into(),
        ran_at: NOW,
    };
    let r1 = s.put_run(&run("A/1", 1, Some(98.9))).await.unwrap();
    assert!(r1.id > 0);
    assert_eq!((r1.validity, r1.uniqueness), (Some(97.25), None));
    s.put_run(&run("A/1", 2, Some(90.0))).await.unwrap();
    s.put_run(&run("B/1", 1, Some(80.0))).await.unwrap();
    let again =
        s.put_run(&RunRow { trigger: "recheck".into(), hand_in_id: None, ..run("A/1", 2, Some(95.0)) }).await.unwrap();
    assert_eq!((again.trigger.as_str(), again.overall, again.hand_in_id), ("recheck", Some(95.0), Some(2)));
    let runs = s.list_runs("A/1", 10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.version).collect::<Vec<_>>(), vec![2, 1]);
    let latest = s.latest_runs().await.unwrap();
    assert_eq!(latest.iter().map(|r| (r.code.as_str(), r.version)).collect::<Vec<_>>(), vec![("A/1", 2), ("B/1", 1)]);
    assert_eq!(s.run_of("A/1", 1).await.unwrap().unwrap().overall, Some(98.9));

    // Tickets: create with an event, find the open one of a rule, optimistic updates, list.
    let t = TicketRow {
        id: 0,
        code: "A/1".into(),
        entry_id: 1,
        org_id: 7,
        kind: "rule".into(),
        rule_key: Some("id_gb11643".into()),
        field: Some("id_number".into()),
        version: Some(1),
        latest_version: Some(1),
        state: "open".into(),
        severity: "error".into(),
        title: "t".into(),
        detail: "d".into(),
        failed: 3,
        record_key: None,
        deadline: "2026-12-04".into(),
        opened_by: None,
        opened_at: NOW,
        updated_at: NOW,
        closed_at: None,
        dispute_reason: None,
        resolution: None,
        revision: 1,
    };
    let ev = |action: &str, state: &str| TicketEventRow {
        id: 0,
        ticket_id: 0,
        at: NOW,
        actor_user: None,
        actor_name: "platform".into(),
        action: action.into(),
        state: state.into(),
        note: None,
    };
    let created = s.create_ticket(&t, &ev("open", "open")).await.unwrap();
    assert_eq!(created.revision, 1);
    let found = s.open_ticket_for_rule("A/1", "id_gb11643").await.unwrap().unwrap();
    assert_eq!(found.id, created.id);
    let mut next = found.clone();
    next.state = "acknowledged".into();
    next.revision = 2;
    assert!(s.update_ticket(&next, &ev("acknowledge", "acknowledged")).await.unwrap());
    // A stale writer loses.
    let mut stale = found.clone();
    stale.state = "disputed".into();
    stale.revision = 2;
    assert!(!s.update_ticket(&stale, &ev("dispute", "disputed")).await.unwrap());
    let mut closed = next.clone();
    closed.state = "closed".into();
    closed.closed_at = Some(NOW + 1);
    closed.resolution = Some("ok".into());
    closed.revision = 3;
    assert!(s.update_ticket(&closed, &ev("close", "closed")).await.unwrap());
    assert!(s.open_ticket_for_rule("A/1", "id_gb11643").await.unwrap().is_none());
    let got = s.get_ticket(created.id).await.unwrap().unwrap();
    assert_eq!((got.state.as_str(), got.closed_at, got.resolution.as_deref()), ("closed", Some(NOW + 1), Some("ok")));
    let events = s.ticket_events(created.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["open", "acknowledge", "close"]);
    let other =
        s.create_ticket(&TicketRow { org_id: 8, code: "B/1".into(), ..t.clone() }, &ev("open", "open")).await.unwrap();
    let all = s.list_tickets(&TicketQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(all.iter().map(|t| t.id).collect::<Vec<_>>(), vec![other.id, created.id]);
    let open = s.list_tickets(&TicketQuery { open_only: true, limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(open.len(), 1);
    let dept = s.list_tickets(&TicketQuery { org_ids: Some(vec![7]), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(dept.len(), 1);
    let by_code =
        s.list_tickets(&TicketQuery { code: Some("B/1".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(by_code.len(), 1);
    assert!(s.schema_version().await.unwrap() >= 5);
}

async fn share_applications_grants_and_usage(s: DynStore) {
    use zs_meta::share::*;
    let app = |org: i64, due: Option<&str>| Application {
        id: 0,
        code: "101001000/000001".into(),
        entry_id: 7,
        provider_org_id: 3,
        provider_path: "/1/3/".into(),
        applicant_user: 9,
        applicant_org_id: org,
        applicant_path: format!("/1/{org}/"),
        fields: r#"["name","district"]"#.into(),
        purpose: "核验低保资格".into(),
        scenario: "社会救助审批".into(),
        legal_basis: "《社会救助暂行办法》".into(),
        until_date: "2027-06-30".into(),
        calls_per_day: 1000,
        rows_per_day: 50_000,
        share_kind: "conditional".into(),
        state: "ignored".into(),
        due_date: due.map(str::to_owned),
        escalated_at: None,
        decided_by: None,
        decided_at: None,
        decision_note: None,
        grant_id: None,
        created_at: NOW,
    };
    let a = s.create_application(&app(5, Some("2026-12-04"))).await.unwrap();
    assert!(a.id > 0 && a.state == "pending" && a.grant_id.is_none());
    let b = s.create_application(&app(6, Some("2026-12-10"))).await.unwrap();
    assert_eq!(s.get_application(a.id).await.unwrap().unwrap(), a);
    assert!(s.get_application(987_654).await.unwrap().is_none());

    // Listing by applicant, provider, path, state and overdue.
    let q = |f: fn(&mut ApplicationQuery)| {
        let mut q = ApplicationQuery { limit: 100, ..Default::default() };
        f(&mut q);
        q
    };
    assert_eq!(s.list_applications(&q(|q| q.applicant_org = Some(5))).await.unwrap(), vec![a.clone()]);
    let by_provider = s.list_applications(&q(|q| q.provider_org = Some(3))).await.unwrap();
    assert_eq!(by_provider.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    assert_eq!(s.list_applications(&q(|q| q.provider_path = Some("/1/".into()))).await.unwrap().len(), 2);
    assert!(s.list_applications(&q(|q| q.provider_path = Some("/2/".into()))).await.unwrap().is_empty());
    let overdue = s.list_applications(&q(|q| q.due_before = Some("2026-12-05".into()))).await.unwrap();
    assert_eq!(overdue.iter().map(|x| x.id).collect::<Vec<_>>(), vec![a.id]);

    // Escalation marks each overdue application once.
    let marked = s.escalate_overdue("2026-12-05", NOW + 10).await.unwrap();
    assert_eq!(marked.iter().map(|x| (x.id, x.escalated_at)).collect::<Vec<_>>(), vec![(a.id, Some(NOW + 10))]);
    assert!(s.escalate_overdue("2026-12-05", NOW + 20).await.unwrap().is_empty());

    // A grant decision makes the grant in the same transaction; a second decision conflicts.
    let g = Grant {
        id: 0,
        application_id: None,
        code: a.code.clone(),
        entry_id: 7,
        provider_org_id: 3,
        provider_path: "/1/3/".into(),
        consumer_org_id: 5,
        consumer_path: "/1/5/".into(),
        fields: r#"["name"]"#.into(),
        row_filter: r#"[{"item":"district","value":"630102"}]"#.into(),
        masking: r#"{"name":"name"}"#.into(),
        valid_from: NOW,
        valid_until: NOW + 86_400_000,
        calls_per_day: 2,
        rows_per_day: 10,
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        suspended_at: None,
        suspended_by: None,
        suspend_reason: None,
        created_by: Some(4),
        created_at: NOW + 30,
    };
    let d = Decision {
        state: "granted".into(),
        decided_by: Some(4),
        decided_at: NOW + 30,
        note: Some("只给姓名".into()),
        grant: Some(g.clone()),
    };
    let (decided, made) = s.decide_application(a.id, &d).await.unwrap();
    let made = made.unwrap();
    assert_eq!(decided.state, "granted");
    assert_eq!(decided.grant_id, Some(made.id));
    assert_eq!(made.application_id, Some(a.id));
    assert_eq!((made.fields.as_str(), made.row_filter.as_str()), (g.fields.as_str(), g.row_filter.as_str()));
    let again = s.decide_application(a.id, &d).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    assert_eq!(
        s.list_grants(&GrantQuery { limit: 10, ..Default::default() }).await.unwrap().len(),
        1,
        "the failed decision made no grant"
    );
    let refused = Decision {
        state: "refused".into(),
        decided_by: Some(4),
        decided_at: NOW + 40,
        note: Some("无依据".into()),
        grant: None,
    };
    let (r, none) = s.decide_application(b.id, &refused).await.unwrap();
    assert!(none.is_none() && r.state == "refused" && r.decision_note.as_deref() == Some("无依据"));
    assert!(s.escalate_overdue("2027-01-01", NOW + 50).await.unwrap().is_empty(), "decided ones are not overdue");

    // Grants: lookup, listing, revocation once.
    assert_eq!(s.get_grant(made.id).await.unwrap().unwrap(), made);
    assert_eq!(
        s.list_grants(&GrantQuery { consumer_org: Some(5), limit: 10, ..Default::default() }).await.unwrap().len(),
        1
    );
    assert!(s
        .list_grants(&GrantQuery { consumer_org: Some(6), limit: 10, ..Default::default() })
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.list_grants(&GrantQuery { path: Some("/1/5/".into()), limit: 10, ..Default::default() }).await.unwrap().len(),
        1
    );
    assert!(s.suspend_grant(made.id, NOW + 40, 9, "security alert 2: 异常").await.unwrap());
    assert!(!s.suspend_grant(made.id, NOW + 41, 9, "again").await.unwrap());
    let g2 = s.get_grant(made.id).await.unwrap().unwrap();
    assert_eq!((g2.suspended_at, g2.suspended_by), (Some(NOW + 40), Some(9)));
    assert!(s.reinstate_grant(made.id).await.unwrap());
    assert!(!s.reinstate_grant(made.id).await.unwrap());
    assert_eq!(s.get_grant(made.id).await.unwrap().unwrap().suspended_at, None);
    assert!(s.revoke_grant(made.id, NOW + 60, 4, "停止使用").await.unwrap());
    assert!(!s.suspend_grant(made.id, NOW + 61, 9, "x").await.unwrap(), "revoked: final");
    assert!(!s.revoke_grant(made.id, NOW + 70, 4, "again").await.unwrap());
    let revoked = s.get_grant(made.id).await.unwrap().unwrap();
    assert_eq!((revoked.revoked_at, revoked.revoke_reason.as_deref()), (Some(NOW + 60), Some("停止使用")));

    // Usage: calls counted up to the limit, rows added, days separate.
    assert_eq!(s.usage(made.id, "2026-12-01").await.unwrap(), Usage::default());
    assert_eq!(s.reserve_call(made.id, "2026-12-01", 2).await.unwrap(), Some(Usage { calls: 1, rows: 0 }));
    s.add_rows(made.id, "2026-12-01", 7).await.unwrap();
    assert_eq!(s.reserve_call(made.id, "2026-12-01", 2).await.unwrap(), Some(Usage { calls: 2, rows: 7 }));
    assert_eq!(s.reserve_call(made.id, "2026-12-01", 2).await.unwrap(), None, "third call over the limit");
    assert_eq!(s.usage(made.id, "2026-12-01").await.unwrap(), Usage { calls: 2, rows: 7 });
    assert_eq!(s.reserve_call(made.id, "2026-12-02", 2).await.unwrap(), Some(Usage { calls: 1, rows: 0 }));
    assert_eq!(s.reserve_call(made.id, "2026-12-03", 0).await.unwrap(), None, "a zero quota allows nothing");
    // Batches of in-memory counts add up, creating the day when needed.
    assert_eq!(s.add_usage(made.id, "2026-12-01", 5, 3).await.unwrap(), Usage { calls: 7, rows: 10 });
    assert_eq!(s.add_usage(made.id, "2026-12-04", 2, 1).await.unwrap(), Usage { calls: 2, rows: 1 });
    assert_eq!(s.usage(made.id, "2026-12-04").await.unwrap(), Usage { calls: 2, rows: 1 });
}

async fn deliveries_feed_and_notifications(s: DynStore) {
    use zs_meta::delivery::*;
    // Plans: scheduled ones come due, and only one node moves a run time.
    let plan = DeliveryPlan {
        id: 0,
        grant_id: 7,
        consumer_org_id: 3,
        kind: "changes".into(),
        format: "postgres".into(),
        secret: Some("v1:sealed".into()),
        target_hint: Some("postgres://u@h/db".into()),
        target_table: Some("s.people".into()),
        every_minutes: Some(60),
        next_run_at: Some(NOW),
        enabled: true,
        created_by: Some(1),
        created_at: NOW,
    };
    let p = s.create_delivery_plan(&plan).await.unwrap();
    assert_eq!(s.get_delivery_plan(p.id).await.unwrap().unwrap().secret.as_deref(), Some("v1:sealed"));
    assert!(s.due_delivery_plans(NOW - 1).await.unwrap().is_empty());
    assert_eq!(s.due_delivery_plans(NOW).await.unwrap().len(), 1);
    assert!(s.advance_delivery_plan(p.id, NOW, NOW + 3_600_000).await.unwrap());
    assert!(!s.advance_delivery_plan(p.id, NOW, NOW + 3_600_000).await.unwrap(), "moved once");
    assert!(s.due_delivery_plans(NOW).await.unwrap().is_empty());
    assert!(s.set_delivery_plan_enabled(p.id, false).await.unwrap());
    assert!(s.due_delivery_plans(NOW + 3_600_000).await.unwrap().is_empty(), "a plan switched off never runs");
    assert_eq!(s.list_delivery_plans(7).await.unwrap().len(), 1);

    // Deliveries: queue, exclusive claim, finish, recovery, last delivered version per plan.
    let new = |plan: Option<i64>| Delivery {
        id: 0,
        grant_id: 7,
        plan_id: plan,
        code: "101001000/000001".into(),
        provider_org_id: 2,
        consumer_org_id: 3,
        kind: "changes".into(),
        format: "csv".into(),
        state: String::new(),
        from_version: None,
        to_version: None,
        rows_total: 0,
        rows_added: 0,
        rows_changed: 0,
        rows_deleted: 0,
        digest: None,
        file_name: None,
        bytes: 0,
        message: None,
        worker: None,
        requested_by: Some(1),
        created_at: NOW,
        started_at: None,
        finished_at: None,
    };
    let a = s.enqueue_delivery(&new(None)).await.unwrap();
    let b = s.enqueue_delivery(&new(Some(p.id))).await.unwrap();
    assert_eq!(a.state, "queued");
    let c1 = s.claim_delivery("w1", NOW).await.unwrap().unwrap();
    assert_eq!((c1.id, c1.state.as_str(), c1.worker.as_deref()), (a.id, "running", Some("w1")));
    let c2 = s.claim_delivery("w2", NOW).await.unwrap().unwrap();
    assert_eq!(c2.id, b.id);
    assert!(s.claim_delivery("w3", NOW).await.unwrap().is_none(), "nothing left to claim");
    let done = DeliveryResult {
        from_version: Some(1),
        to_version: Some(3),
        rows_total: 5,
        rows_added: 2,
        rows_changed: 2,
        rows_deleted: 1,
        digest: Some("ab".repeat(32)),
        file_name: Some("f.csv".into()),
        bytes: 99,
        message: None,
    };
    s.finish_delivery(a.id, true, &done, NOW + 5).await.unwrap();
    let got = s.get_delivery(a.id).await.unwrap().unwrap();
    assert_eq!((got.state.as_str(), got.to_version, got.rows_deleted, got.bytes), ("succeeded", Some(3), 1, 99));
    assert_eq!(s.last_delivered_version(7, None).await.unwrap(), Some(3));
    assert_eq!(s.last_delivered_version(7, Some(p.id)).await.unwrap(), None, "per plan");
    assert_eq!(s.requeue_running_deliveries().await.unwrap(), 1, "b was left running");
    assert_eq!(s.claim_delivery("w4", NOW).await.unwrap().unwrap().id, b.id);
    s.finish_delivery(b.id, false, &DeliveryResult { message: Some("refused".into()), ..Default::default() }, NOW)
        .await
        .unwrap();
    assert_eq!(s.last_delivered_version(7, Some(p.id)).await.unwrap(), None, "a failed delivery delivered nothing");
    let list = s.list_deliveries(7, 10).await.unwrap();
    assert_eq!(list.iter().map(|d| d.id).collect::<Vec<_>>(), vec![b.id, a.id]);

    // The change feed: once per version, read after a cursor.
    let ch = |v: i64| Change {
        id: 0,
        code: "C".into(),
        version: v,
        parent: v.checked_sub(1).filter(|p| *p > 0),
        mode: "append".into(),
        committed_at: NOW,
    };
    let (c1, fresh) = s.add_change(&ch(1)).await.unwrap();
    assert!(fresh);
    let (again, fresh) = s.add_change(&ch(1)).await.unwrap();
    assert_eq!((again.id, fresh), (c1.id, false));
    let (c2, _) = s.add_change(&ch(2)).await.unwrap();
    assert_eq!(s.list_changes("C", 0, 10).await.unwrap().len(), 2);
    assert_eq!(s.list_changes("C", c1.id, 10).await.unwrap(), vec![c2.clone()]);
    assert!(s.list_changes("D", 0, 10).await.unwrap().is_empty());

    // Subscriptions and the outbox: once per change, leased claims, retries, dead letters, replay.
    let sub = s
        .create_subscription(&Subscription {
            id: 0,
            grant_id: 7,
            code: "C".into(),
            consumer_org_id: 3,
            url: "https://example.org/hook".into(),
            secret: "v1:x".into(),
            enabled: true,
            created_by: Some(1),
            created_at: NOW,
        })
        .await
        .unwrap();
    assert_eq!(s.subscriptions_of_code("C").await.unwrap().len(), 1);
    let note = |change: i64| Notification {
        id: 0,
        subscription_id: sub.id,
        grant_id: 7,
        change_id: change,
        event_id: format!("e{change}"),
        payload: "{}".into(),
        state: String::new(),
        attempts: 0,
        next_attempt_at: NOW,
        last_status: None,
        last_error: None,
        delivered_at: None,
        created_at: NOW,
    };
    let n1 = s.enqueue_notification(&note(c1.id)).await.unwrap().unwrap();
    assert!(s.enqueue_notification(&note(c1.id)).await.unwrap().is_none(), "once per change");
    let n2 = s.enqueue_notification(&note(c2.id)).await.unwrap().unwrap();
    let claimed = s.claim_notifications(NOW, NOW + 60_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|n| n.id).collect::<Vec<_>>(), vec![n1.id, n2.id]);
    assert!(s.claim_notifications(NOW + 1, NOW + 60_000, 10).await.unwrap().is_empty(), "leased");
    let at = |state: &str, next: i64| Attempt {
        state: state.into(),
        status: Some(500),
        error: Some("500".into()),
        next_attempt_at: next,
        at: NOW,
    };
    s.record_attempt(n1.id, &Attempt { status: Some(200), error: None, ..at("delivered", NOW) }).await.unwrap();
    s.record_attempt(n2.id, &at("pending", NOW + 1000)).await.unwrap();
    assert!(s.claim_notifications(NOW + 999, NOW + 60_000, 10).await.unwrap().is_empty(), "backing off");
    assert_eq!(s.claim_notifications(NOW + 1000, NOW + 60_000, 10).await.unwrap().len(), 1);
    s.record_attempt(n2.id, &at("dead", NOW + 1000)).await.unwrap();
    let dead = s.list_notifications(sub.id, Some("dead"), 10).await.unwrap();
    assert_eq!((dead.len(), dead[0].attempts, dead[0].last_status), (1, 2, Some(500)));
    let delivered = s.get_notification(n1.id).await.unwrap().unwrap();
    assert_eq!((delivered.state.as_str(), delivered.delivered_at), ("delivered", Some(NOW)));
    assert!(!s.replay_notification(n1.id, NOW).await.unwrap(), "only dead ones are replayed");
    assert!(s.replay_notification(n2.id, NOW + 5000).await.unwrap());
    let replayed = s.get_notification(n2.id).await.unwrap().unwrap();
    assert_eq!((replayed.state.as_str(), replayed.attempts, replayed.next_attempt_at), ("pending", 0, NOW + 5000));
    assert_eq!(s.list_notifications(sub.id, None, 10).await.unwrap().len(), 2);
    assert!(s.set_subscription_enabled(sub.id, false).await.unwrap());
    assert!(s.subscriptions_of_code("C").await.unwrap().is_empty());
}

async fn audit_ledgered_targets_and_subjects(s: DynStore) {
    use zs_meta::trace::LedgeredEvent;
    let ev = |i: i64, target: &str, subjects: &[&str]| LedgeredEvent {
        event: AuditEvent {
            at: zs_types::clock::from_ms(NOW + i),
            request_id: None,
            actor_user: Some(UserId(1)),
            actor_org: Some(OrgId(i % 2 + 1)),
            action: "share.data".into(),
            target: Some(target.into()),
            outcome: Outcome::Succeeded,
            detail: serde_json::json!({ "rows": i }),
        },
        ledger_index: (i != 3).then_some(i * 10),
        subjects: subjects.iter().map(|x| (*x).to_owned()).collect(),
    };
    let batch = vec![
        ev(1, "grant:1", &["aa", "bb", "aa"]),
        ev(2, "grant:2", &["bb"]),
        ev(3, "grant:1", &[]),
        ev(4, "application:1", &["cc"]),
    ];
    s.append_audit_ledgered(&batch).await.unwrap();
    let t = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let g1 = s.audit_for_targets(&t(&["grant:1", "application:1"]), 0, 100).await.unwrap();
    assert_eq!(
        g1.iter().map(|r| r.event.detail["rows"].as_i64().unwrap()).collect::<Vec<_>>(),
        [1, 3, 4],
        "oldest first"
    );
    assert_eq!(g1[0].ledger_index, Some(10));
    assert_eq!(g1[1].ledger_index, None);
    let after = s.audit_for_targets(&t(&["grant:1"]), g1[0].seq, 100).await.unwrap();
    assert_eq!(after.len(), 1);
    assert!(s.audit_for_targets(&[], 0, 100).await.unwrap().is_empty());
    let too_many: Vec<String> = (0..=zs_meta::trace::MAX_TARGETS).map(|i| format!("grant:{i}")).collect();
    assert_eq!(s.audit_for_targets(&too_many, 0, 10).await.unwrap_err().field.as_deref(), Some("targets"));
    let bb = s.audit_for_subject("bb", 100).await.unwrap();
    assert_eq!(bb.iter().map(|r| r.event.target.clone().unwrap()).collect::<Vec<_>>(), ["grant:1", "grant:2"]);
    assert_eq!(s.audit_for_subject("aa", 100).await.unwrap().len(), 1, "a subject counted once per record");
    assert!(s.audit_for_subject("zz", 100).await.unwrap().is_empty());
    let r = s.audit_by_ledger_index(20).await.unwrap().unwrap();
    assert_eq!(r.event.target.as_deref(), Some("grant:2"));
    assert!(s.audit_by_ledger_index(30).await.unwrap().is_none());
    let listed = s.list_audit(&AuditQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed[0].ledger_index, Some(40), "the trail shows the ledger index");
}
