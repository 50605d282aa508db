//! Bulk delivery and subscriptions through the API: full and incremental file deliveries
//! (CSV, Parquet, Excel) whose changes equal the version diff across upsert, delete and replace
//! hand-ins; delivery into a real PostgreSQL table (a fresh schema in the test database) by a
//! plan; signed webhooks to a real local HTTP receiver that fails (500s, a timeout) → retries
//! with back-off, a dead letter, replay; the change feed; and who may do what.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::model::NewUser;
use zs_types::Role;

on_backends!(deliveries_subscriptions_and_feed);

const CODE: &str = "101001000/000001";
const HEAD: &str = "公民身份号码,姓名,性别,出生日期\n";
const ZHANG: &str = "630102199001011235";
const LI: &str = "630102199002021240";
const OUYANG: &str = "630103198505051232";
const WANG: &str = "630104199303031234";
const ZHAO: &str = "630105199404041235";

async fn wait_job(srv: &TestServer, token: &str, id: i64) -> Value {
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(token)).await.unwrap();
        if j["job"]["state"] == "succeeded" || j["job"]["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} did not end");
}

async fn hand_in(srv: &TestServer, steward: &str, mode: &str, rows: &str) {
    let url = format!("/api/v1/resources/{CODE}/uploads?file_name=data.csv&mode={mode}");
    let body = format!("{HEAD}{rows}");
    let (s, job) = srv.post_raw(&url, Some(steward), Some("text/csv"), body.into_bytes()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(srv, steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
}

/// Queue a file delivery and wait for its end.
async fn deliver(srv: &TestServer, token: &str, grant: i64, kind: &str, format: &str) -> Value {
    let (s, d) = srv
        .post(
            &format!("/api/v1/share/grants/{grant}/deliveries"),
            Some(token),
            &json!({ "kind": kind, "format": format }),
        )
        .await
        .unwrap();
    assert_eq!(s, 202, "{d}");
    wait_delivery(srv, token, grant, d["id"].as_i64().unwrap()).await
}

async fn wait_delivery(srv: &TestServer, token: &str, grant: i64, id: i64) -> Value {
    for _ in 0..500 {
        let (s, d) = srv.get(&format!("/api/v1/share/grants/{grant}/deliveries/{id}"), Some(token)).await.unwrap();
        assert_eq!(s, 200, "{d}");
        if d["state"] == "succeeded" || d["state"] == "failed" {
            assert_eq!(d["state"], "succeeded", "{d}");
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("delivery {id} did not end");
}

async fn download(srv: &TestServer, token: &str, d: &Value) -> (u16, Vec<u8>) {
    let url = format!("{}{}", srv.url, d["download"].as_str().unwrap());
    let r = TestServer::client().get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A real HTTP receiver: answers each POST as scripted (a status, or `None` for "hang past the
/// sender's timeout"), 200 when the script is empty, and keeps what it got.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<Option<u16>>>>,
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

impl Receiver {
    async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    me.got.lock().unwrap().push((headers, body));
                    let next = me.script.lock().unwrap().pop_front();
                    match next {
                        Some(None) => {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            StatusCode::OK
                        }
                        Some(Some(s)) => StatusCode::from_u16(s).unwrap(),
                        None => StatusCode::OK,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    fn script(&self, steps: &[Option<u16>]) {
        self.script.lock().unwrap().extend(steps.iter().copied());
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    /// Every request so far carries a valid HMAC under `secret` and a valid SM2 signature under
    /// the platform's published webhook key; returns the bodies.
    fn verified(&self, secret: &str, key: &zs_ledger::note::Verifier) -> Vec<Value> {
        let got = self.got.lock().unwrap();
        got.iter()
            .map(|(h, body)| {
                let event = h.get("x-zhengshu-event").unwrap().to_str().unwrap();
                let sm2 = h.get("x-zhengshu-signature-sm2").expect("an SM2 signature").to_str().unwrap();
                let t = zs_share::verify_sm2_signature(key, sm2, event, body.as_bytes()).expect("the SM2 signature");
                assert!(h.get("x-zhengshu-signature").unwrap().to_str().unwrap().starts_with(&format!("t={t},")));
                let tampered = body.replacen("\"version\"", "\"version\" ", 1);
                assert!(zs_share::verify_sm2_signature(key, sm2, event, tampered.as_bytes()).is_err());
                let sig = h.get("x-zhengshu-signature").unwrap().to_str().unwrap();
                let (t, v1) = sig.split_once(',').unwrap();
                let t = t.strip_prefix("t=").unwrap();
                let v1 = hex::decode(v1.strip_prefix("v1=").unwrap()).unwrap();
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
                mac.update(format!("{t}.{body}").as_bytes());
                mac.verify_slice(&v1).expect("the signature verifies");
                let mut wrong = Hmac::<Sha256>::new_from_slice(b"whsec_wrong").unwrap();
                wrong.update(format!("{t}.{body}").as_bytes());
                assert!(wrong.verify_slice(&v1).is_err());
                let v: Value = serde_json::from_str(body).unwrap();
                assert_eq!(h.get("x-zhengshu-event").unwrap().to_str().unwrap(), v["event_id"].as_str().unwrap());
                v
            })
            .collect()
    }
}

/// Wait until the receiver has had `n` requests (the runner polls every 250 ms).
async fn wait_requests(rx: &Receiver, n: usize) {
    for _ in 0..400 {
        if rx.count() >= n {
            tokio::time::sleep(Duration::from_millis(100)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the receiver got {} requests, expected {n}", rx.count());
}

async fn notifications(srv: &TestServer, token: &str, grant: i64, sub: i64, state: &str) -> Vec<Value> {
    let url = format!("/api/v1/share/grants/{grant}/subscriptions/{sub}/notifications?state={state}");
    let (s, v) = srv.get(&url, Some(token)).await.unwrap();
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn wait_state(srv: &TestServer, token: &str, grant: i64, sub: i64, state: &str, n: usize) -> Vec<Value> {
    for _ in 0..400 {
        let v = notifications(srv, token, grant, sub, state).await;
        if v.len() >= n {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {n} {state} notifications");
}

/// Wait until the newest notification in `state` has made `attempts` attempts.
async fn wait_attempts(srv: &TestServer, token: &str, grant: i64, sub: i64, state: &str, attempts: i64) -> Value {
    for _ in 0..400 {
        let v = notifications(srv, token, grant, sub, state).await;
        if let Some(n) = v.first().filter(|n| n["attempts"] == attempts) {
            return n.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {state} notification with {attempts} attempts");
}

/// A data user in another department.
async fn other_data_user(srv: &TestServer) -> String {
    let orgs = srv.store.list_orgs("/").await.unwrap();
    let other = orgs.iter().find(|o| o.name == "西宁市民政局").expect("a second department");
    let user = NewUser {
        username: "mz.dl".into(),
        display_name: "民政使用".into(),
        org_id: other.id,
        role: Role::DataUser,
        password_hash: zs_identity::password::hash("Other-user-pass-2026").unwrap(),
        must_change_password: false,
    };
    srv.store.create_user(user, 0).await.unwrap();
    srv.login("mz.dl", "Other-user-pass-2026").await.unwrap()
}

fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    let mut rows: Vec<Vec<String>> = r.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let head = rows.remove(0);
    rows.sort();
    rows.insert(0, head);
    rows
}

async fn deliveries_subscriptions_and_feed(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "share_delivery").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let user = srv.login("datauser", &pw("datauser")).await.unwrap();
    let auditor = srv.login("auditor", &pw("auditor")).await.unwrap();
    // The scenario changes a person's sex between versions: the steward's rules check ID numbers
    // without comparing the sex digit (the default rule would block such a row at hand-in).
    let rules = json!({ "rules": [{ "id": "id", "target": { "item": "id_number" }, "kind": "id_number" }] });
    let (s, r) = srv.put(&format!("/api/v1/resources/{CODE}/quality/rules"), Some(&steward), &rules).await.unwrap();
    assert_eq!(s, 200, "{r}");
    // v1: three people, two of them men (sex 1).
    hand_in(
        &srv,
        &steward,
        "append",
        &format!("{ZHANG},张三,1,1990-01-01\n{LI},李四,2,1990-02-02\n{OUYANG},欧阳修文,1,1985-05-05\n"),
    )
    .await;

    // A grant: three items, men only, the ID number as a keyed hash (a key stays a key).
    let until = (zs_types::Clock::now(srv.clock.as_ref()).date() + time::Duration::days(300)).to_string();
    let apply = json!({
        "code": CODE, "fields": ["id_number", "name", "sex", "birth_date"], "purpose": "核验", "scenario": "社会救助",
        "legal_basis": "《社会救助暂行办法》", "until": until, "calls_per_day": 50, "rows_per_day": 100
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(&user), &apply).await.unwrap();
    assert_eq!(s, 201, "{a}");
    let review = json!({ "decision": "grant", "fields": ["id_number", "name", "sex"],
        "row_filter": [{ "item": "sex", "value": "1" }],
        "masking": { "id_number": { "kind": "hash", "encoding": "hex", "length": 16 }, "name": { "kind": "name" }, "sex": { "kind": "none" } } });
    let (s, r) =
        srv.post(&format!("/api/v1/share/applications/{}/review", a["id"]), Some(&steward), &review).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let grant = r["grant_id"].as_i64().unwrap();
    let base = format!("/api/v1/share/grants/{grant}");
    let masker = zs_share::Masker::new(zs_share::load_or_create_secret(&srv.state.config.data_dir).unwrap());
    let technique: zs_share::Technique =
        serde_json::from_value(json!({ "kind": "hash", "encoding": "hex", "length": 16 })).unwrap();
    let hash = |id: &str| masker.mask_str(&technique, id).unwrap();

    // Bad input changes nothing; other departments cannot use the grant; the provider sees history.
    for (body, field) in [
        (json!({ "kind": "some", "format": "csv" }), "kind"),
        (json!({ "kind": "full", "format": "pdf" }), "format"),
        (json!({ "kind": "full", "format": "postgres" }), "format"),
    ] {
        let (s, e) = srv.post(&format!("{base}/deliveries"), Some(&user), &body).await.unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let other = other_data_user(&srv).await;
    let (s, e) = srv
        .post(&format!("{base}/deliveries"), Some(&other), &json!({ "kind": "full", "format": "csv" }))
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")), "{e}");
    let (s, e) = srv
        .post(&format!("{base}/subscriptions"), Some(&other), &json!({ "url": "http://127.0.0.1:9/x" }))
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (404, Some("no_grant")), "{e}");
    assert_eq!(srv.get(&format!("{base}/feed"), Some(&other)).await.unwrap().0, 404);
    assert_eq!(srv.get(&format!("{base}/deliveries"), Some(&other)).await.unwrap().0, 404);
    let (_, none) = srv.get(&format!("{base}/deliveries"), Some(&user)).await.unwrap();
    assert_eq!(none, json!([]), "refused requests queued nothing");

    // A full extract as CSV: granted items only, men only, masked; the digest is the file's.
    let full = deliver(&srv, &user, grant, "full", "csv").await;
    assert_eq!(
        (full["rows"].as_i64(), full["from_version"].as_i64(), full["to_version"].as_i64()),
        (Some(2), None, Some(1)),
        "{full}"
    );
    let (s, body) = download(&srv, &user, &full).await;
    assert_eq!(s, 200);
    assert_eq!(full["digest"].as_str().unwrap(), sha(&body));
    assert_eq!(csv_rows(&body), {
        let mut want =
            vec![vec![hash(ZHANG), "张*".into(), "1".into()], vec![hash(OUYANG), "欧阳**".into(), "1".into()]];
        want.sort();
        want.insert(0, vec!["id_number".into(), "name".into(), "sex".into()]);
        want
    });
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains(ZHANG) && !text.contains("张三") && !text.contains("李四") && !text.contains("1990"));
    assert_eq!(download(&srv, &other, &full).await.0, 404, "another department cannot download");
    assert_eq!(download(&srv, &steward, &full).await.0, 403, "nor the provider");
    let (s, seen) = srv.get(&format!("{base}/deliveries"), Some(&steward)).await.unwrap();
    assert_eq!((s, seen.as_array().unwrap().len()), (200, 1), "the provider sees the deliveries of its resource");

    // A subscription with a real receiver; the secret is shown once.
    srv.state.share.set_webhook_policy(zs_share::WebhookPolicy {
        max_attempts: 3,
        first_retry: Duration::from_secs(10),
        max_retry: Duration::from_secs(60),
        timeout: Duration::from_millis(500),
    });
    let rx = Receiver::default();
    let hook = rx.start().await;
    for bad in ["ftp://x/y", "not a url", "http://user:pw@127.0.0.1/x"] {
        let (s, e) = srv.post(&format!("{base}/subscriptions"), Some(&user), &json!({ "url": bad })).await.unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some("url")), "{e}");
    }
    // The platform's own services are not a receiver (SSRF): with the default egress policy,
    // loopback by address or by name, cloud metadata and a local socket are refused.
    srv.state.share.set_egress(zs_share::EgressPolicy::new(false, &[], "egress_denied_networks").unwrap());
    for bad in [hook.as_str(), "http://localhost:5432/", "http://169.254.169.254/latest/meta-data", "http://[::1]:80/"]
    {
        let (s, e) = srv.post(&format!("{base}/subscriptions"), Some(&user), &json!({ "url": bad })).await.unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some("url")), "{bad}: {e}");
        assert!(e["message"].as_str().unwrap().contains("does not connect to"), "{e}");
    }
    for bad in ["postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@x/test?host=/var/run/postgresql"] {
        let (s, e) = srv
            .post(
                &format!("{base}/delivery-plans"),
                Some(&user),
                &json!({ "kind": "full", "format": "postgres", "database_url": bad, "table": "t" }),
            )
            .await
            .unwrap();
        assert_eq!((s, e["field"].as_str()), (422, Some("database_url")), "{bad}: {e}");
    }
    let (_, none) = srv.get(&format!("{base}/subscriptions"), Some(&user)).await.unwrap();
    assert_eq!(none, json!([]), "refused receivers are not stored");
    srv.state.share.set_egress(zs_share::EgressPolicy::new(true, &[], "egress_denied_networks").unwrap());
    let (s, created) = srv.post(&format!("{base}/subscriptions"), Some(&user), &json!({ "url": hook })).await.unwrap();
    assert_eq!(s, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    // The platform's SM2 webhook key, published for receivers.
    let (s, k) = srv.get("/api/v1/share/webhook-key", Some(&user)).await.unwrap();
    assert_eq!((s, k["algorithm"].as_str()), (200, Some("sm2")), "{k}");
    let webhook_key = zs_ledger::note::Verifier::from_key_string(k["key"].as_str().unwrap()).unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 70);
    let sub = created["subscription"]["id"].as_i64().unwrap();
    let (_, subs) = srv.get(&format!("{base}/subscriptions"), Some(&user)).await.unwrap();
    assert!(!subs.to_string().contains(&secret), "the secret is not shown again");
    assert_eq!(srv.get(&format!("{base}/subscriptions"), Some(&steward)).await.unwrap().0, 404, "the consumer's own");

    // A database plan into a fresh schema of the test database (PostgreSQL half only if available).
    let pg = zs_testkit::pg_url("share_delivery_target");
    let schema = format!("dl_{}_{}", std::process::id(), if backend == Backend::Sqlite { "s" } else { "p" });
    let plan = match &pg {
        Some(url) => {
            let (s, e) = srv
                .post(
                    &format!("{base}/delivery-plans"),
                    Some(&user),
                    &json!({ "kind": "changes", "format": "postgres", "database_url": url, "table": "Bad-Name" }),
                )
                .await
                .unwrap();
            assert_eq!((s, e["field"].as_str()), (422, Some("table")), "{e}");
            let (s, p) = srv
                .post(
                    &format!("{base}/delivery-plans"),
                    Some(&user),
                    &json!({ "kind": "changes", "format": "postgres", "database_url": url, "table": format!("{schema}.people") }),
                )
                .await
                .unwrap();
            assert_eq!(s, 201, "{p}");
            assert!(!p.to_string().contains("password"));
            Some(p["id"].as_i64().unwrap())
        }
        None => None,
    };
    let (s, p) = srv
        .post(
            &format!("{base}/delivery-plans"),
            Some(&user),
            &json!({ "kind": "full", "format": "postgres", "database_url": "postgres://u:Sup3rSecret@127.0.0.1:1/x", "table": "t" }),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{p}");
    let (_, plans) = srv.get(&format!("{base}/delivery-plans"), Some(&user)).await.unwrap();
    assert!(!plans.to_string().contains("Sup3rSecret"), "{plans}");
    let (s, _) =
        srv.post(&format!("{base}/delivery-plans/{}/disable", p["id"]), Some(&user), &json!({})).await.unwrap();
    assert_eq!(s, 200);
    let consumer_db = match &pg {
        Some(url) => Some(sqlx::PgPool::connect(url).await.unwrap()),
        None => None,
    };
    let run_plan = |plan: i64| {
        let (srv, user, base) = (&srv, user.clone(), base.clone());
        async move {
            let (s, d) = srv.post(&format!("{base}/delivery-plans/{plan}/run"), Some(&user), &json!({})).await.unwrap();
            assert_eq!(s, 202, "{d}");
            wait_delivery(srv, &user, grant, d["id"].as_i64().unwrap()).await
        }
    };
    let table_rows = |db: &sqlx::PgPool| {
        let (db, schema) = (db.clone(), schema.clone());
        async move {
            let mut rows: Vec<(String, String, String)> =
                sqlx::query_as(&format!("SELECT id_number, name, sex FROM {schema}.people"))
                    .fetch_all(&db)
                    .await
                    .unwrap();
            rows.sort();
            rows
        }
    };
    let sorted = |mut v: Vec<(String, String, String)>| {
        v.sort();
        v
    };
    if let (Some(plan), Some(db)) = (plan, &consumer_db) {
        let d = run_plan(plan).await;
        assert_eq!(
            (d["rows"].as_i64(), d["from_version"].as_i64()),
            (Some(2), None),
            "the first run is a full extract: {d}"
        );
        assert_eq!(
            table_rows(db).await,
            sorted(vec![(hash(ZHANG), "张*".into(), "1".into()), (hash(OUYANG), "欧阳**".into(), "1".into())])
        );
    }

    // v2 (upsert): 张三 renamed, 李四 becomes a man (moves into the restriction), 王五 added.
    // The receiver fails first with a 500, then hangs past the timeout, then accepts.
    rx.script(&[Some(500), None]);
    hand_in(
        &srv,
        &steward,
        "upsert",
        &format!("{ZHANG},张三丰,1,1990-01-01\n{LI},李四,1,1990-02-02\n{WANG},王五,1,1993-03-03\n"),
    )
    .await;
    let first = wait_attempts(&srv, &user, grant, sub, "pending", 1).await;
    assert_eq!(first["last_status"], 500, "{first}");
    assert_eq!(rx.count(), 1, "backing off: not sent again before 10 s");
    srv.clock.advance(time::Duration::seconds(10));
    let second = wait_attempts(&srv, &user, grant, sub, "pending", 2).await;
    assert!(second["last_error"].as_str().unwrap().contains("no answer"), "timed out: {second}");
    assert_eq!(rx.count(), 2, "backing off: not sent again before 20 s");
    srv.clock.advance(time::Duration::seconds(20));
    wait_requests(&rx, 3).await;
    let delivered = wait_state(&srv, &user, grant, sub, "delivered", 1).await;
    assert_eq!(delivered[0]["attempts"], 3);
    let bodies = rx.verified(&secret, &webhook_key);
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b["event_id"] == bodies[0]["event_id"]), "one event, retried");
    assert_eq!(
        (bodies[0]["version"].as_i64(), bodies[0]["mode"].as_str(), bodies[0]["grant"].as_i64()),
        (Some(2), Some("upsert"), Some(grant))
    );

    // The incremental delivery equals the diff of v1 → v2 for this grant.
    let changes = deliver(&srv, &user, grant, "changes", "csv").await;
    assert_eq!(
        (
            changes["from_version"].as_i64(),
            changes["to_version"].as_i64(),
            changes["added"].as_i64(),
            changes["changed"].as_i64(),
            changes["deleted"].as_i64()
        ),
        (Some(1), Some(2), Some(2), Some(1), Some(0)),
        "{changes}"
    );
    let (_, body) = download(&srv, &user, &changes).await;
    assert_eq!(changes["digest"].as_str().unwrap(), sha(&body));
    let mut want = vec![
        vec!["insert".to_owned(), hash(LI), "李*".into(), "1".into()],
        vec!["insert".to_owned(), hash(WANG), "王*".into(), "1".into()],
        vec!["update".to_owned(), hash(ZHANG), "张**".into(), "1".into()],
    ];
    want.sort();
    want.insert(0, vec!["_op".into(), "id_number".into(), "name".into(), "sex".into()]);
    assert_eq!(csv_rows(&body), want);
    if let (Some(plan), Some(db)) = (plan, &consumer_db) {
        let d = run_plan(plan).await;
        assert_eq!((d["from_version"].as_i64(), d["rows"].as_i64()), (Some(1), Some(3)), "{d}");
        assert_eq!(table_rows(db).await.len(), 4);
    }

    // v3 (delete 欧阳修文): the receiver fails every attempt → dead letter → replay.
    rx.script(&[Some(500), Some(503), Some(500)]);
    hand_in(&srv, &steward, "delete", &format!("{OUYANG},欧阳修文,1,1985-05-05\n")).await;
    wait_attempts(&srv, &user, grant, sub, "pending", 1).await;
    srv.clock.advance(time::Duration::seconds(10));
    wait_attempts(&srv, &user, grant, sub, "pending", 2).await;
    srv.clock.advance(time::Duration::seconds(20));
    let dead = wait_state(&srv, &user, grant, sub, "dead", 1).await;
    assert_eq!((dead[0]["attempts"].as_i64(), dead[0]["last_status"].as_i64()), (Some(3), Some(500)), "{dead:?}");
    let (_, subs) = srv.get(&format!("{base}/subscriptions"), Some(&user)).await.unwrap();
    assert_eq!(subs[0]["dead"], 1, "{subs}");
    let replay = format!("{base}/subscriptions/{sub}/notifications/{}/replay", dead[0]["id"]);
    assert_eq!(srv.post(&replay, Some(&other), &json!({})).await.unwrap().0, 404, "not another department's");
    let (s, r) = srv.post(&replay, Some(&user), &json!({})).await.unwrap();
    assert_eq!((s, r["state"].as_str()), (200, Some("pending")), "{r}");
    wait_requests(&rx, 7).await;
    let delivered = wait_state(&srv, &user, grant, sub, "delivered", 2).await;
    assert_eq!(delivered[0]["event_id"], dead[0]["event_id"], "the replayed one was delivered");
    assert_eq!(srv.post(&replay, Some(&user), &json!({})).await.unwrap().0, 409, "only dead ones are replayed");
    assert_eq!(rx.verified(&secret, &webhook_key).len(), 7);

    let changes = deliver(&srv, &user, grant, "changes", "parquet").await;
    assert_eq!(
        (changes["from_version"].as_i64(), changes["deleted"].as_i64(), changes["rows"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "{changes}"
    );
    let (_, body) = download(&srv, &user, &changes).await;
    assert_eq!(changes["digest"].as_str().unwrap(), sha(&body));
    let file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut &file, &body).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let b = &batches[0];
    let col = |i: usize| {
        let a = b.column(i).as_any().downcast_ref::<arrow_array::StringArray>().unwrap();
        a.iter().map(|v| v.map(str::to_owned)).collect::<Vec<_>>()
    };
    assert_eq!(
        (col(0), col(1), col(2)),
        (vec![Some("delete".into())], vec![Some(hash(OUYANG))], vec![None]),
        "a delete carries the key"
    );
    if let (Some(plan), Some(db)) = (plan, &consumer_db) {
        run_plan(plan).await;
        assert!(!table_rows(db).await.iter().any(|r| r.0 == hash(OUYANG)), "deleted in the consumer's table");
    }

    // v4 (replace): 张三丰 unchanged, 王五 renamed, 赵六 new, 李四 gone.
    hand_in(
        &srv,
        &steward,
        "replace",
        &format!("{ZHANG},张三丰,1,1990-01-01\n{WANG},欧阳锋,1,1993-03-03\n{ZHAO},赵六,1,1994-04-04\n"),
    )
    .await;
    let changes = deliver(&srv, &user, grant, "changes", "xlsx").await;
    assert_eq!(
        (changes["added"].as_i64(), changes["changed"].as_i64(), changes["deleted"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{changes}"
    );
    let (_, body) = download(&srv, &user, &changes).await;
    assert_eq!(changes["digest"].as_str().unwrap(), sha(&body));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(body)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).unwrap().unwrap();
    let mut rows: Vec<Vec<String>> = sheet.rows().skip(1).map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            vec!["delete".to_owned(), hash(LI), String::new(), String::new()],
            vec!["insert".to_owned(), hash(ZHAO), "赵*".into(), "1".into()],
            vec!["update".to_owned(), hash(WANG), "欧阳*".into(), "1".into()],
        ]
    );
    if let (Some(plan), Some(db)) = (plan, &consumer_db) {
        run_plan(plan).await;
        assert_eq!(
            table_rows(db).await,
            sorted(vec![
                (hash(ZHANG), "张**".into(), "1".into()),
                (hash(WANG), "欧阳*".into(), "1".into()),
                (hash(ZHAO), "赵*".into(), "1".into()),
            ]),
            "the consumer's table equals the grant's view of v4"
        );
        let stored = srv.store.list_delivery_plans(grant).await.unwrap();
        let sealed = stored[0].secret.as_deref().unwrap();
        assert!(sealed.starts_with("v1:") && !sealed.contains("127.0.0.1"), "the database URL is stored sealed");
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(db).await.unwrap();
    }

    // The change feed: one line per committed version, read on from a cursor.
    let (s, feed) = srv.get(&format!("{base}/feed"), Some(&user)).await.unwrap();
    assert_eq!(s, 200, "{feed}");
    let versions: Vec<i64> =
        feed["changes"].as_array().unwrap().iter().map(|c| c["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    let second = feed["changes"][1]["cursor"].as_i64().unwrap();
    let (_, on) = srv.get(&format!("{base}/feed?after={second}&limit=1"), Some(&user)).await.unwrap();
    assert_eq!(
        (on["changes"][0]["version"].as_i64(), on["changes"][0]["mode"].as_str()),
        (Some(3), Some("delete_by_key")),
        "{on}"
    );
    let (_, end) = srv.get(&format!("{base}/feed?after={}", feed["next_cursor"]), Some(&user)).await.unwrap();
    assert_eq!((end["changes"].as_array().unwrap().len(), &end["next_cursor"]), (0, &feed["next_cursor"]));
    let (s, e) = srv.get(&format!("{base}/feed?limit=0"), Some(&user)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("limit")));

    // Every delivery recorded with its range, rows and digest; no personal data in the trail.
    let (_, trail) = srv.get("/api/v1/audit?action=share.delivery&limit=100", Some(&auditor)).await.unwrap();
    let trail = trail.as_array().unwrap();
    assert_eq!(trail.len(), 4 + if plan.is_some() { 4 } else { 0 }, "{trail:?}");
    assert!(trail.iter().all(|e| e["detail"]["digest"].as_str().is_some_and(|d| d.len() == 64)));
    let all = serde_json::to_string(trail).unwrap();
    assert!(!all.contains("张") && !all.contains(ZHANG) && !all.contains("Sup3rSecret"), "{all}");

    // A scheduled plan runs at once and then every 5 minutes of the (manual) clock.
    let (s, p) = srv
        .post(
            &format!("{base}/delivery-plans"),
            Some(&user),
            &json!({ "kind": "full", "format": "csv", "every_minutes": 5 }),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{p}");
    let scheduled = |n: usize| {
        let (srv, user, base, plan) = (&srv, user.clone(), base.clone(), p["id"].clone());
        async move {
            for _ in 0..400 {
                let (_, list) = srv.get(&format!("{base}/deliveries"), Some(&user)).await.unwrap();
                let runs: Vec<Value> =
                    list.as_array().unwrap().iter().filter(|d| d["plan_id"] == plan).cloned().collect();
                if runs.len() >= n && runs.iter().all(|d| d["state"] == "succeeded") {
                    return runs;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("the plan did not run {n} times");
        }
    };
    let runs = scheduled(1).await;
    assert_eq!((runs[0]["rows"].as_i64(), runs[0]["to_version"].as_i64()), (Some(3), Some(4)));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(scheduled(1).await.len(), 1, "not again before its time");
    srv.clock.advance(time::Duration::minutes(5));
    assert_eq!(scheduled(2).await.len(), 2, "again after 5 minutes");

    // Deliveries count against the grant's daily quota: one call each, their rows.
    srv.state.share.flush_usage().await.unwrap();
    let today = zs_catalog::calendar::beijing_date(zs_types::Clock::now(srv.clock.as_ref())).to_string();
    let (_, list) = srv.get(&format!("{base}/deliveries"), Some(&user)).await.unwrap();
    let list = list.as_array().unwrap();
    let rows: i64 =
        list.iter().filter(|d| d["to_version"].as_i64().is_some()).map(|d| d["rows"].as_i64().unwrap()).sum();
    let used = srv.store.usage(grant, &today).await.unwrap();
    assert_eq!(used.rows, rows, "the delivered rows are counted, not the reserved ones");
    assert!(used.calls >= list.len() as i64, "{used:?} for {} deliveries", list.len());
    // A grant of one row a day cannot take a two-row extract: the delivery fails, no file.
    let small = json!({
        "code": CODE, "fields": ["id_number", "name"], "purpose": "核验", "scenario": "社会救助",
        "legal_basis": "《社会救助暂行办法》", "until": until, "calls_per_day": 50, "rows_per_day": 1
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(&user), &small).await.unwrap();
    assert_eq!(s, 201, "{a}");
    let review = json!({ "decision": "grant", "masking": { "id_number": { "kind": "hash", "encoding": "hex", "length": 16 }, "name": { "kind": "name" } } });
    let (s, r) =
        srv.post(&format!("/api/v1/share/applications/{}/review", a["id"]), Some(&steward), &review).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let small = r["grant_id"].as_i64().unwrap();
    let (s, d) = srv
        .post(
            &format!("/api/v1/share/grants/{small}/deliveries"),
            Some(&user),
            &json!({ "kind": "full", "format": "csv" }),
        )
        .await
        .unwrap();
    assert_eq!(s, 202, "{d}");
    let mut ended = Value::Null;
    for _ in 0..500 {
        let (_, got) =
            srv.get(&format!("/api/v1/share/grants/{small}/deliveries/{}", d["id"]), Some(&user)).await.unwrap();
        if got["state"] == "failed" || got["state"] == "succeeded" {
            ended = got;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ended["state"], "failed", "{ended}");
    assert!(ended["message"].as_str().unwrap().contains("rows left today"), "{ended}");
    assert!(ended["download"].is_null() && ended["file_name"].is_null(), "{ended}");
    srv.state.share.flush_usage().await.unwrap();
    assert_eq!(srv.store.usage(small, &today).await.unwrap().rows, 0, "nothing left, nothing counted");

    // Revocation stops deliveries, downloads and notifications on the next use.
    let (s, _) = srv.post(&format!("{base}/revoke"), Some(&steward), &json!({ "reason": "办结" })).await.unwrap();
    assert_eq!(s, 200);
    let (s, e) = srv
        .post(&format!("{base}/deliveries"), Some(&user), &json!({ "kind": "full", "format": "csv" }))
        .await
        .unwrap();
    assert_eq!((s, e["code"].as_str()), (403, Some("grant_revoked")), "{e}");
    assert_eq!(download(&srv, &user, &full).await.0, 403);
}
