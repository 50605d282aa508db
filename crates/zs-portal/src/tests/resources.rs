//! Pages of resource data and the aggregation report: the resource page in both languages, the
//! upload form (CSRF, streamed to disk, queued as a job that a worker then runs), the job page,
//! rejected rows, the policy form, who may see what, and the report with its rate and workbook.

use super::catalog::{setup_catalogue, C};
use super::Resp;
use axum::http::{header, Request, StatusCode};

const CODE: &str = "101001000/000001";
const CSV: &str = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021232,李四,2,1990-13-01\n630103198505051232,王五,1,1985-05-05\n";

impl C {
    /// Post the upload form of a resource.
    pub(super) async fn upload_data(&self, cookie: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Resp {
        const B: &str = "zs-res-boundary-41c2";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
        let req = Request::post(format!("/resources/{CODE}/upload"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={B}"))
            .header(header::COOKIE, cookie)
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn entry_id(&self, code: &str) -> i64 {
        self.all().await.into_iter().find(|e| e.code == code).unwrap().id
    }
}

fn job_of(r: &Resp) -> i64 {
    let loc = r.location();
    assert!(loc.starts_with("/jobs/"), "{} {loc} {}", r.status, r.body);
    loc["/jobs/".len()..].parse().unwrap()
}

#[tokio::test]
async fn resource_page_upload_job_and_rejects() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;

    // The entry page links to the resource page; the resource page renders in zh and en.
    let id = t.entry_id(CODE).await;
    let entry = t.get(&format!("/catalog/entries/{id}"), &st).await;
    assert!(entry.body.contains(&format!("href=\"/resources/{CODE}\" id=\"entry-resource\"")), "{}", entry.body);
    let page = t.get(&format!("/resources/{CODE}"), &st).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in ["当前版本", "id=\"no-data\"", "id=\"upload-form\"", "id=\"policy-form\"", "id=\"nav-ingest\""] {
        assert!(page.body.contains(needle), "{needle}");
    }
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let en = t.get(&format!("/resources/{CODE}"), &format!("{st}; zs_lang=en")).await;
    assert!(en.body.contains("Current version") && en.body.contains("Upload and hand in"), "{}", en.body);

    // The upload form needs the session's CSRF token; without it nothing is queued.
    let csrf = page.csrf();
    let bad = t.upload_data(&st, &[("csrf", "00"), ("mode", "append")], Some(("p.csv", CSV.as_bytes()))).await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert!(t.ingest.jobs(&pass(&t, "steward").await, CODE, 10).await.unwrap().is_empty());
    // No file, unknown mode: the form again with the error.
    let r = t.upload_data(&st, &[("csrf", &csrf), ("mode", "append")], None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("data-field=\"file\""));
    let r = t.upload_data(&st, &[("csrf", &csrf), ("mode", "sideways")], Some(("p.csv", CSV.as_bytes()))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"mode\""));

    // A good upload is queued; the job page refreshes while it waits.
    let r = t
        .upload_data(
            &st,
            &[("csrf", &csrf), ("mode", "append"), ("encoding", "utf-8")],
            Some(("人口.csv", CSV.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = job_of(&r);
    let jp = t.get(&format!("/jobs/{job}"), &st).await;
    assert_eq!(jp.status, StatusCode::OK);
    assert!(jp.body.contains("data-state=\"queued\"") && jp.body.contains("http-equiv=\"refresh\""), "{}", jp.body);
    assert!(jp.body.contains("id=\"job-progress\""));

    // A worker runs it: version 1 with one rejected row.
    assert!(zs_ingest::Worker::new(t.ingest.clone(), "portal-test").run_once().await.unwrap());
    let jp = t.get(&format!("/jobs/{job}"), &st).await;
    assert!(jp.body.contains("data-state=\"succeeded\"") && !jp.body.contains("http-equiv=\"refresh\""), "{}", jp.body);
    assert!(jp.body.contains("id=\"result-version\">1<") && jp.body.contains("id=\"result-hand-in\""));
    let page = t.get(&format!("/resources/{CODE}"), &st).await;
    assert!(page.body.contains("id=\"current-rows\">2<"), "{}", page.body);
    assert!(page.body.contains("id=\"version-1\"") && page.body.contains("id=\"rejects-table\""));
    assert!(page.body.contains("birth_date") && !page.body.contains("1990-13-01"), "rejected values are masked");
    let h = t.ingest.hand_ins(&pass(&t, "steward").await, CODE, 1).await.unwrap().remove(0);
    let csv = t.get(&format!("/hand-ins/{}/rejects.csv", h.id), &st).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("birth_date"));
    let xlsx = t.get(&format!("/hand-ins/{}/rejects.xlsx", h.id), &st).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));

    // A data user reads the page but gets no forms and no rejected rows.
    let du = t.session("datauser").await;
    let page = t.get(&format!("/resources/{CODE}"), &du).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"upload-form\"") && !page.body.contains("id=\"rejects-table\""));
    assert_eq!(t.get(&format!("/hand-ins/{}/rejects.csv", h.id), &du).await.status, StatusCode::FORBIDDEN);
    let ducsrf = page.csrf();
    let r = t.upload_data(&du, &[("csrf", &ducsrf)], Some(("p.csv", CSV.as_bytes()))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.post(&format!("/resources/{CODE}/policy"), &du, &[("csrf", &ducsrf), ("max_error_rate", "5")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Missing resources and jobs are 404 pages.
    assert_eq!(t.get("/resources/999999999/000001", &du).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/resources/..%2F/x", &du).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/jobs/987654", &st).await.status, StatusCode::NOT_FOUND);

    // The policy form: percent in, share stored; a bad value stays on the form.
    let r = t
        .post(
            &format!("/resources/{CODE}/policy"),
            &st,
            &[("csrf", &csrf), ("max_error_rate", "5"), ("keep_versions", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(r.location(), &st).await;
    assert!(
        page.body.contains("id=\"notice\"") && page.body.contains("value=\"5\"") && page.body.contains("value=\"3\"")
    );
    let r = t
        .post(
            &format!("/resources/{CODE}/policy"),
            &st,
            &[("csrf", &csrf), ("max_error_rate", "500"), ("keep_versions", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"max_error_rate\"") && r.body.contains("value=\"500\""));
    let r = t.post(&format!("/resources/{CODE}/policy"), &st, &[("csrf", "x"), ("max_error_rate", "5")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The department's list shows the last hand-in.
    let list = t.get("/ingest", &st).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!("href=\"/resources/{CODE}\"")) && list.body.contains("已入库"),
        "{}",
        list.body
    );
}

async fn pass(t: &C, user: &str) -> zs_identity::Authorized<zs_identity::policy::ResourceRead> {
    let p = t.principal(user).await;
    t.identity.authorize::<zs_identity::policy::ResourceRead>(&p, None).await.unwrap()
}

/// The 应归尽归 rate at the top of the report page.
fn rate_of(r: &Resp) -> String {
    let i = r.body.find("id=\"report-rate\">").expect("the rate is shown") + "id=\"report-rate\">".len();
    r.body[i..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn aggregation_report_page() {
    let t = setup_catalogue().await;
    let op = t.session("operator").await;
    let r = t.get("/reports/aggregation", &op).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(rate_of(&r), "0.0%", "nothing handed in yet");
    for needle in
        ["应归尽归率", "id=\"chart-dept-rate\"", "<svg class=\"chart\"", "id=\"report-download\"", "id=\"nav-report\""]
    {
        assert!(r.body.contains(needle), "{needle}");
    }
    let en = t.get("/reports/aggregation", &format!("{op}; zs_lang=en")).await;
    assert!(en.body.contains("Aggregation report") && en.body.contains("Rate by department"));

    // One committed hand-in: the rate is 1 / published entries.
    let st = t.session("steward").await;
    let csrf = t.get(&format!("/resources/{CODE}"), &st).await.csrf();
    let r = t.upload_data(&st, &[("csrf", &csrf), ("mode", "append")], Some(("p.csv", CSV.as_bytes()))).await;
    job_of(&r);
    assert!(zs_ingest::Worker::new(t.ingest.clone(), "portal-test").run_once().await.unwrap());
    let published = t
        .all()
        .await
        .iter()
        .filter(|e| e.status == zs_catalog::EntryStatus::Published && e.published_version.is_some())
        .count();
    let r = t.get("/reports/aggregation", &st).await;
    assert_eq!(rate_of(&r), format!("{:.1}%", 100.0 / published as f64), "{published} published");
    assert!(r.body.contains("id=\"report-with-data\">1<"));
    assert!(r.body.contains("文件上传"), "the channel mix names the upload");

    // The month selector and the workbook; a bad month is refused; data users may not see it.
    let month = r.body.split("data-month=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let x = t.get(&format!("/reports/aggregation.xlsx?month={month}"), &op).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains(&month));
    assert_eq!(t.get("/reports/aggregation?month=2026-13", &op).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let du = t.session("datauser").await;
    assert_eq!(t.get("/reports/aggregation", &du).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get("/reports/aggregation.xlsx", &du).await.status, StatusCode::FORBIDDEN);
}
