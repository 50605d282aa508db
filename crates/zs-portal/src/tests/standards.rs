//! Pages of data standards and classification: the element registry (operators create,
//! deprecate; others read), the conformance report and its workbook, a resource's grading page
//! (level change by the steward and the security administrator, not by others), the value
//! scan with a suggestion accepted, and the city-wide overview.

use super::catalog::setup_catalogue;
use axum::http::StatusCode;
use zs_identity::policy::DataIngest;
use zs_types::codes::IdNumber;

const CODE: &str = "101001000/000001";

#[tokio::test]
async fn element_registry_pages() {
    let t = setup_catalogue().await;
    let du = t.session("datauser").await;
    let list = t.get("/standards/elements", &du).await;
    assert_eq!(list.status, StatusCode::OK);
    for needle in ["id=\"el-DE01001\"", "公民身份号码", "GB 11643-1999", "id=\"el-DE02001\"", "id=\"nav-standards\""]
    {
        assert!(list.body.contains(needle), "{needle}");
    }
    assert!(!list.body.contains("id=\"std-new\""), "data users do not manage elements");
    let sex = t.get("/standards/elements/DE01003", &du).await;
    assert!(sex.body.contains("id=\"code-list\"") && sex.body.contains("未说明的性别"), "{}", sex.body);
    assert!(!sex.body.contains("id=\"element-form\""));
    assert_eq!(t.get("/standards/elements/DE77777", &du).await.status, StatusCode::NOT_FOUND);

    // The operator creates one (a bad length first: the form comes back with the input kept).
    let op = t.session("operator").await;
    let form = t.get("/standards/elements/new", &op).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let fields = |len: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("id", "DE09001".to_owned()),
            ("name_zh", "户号".to_owned()),
            ("definition", "户口簿上登记的户的编号。".to_owned()),
            ("data_type", "string".to_owned()),
            ("length", len.to_owned()),
            ("aliases", "户口号、户编号".to_owned()),
            ("code_list", String::new()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let bad = as_refs(&fields(""));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post("/standards/elements", &op, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("data-field=\"length\"") && r.body.contains("户口号、户编号"), "{}", r.body);
    let good = as_refs(&fields("20"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post("/standards/elements", &op, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/standards/elements/DE09001?notice=created");
    let page = t.get(r.location(), &op).await;
    assert!(page.body.contains("id=\"notice\"") && page.body.contains("id=\"element-deprecate\""), "{}", page.body);
    // Deprecate it.
    let r = t
        .post(
            "/standards/elements/DE09001/status",
            &op,
            &[("csrf", &page.csrf()), ("status", "deprecated"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get("/standards/elements/DE09001", &op).await;
    assert!(page.body.contains("已废止") && page.body.contains("id=\"element-activate\""));
    // A steward cannot create.
    let st = t.session("steward").await;
    let stp = t.get("/standards/elements", &st).await;
    let r = t.post("/standards/elements", &st, &[("csrf", &stp.csrf()), ("id", "DE09002")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn conformance_page_and_workbook() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let page = t.get("/standards/conformance", &st).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"conf-dept\">西宁市公安局<"), "{}", page.body);
    // The demo catalogue: 民族 is declared 20 long (the element's code has 2), 户籍地址 refers to
    // nothing; 公民身份号码 and 姓名 conform.
    assert!(
        page.body.contains("data-kind=\"length_mismatch\"") && page.body.contains("data-kind=\"missing_reference\"")
    );
    assert!(page.body.contains("DE01005") && page.body.contains("DE01006"));
    let x = t.get("/standards/conformance.xlsx", &st).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(x.body.starts_with("PK"));
    // The operator sees every department in the area and picks one.
    let op = t.session("operator").await;
    let org = page.body.split("data-org=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let p = t.get(&format!("/standards/conformance?org_id={org}"), &op).await;
    assert!(p.body.contains("id=\"conf-departments\"") && p.body.contains("西宁市公安局"), "{}", p.body);
    // Data users have no access; a steward cannot read another department's report.
    assert_eq!(t.get("/standards/conformance", &t.session("datauser").await).await.status, StatusCode::FORBIDDEN);
    let other = t.all().await.into_iter().find(|e| e.provider == "西宁市民政局").unwrap().org_id;
    assert_eq!(t.get(&format!("/standards/conformance?org_id={other}"), &st).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn grading_pages_levels_and_suggestions() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let url = format!("/classification/resources/{CODE}");
    let page = t.get(&url, &st).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"level-form-sex\"") && page.body.contains("id=\"resource-category\""));
    assert!(page.body.contains("id=\"item-sex\" data-level=\"L2\""), "{}", page.body);

    // The steward raises 性别 to L3.
    let r = t.post(&format!("{url}/levels"), &st, &[("csrf", &page.csrf()), ("item", "sex"), ("level", "L3")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(r.location(), &st).await;
    assert!(page.body.contains("id=\"item-sex\" data-level=\"L3\"") && page.body.contains("id=\"notice\""));

    // The operator may look but sees no forms and is refused (another department's steward is
    // refused the same way: zs-standards tests); a data user may not look.
    let os = t.session("operator").await;
    let op = t.get(&url, &os).await;
    assert_eq!(op.status, StatusCode::OK);
    assert!(!op.body.contains("id=\"level-form-sex\""));
    let r = t.post(&format!("{url}/levels"), &os, &[("csrf", &op.csrf()), ("item", "sex"), ("level", "L1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&url, &t.session("datauser").await).await.status, StatusCode::FORBIDDEN);
    // The security administrator may.
    let sa = t.session("secadmin").await;
    let sp = t.get(&url, &sa).await;
    assert!(sp.body.contains("id=\"level-form-sex\""));
    let r = t.post(&format!("{url}/levels"), &sa, &[("csrf", &sp.csrf()), ("item", "sex"), ("level", "L2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Hand in a version whose 户籍地址 column (L2) holds addresses; the scan suggests L3.
    let csv_path = t.ingest.table_dir("x").parent().unwrap().parent().unwrap().join("grading.csv");
    let mut csv = String::from("公民身份号码,姓名,户籍地址\n");
    for i in 0..8 {
        let body = format!("6301021990010{}{:03}", 1 + i % 9, i);
        let id = format!("{body}{}", IdNumber::check_char(&body).unwrap());
        csv.push_str(&format!("{id},王伟,青海省西宁市城东区八一路{}号\n", 10 + i));
    }
    std::fs::write(&csv_path, csv).unwrap();
    let who = t.principal("steward").await;
    let pass = t.identity.authorize::<DataIngest>(&who, None).await.unwrap();
    let req = zs_ingest::HandInRequest {
        code: CODE.into(),
        mode: zs_ingest::Mode::Replace,
        file: csv_path,
        file_name: "grading.csv".into(),
        encoding: None,
        channel: "upload".into(),
        max_error_rate: None,
        mapping: None,
        remove_file: false,
    };
    t.ingest.submit(&pass, req, None).await.unwrap();
    assert!(zs_ingest::Worker::new(t.ingest.clone(), "portal-test").run_once().await.unwrap());
    let page = t.get(&url, &st).await;
    let r = t.post(&format!("{url}/scan"), &st, &[("csrf", &page.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("notice=scanned&n=1"), "{}", r.location());
    let page = t.get(r.location(), &st).await;
    assert!(page.body.contains("data-state=\"open\" data-item=\"extra_1\""), "{}", page.body);
    assert!(page.body.contains("100.0%") && page.body.contains("(8/8)"));
    let sid = page.body.split("id=\"accept-").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = t.post(&format!("{url}/suggestions/{sid}/accept"), &st, &[("csrf", &page.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get(r.location(), &st).await;
    assert!(
        page.body.contains("id=\"item-extra_1\" data-level=\"L3\"") && page.body.contains("data-state=\"accepted\"")
    );
    // No raw value ever reaches the page or the audit detail.
    assert!(!page.body.contains("八一路"));

    // The overview counts the department; English works too.
    let ov = t.get("/classification", &sa).await;
    assert_eq!(ov.status, StatusCode::OK);
    assert!(
        ov.body.contains("id=\"cls-departments\"") && ov.body.contains("西宁市公安局") && ov.body.contains("重要数据")
    );
    let en = t.get("/classification", &format!("{sa}; zs_lang=en")).await;
    assert!(en.body.contains("Important data") && !en.body.contains(">?<"), "{}", en.body);
}
