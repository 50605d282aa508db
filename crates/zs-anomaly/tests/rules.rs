//! Each rule fires on a scripted scenario and not on normal traffic, over a real store (SQLite in
//! a temp file, and PostgreSQL in a fresh schema with `ZS_TEST_PG_URL`): the scenario's records
//! are appended to the audit trail and read back in order, as the runner does.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use serde_json::{json, Value};
use time::macros::datetime;
use zs_anomaly::detector::Detector;
use zs_anomaly::observed::Observed;
use zs_anomaly::rules::{Finding, Rule, Severity, HOUR, MINUTE};
use zs_anomaly::{AnomalySettings, WorkingHours};
use zs_meta::{DynStore, MetaStore, PgStore, SqliteStore};
use zs_types::{AuditEvent, OrgId, Outcome, UserId};

/// Wednesday 2026-11-25 10:00 Beijing.
fn t0() -> i64 {
    zs_types::clock::to_ms(datetime!(2026-11-25 02:00 UTC))
}

struct Script {
    events: Vec<AuditEvent>,
}

impl Script {
    fn new() -> Self {
        Self { events: vec![] }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, at: i64, user: i64, action: &str, target: &str, outcome: Outcome, detail: Value) {
        self.events.push(AuditEvent {
            at: zs_types::clock::from_ms(at),
            request_id: None,
            actor_user: Some(UserId(user)),
            actor_org: Some(OrgId(3)),
            action: action.into(),
            target: Some(target.into()),
            outcome,
            detail,
        });
    }

    /// A successful data call through `grant` with the credential from `client`.
    fn data(&mut self, at: i64, grant: i64, op: Value, rows: i64, client: &str) {
        let mut d = json!({ "rows": rows, "credential": grant * 10, "client": client, "digest": "00" });
        d.as_object_mut().unwrap().extend(op.as_object().unwrap().clone());
        self.push(at, 4, "share.data", &format!("grant:{grant}"), Outcome::Succeeded, d);
    }

    fn failed(&mut self, at: i64, grant: i64, op: Value, code: &str) {
        let mut d = json!({ "code": code, "credential": grant * 10, "client": "10.0.0.5" });
        d.as_object_mut().unwrap().extend(op.as_object().unwrap().clone());
        self.push(at, 4, "share.data", &format!("grant:{grant}"), Outcome::Failed, d);
    }
}

fn list() -> Value {
    json!({ "op": "list", "paged": false, "filtered": true })
}

fn lookup(sequential: bool) -> Value {
    json!({ "op": "lookup", "sequential": sequential })
}

/// A week of ordinary working-hours traffic through `grant`: 10 filtered listings of 50 rows an
/// hour, some lookups, now and then a refused call, from one address.
fn normal_week(s: &mut Script, grant: i64, until: i64) {
    let start = until - 7 * 24 * HOUR;
    let mut at = start;
    while at < until {
        let local_hour = ((at / HOUR) + 8) % 24;
        let weekday = ((at / (24 * HOUR)) + 4) % 7; // 1970-01-01 was a Thursday: 0 = Sunday
        if (9..18).contains(&local_hour) && (1..=5).contains(&weekday) {
            for i in 0..10 {
                s.data(at + i * 5 * MINUTE, grant, list(), 50, "10.0.0.5");
            }
            s.data(at + 51 * MINUTE, grant, lookup(false), 1, "10.0.0.6");
            s.failed(at + 52 * MINUTE, grant, lookup(false), "not_found");
            s.failed(at + 53 * MINUTE, grant, list(), "field_not_granted");
        }
        at += HOUR;
    }
}

async fn run(store: &DynStore, d: &mut Detector, after: &mut i64) -> Vec<Finding> {
    let mut out = vec![];
    loop {
        let recs = store.audit_after(*after, 2000).await.unwrap();
        if recs.is_empty() {
            break;
        }
        for r in &recs {
            out.extend(d.observe(store, &Observed::from_record(r), true).await.unwrap());
            *after = r.seq;
        }
        d.flush(store, zs_types::clock::to_ms(recs.last().unwrap().event.at)).await.unwrap();
    }
    out
}

async fn append(store: &DynStore, s: Script) {
    let mut events = s.events;
    events.sort_by_key(|e| e.at);
    for chunk in events.chunks(500) {
        store.append_audit(chunk).await.unwrap();
    }
}

fn rules(f: &[Finding]) -> Vec<(Rule, String, Severity)> {
    f.iter().map(|f| (f.rule, f.subject.clone(), f.severity)).collect()
}

