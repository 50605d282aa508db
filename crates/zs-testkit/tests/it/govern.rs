//! Governance end to end: dirty data handed in produces rule failures, scores and one ticket per
//! failing rule; the provider acknowledges and disputes, the operator decides; a clean hand-in
//! closes the tickets by itself (fixed → verified → closed); a licence resource is checked
//! against the population (consistency across two real resources); an append is checked
//! incrementally; a data user's correction (纠错) goes to the provider and back; the dashboard,
//! the Excel report and the portal pages show it.

use serde_json::{json, Value};
use zs_testkit::{on_backends, Backend, TestServer};
use zs_types::codes::IdNumber;

on_backends!(quality_scores_tickets_and_corrections);

const POP: &str = "/api/v1/resources/101001000/000001";

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

async fn hand_in(srv: &TestServer, token: &str, res: &str, query: &str, csv: String) -> Value {
    let (s, job) = srv
        .post_raw(&format!("{res}/uploads?file_name=data.csv{query}"), Some(token), Some("text/csv"), csv.into_bytes())
        .await
        .unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(srv, token, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    done["hand_in"].clone()
}

fn id(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", IdNumber::check_char(&first17).unwrap())
}

fn wrong_check(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}

fn rule<'a>(q: &'a Value, key: &str) -> &'a Value {
    q["rules"].as_array().unwrap().iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no rule {key}: {q}"))
}

