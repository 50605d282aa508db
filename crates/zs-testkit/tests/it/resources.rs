//! Hand-in through the API: upload with progress and rejected rows, push with idempotency keys,
//! malformed and oversized files changing nothing, and who may do what.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(upload_push_and_rejects);

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

async fn upload(srv: &TestServer, token: &str, name: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    srv.post_raw(&format!("{RES}/uploads?file_name={name}{query}"), Some(token), Some("text/csv"), body).await.unwrap()
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

async fn upload_push_and_rejects(backend: Backend) {
    let Some(srv) = TestServer::start_with(backend, "resources_api", |c| c.max_upload_bytes = 64 * 1024).await else {
        return;
    };
    let logins = srv.seed_demo_catalogue().await;
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let datauser = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();
    let operator = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();

    // A GB18030 file without BOM, one bad birth date: queued, checked, committed as version 1.
    let csv = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021232,李四,2,1990-13-01\n630103198505051232,王五,1,1985-05-05\n";
    let (s, job) = upload(&srv, &steward, "人口.csv", "", gb18030(csv)).await;
    assert_eq!(s, 202, "{job}");
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    assert_eq!(done["job"]["progress"], 1000);
    let h = &done["hand_in"];
    assert_eq!(
        (h["version"].as_i64(), h["rows_written"].as_i64(), h["rows_rejected"].as_i64()),
        (Some(1), Some(2), Some(1)),
        "{h}"
    );
    assert_eq!(h["channel"], "upload");
    let hand_in = h["id"].as_i64().unwrap();

    // Rejected rows: masked (L3 item), as CSV and Excel, for the provider and operators only.
    let get = |path: String, token: String| {
        let url = format!("{}{path}", srv.url);
        async move {
            let r = TestServer::client().get(url).bearer_auth(token).send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        }
    };
    let (s, body) = get(format!("/api/v1/hand-ins/{hand_in}/rejects"), steward.clone()).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("birth_date") && text.contains("19******01") && !text.contains("1990-13-01"), "{text}");
    let (s, xlsx) = get(format!("/api/v1/hand-ins/{hand_in}/rejects?format=xlsx"), operator.clone()).await;
    assert_eq!(s, 200);
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    let (s, _) = get(format!("/api/v1/hand-ins/{hand_in}/rejects"), datauser.clone()).await;
    assert_eq!(s, 403, "a data user does not see another department's rejected rows");
    let district_op = srv.login("cd.operator", TestServer::password_of(&logins, "cd.operator")).await.unwrap();
    let (s, _) = get(format!("/api/v1/hand-ins/{hand_in}/rejects"), district_op).await;
    assert_eq!(s, 403, "a district's operator does not see a municipal department's rejected rows");

    // A malformed file fails its job with the line named and changes nothing.
    let (s, job) = upload(&srv, &steward, "bad.csv", "", "公民身份号码,姓名\n630102199001011235,\"张三\n".into()).await;
    assert_eq!(s, 202);
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "failed");
    assert!(done["job"]["message"].as_str().unwrap().contains("line"), "{done}");
    // An oversized upload is refused before anything is queued; a data user may not upload.
    let (s, e) = upload(&srv, &steward, "big.csv", "", vec![b'a'; 70 * 1024]).await;
    assert_eq!((s, e["code"].as_str()), (413, Some("payload_too_large")), "{e}");
    let (s, _) = upload(&srv, &datauser, "x.csv", "", csv.into()).await;
    assert_eq!(s, 403);
    let (s, e) = upload(&srv, &steward, "x.csv", "&mode=sideways", csv.into()).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("mode")), "{e}");
    let (_, r) = srv.get(RES, Some(&datauser)).await.unwrap();
    assert_eq!(r["current"]["version"], 1, "{r}");
    assert_eq!(r["current"]["rows"], 2);

    // Push with an idempotency key: the retry commits nothing more and gets the first result.
    let batch = json!({"mode": "upsert", "records": [
        {"id_number": "630104200001011233", "name": "赵六", "sex": "1", "birth_date": "2000-01-01"},
        {"公民身份号码": "630102199001011235", "姓名": "张三丰", "性别": "1", "出生日期": "1990-01-01"},
    ]});
    let push = |key: &'static str, body: Value| {
        let url = format!("{}{RES}/batches", srv.url);
        let token = steward.clone();
        async move {
            let r = TestServer::client()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, first) = push("batch-0001", batch.clone()).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["hand_in"]["version"], 2, "{first}");
    let (s, again) = push("batch-0001", batch.clone()).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!((again["first_delivery"].as_bool(), &again["hand_in"]["id"]), (Some(false), &first["hand_in"]["id"]));
    let (_, r) = srv.get(RES, Some(&steward)).await.unwrap();
    assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(2), Some(3)), "{r}");
    let (s, e) = push("batch-0002", json!({"records": [{"id_number": {"nested": 1}}]})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["field"].as_str().unwrap().starts_with("records[0]"), "{e}");

    // Policy: above 10 % rejected rows the whole batch is refused and nothing is committed.
    let (s, _) = srv
        .put(&format!("{RES}/settings"), Some(&steward), &json!({"max_error_rate": 0.1, "keep_versions": null}))
        .await
        .unwrap();
    assert_eq!(s, 200);
    let (_, job) = upload(&srv, &steward, "p.csv", "", csv.into()).await;
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "failed");
    assert_eq!(done["hand_in"]["outcome"], "batch_rejected", "{done}");
    let (_, list) = srv.get(&format!("{RES}/hand-ins"), Some(&steward)).await.unwrap();
    let outcomes: Vec<&str> = list.as_array().unwrap().iter().map(|h| h["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["batch_rejected", "committed", "failed", "committed"], "{list}");
    let (_, r) = srv.get(RES, Some(&steward)).await.unwrap();
    assert_eq!(r["current"]["version"], 2);

    // A remembered column mapping: a department's own header names map to items.
    let (s, e) = srv
        .put(
            &format!("{RES}/settings"),
            Some(&steward),
            &json!({"max_error_rate": 0.1, "keep_versions": null, "mapping": {"证件号": "no_such_item"}}),
        )
        .await
        .unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("mapping.证件号")), "{e}");
    let (s, saved) = srv
        .put(
            &format!("{RES}/settings"),
            Some(&steward),
            &json!({"max_error_rate": 0.1, "keep_versions": null, "mapping": {"证件号": "id_number", "名字": "name"}}),
        )
        .await
        .unwrap();
    assert_eq!((s, &saved["mapping"]["证件号"]), (200, &json!("id_number")), "{saved}");
    let (_, job) =
        upload(&srv, &steward, "own-headers.csv", "&mode=upsert", "证件号,名字\n630102199001011235,张三\n".into())
            .await;
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    let (_, r) = srv.get(RES, Some(&steward)).await.unwrap();
    assert_eq!(
        (r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()),
        (Some(3), Some(3)),
        "upsert of a known key: {r}"
    );

    // Other formats go through the same checks: JSON Lines keyed by label, upserted by key.
    let lines =
        "{\"公民身份号码\":\"630105197001011235\",\"姓名\":\"孙七\",\"性别\":\"1\",\"出生日期\":\"1970-01-01\"}\n";
    let (s, job) = upload(&srv, &steward, "more.jsonl", "&mode=upsert", lines.into()).await;
    assert_eq!(s, 202, "{job}");
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    let (_, r) = srv.get(RES, Some(&steward)).await.unwrap();
    assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(4), Some(4)), "{r}");

    // The department previews its own rows at any version or time, masked; others may not.
    let (s, p) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!((s, p["version"].as_i64(), p["total_rows"].as_i64()), (200, Some(1), Some(2)), "{p}");
    let first = &p["rows"][0];
    assert_eq!(first["id_number"], "63**************35", "L3 items are masked: {first}");
    assert_eq!(first["sex"], "1", "L2 items are shown: {first}");
    let (_, now) = srv.get(&format!("{RES}/rows?limit=1"), Some(&steward)).await.unwrap();
    assert_eq!((now["version"].as_i64(), now["rows"].as_array().unwrap().len()), (Some(4), 1), "{now}");
    let (s, e) = srv.get(&format!("{RES}/rows?as_of=1990-01-01T00:00:00Z"), Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")), "nothing was handed in in 1990: {e}");
    let (s, e) = srv.get(&format!("{RES}/rows?as_of=yesterday"), Some(&steward)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("as_of")), "{e}");
    let (s, _) = srv.get(&format!("{RES}/rows"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 403);

    // Every hand-in is in the audit trail.
    let audit = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (_, trail) = srv.get("/api/v1/audit?action=data.ingest", Some(&audit)).await.unwrap();
    let n = trail
        .as_array()
        .map(|a| a.iter().filter(|r| r["outcome"] != "allowed" && r["outcome"] != "denied").count())
        .unwrap_or(0);
    assert!(n >= 4, "{trail}");

    // Retention: with two versions kept, the next hand-in compacts the older ones away.
    let (s, _) = srv
        .put(&format!("{RES}/settings"), Some(&steward), &json!({"max_error_rate": null, "keep_versions": 2}))
        .await
        .unwrap();
    assert_eq!(s, 200);
    let (_, job) = upload(&srv, &steward, "again.jsonl", "&mode=upsert", lines.into()).await;
    assert_eq!(wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await["job"]["state"], "succeeded");
    let (_, r) = srv.get(RES, Some(&steward)).await.unwrap();
    let kept: Vec<i64> = r["versions"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(kept, [5, 4], "{r}");
    let (s, e) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")), "version 1 was compacted: {e}");
}

on_backends!(base_libraries_pass_their_own_checks);

/// The demo base libraries go through the checked ingest without a row failing the schema, each
/// as a version of its resource, and seeding again changes nothing. Their deliberate faults (see
/// `zs_demodata::csv::DIRTY`) that break an error-severity quality rule are blocked at hand-in.
async fn base_libraries_pass_their_own_checks(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "base_libraries").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let sizes = zs_ingest::seed::DemoSizes { seed: 7, people: 3_000, enterprises: 300 };
    let seeded = srv.state.ingest.seed_base_libraries(sizes, &|_| {}).await.unwrap();
    assert_eq!(seeded.len(), zs_demodata::csv::FILES.len() + 2, "base libraries and two themes: {seeded:?}");
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    for s in &seeded {
        assert!(!s.skipped && s.rows > 0, "{s:?}");
        let (_, list) = srv.get(&format!("/api/v1/resources/{}/hand-ins", s.code), Some(&steward)).await.unwrap();
        let h = &list[0];
        let channel = if zs_ingest::theme_library(s.entry).is_some() { "materialise" } else { "seed" };
        assert_eq!(h["channel"].as_str(), Some(channel), "{}: {h}", s.entry);
        if h["rows_rejected"].as_i64() != Some(0) {
            let r = TestServer::client()
                .get(format!("{}/api/v1/hand-ins/{}/rejects", srv.url, h["id"]))
                .bearer_auth(&steward)
                .send()
                .await
                .unwrap();
            let text = r.text().await.unwrap();
            assert!(text.lines().skip(1).all(|l| l.contains("质量规则")), "only quality rules block demo rows: {text}");
        }
    }
    // The sex of one resident in 211 contradicts the ID number: those rows are blocked.
    let population = seeded.iter().find(|s| s.entry == "人口基础信息").unwrap();
    let flipped = (0..3_000).filter(|n| n % 211 == 17).count() as i64;
    assert_eq!(population.rows, 3_000 - flipped);
    let again = srv.state.ingest.seed_base_libraries(sizes, &|_| {}).await.unwrap();
    assert!(again.iter().all(|s| s.skipped), "{again:?}");

    // Theme libraries: SQL over the base libraries, materialised as versions with lineage.
    let entries = srv.state.catalog.all_entries().await.unwrap();
    let theme = entries.iter().find(|e| e.body.name == "企业全景").unwrap();
    let org = srv.store.get_org(zs_types::OrgId(theme.org_id)).await.unwrap().unwrap();
    let users = srv.store.list_users(&org.path).await.unwrap();
    let steward = users.iter().find(|u| u.role == zs_types::Role::Steward && u.org_id == org.id).unwrap();
    let who = srv.state.identity.principal_of(steward.clone()).await.unwrap();
    let pass = srv.state.identity.authorize::<zs_identity::policy::DataIngest>(&who, None).await.unwrap();
    let h = srv.state.ingest.materialise(&pass, &theme.code, None).await.unwrap();
    // Version 1 came from seeding; this is a rebuild.
    assert_eq!((h.channel.as_str(), h.version, h.rows_written), ("materialise", Some(2), 300), "{h:?}");
    let lineage: Vec<serde_json::Value> = serde_json::from_str(h.lineage.as_deref().unwrap()).unwrap();
    let legal = seeded.iter().find(|s| s.entry == "法人单位基础信息").unwrap();
    assert!(lineage.iter().any(|l| l["code"] == legal.code.as_str() && l["version"] == 1), "{lineage:?}");
    assert_eq!(lineage.len(), 3);
    // Materialised on a schedule too: every minute, run by the scheduler as the creator.
    let manage = srv.state.identity.authorize::<zs_identity::policy::ResourceManage>(&who, None).await.unwrap();
    let e = srv.state.ingest.create_schedule(&manage, &population.code, "materialise", &json!({}), "* * * * *").await;
    assert!(e.is_err(), "only the department's own theme libraries");
    let sched =
        srv.state.ingest.create_schedule(&manage, &theme.code, "materialise", &json!({}), "* * * * *").await.unwrap();
    srv.clock.advance(time::Duration::minutes(2));
    let mut version = None;
    for _ in 0..300 {
        let list = srv.store.list_hand_ins(Some(&theme.code), None, 1).await.unwrap();
        if list[0].version == Some(3) {
            version = list[0].version;
            assert_eq!(list[0].channel, "materialise");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(version, Some(3), "the scheduled materialisation ran");
    let views = srv
        .state
        .ingest
        .schedule_views(&srv.state.identity.authorize(&who, None).await.unwrap(), &theme.code)
        .await
        .unwrap();
    let v = views.iter().find(|v| v.id == sched.id).unwrap();
    assert_eq!(v.kind, "materialise");

    // A resource that is not a theme library cannot be materialised.
    let e = srv.state.ingest.materialise(&pass, &population.code, None).await.unwrap_err();
    assert!(e.message.contains("provided by") || e.message.contains("not a theme library"), "{e:?}");
}

on_backends!(versions_without_records_are_recorded_at_start);

/// A crash between a version's commit (manifest rename) and its hand-in record leaves a version
/// the store does not know; recovery at start records it from the manifest, once.
async fn versions_without_records_are_recorded_at_start(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "reconcile").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let entries = srv.state.catalog.all_entries().await.unwrap();
    let entry = entries.iter().find(|e| e.code == "101001000/000001").unwrap();
    // Opened for writing: with encryption at rest, the resource's data key exists first.
    let table = srv.state.ingest.writable_table(entry).await.unwrap();
    // Commit directly to the table, as a hand-in cut off before its record would.
    let csv = "公民身份号码,姓名\n630102199001011235,张三\n";
    let opts = zs_tables::IngestOptions::new(zs_tables::CommitMode::Append, "steward", "upload");
    zs_tables::ingest_csv(&table, csv.as_bytes(), &opts).unwrap();
    assert_eq!(srv.state.ingest.reconcile().await.unwrap(), 1);
    assert_eq!(srv.state.ingest.reconcile().await.unwrap(), 0, "recorded once");
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let (_, list) = srv.get(&format!("{RES}/hand-ins"), Some(&steward)).await.unwrap();
    let h = &list[0];
    assert_eq!(
        (h["version"].as_i64(), h["channel"].as_str(), h["actor"].as_str()),
        (Some(1), Some("upload"), Some("steward")),
        "{h}"
    );
    assert!(h["message"].as_str().unwrap().contains("start-up"), "{h}");

    // A job that committed before it was cut off (version tagged with the job) is not committed
    // again when it runs a second time: its version is found and its record returned.
    let opts = zs_tables::IngestOptions::new(zs_tables::CommitMode::Append, "steward", "upload#job=777");
    zs_tables::ingest_csv(&table, csv.as_bytes(), &opts).unwrap();
    let file = srv.state.config.data_dir.join("again.csv");
    std::fs::write(&file, csv).unwrap();
    let req = zs_ingest::HandInRequest {
        code: entry.code.clone(),
        mode: zs_ingest::Mode::Append,
        file: file.clone(),
        file_name: "again.csv".into(),
        encoding: None,
        channel: "upload".into(),
        max_error_rate: None,
        mapping: None,
        remove_file: true,
    };
    let user = srv.state.identity.user_by_name("steward").await.unwrap();
    let who = srv.state.identity.principal_of(user).await.unwrap();
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let again = srv.state.ingest.run_hand_in(&who, None, &req, Some(777), progress).await.unwrap();
    assert_eq!((again.version, again.job_id), (Some(2), Some(777)), "{again:?}");
    assert_eq!(table.current().unwrap().unwrap().version, 2, "no third version");
    assert!(!file.exists(), "the job's file is removed");
}
