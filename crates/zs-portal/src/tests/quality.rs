//! Governance pages: a resource's quality page after a dirty hand-in (scores, failures by rule
//! with masked samples, trend, open tickets), the rules form with a clear error, the ticket list
//! and a ticket's state actions (CSRF), a data user's correction, the dashboard and the report.

use super::catalog::setup_catalogue;
use axum::http::StatusCode;

const CODE: &str = "101001000/000001";

#[tokio::test]
async fn quality_pages_tickets_and_corrections() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;
    let du = t.session("datauser").await;

    // Before any data: the page says so.
    let page = t.get(&format!("/resources/{CODE}/quality"), &st).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"quality-none\"") && page.body.contains("id=\"nav-quality\""), "{}", page.body);

    // A hand-in with a bad ID check digit, through the upload form and the worker.
    let csrf = t.get(&format!("/resources/{CODE}"), &st).await.csrf();
    let csv =
        "公民身份号码,姓名,性别,出生日期\n11010519491231002X,王伟,2,1949-12-31\n110105194912310021,李娜,2,1949-12-31\n";
    let r = t.upload_data(&st, &[("csrf", &csrf), ("mode", "append")], Some(("p.csv", csv.as_bytes()))).await;
    assert!(r.location().starts_with("/jobs/"), "{} {}", r.status, r.body);
    assert!(zs_ingest::Worker::new(t.ingest.clone(), "portal-test").run_once().await.unwrap());

    let page = t.get(&format!("/resources/{CODE}/quality"), &st).await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "id=\"score-validity\"",
        "id=\"chart-trend\"",
        "id=\"rule-id_number_gb11643\"",
        "校验码",
        "id=\"recheck-form\"",
        "id=\"rules-form\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("110105194912310021"), "sample values are masked");
    let en = t.get(&format!("/resources/{CODE}/quality"), &format!("{st}; zs_lang=en")).await;
    assert!(en.body.contains("Results by rule") && en.body.contains("Overall"), "{}", en.body);

    // The rules form: invalid JSON comes back with the error and the text kept.
    let csrf = page.csrf();
    let r = t.post(&format!("/resources/{CODE}/quality/rules"), &st, &[("csrf", &csrf), ("rules", "[{oops")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("[{oops"));
    let r = t.post(&format!("/resources/{CODE}/quality/check"), &st, &[("csrf", "00")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF checked");
    let r = t.post(&format!("/resources/{CODE}/quality/check"), &st, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The ticket list and a ticket: the provider acknowledges it.
    let list = t.get("/tickets", &st).await;
    assert_eq!(list.status, StatusCode::OK);
    let at = list.body.find("href=\"/tickets/").unwrap_or_else(|| panic!("a ticket is listed: {}", list.body));
    let id: String = list.body[at + 15..].chars().take_while(char::is_ascii_digit).collect();
    let tp = t.get(&format!("/tickets/{id}"), &st).await;
    assert!(tp.body.contains("id=\"action-acknowledge\"") && tp.body.contains("id=\"action-dispute\""), "{}", tp.body);
    let r = t
        .post(&format!("/tickets/{id}/action"), &st, &[("csrf", &tp.csrf()), ("action", "dispute"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a dispute needs a reason: {}", r.body);
    assert!(r.body.contains("id=\"form-error\""));
    let r = t
        .post(&format!("/tickets/{id}/action"), &st, &[("csrf", &tp.csrf()), ("action", "acknowledge"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tp = t.get(&format!("/tickets/{id}"), &st).await;
    assert!(tp.body.contains("data-state=\"acknowledged\""), "{}", tp.body);
    // Another department's data user cannot open it.
    assert_eq!(t.get(&format!("/tickets/{id}"), &du).await.status, StatusCode::NOT_FOUND);

    // A data user reports an error (纠错): a ticket page of their own.
    let qp = t.get(&format!("/resources/{CODE}/quality"), &du).await;
    assert!(qp.body.contains("id=\"correction-form\"") && !qp.body.contains("id=\"rules-form\""));
    let form = [
        ("csrf", qp.csrf()),
        ("record_key", "11010519491231002X".into()),
        ("field", "name".into()),
        ("description", "姓名有误".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post(&format!("/resources/{CODE}/corrections"), &du, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = t.get(r.location(), &du).await;
    assert!(mine.body.contains("id=\"notice\"") && mine.body.contains("data-state=\"open\""), "{}", mine.body);

    // The dashboard with its charts and the department's workbook.
    let d = t.get("/quality", &op).await;
    assert_eq!(d.status, StatusCode::OK);
    for needle in
        ["id=\"chart-dimensions\"", "id=\"chart-departments\"", "id=\"quality-departments\"", "西宁市公安局", "<svg"]
    {
        assert!(d.body.contains(needle), "{needle}: {}", d.body);
    }
    let at = d.body.find("href=\"/quality/departments/").expect("a report link");
    let link: String = d.body[at + 6..].chars().take_while(|c| *c != '"').collect();
    let x = t.get(&link, &op).await;
    assert_eq!(x.status, StatusCode::OK, "{link}");
    assert!(x.body.starts_with("PK"));
}

/// The authoritative sources page (一数一源): operators designate with a clear error on bad
/// input (CSRF checked), everyone with governance access sees the list, stewards get no form.
#[tokio::test]
async fn authoritative_sources_page() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;

    let page = t.get("/quality/authorities", &op).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("id=\"no-authorities\"") && page.body.contains("id=\"designate-form\""),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let form = |element: &str, key: &str, csrf: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.to_owned()),
            ("element", element.to_owned()),
            ("resource", CODE.to_owned()),
            ("key_element", key.to_owned()),
            ("note", "户籍登记为准".to_owned()),
        ]
    };
    let (bad_csrf, bad_key, good) =
        (form("DE01002", "DE01001", "00"), form("DE01002", "DE04001", &csrf), form("DE01002", "DE01001", &csrf));
    let r = t.post("/quality/authorities", &op, &refs(&bad_csrf)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF checked");
    let r = t.post("/quality/authorities", &op, &refs(&bad_key)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("data-field=\"key_element\""), "{}", r.body);
    assert!(r.body.contains("value=\"DE04001\""), "the form keeps what was typed");
    let r = t.post("/quality/authorities", &op, &refs(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = t.get(r.location(), &op).await;
    assert!(list.body.contains("id=\"notice\"") && list.body.contains("id=\"authority-DE01002\""), "{}", list.body);
    assert!(list.body.contains("户籍登记为准"));

    let sp = t.get("/quality/authorities", &st).await;
    assert_eq!(sp.status, StatusCode::OK);
    assert!(sp.body.contains("id=\"authority-DE01002\"") && !sp.body.contains("id=\"designate-form\""), "{}", sp.body);
    let sc = sp.csrf();
    let r = t.post("/quality/authorities/remove", &st, &[("csrf", sc.as_str()), ("element", "DE01002")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "stewards do not designate");
    let r = t.post("/quality/authorities/remove", &op, &[("csrf", csrf.as_str()), ("element", "DE01002")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let en = t.get("/quality/authorities", &format!("{op}; zs_lang=en")).await;
    assert!(en.body.contains("Authoritative sources") && en.body.contains("No authoritative source"), "{}", en.body);
}

/// Form pairs as the test client takes them.
fn refs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