async fn quality_scores_tickets_and_corrections(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "govern").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let operator = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    let datauser = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();

    // Version 1 of the population: 6 people, one ID with a wrong check digit, one sex that
    // contradicts the ID, one short phone number.
    let people = [
        (id("630102", "19800101", 1), "王伟", "1", "1980-01-01", "13912345678"),
        (id("630103", "19900215", 2), "李娜", "2", "1990-02-15", "13812345678"),
        (id("630122", "19751130", 3), "马强", "1", "1975-11-30", "13712345678"),
        (id("630104", "20010704", 4), "韩雪", "2", "2001-07-04", "13612345678"),
        (id("630105", "19650320", 5), "祁明", "1", "1965-03-20", "13512345670"),
        (id("630102", "19880808", 6), "鲁芳", "2", "1988-08-08", "13512345678"),
    ];
    let csv = |rows: &[(String, &str, &str, &str, &str)]| {
        let mut s = "公民身份号码,姓名,性别,出生日期,联系电话\n".to_owned();
        for (i, n, x, b, p) in rows {
            s.push_str(&format!("{i},{n},{x},{b},{p}\n"));
        }
        s
    };
    let mut dirty: Vec<(String, &str, &str, &str, &str)> = people.to_vec();
    dirty[1].0 = wrong_check(&people[1].0);
    dirty[4].4 = "1351234567";
    dirty[5].2 = "1";
    let h = hand_in(&srv, &steward, POP, "", csv(&dirty)).await;
    assert_eq!(h["version"], 1, "{h}");
    // Rows failing an error-severity rule (the two ID numbers) are blocked before the commit and
    // go to the rejected rows with the rule named; the warning (phone) only reports.
    assert_eq!(
        (h["rows_read"].as_i64(), h["rows_written"].as_i64(), h["rows_rejected"].as_i64()),
        (Some(6), Some(4), Some(2)),
        "{h}"
    );
    let r = TestServer::client()
        .get(format!("{}/api/v1/hand-ins/{}/rejects", srv.url, h["id"]))
        .bearer_auth(&steward)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rejects = r.text().await.unwrap();
    assert!(rejects.contains("id_number_gb11643") && rejects.contains("校验码"), "{rejects}");
    assert!(!rejects.contains(&dirty[1].0), "the ID number is masked in the report: {rejects}");

    let (s, q) = srv.get(&format!("{POP}/quality"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["latest"]["version"], 1);
    assert_eq!(q["latest"]["rows"], 4, "blocked rows are not in the version");
    assert_eq!(q["latest"]["blocked"], 2, "{q}");
    assert_eq!(q["custom_rules"], false, "default rules from the catalogue items");
    // Row 2: a bad check digit; row 6: sequence 006 is a woman's number, the sex given is 1 (male).
    let idr = rule(&q, "id_number_gb11643");
    assert_eq!(idr["failed"], 2, "{idr}");
    assert_eq!(idr["samples"][0]["row"], 2);
    assert!(idr["samples"][0]["reason"].as_str().unwrap().contains("校验码"));
    let shown = idr["samples"][0]["value"].as_str().unwrap();
    assert!(shown.contains("****") && !shown.contains(&people[1].0[2..16]), "ID masked: {shown}");
    assert!(idr["samples"][1]["reason"].as_str().unwrap().contains("性别"));
    assert_eq!(rule(&q, "phone_phone")["failed"], 1);
    assert_eq!(rule(&q, "key_unique")["failed"], 0);
    let scores = &q["latest"]["scores"];
    assert!(scores["validity"].as_f64().unwrap() < 100.0, "{scores}");
    assert_eq!(scores["uniqueness"], 100.0);
    assert!(scores["overall"].as_f64().is_some());

    // One ticket per failing rule, to the providing department, with a deadline.
    let (s, tickets) = srv.get("/api/v1/quality/tickets?open=true", Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{tickets}");
    let tickets = tickets.as_array().unwrap().clone();
    let id_ticket = tickets.iter().find(|t| t["rule"] == "id_number_gb11643").unwrap().clone();
    let phone_ticket = tickets.iter().find(|t| t["rule"] == "phone_phone").unwrap().clone();
    assert_eq!(tickets.iter().filter(|t| t["rule"] == "id_number_gb11643").count(), 1, "one per rule, not per row");
    assert_eq!(id_ticket["failed"], 2);
    assert_eq!(id_ticket["state"], "open");
    assert_eq!(id_ticket["provider"], "西宁市公安局");
    assert_eq!(id_ticket["deadline"].as_str().unwrap().len(), 10);
    assert_eq!(id_ticket["overdue"], false);
    // A data user of another department does not see them.
    let (_, du) = srv.get("/api/v1/quality/tickets", Some(&datauser)).await.unwrap();
    assert_eq!(du.as_array().unwrap().len(), 0, "{du}");
    let tid = id_ticket["id"].as_i64().unwrap();
    let (s, _) = srv.get(&format!("/api/v1/quality/tickets/{tid}"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 404);

    // The provider acknowledges one and disputes the other; a dispute needs a reason; the
    // operator upholds the ticket (back to open).
    let act = |action: &str, note: Option<&str>| json!({ "action": action, "note": note });
    let url = |id: i64| format!("/api/v1/quality/tickets/{id}/actions");
    let (s, d) = srv.post(&url(tid), Some(&steward), &act("acknowledge", None)).await.unwrap();
    assert_eq!((s, d["ticket"]["state"].as_str()), (200, Some("acknowledged")), "{d}");
    let pid = phone_ticket["id"].as_i64().unwrap();
    let (s, e) = srv.post(&url(pid), Some(&steward), &act("dispute", None)).await.unwrap();
    assert_eq!(s, 422, "{e}");
    let (s, d) = srv.post(&url(pid), Some(&steward), &act("dispute", Some("号码为区号+7位固定电话"))).await.unwrap();
    assert_eq!((s, d["ticket"]["state"].as_str()), (200, Some("disputed")), "{d}");
    let (s, e) = srv.post(&url(pid), Some(&steward), &act("dismiss", None)).await.unwrap();
    assert_eq!(s, 409, "the provider cannot decide its own dispute: {e}");
    let (s, d) = srv.post(&url(pid), Some(&operator), &act("uphold", Some("手机号码应为11位"))).await.unwrap();
    assert_eq!((s, d["ticket"]["state"].as_str()), (200, Some("open")), "{d}");

    // Version 2 replaces the data with clean rows: the re-check passes and closes both tickets
    // by itself, through fixed and verified.
    let h = hand_in(&srv, &steward, POP, "&mode=replace", csv(&people)).await;
    assert_eq!(h["version"], 2);
    let (_, d) = srv.get(&format!("/api/v1/quality/tickets/{tid}"), Some(&steward)).await.unwrap();
    assert_eq!(d["ticket"]["state"], "closed", "{d}");
    assert!(d["ticket"]["resolution"].as_str().unwrap().contains("version 2"));
    let steps: Vec<&str> = d["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(steps, vec!["open", "acknowledge", "fix", "verify", "close"]);
    let (_, d) = srv.get(&format!("/api/v1/quality/tickets/{pid}"), Some(&steward)).await.unwrap();
    assert_eq!(d["ticket"]["state"], "closed", "{d}");
    let (_, q) = srv.get(&format!("{POP}/quality"), Some(&steward)).await.unwrap();
    assert_eq!(q["latest"]["scores"]["validity"], 100.0, "{q}");
    assert_eq!(q["trend"].as_array().unwrap().len(), 2, "one point per version");
    assert_eq!(q["open_tickets"].as_array().unwrap().len(), 0);

    // An append is checked incrementally: only the new file is scanned.
    let more = vec![(id("630121", "19990909", 7), "冶青", "1", "1999-09-09", "13312345678")];
    let h = hand_in(&srv, &steward, POP, "&mode=append", csv(&more)).await;
    assert_eq!(h["version"], 3);
    let (_, q) = srv.get(&format!("{POP}/quality"), Some(&steward)).await.unwrap();
    assert_eq!(q["latest"]["version"], 3);
    assert_eq!(q["latest"]["rows"], 7);
    assert_eq!(q["latest"]["files_scanned"], 1, "{q}");
    // A re-check on demand (statistics cached) gives the same scores and scans nothing.
    let (s, c) = srv.post(&format!("{POP}/quality/check"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["files_scanned"], 0);
    assert_eq!(c["scores"], q["latest"]["scores"]);
    let (s, _) = srv.post(&format!("{POP}/quality/check"), Some(&datauser), &json!({})).await.unwrap();
    assert_eq!(s, 403);

    // Consistency across two real resources: the resident-ID-card e-licences against the
    // population (holder in the population, same name).
    let (_, found) = srv.get("/api/v1/catalog/entries?q=居民身份证电子证照", Some(&steward)).await.unwrap();
    let lic_code = found["hits"][0]["code"].as_str().unwrap().to_owned();
    let lic = format!("/api/v1/resources/{lic_code}");
    let unknown = id("630102", "19700101", 9);
    let licences = format!(
        "证照编号,持证主体,持证主体代码,发证日期,有效期至,发证机关\n\
         L1,{},{},2020-01-01,2040-01-01,西宁市公安局城东分局\n\
         L2,李某,{},2020-01-01,2040-01-01,西宁市公安局城中分局\n\
         L3,无名,{unknown},2020-01-01,2040-01-01,西宁市公安局城东分局\n",
        people[0].1, people[0].0, people[1].0
    );
    hand_in(&srv, &steward, &lic, "", licences).await;
    let (_, q) = srv.get(&format!("{lic}/quality"), Some(&steward)).await.unwrap();
    assert_eq!(rule(&q, "holder_in_population")["failed"], 1, "{q}");
    assert_eq!(rule(&q, "holder_in_population")["samples"][0]["row"], 3);
    let names = rule(&q, "holder_name_matches");
    assert_eq!(names["failed"], 1, "{names}");
    assert_eq!(names["samples"][0]["row"], 2);
    assert!(names["samples"][0]["other"].is_string(), "the population's value is listed too: {names}");
    assert!(q["latest"]["scores"]["consistency"].as_f64().unwrap() < 100.0);

    // 一数一源: the operator names the population the authoritative source of names (DE01002),
    // matched by ID number (DE01001); the household register is then compared with it.
    let (_, found) = srv.get("/api/v1/catalog/entries?q=户籍人口信息", Some(&steward)).await.unwrap();
    let hh = format!("/api/v1/resources/{}", found["hits"][0]["code"].as_str().unwrap());
    let designation = |element: &str, key: &str| json!({ "element": element, "resource": "101001000/000001", "key_element": key, "note": "户籍登记为准" });
    let (s, e) =
        srv.put("/api/v1/govern/authorities", Some(&steward), &designation("DE01002", "DE01001")).await.unwrap();
    assert_eq!(s, 403, "only platform operators designate: {e}");
    let (s, e) =
        srv.put("/api/v1/govern/authorities", Some(&operator), &designation("DE01002", "DE04001")).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("key_element")), "the population has no licence number: {e}");
    let (s, d) =
        srv.put("/api/v1/govern/authorities", Some(&operator), &designation("DE01002", "DE01001")).await.unwrap();
    assert_eq!(s, 200, "{d}");
    let household = format!(
        "公民身份号码,姓名\n{},{}\n{},马刚\n{},不在册\n",
        people[0].0,
        people[0].1,
        people[2].0,
        id("630102", "19700101", 9)
    );
    hand_in(&srv, &steward, &hh, "", household).await;
    let (_, q) = srv.get(&format!("{hh}/quality"), Some(&steward)).await.unwrap();
    let auth = rule(&q, "authority.DE01002");
    assert_eq!((auth["checked"].as_i64(), auth["failed"].as_i64()), (Some(3), Some(1)), "{auth}");
    assert_eq!(auth["samples"][0]["row"], 2);
    assert!(auth["samples"][0]["other"].is_string(), "both values listed: {auth}");
    assert!(q["latest"]["scores"]["consistency"].as_f64().unwrap() < 100.0, "counted in consistency");
    let (s, list) = srv.get("/api/v1/govern/authorities", Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{list}");
    let names = list.as_array().unwrap().iter().find(|a| a["element"] == "DE01002").unwrap();
    let hh_code = hh.trim_start_matches("/api/v1/resources/");
    let row = names["compared"].as_array().unwrap().iter().find(|c| c["resource"] == hh_code).unwrap();
    assert_eq!(row["diverging"], 1, "{row}");
    assert!(!list.to_string().contains("马刚"), "names are masked (L3): {list}");
    let (s, _) = srv.delete("/api/v1/govern/authorities/DE01002", Some(&steward)).await.unwrap();
    assert_eq!(s, 403);
    let (s, _) = srv.delete("/api/v1/govern/authorities/DE01002", Some(&operator)).await.unwrap();
    assert_eq!(s, 204);
    let (_, c) = srv.post(&format!("{hh}/quality/check"), Some(&steward), &json!({})).await.unwrap();
    assert!(c["result"]["rules"].as_array().unwrap().iter().all(|r| r["rule"] != "authority.DE01002"), "{c}");

    // Rules the steward writes replace the defaults; a rule on an unknown item is refused.
    let bad = json!({ "rules": [{ "id": "x", "target": { "item": "nope" }, "kind": "required" }] });
    let (s, e) = srv.put(&format!("{POP}/quality/rules"), Some(&steward), &bad).await.unwrap();
    assert_eq!(s, 422, "{e}");
    let rules = json!({ "rules": [
        { "id": "id", "target": { "item": "id_number" }, "kind": "id_number", "birth_date": "birth_date", "sex": "sex" },
        { "id": "mobile", "target": { "item": "phone" }, "kind": "mobile", "severity": "warning" },
        { "id": "name_if_phone", "target": { "item": "name" }, "kind": "required_if", "when": "phone" }
    ]});
    let (s, r) = srv.put(&format!("{POP}/quality/rules"), Some(&steward), &rules).await.unwrap();
    assert_eq!(s, 200, "{r}");
    let (s, c) = srv.post(&format!("{POP}/quality/check"), Some(&steward), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["result"]["rules"].as_array().unwrap().len(), 3);

    // A data user reports an error in a licence record (纠错): a ticket for the provider, who
    // fixes it; the reporter verifies and it closes.
    let (s, t) = srv
        .post(
            &format!("{lic}/corrections"),
            Some(&datauser),
            &json!({ "record_key": "L2", "field": "holder", "description": "持证人姓名应为李娜" }),
        )
        .await
        .unwrap();
    assert_eq!(s, 201, "{t}");
    assert_eq!((t["kind"].as_str(), t["state"].as_str()), (Some("correction"), Some("open")));
    let cid = t["id"].as_i64().unwrap();
    let (_, mine) = srv.get("/api/v1/quality/tickets", Some(&datauser)).await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "the reporter sees their report");
    let (s, d) = srv.post(&url(cid), Some(&steward), &act("fix", Some("已更正"))).await.unwrap();
    assert_eq!((s, d["ticket"]["state"].as_str()), (200, Some("fixed")), "{d}");
    let (s, d) = srv.post(&url(cid), Some(&datauser), &act("verify", None)).await.unwrap();
    assert_eq!((s, d["ticket"]["state"].as_str()), (200, Some("closed")), "{d}");
    let (s, e) = srv
        .post(&format!("{lic}/corrections"), Some(&datauser), &json!({ "record_key": "", "description": "x" }))
        .await
        .unwrap();
    assert_eq!(s, 422, "{e}");

    // The dashboard: city-wide and per department, open and overdue tickets.
    let (s, dash) = srv.get("/api/v1/quality/dashboard", Some(&operator)).await.unwrap();
    assert_eq!(s, 200, "{dash}");
    assert!(dash["city"]["overall"].as_f64().is_some(), "{dash}");
    let police = dash["departments"].as_array().unwrap().iter().find(|d| d["name"] == "西宁市公安局").unwrap();
    assert_eq!(police["resources"], 3, "population, licences, household register");
    assert!(dash["open_tickets"].as_u64().unwrap() >= 1, "the licence's consistency tickets: {dash}");
    assert_eq!(dash["overdue_tickets"], 0);

    // The department's Excel report.
    let org = police["org_id"].as_i64().unwrap();
    let r = TestServer::client()
        .get(format!("{}/api/v1/quality/departments/{org}/report.xlsx", srv.url))
        .bearer_auth(&steward)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) workbook");
    let (s, _) = srv.get(&format!("/api/v1/quality/departments/{org}/report.xlsx"), Some(&datauser)).await.unwrap();
    assert_eq!(s, 404, "another department's report is not the data user's");

    // Every check and ticket step is audited.
    let auditor = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (_, recs) = srv.get("/api/v1/audit?action=govern.check&limit=100", Some(&auditor)).await.unwrap();
    assert!(recs.as_array().unwrap().len() >= 5, "{recs}");
    let (_, recs) = srv.get("/api/v1/audit?action=govern.authority&limit=10", Some(&auditor)).await.unwrap();
    let done = recs.as_array().unwrap().iter().filter(|r| r["outcome"] == "succeeded").count();
    assert_eq!(done, 2, "designation and removal: {recs}");
    let (_, recs) = srv.get("/api/v1/audit?action=ticket.&limit=100", Some(&auditor)).await.unwrap();
    let actions: Vec<&str> = recs.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    for a in [
        "ticket.open",
        "ticket.acknowledge",
        "ticket.dispute",
        "ticket.uphold",
        "ticket.close",
        "ticket.report",
        "ticket.verify",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(!recs.to_string().contains(&people[1].0), "no ID number in the audit trail");
}
