//! The aggregation report (归集通报) over real SQLite and PostgreSQL: the figures move with a
//! hand-in, the rate is computed as documented (entries with a committed hand-in ÷ published
//! entries), groups add up to the city, and the Excel download holds the four sheets.

use serde_json::Value;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(aggregation_report_figures);

const CODE: &str = "101001000/000001";

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

fn num(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn entry<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["entries"].as_array().unwrap().iter().find(|e| e["code"] == code).unwrap()
}

/// Every group's figures add up to the city's, and every rate is with_data / published.
fn check_sums(report: &Value) {
    let city = &report["city"];
    for groups in ["departments", "districts"] {
        let list = report[groups].as_array().unwrap();
        for key in ["published", "with_data", "on_time", "late", "never", "hand_ins", "rows"] {
            let sum: i64 = list.iter().map(|g| num(g, key)).sum();
            assert_eq!(sum, num(city, key), "{groups}.{key}");
        }
        for g in list {
            let expected = num(g, "with_data") as f64 / num(g, "published") as f64;
            assert!((g["rate"].as_f64().unwrap() - expected).abs() < 1e-9, "{g}");
        }
    }
    assert_eq!(num(city, "on_time") + num(city, "late") + num(city, "never"), num(city, "published"));
    assert_eq!(num(city, "published") as usize, report["entries"].as_array().unwrap().len());
}

async fn aggregation_report_figures(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "report").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let steward = srv.login("steward", TestServer::password_of(&logins, "steward")).await.unwrap();
    let operator = srv.login("operator", TestServer::password_of(&logins, "operator")).await.unwrap();
    let datauser = srv.login("datauser", TestServer::password_of(&logins, "datauser")).await.unwrap();

    let (s, before) = srv.get("/api/v1/reports/aggregation", Some(&operator)).await.unwrap();
    assert_eq!(s, 200, "{before}");
    let city = &before["city"];
    let published = num(city, "published");
    assert!(published > 100, "the demo catalogue publishes many entries: {published}");
    assert_eq!(num(city, "with_data"), 0);
    assert_eq!(city["rate"].as_f64(), Some(0.0));
    assert_eq!(num(city, "never"), published);
    assert_eq!(entry(&before, CODE)["timeliness"], "never");
    check_sums(&before);
    let month = before["month"].as_str().unwrap().to_owned();

    // One hand-in with one rejected row (GB18030 is detected; UTF-8 here).
    let csv = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n630102199002021232,李四,2,1990-13-01\n630103198505051232,王五,1,1985-05-05\n";
    let (s, job) = srv
        .post_raw(
            &format!("/api/v1/resources/{CODE}/uploads?file_name=p.csv"),
            Some(&steward),
            Some("text/csv"),
            csv.into(),
        )
        .await
        .unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(&srv, &steward, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");

    let (s, after) = srv.get(&format!("/api/v1/reports/aggregation?month={month}"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{after}");
    let city = &after["city"];
    assert_eq!(num(city, "published"), published);
    assert_eq!(num(city, "with_data"), 1, "entries with data goes up by one");
    let rate = city["rate"].as_f64().unwrap();
    assert!((rate - 1.0 / published as f64).abs() < 1e-12, "rate = with_data / published: {rate}");
    assert_eq!(
        (num(city, "rows"), num(city, "hand_ins"), num(city, "rows_read"), num(city, "rows_rejected")),
        (2, 1, 3, 1)
    );
    assert!((city["reject_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(city["channels"][0]["channel"], "upload");
    let e = entry(&after, CODE);
    assert_eq!((e["timeliness"].as_str(), e["rows"].as_i64()), (Some("on_time"), Some(2)), "{e}");
    let dept = after["departments"].as_array().unwrap().iter().find(|g| g["org_id"] == e["org_id"]).unwrap();
    assert_eq!(num(dept, "with_data"), 1);
    assert_eq!(after["departments"][0]["org_id"], e["org_id"], "ranked by rate: the only department with data first");
    check_sums(&after);

    // The Excel download: a zip with the four sheets, the rate on 汇总.
    let url = format!("{}/api/v1/reports/aggregation?month={month}&format=xlsx", srv.url);
    let r = TestServer::client().get(url).bearer_auth(&operator).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["汇总", "部门", "区县", "明细"]);
    let summary = book.worksheet_range("汇总").unwrap();
    let rate_row = summary.rows().find(|r| r[0] == "应归尽归率").unwrap();
    let cell = rate_row[1].to_string().parse::<f64>().unwrap();
    assert!((cell - rate).abs() < 1e-12, "{cell}");
    let detail = book.worksheet_range("明细").unwrap();
    assert_eq!(detail.height() as i64, published + 1, "a header and one row per published entry");

    // Bad input and who may read it.
    let (s, e) = srv.get("/api/v1/reports/aggregation?month=2026-13", Some(&operator)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("month")), "{e}");
    let (s, e) = srv.get("/api/v1/reports/aggregation?month=2999-01", Some(&operator)).await.unwrap();
    assert_eq!(s, 422, "a month that has not begun: {e}");
    let (s, e) = srv.get("/api/v1/reports/aggregation?format=pdf", Some(&operator)).await.unwrap();
    assert_eq!((s, e["field"].as_str()), (422, Some("format")), "{e}");
    let (s, _) = srv.get("/api/v1/reports/aggregation", Some(&datauser)).await.unwrap();
    assert_eq!(s, 403);
    // A month before the hand-in knows nothing of it.
    let (s, old) = srv.get("/api/v1/reports/aggregation?month=2020-01", Some(&operator)).await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(num(&old["city"], "with_data"), 0);
}
