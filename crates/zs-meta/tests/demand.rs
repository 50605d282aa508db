//! The supply–demand part of the store contract (demands, their events, the evaluation's reads of
//! applications and audited data-API calls) on SQLite (temp file) and PostgreSQL
//! (`ZS_TEST_PG_URL`, one fresh schema per test).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use support::conformance;
use zs_meta::demand::{CallCount, Demand, DemandEvent, DemandQuery};
use zs_meta::DynStore;
use zs_types::{AuditEvent, ErrorCode, OrgId, Outcome, UserId};

const NOW: i64 = 1_780_000_000_000;

conformance!("dem"; demands_transitions_and_events, evaluation_reads_calls_from_the_audit_trail);

fn posted(org: i64) -> Demand {
    Demand {
        id: 0,
        title: "不动产登记信息".into(),
        description: "需要不动产登记簿的权利人和坐落".into(),
        purpose: "住房保障资格审核".into(),
        guessed_provider_id: Some(9),
        requester_user: 4,
        requester_org_id: org,
        requester_path: format!("/1/{org}/"),
        state: "posted".into(),
        provider_org_id: None,
        provider_path: None,
        due_date: None,
        routed_at: None,
        answer_kind: None,
        answer_code: None,
        answer_note: None,
        answered_by: None,
        answered_at: None,
        closed_at: None,
        revision: 0,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn ev(action: &str, state: &str, at: i64) -> DemandEvent {
    DemandEvent {
        id: 0,
        demand_id: 0,
        at,
        actor_user: Some(4),
        actor_org: Some(5),
        action: action.into(),
        state_after: state.into(),
        provider_org_id: None,
        due_date: None,
        answer_kind: None,
        note: None,
    }
}

async fn demands_transitions_and_events(s: DynStore) {
    let a = s.create_demand(&posted(5), &ev("post", "posted", NOW)).await.unwrap();
    assert!(a.id > 0 && a.revision == 1 && a.state == "posted" && a.provider_org_id.is_none());
    let b = s
        .create_demand(
            &Demand { created_at: NOW + 1, updated_at: NOW + 1, ..posted(6) },
            &ev("post", "posted", NOW + 1),
        )
        .await
        .unwrap();
    assert_eq!(s.get_demand(a.id).await.unwrap().unwrap(), a);
    assert!(s.get_demand(987_654).await.unwrap().is_none());

    // Route: new state and event in one transaction; a stale revision conflicts and changes nothing.
    let mut routed = a.clone();
    routed.state = "routed".into();
    routed.provider_org_id = Some(9);
    routed.provider_path = Some("/1/9/".into());
    routed.due_date = Some("2026-10-12".into());
    routed.routed_at = Some(NOW + 10);
    routed.updated_at = NOW + 10;
    let route = DemandEvent {
        provider_org_id: Some(9),
        due_date: Some("2026-10-12".into()),
        ..ev("route", "routed", NOW + 10)
    };
    let r = s.transition_demand(&routed, &route).await.unwrap();
    assert_eq!((r.state.as_str(), r.revision, r.due_date.as_deref()), ("routed", 2, Some("2026-10-12")));
    let stale = s.transition_demand(&routed, &route).await.unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);
    assert_eq!(s.demand_events(a.id).await.unwrap().len(), 2, "the refused transition left no event");

    let mut answered = r.clone();
    answered.state = "answered".into();
    answered.answer_kind = Some("declined".into());
    answered.answer_note = Some("涉及国家秘密".into());
    answered.answered_by = Some(7);
    answered.answered_at = Some(NOW + 20);
    let ans = DemandEvent {
        answer_kind: Some("declined".into()),
        note: Some("涉及国家秘密".into()),
        provider_org_id: Some(9),
        ..ev("answer", "answered", NOW + 20)
    };
    let done = s.transition_demand(&answered, &ans).await.unwrap();
    assert_eq!(
        (done.answer_kind.as_deref(), done.answer_note.as_deref(), done.revision),
        (Some("declined"), Some("涉及国家秘密"), 3)
    );
    let events = s.demand_events(a.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["post", "route", "answer"]);
    assert_eq!(events[1].due_date.as_deref(), Some("2026-10-12"));
    assert!(events.iter().all(|e| e.demand_id == a.id));

    // Listing by state, requester, provider and posting time.
    let q = |f: fn(&mut DemandQuery)| {
        let mut q = DemandQuery { limit: 100, ..Default::default() };
        f(&mut q);
        q
    };
    let all = s.list_demands(&q(|_| {})).await.unwrap();
    assert_eq!(all.iter().map(|d| d.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    assert_eq!(s.list_demands(&q(|q| q.state = Some("posted".into()))).await.unwrap(), vec![b.clone()]);
    assert_eq!(s.list_demands(&q(|q| q.requester_org = Some(5))).await.unwrap().len(), 1);
    assert_eq!(s.list_demands(&q(|q| q.provider_org = Some(9))).await.unwrap()[0].id, a.id);
    assert_eq!(s.list_demands(&q(|q| q.created_from = Some(NOW + 1))).await.unwrap(), vec![b.clone()]);
    assert_eq!(s.list_demands(&q(|q| q.created_to = Some(NOW + 1))).await.unwrap()[0].id, a.id);

    // The evaluation reads every event of demands routed in a window.
    assert_eq!(s.events_of_demands_routed(NOW, NOW + 11).await.unwrap().len(), 3);
    assert!(s.events_of_demands_routed(NOW + 11, NOW + 100).await.unwrap().is_empty());
}

async fn evaluation_reads_calls_from_the_audit_trail(s: DynStore) {
    let call = |i: i64, grant: i64, org: i64, outcome: Outcome, detail: serde_json::Value| AuditEvent {
        at: zs_types::clock::from_ms(NOW + i),
        request_id: None,
        actor_user: Some(UserId(4)),
        actor_org: Some(OrgId(org)),
        action: "share.data".into(),
        target: Some(format!("grant:{grant}")),
        outcome,
        detail,
    };
    let ok = |rows: i64| serde_json::json!({ "op": "list", "code": "101001000/000001", "rows": rows, "digest": "ab" });
    let fail = |code: &str| serde_json::json!({ "op": "lookup", "code": code });
    let mut events = vec![
        call(1, 3, 5, Outcome::Succeeded, ok(2)),
        call(2, 3, 5, Outcome::Succeeded, ok(5)),
        call(3, 3, 5, Outcome::Failed, fail("quota_exceeded")),
        call(4, 3, 5, Outcome::Failed, fail("internal")),
        call(5, 3, 5, Outcome::Failed, fail("internal")),
        call(6, 8, 6, Outcome::Succeeded, ok(0)),
        // Not calls: the authorisation record, another action, outside the window.
        AuditEvent { target: None, ..call(7, 3, 5, Outcome::Allowed, serde_json::json!({})) },
        AuditEvent { action: "share.apply".into(), ..call(8, 3, 5, Outcome::Succeeded, ok(9)) },
        call(5000, 3, 5, Outcome::Succeeded, ok(100)),
    ];
    events.push(call(9, 3, 5, Outcome::Succeeded, serde_json::json!({ "op": "count", "code": "x" })));
    s.append_audit(&events).await.unwrap();
    let mut got = s.share_calls(NOW, NOW + 1000).await.unwrap();
    got.sort_by(|a, b| (a.grant_id, a.succeeded, &a.error_code).cmp(&(b.grant_id, b.succeeded, &b.error_code)));
    let c = |grant_id, succeeded, error_code: Option<&str>, calls, rows| CallCount {
        grant_id,
        actor_org: Some(if grant_id == 3 { 5 } else { 6 }),
        succeeded,
        error_code: error_code.map(str::to_owned),
        calls,
        rows,
    };
    assert_eq!(
        got,
        vec![
            c(3, false, Some("internal"), 2, 0),
            c(3, false, Some("quota_exceeded"), 1, 0),
            c(3, true, None, 3, 7),
            c(8, true, None, 1, 0),
        ]
    );
    assert!(s.share_calls(NOW + 6000, NOW + 7000).await.unwrap().is_empty());
    assert!(s.applications_filed(NOW, NOW + 1000).await.unwrap().is_empty());
}
