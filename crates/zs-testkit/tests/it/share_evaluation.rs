//! The sharing evaluation (共享评估) from a scripted October 2026: applications answered on time,
//! late, refused, pending and overdue; data-API calls with failures (field not granted, no such
//! row, quota, another department without the grant); demands answered in time, late and
//! pending. Every figure is compared with the one worked out by hand below.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};

use crate::share_demand::{day, org_id, setup, Logins};

on_backends!(evaluation_figures_from_a_scripted_month);

const CODE: &str = "101001000/000001";
const PEOPLE: &str = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021240,李四,2,1990-02-02\n630103198505051232,欧阳修文,1,1985-05-05\n";

async fn hand_in(srv: &TestServer, steward: &str) {
    let url = format!("/api/v1/resources/{CODE}/uploads?file_name=data.csv");
    let (s, job) = srv.post_raw(&url, Some(steward), Some("text/csv"), PEOPLE.as_bytes().to_vec()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let id = job["id"].as_i64().unwrap();
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(steward)).await.unwrap();
        if j["job"]["state"] == "succeeded" {
            return;
        }
        assert_ne!(j["job"]["state"], "failed", "{j}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("hand-in did not end");
}

/// The clock at 10:00 on `d` (Beijing), and fresh sessions.
struct Script<'a> {
    srv: &'a TestServer,
    logins: Logins,
    now: time::OffsetDateTime,
}

impl Script<'_> {
    async fn at(&mut self, d: &str) {
        let to = day(d);
        self.srv.clock.advance(to - self.now);
        self.now = to;
    }

    async fn t(&self, user: &str) -> String {
        self.logins.token(self.srv, user).await
    }

    async fn apply(&self, user: &str) -> i64 {
        let body = json!({
            "code": CODE, "fields": ["id_number", "name", "sex", "birth_date"], "purpose": "核验资格",
            "scenario": "审批", "legal_basis": "《社会救助暂行办法》", "until": "2027-06-30",
            "calls_per_day": 5, "rows_per_day": 100
        });
        let (s, a) = self.srv.post("/api/v1/share/applications", Some(&self.t(user).await), &body).await.unwrap();
        assert_eq!((s, a["share_kind"].as_str()), (201, Some("conditional")), "{a}");
        a["id"].as_i64().unwrap()
    }

    async fn review(&self, id: i64, body: Value) -> Value {
        let url = format!("/api/v1/share/applications/{id}/review");
        let (s, r) = self.srv.post(&url, Some(&self.t("steward").await), &body).await.unwrap();
        assert_eq!(s, 200, "{r}");
        r
    }

    async fn demand(&self, user: &str, title: &str) -> i64 {
        let body = json!({ "title": title, "description": "所需数据说明", "purpose": "业务办理" });
        let (s, d) = self.srv.post("/api/v1/share/demands", Some(&self.t(user).await), &body).await.unwrap();
        assert_eq!(s, 201, "{d}");
        d["id"].as_i64().unwrap()
    }

    async fn route(&self, id: i64, provider: i64) -> String {
        let url = format!("/api/v1/share/demands/{id}/route");
        let (s, r) = self
            .srv
            .post(&url, Some(&self.t("operator").await), &json!({ "provider_org_id": provider }))
            .await
            .unwrap();
        assert_eq!(s, 200, "{r}");
        r["due_date"].as_str().unwrap().to_owned()
    }

    async fn answer(&self, user: &str, id: i64, body: Value) {
        let url = format!("/api/v1/share/demands/{id}/answer");
        let (s, r) = self.srv.post(&url, Some(&self.t(user).await), &body).await.unwrap();
        assert_eq!(s, 200, "{r}");
    }

    async fn call(&self, user: &str, path: &str) -> u16 {
        self.srv.get(path, Some(&self.t(user).await)).await.unwrap().0
    }
}