async fn every_rule_fires_on_its_scenario_and_not_on_normal_traffic(store: DynStore) {
    let hours = WorkingHours { minutes: (8 * 60, 20 * 60), calendar: zs_catalog::calendar::Calendar::built_in() };
    let mut d = Detector::new(AnomalySettings::default(), hours);
    let mut after = 0;
    let t0 = t0();

    // A week of normal traffic on grants 1-6: nothing fires.
    let mut s = Script::new();
    for g in 1..=6 {
        normal_week(&mut s, g, t0);
    }
    append(&store, s).await;
    let normal = run(&store, &mut d, &mut after).await;
    assert!(normal.is_empty(), "normal traffic raised {:?}", rules(&normal));

    // Volume: grant 1 pulls 120 × 100 rows within the hour (its average active hour: about 500 rows).
    let mut s = Script::new();
    for i in 0..120 {
        s.data(t0 + i * 20_000, 1, list(), 100, "10.0.0.5");
    }
    append(&store, s).await;
    let f = run(&store, &mut d, &mut after).await;
    assert_eq!(rules(&f), vec![(Rule::Volume, "grant:1".to_owned(), Severity::High)]);
    assert!(f[0].facts["baseline_rows_per_hour"].as_f64().unwrap() < 600.0, "{}", f[0].facts);
    assert_eq!((f[0].grant, f[0].credential, f[0].address.as_deref()), (Some(1), Some(10), Some("10.0.0.0/24")));
    assert!(f[0].first_seq < f[0].last_seq && f[0].facts["rows"].as_i64().unwrap() >= 5000);

    // Enumeration: grant 3 looks up 150 sequential keys in 5 minutes (one alert per episode);
    // grant 4 guesses (40 % misses); grant 5 walks an unfiltered listing page by page.
    let t1 = t0 + 2 * HOUR;
    let mut s = Script::new();
    for i in 0..150 {
        s.data(t1 + i * 2000, 3, lookup(true), 1, "10.0.0.5");
    }
    for i in 0..100 {
        if i % 5 < 2 {
            s.failed(t1 + i * 2000, 4, lookup(false), "not_found");
        } else {
            s.data(t1 + i * 2000, 4, lookup(false), 1, "10.0.0.5");
        }
    }
    for i in 0..100 {
        s.data(t1 + i * 3000, 5, json!({ "op": "list", "paged": true, "filtered": false }), 10, "10.0.0.5");
    }
    append(&store, s).await;
    let mut f = rules(&run(&store, &mut d, &mut after).await);
    f.sort();
    assert_eq!(
        f,
        vec![
            (Rule::Enumeration, "grant:3".into(), Severity::Critical),
            (Rule::Enumeration, "grant:4".into(), Severity::High),
            (Rule::Enumeration, "grant:5".into(), Severity::Medium),
        ]
    );

    // Denials: 25 refused requests by account 7 within 2 minutes.
    let t2 = t0 + 3 * HOUR;
    let mut s = Script::new();
    for i in 0..25 {
        s.push(t2 + i * 5000, 7, "user.create", "org:1", Outcome::Denied, json!({ "code": "forbidden" }));
    }
    append(&store, s).await;
    assert_eq!(rules(&run(&store, &mut d, &mut after).await), vec![(Rule::Denials, "user:7".into(), Severity::Medium)]);

    // New address: grant 6's credential (60), used from 10.0.0.0/24 all week, calls from abroad.
    let mut s = Script::new();
    s.data(t2 + 10 * MINUTE, 6, list(), 5, "203.0.113.9");
    s.data(t2 + 11 * MINUTE, 6, list(), 5, "203.0.113.10");
    append(&store, s).await;
    let f = run(&store, &mut d, &mut after).await;
    assert_eq!(rules(&f), vec![(Rule::NewAddress, "credential:60".into(), Severity::Medium)]);
    assert_eq!(f[0].facts["network"], "203.0.113.0/24");
    let nets = store.known_networks(60).await.unwrap();
    assert_eq!(nets.iter().map(|n| n.network.as_str()).collect::<Vec<_>>(), vec!["10.0.0.0/24", "203.0.113.0/24"]);

    // After revocation: a call through revoked grant 6, and revoked credential 99.
    let mut s = Script::new();
    s.failed(t2 + 20 * MINUTE, 6, list(), "grant_revoked");
    s.push(
        t2 + 21 * MINUTE,
        8,
        "auth.credential",
        "credential:99",
        Outcome::Denied,
        json!({ "code": "credential_revoked", "credential": 99 }),
    );
    append(&store, s).await;
    let mut f = rules(&run(&store, &mut d, &mut after).await);
    f.sort();
    assert_eq!(
        f,
        vec![
            (Rule::AfterRevocation, "credential:99".into(), Severity::High),
            (Rule::AfterRevocation, "grant:6".into(), Severity::High),
        ]
    );

    // Off hours: grant 2 pulls 3 × 500 rows at 23:00 Beijing.
    let night = t0 + 13 * HOUR;
    let mut s = Script::new();
    for i in 0..3 {
        s.data(night + i * MINUTE, 2, list(), 500, "10.0.0.5");
    }
    append(&store, s).await;
    assert_eq!(rules(&run(&store, &mut d, &mut after).await), vec![(Rule::OffHours, "grant:2".into(), Severity::High)]);

    // Another quiet normal day afterwards raises nothing more.
    let mut s = Script::new();
    for g in 1..=5 {
        for i in 0..10 {
            s.data(t0 + 24 * HOUR + i * 5 * MINUTE, g, list(), 50, "10.0.0.5");
        }
    }
    append(&store, s).await;
    let f = run(&store, &mut d, &mut after).await;
    assert!(f.is_empty(), "{:?}", rules(&f));
}

mod on_sqlite {
    #[tokio::test]
    async fn every_rule_fires_on_its_scenario_and_not_on_normal_traffic() {
        let dir = tempfile::tempdir().unwrap();
        let s = super::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap();
        super::MetaStore::migrate(&s).await.unwrap();
        super::every_rule_fires_on_its_scenario_and_not_on_normal_traffic(super::Arc::new(s)).await;
    }
}

mod on_postgres {
    #[tokio::test]
    async fn every_rule_fires_on_its_scenario_and_not_on_normal_traffic() {
        let Ok(url) = std::env::var("ZS_TEST_PG_URL") else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but ZS_TEST_PG_URL is not set");
            eprintln!("ZS_TEST_PG_URL not set: PostgreSQL half not run");
            return;
        };
        let schema = format!("anom_rules_{}", std::process::id());
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&admin).await.unwrap();
        admin.close().await;
        let s = super::PgStore::connect(&url, Some(&schema)).await.unwrap();
        super::MetaStore::migrate(&s).await.unwrap();
        super::every_rule_fires_on_its_scenario_and_not_on_normal_traffic(super::Arc::new(s)).await;
    }
}
