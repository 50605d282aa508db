//! The verifiable ledger fed by the audit sink, and full-process tracing (全流程监管), through the
//! API of a real server: every kind of event reaches the ledger; proofs verify against the signed
//! checkpoint; traces by resource, department and grant carry proofs; an evidence bundle exported
//! over HTTP verifies and fails after tampering; the trace by ID number finds exactly the
//! departments that received the person's record; who may see what.

use base64::Engine as _;
use serde_json::{json, Value};
use zs_ledger::bundle::verify_bundle;
use zs_ledger::note::{Checkpoint, Verifier};
use zs_ledger::tree::{verify_consistency, verify_inclusion};
use zs_ledger::{Hash, HashProfile};
use zs_testkit::{on_backends, Backend, TestServer};

use crate::share::{day, hand_in, other_data_user, CODE};

on_backends!(ledger_records_every_event_and_traces_with_proofs);

const ZHANG: &str = "630102199001011235";
const LI: &str = "630102199002021240";
const OUYANG: &str = "630103198505051232";
/// The people of the shared test, with valid GB 11643 ID numbers.
const PEOPLE: &str = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021240,李四,2,1990-02-02\n630103198505051232,欧阳修文,1,1985-05-05\n";

fn hashes(v: &Value) -> Vec<Hash> {
    let b64 = base64::engine::general_purpose::STANDARD;
    v.as_array().unwrap().iter().map(|h| b64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap()).collect()
}

fn unhex(s: &str) -> Hash {
    let v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
    v.try_into().unwrap()
}

/// The checkpoint, its signature checked with the log key.
async fn checkpoint(srv: &TestServer, token: &str) -> (Checkpoint, Verifier, Value) {
    let (s, cp) = srv.get("/api/v1/ledger/checkpoint", Some(token)).await.unwrap();
    assert_eq!(s, 200, "{cp}");
    let key = Verifier::from_key_string(cp["log_key"].as_str().unwrap()).unwrap();
    let (c, _) = Checkpoint::open(cp["note"].as_str().unwrap(), &key).unwrap();
    assert_eq!(c.size, cp["size"].as_u64().unwrap());
    assert_eq!(cp["hash"], "sm3");
    (c, key, cp)
}

