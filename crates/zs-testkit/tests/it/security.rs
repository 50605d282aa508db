//! Encryption at rest and secure destruction through the API, on both stores: data files and
//! stored secrets encrypted, key rotation without interruption, destruction of a version and of
//! a whole resource in two steps by two roles, the certificate listing backups, reads of
//! destroyed data failing clearly, and the records in the audit trail (and so the ledger).

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(encryption_rotation_and_destruction);

const CODE: &str = "101001000/000001";
const RES: &str = "/api/v1/resources/101001000/000001";

async fn wait_job(srv: &TestServer, token: &str, id: i64) -> Value {
    for _ in 0..500 {
        let (s, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(token)).await.unwrap();
        assert_eq!(s, 200, "{j}");
        if j["job"]["state"] == "succeeded" || j["job"]["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("job {id} did not end");
}

/// Upload a CSV and wait for its hand-in; returns the finished job.
async fn hand_in(srv: &TestServer, token: &str, mode: &str, rows: &[(&str, &str)]) -> Value {
    let mut csv = String::from("公民身份号码,姓名,性别,出生日期\n");
    for (id, name) in rows {
        // Birth date and sex agree with the ID number, so governance's row gate lets it through.
        let birth = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
        csv.push_str(&format!("{id},{name},1,{birth}\n"));
    }
    let url = format!("{RES}/uploads?file_name=p.csv&mode={mode}");
    let (s, job) = srv.post_raw(&url, Some(token), Some("text/csv"), csv.into_bytes()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    wait_job(srv, token, job["id"].as_i64().unwrap()).await
}

fn data_files(srv: &TestServer) -> Vec<Vec<u8>> {
    let dir = srv.state.config.data_dir.join("tables").join(CODE.replace('/', "_")).join("data");
    match std::fs::read_dir(dir) {
        Ok(d) => d.map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect(),
        Err(_) => Vec::new(),
    }
}

async fn encryption_rotation_and_destruction(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "security").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let login = |u: &'static str| {
        let pw = TestServer::password_of(&logins, u).to_owned();
        let srv = &srv;
        async move { srv.login(u, &pw).await.unwrap() }
    };
    let (steward, secadmin, operator, sysadmin, auditor, datauser) = (
        login("steward").await,
        login("secadmin").await,
        login("operator").await,
        login("sysadmin").await,
        login("auditor").await,
        login("datauser").await,
    );

    // Demo mode made a master key on first start, owner-only.
    let key_file = srv.state.config.data_dir.join("keys/master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Three versions; every data file is encrypted and no name is readable in it.
    let a = [("630102199001011235", "张三丰"), ("630103198505051232", "王五")];
    for (mode, rows) in [("replace", &a[..1]), ("append", &a[1..]), ("replace", &a[..])] {
        let done = hand_in(&srv, &steward, mode, rows).await;
        assert_eq!(done["hand_in"]["outcome"], "committed", "{done}");
    }
    let files = data_files(&srv);
    let listing: Vec<_> = std::fs::read_dir(srv.state.config.data_dir.join("tables"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(files.len() >= 3, "{} files; tables: {listing:?}", files.len());
    for f in &files {
        assert!(f.starts_with(b"ZSEF"), "a data file in clear");
        assert!(!f.windows("张三丰".len()).any(|w| w == "张三丰".as_bytes()));
    }
    // …yet the steward reads them as usual.
    let (s, rows) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!((s, rows["total_rows"].as_i64()), (200, Some(1)), "{rows}");
    assert!(rows["rows"][0]["id_number"].as_str().unwrap().ends_with("35"), "{rows}");

    // A pull schedule's password is sealed in the store, shown to no one.
    let (s, sched) = srv
        .post(
            &format!("{RES}/schedules"),
            Some(&steward),
            &json!({"kind": "pull.database", "cron": "0 3 * * *",
                    "spec": {"url": "postgres://dept:s3cret@127.0.0.1:1/nowhere", "table": "people"}}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{sched}");
    assert!(!sched.to_string().contains("s3cret"));
    let stored = srv.store.get_schedule(sched["id"].as_i64().unwrap()).await.unwrap().unwrap();
    assert!(stored.spec.contains("s3cret"), "the service reads the real value");
    if backend == Backend::Sqlite {
        let db = srv.state.config.data_dir.join("meta.db");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let raw: String = sqlx::query_scalar("SELECT spec FROM schedules WHERE id = ?")
            .bind(stored.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(raw.starts_with("zsenc1:") && !raw.contains("s3cret"), "stored in clear: {raw}");
        pool.close().await;
    }

    // Keys: the security administrator sees ids and states (never bytes); others do not.
    let (s, keys) = srv.get("/api/v1/security/keys", Some(&secadmin)).await.unwrap();
    assert_eq!(s, 200, "{keys}");
    let scope = CODE.replace('/', "_");
    let of = |keys: &Value, state: &str| -> usize {
        keys.as_array().unwrap().iter().filter(|k| k["scope"] == scope.as_str() && k["state"] == state).count()
    };
    assert_eq!((of(&keys, "active"), of(&keys, "retired")), (1, 0), "{keys}");
    assert!(keys.as_array().unwrap().iter().any(|k| k["scope"] == "meta" && k["algorithm"] == "sm4-gcm"));
    assert!(!keys.to_string().contains("wrapped"));
    assert_eq!(srv.get("/api/v1/security/keys", Some(&sysadmin)).await.unwrap().0, 403);

    // Rotation: new data under the new key, old versions still readable; the meta key too.
    let (s, r) = srv.post("/api/v1/security/keys/rotate", Some(&secadmin), &json!({"scope": CODE})).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let done = hand_in(&srv, &steward, "append", &[("630102199002021232", "李四")]).await;
    assert_eq!(done["hand_in"]["version"], 4, "{done}");
    let (s, rows) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!((s, rows["total_rows"].as_i64()), (200, Some(1)), "old versions stay readable: {rows}");
    let (_, keys) = srv.get("/api/v1/security/keys", Some(&secadmin)).await.unwrap();
    assert_eq!((of(&keys, "active"), of(&keys, "retired")), (1, 1), "{keys}");
    let (s, r) = srv.post("/api/v1/security/keys/rotate", Some(&secadmin), &json!({"scope": "meta"})).await.unwrap();
    assert_eq!(s, 200, "{r}");
    assert!(r["resealed"].as_u64().unwrap() >= 1, "{r}");
    assert!(srv.store.get_schedule(stored.id).await.unwrap().unwrap().spec.contains("s3cret"));
    assert_eq!(
        srv.post("/api/v1/security/keys/rotate", Some(&steward), &json!({"scope": "meta"})).await.unwrap().0,
        403
    );

    // Destroying version 1: the steward asks, others may not; the security administrator decides.
    let ask = |body: Value| {
        let srv = &srv;
        let token = steward.clone();
        async move { srv.post(&format!("{RES}/destructions"), Some(&token), &body).await.unwrap() }
    };
    let (s, e) = ask(json!({"version": 1, "reason": ""})).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (s, d1) = ask(json!({"version": 1, "reason": "保存期限届满"})).await;
    assert_eq!(s, 201, "{d1}");
    assert_eq!(d1["state"], "requested");
    let (s, _) = srv
        .post(&format!("{RES}/destructions"), Some(&datauser), &json!({"version": 1, "reason": "not mine"}))
        .await
        .unwrap();
    assert_eq!(s, 403);
    let approve = |id: i64, token: &str| {
        let srv = &srv;
        let token = token.to_owned();
        async move { srv.post(&format!("/api/v1/destructions/{id}/approve"), Some(&token), &json!({})).await.unwrap() }
    };
    let id1 = d1["id"].as_i64().unwrap();
    for who in [&steward, &operator, &sysadmin, &auditor] {
        assert_eq!(approve(id1, who).await.0, 403, "only a security administrator approves");
    }
    // The current version cannot be destroyed alone.
    let (_, cur) = ask(json!({"version": 4, "reason": "保存期限届满"})).await;
    let (s, e) = approve(cur["id"].as_i64().unwrap(), &secadmin).await;
    assert_eq!(s, 409, "{e}");
    let (s, done) = approve(id1, &secadmin).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["state"], "done");
    let cert = &done["certificate"];
    assert_eq!((cert["versions"].clone(), cert["rows"].as_u64()), (json!([1]), Some(1)), "{cert}");
    assert_eq!(cert["encrypted"], true);
    assert_eq!(approve(id1, &secadmin).await.0, 409, "decided once");
    let (s, e) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
    let (s, rows) = srv.get(&format!("{RES}/rows"), Some(&steward)).await.unwrap();
    assert_eq!((s, rows["total_rows"].as_i64()), (200, Some(3)), "later versions stay: {rows}");

    // A backup registered by the system administrator shows on the next certificate.
    let now = zs_types::clock::to_ms(zs_types::Clock::now(srv.clock.as_ref()));
    let (s, b) = srv
        .post(
            "/api/v1/security/backups",
            Some(&sysadmin),
            &json!({"label": "nightly", "location": "tape vault B", "taken_at": now - 1000}),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    assert_eq!(srv.post("/api/v1/security/backups", Some(&secadmin), &json!({})).await.unwrap().0, 403);

    // The whole resource: refused once (with a reason), then approved.
    let (_, d2) = ask(json!({"reason": "依法停止收集，全部销毁"})).await;
    let id2 = d2["id"].as_i64().unwrap();
    let (s, _) =
        srv.post(&format!("/api/v1/destructions/{id2}/refuse"), Some(&secadmin), &json!({"note": ""})).await.unwrap();
    assert_eq!(s, 422);
    let (s, r) = srv
        .post(&format!("/api/v1/destructions/{id2}/refuse"), Some(&secadmin), &json!({"note": "需先完成备份核查"}))
        .await
        .unwrap();
    assert_eq!((s, r["state"].as_str()), (200, Some("refused")), "{r}");
    let (_, d3) = ask(json!({"reason": "依法停止收集，全部销毁"})).await;
    let (s, done) = approve(d3["id"].as_i64().unwrap(), &secadmin).await;
    assert_eq!(s, 200, "{done}");
    let cert = &done["certificate"];
    assert_eq!(cert["keys_shredded"].as_array().unwrap().len(), 2, "both resource keys: {cert}");
    let copies = cert["copies_may_remain"].to_string();
    assert!(copies.contains("tape vault B") && copies.contains("nightly"), "{copies}");
    assert!(data_files(&srv).is_empty(), "files deleted");
    let (s, e) = srv.get(&format!("{RES}/rows"), Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
    let (_, keys) = srv.get("/api/v1/security/keys", Some(&secadmin)).await.unwrap();
    assert_eq!((of(&keys, "active"), of(&keys, "retired"), of(&keys, "destroyed")), (0, 0, 2), "{keys}");
    // No new data goes into a destroyed resource: an upload is refused before it is stored.
    let (s, e) = srv
        .post_raw(&format!("{RES}/uploads?file_name=p.csv"), Some(&steward), Some("text/csv"), b"x\n1\n".to_vec())
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");

    // Who sees what: the steward its department's requests, the auditor all; the record is in
    // the audit trail (and so the ledger) with identifiers and counts only.
    let (s, list) = srv.get("/api/v1/destructions", Some(&steward)).await.unwrap();
    assert_eq!((s, list.as_array().unwrap().len()), (200, 4), "{list}");
    let (s, one) = srv.get(&format!("/api/v1/destructions/{id1}"), Some(&auditor)).await.unwrap();
    assert_eq!((s, one["state"].as_str()), (200, Some("done")));
    assert_eq!(srv.get("/api/v1/destructions", Some(&datauser)).await.unwrap().0, 403);
    let (_, recs) = srv.get("/api/v1/audit?action=data.destroy&limit=100", Some(&auditor)).await.unwrap();
    let recs = recs.as_array().unwrap();
    let done: Vec<&Value> =
        recs.iter().filter(|r| r["action"] == "data.destroy" && r["outcome"] == "succeeded").collect();
    assert_eq!(done.len(), 2, "{recs:?}");
    assert!(done.iter().all(|r| r["target"] == format!("resource:{CODE}") && !r.to_string().contains("张三丰")));
    assert!(recs.iter().any(|r| r["action"] == "data.destroy" && r["outcome"] == "failed"), "the refusal is recorded");
    assert!(recs.iter().any(|r| r["action"] == "data.destroy_request"));
}
