//! Scheduled pulls and logical access against real department sources: a table in the real
//! PostgreSQL `test` database and in MariaDB/MySQL, and a real HTTP API served inside the test.
//! The server's clock is advanced past fire times and back-off; nothing sleeps for long.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(database_pulls, http_pull_and_live);

const A: &str = "101001000/000001";
const B: &str = "101002000/000001";
const C: &str = "101003000/000001";

static N: AtomicU32 = AtomicU32::new(0);

fn mysql_url() -> String {
    std::env::var("ZS_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// A MySQL pool, or `None` (with a note) when MariaDB/MySQL is not reachable outside CI.
async fn mysql() -> Option<sqlx::MySqlPool> {
    match sqlx::MySqlPool::connect(&mysql_url()).await {
        Ok(p) => Some(p),
        Err(e) => {
            assert!(!zs_testkit::in_ci(), "CI=true but MySQL at {} is not reachable: {e}", mysql_url());
            eprintln!("note: MySQL not reachable ({e}); MySQL half of the pull test NOT RUN");
            None
        }
    }
}

fn now_ms(srv: &TestServer) -> i64 {
    use zs_types::Clock;
    zs_types::clock::to_ms(srv.clock.now())
}

/// Move the server clock to just after `at` (Unix ms) and let the scheduler queue what is due;
/// returns the new time (a run recorded from now on is at or after it).
async fn advance_to(srv: &TestServer, at: i64) -> i64 {
    let now = now_ms(srv);
    if at > now {
        srv.clock.advance(time::Duration::milliseconds(at - now + 1_000));
    }
    // The server's own scheduler ticks every 2 s; tick here too (safe: one job per fire time).
    let now = now_ms(srv);
    zs_ingest::Scheduler::new(srv.state.ingest.clone()).tick().await.unwrap();
    now
}

/// Wait until the schedule records a run at or after `since` (Unix ms).
async fn wait_run(srv: &TestServer, token: &str, id: i64, since: i64) -> Value {
    for _ in 0..600 {
        let (s, v) = srv.get(&format!("/api/v1/schedules/{id}"), Some(token)).await.unwrap();
        assert_eq!(s, 200, "{v}");
        if v["last_run_at"].as_i64().is_some_and(|t| t >= since) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("schedule {id} did not run");
}

async fn resource(srv: &TestServer, token: &str, code: &str) -> Value {
    let (s, r) = srv.get(&format!("/api/v1/resources/{code}"), Some(token)).await.unwrap();
    assert_eq!(s, 200, "{code}: {r}");
    r
}

async fn schedule(srv: &TestServer, token: &str, code: &str, body: Value) -> Value {
    let (s, v) = srv.post(&format!("/api/v1/resources/{code}/schedules"), Some(token), &body).await.unwrap();
    assert_eq!(s, 201, "{v}");
    v
}

async fn database_pulls(backend: Backend) {
    // The clock moves by days here: sessions last a month.
    let Some(srv) = TestServer::start_with(backend, "pulls_database", |c| c.session_ttl_minutes = 30 * 24 * 60).await
    else {
        return;
    };
    let logins = srv.seed_demo_catalogue().await;
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let datauser = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();
    for code in [A, B, C] {
        assert_eq!(resource(&srv, &steward, code).await["provider"], "西宁市公安局");
    }
    let n = N.fetch_add(1, Ordering::SeqCst);

    // A department table in the real PostgreSQL: a full pull and an incremental pull.
    if let Some(pg) = zs_testkit::pg_url("pulls_database") {
        let schema = format!("zs_it_dept_{}_{n}", std::process::id());
        let pool = sqlx::PgPool::connect(&pg).await.unwrap();
        for sql in [
            format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            format!("CREATE SCHEMA {schema}"),
            format!(
                "CREATE TABLE {schema}.people (id_number text PRIMARY KEY, name text, sex text, birth_date date, \
                 note text, updated_at timestamptz NOT NULL)"
            ),
            format!(
                "INSERT INTO {schema}.people VALUES \
                 ('630102199001011235', '张三', '1', '1990-01-01', 'x', '2024-01-01 10:00:00.123456+08'), \
                 ('630103198505051232', '王五', '1', '1985-05-05', NULL, '2024-01-02 10:00:00+08')"
            ),
        ] {
            sqlx::query(&sql).execute(&pool).await.unwrap();
        }
        let full = schedule(
            &srv,
            &steward,
            A,
            json!({"kind": "pull.database", "cron": "*/5 * * * *",
                   "spec": {"url": pg, "table": format!("{schema}.people"), "mode": "full"}}),
        )
        .await;
        let next = full["next_run_at"].as_i64().unwrap();
        assert!(next > now_ms(&srv) && next - now_ms(&srv) <= 5 * 60_000, "{full}");
        let t = advance_to(&srv, next).await;
        let run = wait_run(&srv, &steward, full["id"].as_i64().unwrap(), t).await;
        assert_eq!(run["last_status"], "succeeded", "{run}");
        assert!(run["next_run_at"].as_i64().unwrap() > next, "advanced to the next fire time: {run}");
        let r = resource(&srv, &steward, A).await;
        assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(1), Some(2)), "{r}");
        let (_, hs) = srv.get(&format!("/api/v1/resources/{A}/hand-ins"), Some(&steward)).await.unwrap();
        assert_eq!(
            (hs[0]["channel"].as_str(), hs[0]["mode"].as_str()),
            (Some("pull.database"), Some("replace")),
            "{hs}"
        );
        assert_eq!(hs[0]["actor"], "steward", "the schedule's creator hands in");

        // Incremental by a timestamptz watermark (bound, cast to the column's type).
        let inc = schedule(
            &srv,
            &steward,
            B,
            json!({"kind": "pull.database", "cron": "0 * * * *",
                   "spec": {"url": pg, "query": format!("SELECT id_number, name, sex, birth_date, updated_at FROM {schema}.people"),
                            "mode": "incremental", "watermark_column": "updated_at"}}),
        )
        .await;
        let id = inc["id"].as_i64().unwrap();
        let t = advance_to(&srv, inc["next_run_at"].as_i64().unwrap()).await;
        let run = wait_run(&srv, &steward, id, t).await;
        assert_eq!(run["last_status"], "succeeded", "{run}");
        let wm = run["watermark"].as_str().unwrap().to_owned();
        assert!(wm.starts_with("2024-01-02"), "{run}");
        for sql in [
            format!("INSERT INTO {schema}.people VALUES ('630104200001011233', '赵六', '1', '2000-01-01', NULL, '2024-01-03 10:00:00+08')"),
            format!("UPDATE {schema}.people SET name = '张三丰', updated_at = '2024-01-04 10:00:00+08' WHERE id_number = '630102199001011235'"),
        ] {
            sqlx::query(&sql).execute(&pool).await.unwrap();
        }
        let t = advance_to(&srv, run["next_run_at"].as_i64().unwrap()).await;
        let run = wait_run(&srv, &steward, id, t).await;
        assert_eq!(run["last_status"], "succeeded", "{run}");
        assert!(run["watermark"].as_str().unwrap().starts_with("2024-01-04"), "{run}");
        let (_, hs) = srv.get(&format!("/api/v1/resources/{B}/hand-ins"), Some(&steward)).await.unwrap();
        assert_eq!(
            (hs[0]["rows_read"].as_i64(), hs[0]["mode"].as_str()),
            (Some(2), Some("upsert")),
            "only new rows: {hs}"
        );
        let r = resource(&srv, &steward, B).await;
        assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(2), Some(3)), "{r}");
        // Nothing new: success without a new version.
        let t = advance_to(&srv, run["next_run_at"].as_i64().unwrap()).await;
        let run = wait_run(&srv, &steward, id, t).await;
        assert!(run["last_message"].as_str().unwrap().contains("no new rows"), "{run}");
        assert_eq!(resource(&srv, &steward, B).await["current"]["version"], 2);

        // Logical access on the same table: filters are bound, only items come back.
        let (s, v) = srv
            .put(
                &format!("/api/v1/resources/{C}/live"),
                Some(&steward),
                &json!({"spec": {"kind": "database", "url": pg, "table": format!("{schema}.people")}, "timeout_ms": 5000}),
            )
            .await
            .unwrap();
        assert_eq!(s, 200, "{v}");
        let (s, rows) =
            srv.get(&format!("/api/v1/resources/{C}/live?id_number=630104200001011233"), Some(&steward)).await.unwrap();
        assert_eq!(s, 200, "{rows}");
        assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
        assert_eq!(rows[0]["name"], "赵六");
        assert!(rows[0].get("note").is_none() && rows[0].get("updated_at").is_none(), "only items: {rows}");
        let (s, rows) =
            srv.get(&format!("/api/v1/resources/{C}/live?name=x'%20OR%20'1'='1"), Some(&steward)).await.unwrap();
        assert_eq!((s, rows.as_array().map(Vec::len)), (200, Some(0)), "an injected value is only a value: {rows}");
        let (s, e) = srv.get(&format!("/api/v1/resources/{C}/live?note=x"), Some(&steward)).await.unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some("filter")), "not an item: {e}");
        let (s, _) = srv.get(&format!("/api/v1/resources/{C}/live"), Some(&datauser)).await.unwrap();
        assert_eq!(s, 403, "a data user of another department reads through the data API later");
        let (s, st) = srv.get(&format!("/api/v1/resources/{C}/live/status"), Some(&steward)).await.unwrap();
        assert_eq!(s, 200, "{st}");
        assert_eq!((st["calls"].as_i64(), st["failures"].as_i64()), (Some(3), Some(0)), "{st}");

        for sid in [full["id"].as_i64().unwrap(), id] {
            let (s, _) =
                srv.post(&format!("/api/v1/schedules/{sid}/disable"), Some(&steward), &json!({})).await.unwrap();
            assert_eq!(s, 200);
        }
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
        pool.close().await;
        let (s, _) = srv.post(&format!("/api/v1/resources/{C}/live/delete"), Some(&steward), &json!({})).await.unwrap();
        assert_eq!(s, 204);
    }

    // An incremental pull from MariaDB/MySQL (DATETIME watermark bound as a parameter).
    if let Some(my) = mysql().await {
        let table = format!("zs_dept_{}_{n}", std::process::id());
        for sql in [
            format!("DROP TABLE IF EXISTS `{table}`"),
            format!(
                "CREATE TABLE `{table}` (id_number VARCHAR(18) PRIMARY KEY, name VARCHAR(50), sex CHAR(1), \
                 birth_date DATE, updated_at DATETIME NOT NULL) CHARACTER SET utf8mb4"
            ),
            format!(
                "INSERT INTO `{table}` VALUES ('630102199001011235', '张三', '1', '1990-01-01', '2024-01-01 10:00:00'), \
                 ('630103198505051232', '王五', '1', '1985-05-05', '2024-01-02 10:00:00')"
            ),
        ] {
            sqlx::query(&sql).execute(&my).await.unwrap();
        }
        let inc = schedule(
            &srv,
            &steward,
            C,
            json!({"kind": "pull.database", "cron": "30 2 * * *",
                   "spec": {"url": mysql_url(), "table": table, "mode": "incremental", "watermark_column": "updated_at"}}),
        )
        .await;
        let id = inc["id"].as_i64().unwrap();
        // 02:30 Beijing time.
        let next = zs_types::clock::from_ms(inc["next_run_at"].as_i64().unwrap()).to_offset(zs_ingest::BEIJING);
        assert_eq!((next.hour(), next.minute()), (2, 30), "{inc}");
        let t = advance_to(&srv, inc["next_run_at"].as_i64().unwrap()).await;
        let run = wait_run(&srv, &steward, id, t).await;
        assert_eq!(
            (run["last_status"].as_str(), run["watermark"].as_str()),
            (Some("succeeded"), Some("2024-01-02 10:00:00")),
            "{run}"
        );
        sqlx::query(&format!(
            "INSERT INTO `{table}` VALUES ('630104200001011233', '赵六', '1', '2000-01-01', '2024-01-03 10:00:00')"
        ))
        .execute(&my)
        .await
        .unwrap();
        let t = advance_to(&srv, run["next_run_at"].as_i64().unwrap()).await;
        let run = wait_run(&srv, &steward, id, t).await;
        assert_eq!(
            (run["last_status"].as_str(), run["watermark"].as_str()),
            (Some("succeeded"), Some("2024-01-03 10:00:00")),
            "{run}"
        );
        let r = resource(&srv, &steward, C).await;
        assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(2), Some(3)), "{r}");
        let (_, hs) = srv.get(&format!("/api/v1/resources/{C}/hand-ins"), Some(&steward)).await.unwrap();
        assert_eq!(hs[0]["rows_read"], 1, "{hs}");
        srv.post(&format!("/api/v1/schedules/{id}/disable"), Some(&steward), &json!({})).await.unwrap();
        sqlx::query(&format!("DROP TABLE `{table}`")).execute(&my).await.unwrap();
    }

    // A source that is down: retried with back-off, then failed with the reason; the password
    // never shows.
    let down = schedule(
        &srv,
        &steward,
        A,
        json!({"kind": "pull.database", "cron": "0 3 * * *",
               "spec": {"url": "postgres://dept:s3cret@127.0.0.1:1/nowhere", "table": "people"}}),
    )
    .await;
    assert!(!down.to_string().contains("s3cret"), "{down}");
    let id = down["id"].as_i64().unwrap();
    let (s, job) = srv.post(&format!("/api/v1/schedules/{id}/run"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let mut t = now_ms(&srv);
    let mut run = wait_run(&srv, &steward, id, t).await;
    for (attempt, backoff_s) in [(1, 30), (2, 60), (3, 120)] {
        assert_eq!((run["last_status"].as_str(), run["failures"].as_i64()), (Some("retrying"), Some(attempt)), "{run}");
        let msg = run["last_message"].as_str().unwrap();
        assert!(msg.contains(&format!("attempt {attempt} of 4")) && msg.contains("cannot connect"), "{msg}");
        // Not before the back-off has passed.
        srv.clock.advance(time::Duration::seconds(backoff_s - 5));
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let (_, same) = srv.get(&format!("/api/v1/schedules/{id}"), Some(&steward)).await.unwrap();
        assert_eq!(same["failures"], attempt, "retried before its back-off: {same}");
        srv.clock.advance(time::Duration::seconds(6));
        t = now_ms(&srv);
        run = wait_run(&srv, &steward, id, t).await;
    }
    assert_eq!((run["last_status"].as_str(), run["failures"].as_i64()), (Some("failed"), Some(4)), "{run}");
    assert!(run["last_message"].as_str().unwrap().contains("failed after 4 attempts"), "{run}");
    let (_, j) = srv.get(&format!("/api/v1/jobs/{}", job["id"]), Some(&steward)).await.unwrap();
    assert_eq!((j["job"]["state"].as_str(), j["job"]["attempts"].as_i64()), (Some("failed"), Some(4)), "{j}");
    let (_, list) = srv.get(&format!("/api/v1/resources/{A}/schedules"), Some(&datauser)).await.unwrap();
    assert!(list.as_array().unwrap().len() >= 2 && !list.to_string().contains("s3cret"), "{list}");

    // Who may change schedules, and the life cycle.
    let (s, _) = srv
        .post(
            &format!("/api/v1/resources/{A}/schedules"),
            Some(&datauser),
            &json!({"kind": "pull.http", "cron": "* * * * *", "spec": {"url": "http://x/y"}}),
        )
        .await
        .unwrap();
    assert_eq!(s, 403);
    let (s, e) = srv
        .post(
            &format!("/api/v1/resources/{A}/schedules"),
            Some(&steward),
            &json!({"kind": "pull.database", "cron": "61 * * * *", "spec": {"url": "postgres://h/d", "table": "t"}}),
        )
        .await
        .unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("cron")), "{e}");
    let (s, v) = srv.post(&format!("/api/v1/schedules/{id}/disable"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!((s, v["enabled"].as_bool()), (200, Some(false)), "{v}");
    let (s, v) = srv.post(&format!("/api/v1/schedules/{id}/enable"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!((s, v["enabled"].as_bool()), (200, Some(true)), "{v}");
    let (s, _) = srv.post(&format!("/api/v1/schedules/{id}/delete"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!(s, 204);
    let (s, _) = srv.get(&format!("/api/v1/schedules/{id}"), Some(&steward)).await.unwrap();
    assert_eq!(s, 404);

    // Changes are audited.
    let auditor = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (_, trail) = srv.get("/api/v1/audit?action=resource.manage&limit=500", Some(&auditor)).await.unwrap();
    let ops: Vec<String> =
        trail.as_array().unwrap().iter().filter_map(|r| r["detail"]["op"].as_str().map(str::to_owned)).collect();
    for op in ["create_schedule", "run_schedule", "disable_schedule", "enable_schedule", "delete_schedule"] {
        assert!(ops.iter().any(|o| o == op), "{op} audited: {ops:?}");
    }
    assert!(!trail.to_string().contains("s3cret"));
}

/// A department's HTTP API: `/people` needs an API key; `/live` answers slowly when told to.
async fn department_api(slow: Arc<AtomicBool>) -> String {
    use axum::extract::Query;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    let people = || {
        vec![
            json!({"id_number": "630102199001011235", "name": "张三", "sex": "1", "birth_date": "1990-01-01"}),
            json!({"公民身份号码": "630103198505051232", "姓名": "王五", "性别": "1", "出生日期": "1985-05-05"}),
            json!({"id_number": "630104200001011233", "name": "赵六", "sex": "1", "birth_date": "2000-01-01"}),
        ]
    };
    let app = axum::Router::new()
        .route(
            "/people",
            get(move |h: HeaderMap| async move {
                if h.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("k-123") {
                    return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "key"})));
                }
                (StatusCode::OK, axum::Json(json!({"data": {"items": people()}})))
            }),
        )
        .route(
            "/live",
            get(move |Query(q): Query<Vec<(String, String)>>| {
                let slow = slow.clone();
                async move {
                    if slow.load(Ordering::SeqCst) {
                        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                    }
                    let rows: Vec<Value> = people()
                        .into_iter()
                        .filter(|p| q.iter().all(|(k, v)| p.get(k).and_then(Value::as_str).is_none_or(|x| x == v)))
                        .collect();
                    axum::Json(rows)
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn http_pull_and_live(backend: Backend) {
    let Some(srv) = TestServer::start_with(backend, "pulls_http", |c| c.session_ttl_minutes = 30 * 24 * 60).await
    else {
        return;
    };
    let logins = srv.seed_demo_catalogue().await;
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let slow = Arc::new(AtomicBool::new(false));
    let api = department_api(slow.clone()).await;

    // HTTP pull: records at a JSON pointer, with an API key header that is never shown back.
    let sch = schedule(
        &srv,
        &steward,
        A,
        json!({"kind": "pull.http", "cron": "0 6 * * 1-5",
               "spec": {"url": format!("{api}/people"), "records_path": "/data/items", "headers": {"X-Api-Key": "k-123"}}}),
    )
    .await;
    assert!(!sch.to_string().contains("k-123"), "{sch}");
    let id = sch["id"].as_i64().unwrap();
    let t = advance_to(&srv, sch["next_run_at"].as_i64().unwrap()).await;
    let run = wait_run(&srv, &steward, id, t).await;
    assert_eq!(run["last_status"], "succeeded", "{run}");
    let r = resource(&srv, &steward, A).await;
    assert_eq!((r["current"]["version"].as_i64(), r["current"]["rows"].as_i64()), (Some(1), Some(3)), "{r}");
    let (_, hs) = srv.get(&format!("/api/v1/resources/{A}/hand-ins"), Some(&steward)).await.unwrap();
    assert_eq!(hs[0]["channel"], "pull.http");
    // Without the key the source refuses: the run is retried and says why.
    let bad = schedule(
        &srv,
        &steward,
        A,
        json!({"kind": "pull.http", "cron": "0 6 * * *", "spec": {"url": format!("{api}/people"), "records_path": "/data/items"}}),
    )
    .await;
    let t = now_ms(&srv);
    srv.post(&format!("/api/v1/schedules/{}/run", bad["id"]), Some(&steward), &json!({})).await.unwrap();
    let run = wait_run(&srv, &steward, bad["id"].as_i64().unwrap(), t).await;
    assert_eq!(run["last_status"], "retrying", "{run}");
    assert!(run["last_message"].as_str().unwrap().contains("401"), "{run}");

    // Logical access over HTTP: validated by a probe read, read with filters, bounded by the timeout.
    let live = json!({"spec": {"kind": "http", "url": format!("{api}/live")}, "timeout_ms": 400});
    let (s, v) = srv.put(&format!("/api/v1/resources/{B}/live"), Some(&steward), &live).await.unwrap();
    assert_eq!(s, 200, "{v}");
    let (s, rows) =
        srv.get(&format!("/api/v1/resources/{B}/live?id_number=630104200001011233"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{rows}");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["name"], "赵六");
    let (s, rows) = srv.get(&format!("/api/v1/resources/{B}/live?limit=2"), Some(&steward)).await.unwrap();
    assert_eq!((s, rows.as_array().map(Vec::len)), (200, Some(2)), "{rows}");
    slow.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let (s, e) = srv.get(&format!("/api/v1/resources/{B}/live"), Some(&steward)).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "the timeout cut the read short");
    assert_eq!(s, 503, "{e}");
    assert!(e["message"].as_str().unwrap().contains("did not answer within 400 ms"), "{e}");
    let (s, st) = srv.get(&format!("/api/v1/resources/{B}/live/status"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{st}");
    assert_eq!((st["calls"].as_i64(), st["failures"].as_i64()), (Some(4), Some(1)), "{st}");
    assert_eq!(st["availability"], 0.75);
    assert!(st["max_latency_ms"].as_i64().unwrap() >= 400, "{st}");
    // A source that cannot be read is not registered.
    let (s, e) = srv.put(&format!("/api/v1/resources/{C}/live"), Some(&steward), &live).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("spec")), "{e}");
    let (s, _) = srv.get(&format!("/api/v1/resources/{C}/live/status"), Some(&steward)).await.unwrap();
    assert_eq!(s, 404);
}