async fn evaluation_figures_from_a_scripted_month(backend: Backend) {
    // Thursday 8 October 2026, the first working day after the National Day holiday; Saturday
    // the 10th is a make-up working day (调休), Sunday the 11th is not.
    let Some(srv) = TestServer::start_at(backend, "share_eval", day("2026-10-08")).await else { return };
    let logins = setup(&srv).await;
    let police = org_id(&srv, "西宁市公安局").await;
    let civil = org_id(&srv, "西宁市民政局").await;
    let hrss = org_id(&srv, "西宁市人力资源和社会保障局").await;
    let mut s = Script { srv: &srv, logins, now: day("2026-10-08") };
    hand_in(&srv, &s.t("steward").await).await;

    // 8 Oct: A1 (人社局) and A2 (民政局), both due 14 Oct; D1 (人社局) routed to the police, due 14 Oct.
    let a1 = s.apply("datauser").await;
    let a2 = s.apply("mz.datauser").await;
    let d1 = s.demand("datauser", "D1").await;
    assert_eq!(s.route(d1, police).await, "2026-10-14");
    let d2 = s.demand("mz.datauser", "D2").await;

    // 9 Oct: A1 granted (1 working day, 24 h: in time); A3 (人社局) due 15 Oct; D2 routed, due 15 Oct.
    s.at("2026-10-09").await;
    let g1 = s.review(a1, json!({ "decision": "grant" })).await["grant_id"].as_i64().unwrap();
    let a3 = s.apply("datauser").await;
    assert_eq!(s.route(d2, police).await, "2026-10-15");
    // Calls through A1's grant (5 a day): 3 succeed with 3 + 1 + 0 rows, then a field not
    // granted, a row that does not exist, the quota; 民政局 holds no grant.
    let api = format!("/api/v1/share/grants/{g1}");
    assert_eq!(s.call("datauser", &format!("{api}/rows")).await, 200);
    assert_eq!(s.call("datauser", &format!("{api}/rows/630102199001011235")).await, 200);
    assert_eq!(s.call("datauser", &format!("{api}/count")).await, 200);
    assert_eq!(s.call("datauser", &format!("{api}/rows?fields=phone")).await, 403);
    assert_eq!(s.call("datauser", &format!("{api}/rows/630102200001011230")).await, 404);
    assert_eq!(s.call("datauser", &format!("{api}/rows")).await, 429);
    assert_eq!(s.call("mz.datauser", &format!("{api}/rows")).await, 404);

    // 12 Oct: D1 answered (in time); D4 (人社局) routed to 民政局, due 19 Oct.
    s.at("2026-10-12").await;
    s.answer("steward", d1, json!({ "kind": "pointed", "code": CODE })).await;
    let d4 = s.demand("datauser", "D4").await;
    assert_eq!(s.route(d4, civil).await, "2026-10-19");
    // 13 Oct: 民政局 declines D4 in time.
    s.at("2026-10-13").await;
    s.answer("mz.steward", d4, json!({ "kind": "declined", "note": "本局无此数据" })).await;
    // 15 Oct: A3 refused on its due day (5 working days, 144 h: in time).
    s.at("2026-10-15").await;
    s.review(a3, json!({ "decision": "refuse", "note": "用途与职责不符" })).await;
    // 16 Oct: A2 refused two days late (7 working days, 192 h); A5 (人社局) due 23 Oct, never answered.
    s.at("2026-10-16").await;
    s.review(a2, json!({ "decision": "refuse", "note": "超出职责范围" })).await;
    let _a5 = s.apply("datauser").await;
    // 19 Oct: D2 declined, four days late.
    s.at("2026-10-19").await;
    s.answer("steward", d2, json!({ "kind": "declined", "note": "涉及国家秘密" })).await;
    // 26 Oct: A4 (民政局) due 2 November; D3 (人社局) routed to the police, due 2 November.
    s.at("2026-10-26").await;
    let _a4 = s.apply("mz.datauser").await;
    let d3 = s.demand("datauser", "D3").await;
    assert_eq!(s.route(d3, police).await, "2026-11-02");

    // 30 Oct: the month's evaluation.
    s.at("2026-10-30").await;
    let operator = s.t("operator").await;
    let (st, r) = srv.get("/api/v1/share/evaluation?month=2026-10", Some(&operator)).await.unwrap();
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (r["month"].as_str(), r["from"].as_str(), r["to"].as_str(), r["as_of"].as_str()),
        (Some("2026-10"), Some("2026-10-01"), Some("2026-10-31"), Some("2026-10-30"))
    );
    let deps = r["departments"].as_array().unwrap();
    let names: Vec<&str> = deps.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["西宁市民政局", "西宁市公安局", "西宁市人力资源和社会保障局"], "ranked, then unscored");
    let by = |id: i64| deps.iter().find(|d| d["org_id"] == id).unwrap().clone();
    let (p, cv, h) = (by(police), by(civil), by(hrss));

    // The police as provider, by hand:
    // received A1 A2 A3 A5 A4 = 5; answered A1 A3 (in time) and A2 (late); A5 overdue; A4 not
    // yet due → in-time rate 2 / (5 - 1) = 0.5. Response hours 24, 144, 192 → median 144;
    // working days 1, 5, 7 → median 5.
    let pp = &p["provider"];
    let figures = |v: &Value, keys: &[&str]| keys.iter().map(|k| v[*k].clone()).collect::<Vec<_>>();
    assert_eq!(
        figures(
            pp,
            &[
                "applications_received",
                "applications_answered",
                "answered_in_time",
                "answered_late",
                "overdue_unanswered",
                "pending",
                "granted",
                "refused"
            ]
        ),
        [5, 3, 2, 1, 1, 1, 1, 2].map(|n| json!(n)),
        "{pp}"
    );
    assert_eq!(pp["in_time_rate"], 0.5);
    assert_eq!(
        (pp["median_response_hours"].as_f64(), pp["median_response_working_days"].as_f64()),
        (Some(144.0), Some(5.0))
    );
    let reasons: Vec<(i64, &str, &str)> = pp["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (f["application_id"].as_i64().unwrap(), f["consumer"].as_str().unwrap(), f["reason"].as_str().unwrap())
        })
        .collect();
    assert_eq!(reasons, [(a2, "西宁市民政局", "超出职责范围"), (a3, "西宁市人力资源和社会保障局", "用途与职责不符")]);
    // Calls by 人社局 through the police's grant: 6, of which 3 succeeded, none failed by the
    // platform; rows 3 + 1 + 0 (a count returns none). 民政局's refused call is not the police's.
    assert_eq!(figures(pp, &["calls", "calls_succeeded", "server_errors", "rows"]), [6, 3, 0, 4].map(|n| json!(n)));
    assert_eq!((pp["success_rate"].as_f64(), pp["availability"].as_f64()), (Some(0.5), Some(1.0)));
    // Demands: D1 in time, D2 late, D3 not yet due → 1 / (3 - 1) = 0.5.
    assert_eq!(
        figures(pp, &["demands_received", "demands_answered", "demands_answered_in_time", "demands_pending"]),
        [3, 2, 1, 1].map(|n| json!(n))
    );
    assert_eq!(pp["demand_in_time_rate"], 0.5);
    // Score: 50 % × 0.5 + 30 % × 1.0 + 20 % × 0.5 = 0.65.
    assert_eq!((p["score"].as_f64(), p["rank"].as_i64()), (Some(65.0), Some(2)));
    // 民政局: one demand, answered in time → 100, first; 人社局 provides nothing → unranked.
    assert_eq!((cv["score"].as_f64(), cv["rank"].as_i64()), (Some(100.0), Some(1)));
    assert_eq!(
        (cv["provider"]["demands_received"].as_i64(), cv["provider"]["in_time_rate"].is_null()),
        (Some(1), true)
    );
    assert!(h["score"].is_null() && h["rank"].is_null());

    // As consumers.
    let keys = [
        "applications_filed",
        "granted",
        "refused",
        "pending",
        "calls",
        "calls_succeeded",
        "rows",
        "demands_posted",
        "demands_answered",
    ];
    assert_eq!(figures(&h["consumer"], &keys), [3, 1, 1, 1, 6, 3, 4, 3, 2].map(|n| json!(n)), "{}", h["consumer"]);
    assert_eq!(h["consumer"]["success_rate"], 0.5);
    assert_eq!(figures(&cv["consumer"], &keys), [2, 0, 1, 1, 1, 0, 0, 1, 1].map(|n| json!(n)), "{}", cv["consumer"]);
    assert_eq!(cv["consumer"]["success_rate"], 0.0);

    // Refusal reasons are the department's own business (and operators'); the figures are not.
    let (_, seen) = srv.get("/api/v1/share/evaluation?month=2026-10", Some(&s.t("datauser").await)).await.unwrap();
    let police_seen = seen["departments"].as_array().unwrap().iter().find(|d| d["org_id"] == police).unwrap().clone();
    assert_eq!(
        (police_seen["provider"]["refused"].as_i64(), police_seen["provider"]["refusals"].as_array().map(Vec::len)),
        (Some(2), Some(0))
    );
    let (_, own) = srv.get("/api/v1/share/evaluation?month=2026-10", Some(&s.t("steward").await)).await.unwrap();
    let police_own = own["departments"].as_array().unwrap().iter().find(|d| d["org_id"] == police).unwrap().clone();
    assert_eq!(police_own["provider"]["refusals"].as_array().map(Vec::len), Some(2));

    // Other months, bad input, the workbook.
    let (_, sept) = srv.get("/api/v1/share/evaluation?month=2026-09", Some(&operator)).await.unwrap();
    assert_eq!(sept["departments"], json!([]));
    let (st, e) = srv.get("/api/v1/share/evaluation?month=2026-13", Some(&operator)).await.unwrap();
    assert_eq!((st, e["field"].as_str()), (422, Some("month")));
    let (st, e) = srv.get("/api/v1/share/evaluation?format=pdf", Some(&operator)).await.unwrap();
    assert_eq!((st, e["field"].as_str()), (422, Some("format")));
    let resp = TestServer::client()
        .get(format!("{}/api/v1/share/evaluation?month=2026-10&format=xlsx", srv.url))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK") && bytes.len() > 2000, "an xlsx (zip) workbook");
    assert_eq!(srv.get("/api/v1/share/evaluation", None).await.unwrap().0, 401);
}
