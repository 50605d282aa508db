//! The portal's security pages over a real server, on both stores: secure destruction (the
//! steward asks from the resource page, the security administrator refuses or approves, the
//! certificate lists the backups taken before), the data keys with rotation, the backup
//! register — and the three-administrator separation (三员分立) on every page and form: the
//! system administrator and the auditor can neither approve a destruction nor rotate a key.

use serde_json::Value;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(destruction_keys_and_backups_pages);

const RES: &str = "/resources/101001000/000001";

/// A signed-in portal user: the session token from the API login is the portal's session cookie.
pub(crate) struct Portal<'a> {
    srv: &'a TestServer,
    token: String,
    csrf: String,
}

/// A page: status, `Location` header and body.
pub(crate) struct Page {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Page {
    pub fn has(&self, id: &str) -> bool {
        self.body.contains(&format!("id=\"{id}\""))
    }
}

impl<'a> Portal<'a> {
    pub(crate) async fn new(srv: &'a TestServer, token: &str) -> Portal<'a> {
        let mut p = Portal { srv, token: token.to_owned(), csrf: String::new() };
        let home = p.get("/").await;
        assert_eq!(home.status, 200, "{}", home.body);
        let i = home.body.find("name=\"csrf\" value=\"").expect("the page has a csrf field") + 19;
        p.csrf = home.body[i..].split('"').next().unwrap().to_owned();
        p
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let r = req.header("cookie", format!("zs_session={}", self.token)).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        Page { status, location, body: r.text().await.unwrap() }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        self.send(TestServer::client().get(format!("{}{path}", self.srv.url))).await
    }

    /// POST a form with the session's CSRF token.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.send(TestServer::client().post(format!("{}{path}", self.srv.url)).form(&form)).await
    }
}

async fn wait_job(srv: &TestServer, token: &str, id: &Value) {
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(token)).await.unwrap();
        if j["job"]["state"] == "succeeded" {
            return;
        }
        assert_ne!(j["job"]["state"], "failed", "{j}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("job {id} did not end");
}

async fn hand_in(srv: &TestServer, token: &str, csv: &str) {
    let url = "/api/v1/resources/101001000/000001/uploads?file_name=p.csv&mode=replace";
    let (s, job) = srv.post_raw(url, Some(token), Some("text/csv"), csv.as_bytes().to_vec()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    wait_job(srv, token, &job["id"]).await;
}

async fn destruction_keys_and_backups_pages(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "security_pages").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward_token = srv.login("steward", &pw("steward")).await.unwrap();
    hand_in(&srv, &steward_token, "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n").await;
    hand_in(&srv, &steward_token, "公民身份号码,姓名,性别,出生日期\n630103198505051232,王五,1,1985-05-05\n").await;
    let mut users = Vec::new();
    for u in ["steward", "secadmin", "sysadmin", "auditor", "operator"] {
        users.push(srv.login(u, &pw(u)).await.unwrap());
    }
    let steward = Portal::new(&srv, &users[0]).await;
    let secadmin = Portal::new(&srv, &users[1]).await;
    let sysadmin = Portal::new(&srv, &users[2]).await;
    let auditor = Portal::new(&srv, &users[3]).await;
    let operator = Portal::new(&srv, &users[4]).await;

    // Navigation follows the roles: the security administrator sees all three pages, the system
    // administrator only the backup register, the steward the destructions.
    let home = secadmin.get("/").await;
    for nav in ["nav-security-destructions", "nav-security-keys", "nav-security-backups"] {
        assert!(home.has(nav), "security admin: {nav}");
    }
    let home = sysadmin.get("/").await;
    assert!(home.has("nav-security-backups"));
    assert!(!home.has("nav-security-destructions") && !home.has("nav-security-keys"));
    let home = steward.get("/").await;
    assert!(home.has("nav-security-destructions") && !home.has("nav-security-keys"));

    // The system administrator registers a backup (a form error first: no time given).
    let bad =
        sysadmin.post("/security/backups", &[("label", "nightly"), ("location", "nas:/b"), ("taken_at", "")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.has("form-error") && bad.body.contains("data-field=\"taken_at\"") && bad.has("backup-form"));
    let fields =
        [("label", "夜间备份 2026-11-01"), ("location", "nas01:/backup/zhengshu"), ("taken_at", "2020-01-01T08:00")];
    let done = sysadmin.post("/security/backups", &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, list) = srv.get("/api/v1/security/backups", Some(&users[1])).await.unwrap();
    let backup = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["taken_at"], 1_577_836_800_000_i64, "08:00 Beijing time");
    let page = auditor.get("/security/backups").await;
    assert_eq!(page.status, 200);
    assert!(page.has(&format!("backup-{backup}")) && !page.has("backup-form"), "the auditor reads only");
    assert!(!secadmin.get("/security/backups").await.has("backup-form"));
    assert_eq!(
        secadmin.post("/security/backups", &fields).await.status,
        403,
        "registering is the system administrator's"
    );
    assert_eq!(auditor.post("/security/backups", &fields).await.status, 403);

    // The steward asks from the resource page: a form error first (no reason), then version 1.
    let res = steward.get(RES).await;
    assert!(res.has("resource-destroy"), "the steward of the providing department may ask");
    assert!(!secadmin.get(RES).await.has("resource-destroy"));
    assert_eq!(secadmin.get(&format!("{RES}/destroy")).await.status, 403);
    let form = steward.get(&format!("{RES}/destroy?version=1")).await;
    assert_eq!(form.status, 200);
    assert!(form.has("destroy-request-form") && form.body.contains("value=\"1\""));
    let bad = steward.post(&format!("{RES}/destroy"), &[("version", "1"), ("reason", "")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.has("form-error") && bad.body.contains("data-field=\"reason\"") && bad.has("destroy-request-form"));
    let asked =
        steward.post(&format!("{RES}/destroy"), &[("version", "1"), ("reason", "保存期限届满，依法销毁")]).await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    assert!(asked.location.starts_with("/security/destructions/"), "{}", asked.location);
    let id: i64 =
        asked.location.trim_start_matches("/security/destructions/").split('?').next().unwrap().parse().unwrap();
    let detail = format!("/security/destructions/{id}");

    // Who reads the list and the request: not the system administrator.
    assert!(steward.get("/security/destructions").await.has(&format!("destruction-{id}")));
    assert!(auditor.get("/security/destructions").await.has(&format!("destruction-{id}")));
    assert_eq!(sysadmin.get("/security/destructions").await.status, 403);
    assert_eq!(sysadmin.get(&detail).await.status, 403);
    let page = secadmin.get(&detail).await;
    assert_eq!(page.status, 200);
    assert!(page.has("destruction-approve-form") && page.has(&format!("pending-backup-{backup}")), "{}", page.body);
    for (who, p) in [("auditor", &auditor), ("operator", &operator), ("steward", &steward)] {
        let page = p.get(&detail).await;
        assert_eq!(page.status, 200, "{who}");
        assert!(!page.has("destruction-approve-form"), "{who} cannot decide");
    }

    // 三员分立: neither the system administrator nor the auditor (nor the requester) approves.
    for (who, p) in [("sysadmin", &sysadmin), ("auditor", &auditor), ("steward", &steward)] {
        assert_eq!(p.post(&format!("{detail}/approve"), &[]).await.status, 403, "{who}");
        assert_eq!(p.post(&format!("{detail}/refuse"), &[("note", "x")]).await.status, 403, "{who}");
    }
    // A form without its CSRF token is refused.
    let r = TestServer::client()
        .post(format!("{}{detail}/approve", srv.url))
        .header("cookie", format!("zs_session={}", users[1]))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let (_, d) = srv.get(&format!("/api/v1/destructions/{id}"), Some(&users[1])).await.unwrap();
    assert_eq!(d["state"], "requested", "nothing was decided: {d}");

    // Refusing needs a reason (the page again, with the message); approving carries it out.
    let bad = secadmin.post(&format!("{detail}/refuse"), &[("note", " ")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.has("form-error") && bad.has("destruction-facts") && bad.has("destruction-refuse-form"));
    let ok = secadmin.post(&format!("{detail}/approve"), &[]).await;
    assert_eq!((ok.status, ok.location.as_str()), (303, format!("{detail}?done=approved").as_str()), "{}", ok.body);
    let page = secadmin.get(&format!("{detail}?done=approved")).await;
    assert!(page.has("certificate") && page.has("notice") && !page.has("destruction-approve-form"));
    assert!(page.body.contains("data-state=\"done\""));
    let copies = page.body.split("id=\"certificate-copies\"").nth(1).unwrap_or_default();
    assert!(copies.contains("夜间备份 2026-11-01") && copies.contains("nas01:/backup/zhengshu"), "{copies}");
    assert!(page.body.contains("id=\"certificate-versions\">1<"), "version 1 destroyed");
    // Deciding twice: the page again with the conflict.
    let again = secadmin.post(&format!("{detail}/approve"), &[]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.has("form-error") && again.has("certificate"));
    // The steward reads the certificate too.
    assert!(steward.get(&detail).await.has("certificate"));
    let (_, d) = srv.get(&format!("/api/v1/destructions/{id}"), Some(&users[3])).await.unwrap();
    assert_eq!((d["state"].as_str(), d["certificate"]["versions"][0].as_i64()), (Some("done"), Some(1)), "{d}");

    // Keys: read by the security and audit administrators, rotated by the first only.
    let keys = secadmin.get("/security/keys").await;
    assert_eq!(keys.status, 200, "{}", keys.body);
    assert!(keys.has("master-key-id") && keys.has("keys-table") && keys.has("keys-rotate-form"));
    assert!(keys.body.contains("data-scope=\"101001000/000001\"") && keys.body.contains("data-scope=\"meta\""));
    assert!(keys.has("rotate-101001000/000001"));
    let ro = auditor.get("/security/keys").await;
    assert_eq!(ro.status, 200);
    assert!(ro.has("keys-table") && !ro.has("keys-rotate-form") && !ro.has("rotate-101001000/000001"));
    assert_eq!(sysadmin.get("/security/keys").await.status, 403, "the system administrator sees no keys");
    let before = srv.get("/api/v1/security/keys", Some(&users[1])).await.unwrap().1.as_array().unwrap().len();
    for (who, p) in [("sysadmin", &sysadmin), ("auditor", &auditor), ("steward", &steward)] {
        assert_eq!(p.post("/security/keys/rotate", &[("scope", "101001000/000001")]).await.status, 403, "{who}");
    }
    let bad = secadmin.post("/security/keys/rotate", &[("scope", "999999999/999999")]).await;
    assert!(bad.status == 404 || bad.status == 422, "{} {}", bad.status, bad.body);
    assert!(bad.has("form-error") && bad.has("keys-rotate-form") && bad.body.contains("999999999/999999"));
    let after = srv.get("/api/v1/security/keys", Some(&users[1])).await.unwrap().1.as_array().unwrap().len();
    assert_eq!(before, after, "refused rotations made no key");
    let ok = secadmin.post("/security/keys/rotate", &[("scope", "101001000/000001")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = secadmin.get(&ok.location).await;
    assert!(page.has("notice"), "{}", page.body);
    let (_, keys) = srv.get("/api/v1/security/keys", Some(&users[1])).await.unwrap();
    let of_resource: Vec<&Value> =
        keys.as_array().unwrap().iter().filter(|k| k["scope"] == "101001000_000001").collect();
    assert_eq!(of_resource.iter().filter(|k| k["state"] == "active").count(), 1, "{keys}");
    assert!(of_resource.iter().any(|k| k["state"] == "retired"), "{keys}");

    // Recorded: the request, the decision, the rotation and the backup, with the portal's users.
    let (_, audit) = srv.get("/api/v1/audit?action=data.destroy", Some(&users[3])).await.unwrap();
    let audit = audit.as_array().unwrap();
    assert!(audit.iter().any(|r| r["action"] == "data.destroy_request" && r["outcome"] == "succeeded"));
    assert!(audit.iter().any(|r| r["action"] == "data.destroy" && r["outcome"] == "succeeded"));
    assert!(audit.iter().any(|r| r["action"] == "data.destroy" && r["outcome"] == "denied"), "refused approvals");
    let (_, rot) = srv.get("/api/v1/audit?action=keys.manage", Some(&users[3])).await.unwrap();
    assert!(rot.as_array().unwrap().iter().any(|r| r["outcome"] == "succeeded"), "{rot}");
}