async fn apply(srv: &TestServer, token: &str, fields: Value) -> i64 {
    let body = json!({
        "code": CODE, "fields": fields, "purpose": "核验低保申请人身份", "scenario": "社会救助审批",
        "legal_basis": "《社会救助暂行办法》第十一条", "until": "2027-06-30", "calls_per_day": 50, "rows_per_day": 100
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(token), &body).await.unwrap();
    assert_eq!(s, 201, "{a}");
    a["id"].as_i64().unwrap()
}

async fn ledger_records_every_event_and_traces_with_proofs(backend: Backend) {
    let Some(srv) = TestServer::start_at(backend, "trace_flow", day("2026-11-02")).await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let auditor = srv.login("auditor", &pw("auditor")).await.unwrap();
    let secadmin = srv.login("secadmin", &pw("secadmin")).await.unwrap();
    let sysadmin = srv.login("sysadmin", &pw("sysadmin")).await.unwrap();
    let other = other_data_user(&srv).await;
    let (cp0, _, _) = checkpoint(&srv, &sysadmin).await;
    assert!(cp0.size > 0, "the seeded catalogue is in the ledger");
    hand_in(&srv, &steward, CODE, PEOPLE).await;

    // The share flow: a grant with a row restriction, a refusal, an unrestricted grant to another
    // department, calls, a credential issued and suspended, a revocation.
    let a1 = apply(&srv, &datauser, json!(["id_number", "name", "sex"])).await;
    let review = |id: i64, body: Value| {
        let (srv, url, t) = (&srv, format!("/api/v1/share/applications/{id}/review"), steward.clone());
        async move { srv.post(&url, Some(&t), &body).await.unwrap() }
    };
    let (s, r) = review(a1, json!({ "decision": "grant", "row_filter": [{ "item": "sex", "value": "1" }] })).await;
    assert_eq!(s, 200, "{r}");
    let g1 = r["grant_id"].as_i64().unwrap();
    let a2 = apply(&srv, &other, json!(["id_number", "name"])).await;
    let (s, r) = review(a2, json!({ "decision": "refuse", "note": "用途与职责不符" })).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("refused")), "{r}");
    let a3 = apply(&srv, &other, json!(["id_number", "name"])).await;
    let (s, r) = review(a3, json!({ "decision": "grant" })).await;
    assert_eq!(s, 200, "{r}");
    let g2 = r["grant_id"].as_i64().unwrap();

    let api1 = format!("/api/v1/share/grants/{g1}");
    let (s, page) = srv.get(&format!("{api1}/rows"), Some(&datauser)).await.unwrap();
    assert_eq!((s, page["rows"].as_array().map(Vec::len)), (200, Some(2)), "张三 and 欧阳修文: {page}");
    let (s, _) = srv.get(&format!("{api1}/rows/{ZHANG}"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200);
    let (s, _) = srv.get(&format!("{api1}/rows/{LI}"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 404, "outside the restriction: never delivered");
    let (s, _) = srv.get(&format!("/api/v1/share/grants/{g2}/rows/{OUYANG}"), Some(&other)).await.unwrap();
    assert_eq!(s, 200);
    let (s, issued) =
        srv.post(&format!("{api1}/credentials"), Some(&datauser), &json!({ "name": "系统" })).await.unwrap();
    assert_eq!(s, 201, "{issued}");
    let cred = issued["credential"]["id"].as_i64().unwrap();
    let (s, _) = srv.post(&format!("/api/v1/credentials/{cred}/revoke"), Some(&secadmin), &json!({})).await.unwrap();
    assert_eq!(s, 200, "the security administrator suspends the credential");
    let orgs = srv.store.list_orgs("/").await.unwrap();
    let rs = orgs.iter().find(|o| o.name == "西宁市人力资源和社会保障局").unwrap();
    let mz = orgs.iter().find(|o| o.name == "西宁市民政局").unwrap();
    let (s, u) = srv
        .post(
            "/api/v1/users",
            Some(&sysadmin),
            &json!({ "username": "rs.clerk", "display_name": "人社职员", "org_id": rs.id.0, "role": "data_user" }),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{u}");
    let uid = u["user"]["id"].as_i64().unwrap();
    assert_eq!(srv.post(&format!("/api/v1/users/{uid}/disable"), Some(&secadmin), &json!({})).await.unwrap().0, 200);
    assert_eq!(srv.post("/api/v1/share/applications", Some(&steward), &json!({})).await.unwrap().0, 403);
    let (s, _) = srv.post(&format!("{api1}/revoke"), Some(&steward), &json!({ "reason": "业务已办结" })).await.unwrap();
    assert_eq!(s, 200);
    let (s, _) = srv.get(&format!("{api1}/rows"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 403, "a call after revocation is refused (and recorded)");

    // Every kind of event reached the ledger; authorisations that let an operation proceed did not.
    let records = |action: &str| {
        let (srv, url, t) = (&srv, format!("/api/v1/audit?action={action}&limit=1000"), auditor.clone());
        async move { srv.get(&url, Some(&t)).await.unwrap().1.as_array().unwrap().clone() }
    };
    type Pick = fn(&Value) -> bool;
    let kinds: [(&str, &str, Pick); 13] = [
        ("catalogue transition", "catalog.approve", |_| true),
        ("hand-in", "data.ingest", |r| r["outcome"] == "succeeded"),
        ("application", "share.apply", |r| r["outcome"] == "succeeded"),
        ("grant", "share.review", |r| r["detail"]["decision"] == "granted"),
        ("refusal", "share.review", |r| r["detail"]["decision"] == "refused"),
        ("credential issue", "share.credential", |r| r["outcome"] == "succeeded"),
        ("credential suspension", "credential.revoke", |r| r["outcome"] == "succeeded"),
        ("delivery", "share.data", |r| r["detail"]["op"] == "list" && r["outcome"] == "succeeded"),
        ("refused call", "share.data", |r| r["outcome"] == "failed"),
        ("revocation", "share.revoke", |r| r["outcome"] == "succeeded"),
        ("administrative action", "user.create", |r| r["outcome"] == "succeeded"),
        ("security action", "user.disable", |r| r["outcome"] == "succeeded"),
        ("refused authorisation", "share.apply", |r| r["outcome"] == "denied"),
    ];
    let mut found = Vec::new();
    for (what, action, pick) in kinds {
        let r = records(action).await.into_iter().find(pick).unwrap_or_else(|| panic!("no {what} record"));
        let i = r["ledger_index"].as_i64().unwrap_or_else(|| panic!("{what} not in the ledger: {r}"));
        let (s, e) = srv.get(&format!("/api/v1/ledger/entries/{i}"), Some(&auditor)).await.unwrap();
        assert_eq!(s, 200, "{e}");
        let entry: Value = serde_json::from_str(e["entry"].as_str().unwrap()).unwrap();
        assert_eq!(
            (&entry["action"], &entry["target"], &entry["outcome"]),
            (&r["action"], &r["target"], &r["outcome"]),
            "{what}"
        );
        assert_eq!(e["record"]["seq"], r["seq"]);
        found.push(r);
    }
    let (cp, key, _) = checkpoint(&srv, &auditor).await;
    let recent = records("share.").await;
    assert!(recent.iter().any(|r| r["outcome"] == "allowed"));
    assert!(
        recent.iter().filter(|r| r["outcome"] == "allowed").all(|r| r["ledger_index"].is_null()),
        "authorisations that proceeded stay out of the ledger"
    );
    let text = serde_json::to_string(&recent).unwrap();
    assert!(!text.contains(ZHANG) && !text.contains("张三"), "no personal data in the trail");

    // The first listing's record: its entry carries version, rows and digest, and its inclusion
    // proof leads to the signed root.
    let call = &found[7];
    let i = call["ledger_index"].as_u64().unwrap();
    let (_, e) = srv.get(&format!("/api/v1/ledger/entries/{i}"), Some(&datauser)).await.unwrap();
    let raw = e["entry"].as_str().unwrap().to_owned();
    let entry: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(entry["facts"]["digest"], page["digest"]);
    assert_eq!((entry["facts"]["rows"].as_i64(), entry["facts"]["version"].as_i64()), (Some(2), Some(1)));
    assert_eq!(entry["subjects"], 2, "the keyed digests of the two keys returned");
    assert!(!raw.contains(ZHANG) && !raw.contains("张"));
    let (s, p) =
        srv.get(&format!("/api/v1/ledger/proof/inclusion?index={i}&size={}", cp.size), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "a department proves its own calls: {p}");
    let leaf = HashProfile::Sm3.leaf_hash(raw.as_bytes());
    assert_eq!(unhex(p["leaf_hash"].as_str().unwrap()), leaf);
    verify_inclusion(HashProfile::Sm3, i, cp.size, &leaf, &hashes(&p["proof"]), &cp.root).unwrap();
    let mut forged = raw.clone().into_bytes();
    forged[raw.find("\"rows\":").unwrap() + 7] ^= 1;
    assert!(verify_inclusion(
        HashProfile::Sm3,
        i,
        cp.size,
        &HashProfile::Sm3.leaf_hash(&forged),
        &hashes(&p["proof"]),
        &cp.root
    )
    .is_err());
    let (_, c) = srv
        .get(&format!("/api/v1/ledger/proof/consistency?from={}&to={}", cp0.size, cp.size), Some(&sysadmin))
        .await
        .unwrap();
    verify_consistency(HashProfile::Sm3, cp0.size, cp.size, &cp0.root, &cp.root, &hashes(&c["proof"])).unwrap();
    // Others' entries are not found for a department; bad sizes are precise errors.
    let disable = &found[11];
    let j = disable["ledger_index"].as_i64().unwrap();
    assert_eq!(srv.get(&format!("/api/v1/ledger/entries/{j}"), Some(&datauser)).await.unwrap().0, 404);
    assert_eq!(srv.get(&format!("/api/v1/ledger/proof/inclusion?index={j}"), Some(&datauser)).await.unwrap().0, 404);
    let (s, err) = srv
        .get(&format!("/api/v1/ledger/proof/inclusion?index={}&size={}", cp.size, cp.size), Some(&auditor))
        .await
        .unwrap();
    assert_eq!((s, err["field"].as_str()), (422, Some("index")), "{err}");
    let (s, err) = srv.get("/api/v1/ledger/proof/consistency?from=0&to=1", Some(&auditor)).await.unwrap();
    assert_eq!((s, err["field"].as_str()), (422, Some("from")), "{err}");

    // Traces: a grant's calls with version and digest; a resource's events in order; what a
    // department received — each record proven.
    let (s, t) = srv.get(&format!("/api/v1/trace/grants/{g1}"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "{t}");
    let items = t["items"].as_array().unwrap();
    let calls: Vec<&Value> = items.iter().filter(|i| i["record"]["action"] == "share.data").collect();
    assert_eq!(calls.len(), 4, "rows, lookup, the refused lookup outside the restriction, the call after revocation");
    assert!(calls.iter().all(|c| c["proven"] == true));
    assert_eq!(calls[0]["record"]["detail"]["digest"], page["digest"]);
    assert_eq!(calls[0]["record"]["detail"]["version"], 1);
    let (s, t) = srv.get(&format!("/api/v1/trace/resources/{CODE}"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "the provider watches its resource: {t}");
    let actions: Vec<&str> =
        t["items"].as_array().unwrap().iter().map(|i| i["record"]["action"].as_str().unwrap()).collect();
    let pos = |a: &str| actions.iter().position(|x| *x == a).unwrap_or_else(|| panic!("{a} missing: {actions:?}"));
    assert!(pos("data.ingest") < pos("share.apply") && pos("share.apply") < pos("share.review"));
    assert!(pos("share.review") < pos("share.data") && pos("share.data") < pos("share.revoke"));
    let seqs: Vec<i64> = t["items"].as_array().unwrap().iter().map(|i| i["record"]["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    assert!(t["items"].as_array().unwrap().iter().all(|i| i["proven"] == true));
    assert_eq!(srv.get(&format!("/api/v1/trace/resources/{CODE}"), Some(&datauser)).await.unwrap().0, 404);
    assert_eq!(srv.get(&format!("/api/v1/trace/resources/{CODE}"), Some(&sysadmin)).await.unwrap().0, 403);
    let (s, t) = srv.get(&format!("/api/v1/trace/departments/{}", rs.id.0), Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "{t}");
    assert!(t["items"].as_array().unwrap().iter().any(|i| i["record"]["action"] == "share.data"));
    assert!(!t.to_string().contains(&format!("grant:{g2}")), "only what it received");
    assert_eq!(srv.get(&format!("/api/v1/trace/departments/{}", mz.id.0), Some(&datauser)).await.unwrap().0, 404);
    assert_eq!(srv.get(&format!("/api/v1/trace/departments/{}", mz.id.0), Some(&auditor)).await.unwrap().0, 200);
    assert_eq!(srv.get(&format!("/api/v1/trace/grants/{g1}"), Some(&other)).await.unwrap().0, 404);
    let (s, err) = srv.get(&format!("/api/v1/trace/grants/{g1}?format=pdf"), Some(&datauser)).await.unwrap();
    assert_eq!((s, err["field"].as_str()), (422, Some("format")));

    // The evidence bundle, exported over HTTP, verifies offline with the pinned key, and fails
    // once one byte of an entry or of the checkpoint changes.
    let r = TestServer::client()
        .get(format!("{}/api/v1/trace/grants/{g1}?format=bundle", srv.url))
        .bearer_auth(&datauser)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("evidence-grant-"));
    let bundle = r.text().await.unwrap();
    let report = verify_bundle(&bundle, Some(&key)).unwrap();
    assert!(report.ok && report.items_proven >= 6 && report.key_source == "pinned", "{report:?}");
    let mut b: Value = serde_json::from_str(&bundle).unwrap();
    let e0 = b["items"][0]["entry"].as_str().unwrap().to_owned();
    let at = e0.find("\"at\":").unwrap() + 6;
    let mut bytes = e0.into_bytes();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    b["items"][0]["entry"] = json!(String::from_utf8(bytes).unwrap());
    let bad = verify_bundle(&b.to_string(), Some(&key)).unwrap();
    assert!(!bad.ok && bad.items_proven + 1 == report.items_proven, "{bad:?}");
    let sig = bundle.find("— ").unwrap() + 20;
    let mut bytes = bundle.clone().into_bytes();
    bytes[sig] = if bytes[sig] == b'A' { b'B' } else { b'A' };
    assert!(!verify_bundle(&String::from_utf8(bytes).unwrap(), Some(&key)).unwrap().ok);
    let (_, exports) = srv.get("/api/v1/audit?action=trace.bundle", Some(&auditor)).await.unwrap();
    assert_eq!(exports.as_array().unwrap().len(), 1, "the export is recorded");

    // 可追溯到数据: which departments received a person's record, by ID number, never stored.
    let person = |id: &str, token: &str| {
        let (srv, id, token) = (&srv, id.to_owned(), token.to_owned());
        async move { srv.post("/api/v1/trace/person", Some(&token), &json!({ "id_number": id })).await.unwrap() }
    };
    let (s, z) = person(ZHANG, &secadmin).await;
    assert_eq!(s, 200, "{z}");
    let receivers = |v: &Value| -> Vec<i64> {
        v["receivers"].as_array().unwrap().iter().map(|r| r["org_id"].as_i64().unwrap()).collect()
    };
    assert_eq!(receivers(&z), vec![rs.id.0], "listed and looked up by 人社 only: {z}");
    assert_eq!(z["receivers"][0]["times"], 2);
    assert!(z["deliveries"].as_array().unwrap().iter().all(|d| d["proven"] == true));
    let (_, o) = person(OUYANG, &auditor).await;
    let mut both = receivers(&o);
    both.sort();
    let mut want = vec![rs.id.0, mz.id.0];
    want.sort();
    assert_eq!(both, want, "{o}");
    let (_, l) = person(LI, &secadmin).await;
    assert!(receivers(&l).is_empty(), "outside the restriction, never delivered: {l}");
    let (s, err) = person("630102199001011234", &secadmin).await;
    assert_eq!((s, err["field"].as_str()), (422, Some("id_number")), "{err}");
    assert_eq!(person(ZHANG, &steward).await.0, 403);
    assert_eq!(person(ZHANG, &datauser).await.0, 403);
    let (_, queries) = srv.get("/api/v1/audit?action=trace.person", Some(&auditor)).await.unwrap();
    let done: Vec<&Value> = queries.as_array().unwrap().iter().filter(|q| q["outcome"] == "succeeded").collect();
    assert_eq!(done.len(), 3, "every query is recorded: {queries}");
    assert!(done.iter().all(|q| q["ledger_index"].is_i64()));
    assert!(done.iter().any(|q| q["detail"]["subject"] == z["subject"]));
    let text = serde_json::to_string(&records("").await).unwrap();
    for id in [ZHANG, LI, OUYANG] {
        assert!(!text.contains(id), "the ID number is stored nowhere in the trail");
    }
    let ledger = std::fs::read(srv.state.config.data_dir.join("ledger/entries.bin")).unwrap();
    assert!(!String::from_utf8_lossy(&ledger).contains(ZHANG));
}
