//! The portal in a real headless Chromium (Debian's `chromium` + `chromedriver`): log in, see
//! the dashboard, switch to English, log out.

use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use zs_testkit::{in_ci, Backend, TestServer};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find(bin: &str) -> Option<String> {
    ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"]
        .iter()
        .map(|d| format!("{d}/{bin}"))
        .find(|p| std::path::Path::new(p).exists())
}

/// A headless Chromium driven through chromedriver, or `None` (outside CI) when not installed.
async fn browser(test: &str) -> Option<(fantoccini::Client, Driver)> {
    let (Some(chromium), Some(driver_bin)) = (find("chromium"), find("chromedriver")) else {
        assert!(!in_ci(), "CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)");
        eprintln!("note: chromium or chromedriver not installed; browser test {test} NOT RUN");
        return None;
    };
    let port = free_port();
    let child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _driver = Driver(child);
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,900", "--lang=zh-CN", "--accept-lang=zh-CN,zh"]
        }
    }))
    .unwrap();
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Some((client.expect("chromedriver did not start"), _driver))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_dashboard_english_logout() {
    let srv = TestServer::start(Backend::Sqlite, "browser").await.unwrap();
    let logins = srv.seed_demo().await;
    let Some((c, _driver)) = browser("login_dashboard_english_logout").await else { return };
    let result = async {
        c.goto(&format!("{}/", srv.url)).await?;
        // Not logged in: the portal sends us to the login page, in Chinese by default.
        assert!(c.current_url().await?.path().ends_with("/login"));
        let html_lang = c.find(Locator::Css("html")).await?.attr("lang").await?;
        assert_eq!(html_lang.as_deref(), Some("zh-CN"));
        c.find(Locator::Css("input[name=username]")).await?.send_keys("operator").await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(TestServer::password_of(&logins, "operator"))
            .await?;
        c.find(Locator::Id("login-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("dashboard")).await?;
        let who = c.find(Locator::Id("current-user")).await?.text().await?;
        assert!(who.contains("王运营"), "display name shown: {who}");
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(body.contains("演示模式"), "demo banner shown");
        c.find(Locator::Id("lang-en")).await?.click().await?;
        c.wait().for_element(Locator::Id("dashboard")).await?;
        let html_lang = c.find(Locator::Css("html")).await?.attr("lang").await?;
        assert_eq!(html_lang.as_deref(), Some("en"));
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(body.contains("Demo mode"), "English page: {body}");
        c.find(Locator::Id("logout")).await?.click().await?;
        c.wait().for_element(Locator::Css("input[name=username]")).await?;
        assert!(c.current_url().await?.path().ends_with("/login"));
        // The session is gone: the dashboard sends us back to login.
        c.goto(&format!("{}/", srv.url)).await?;
        assert!(c.current_url().await?.path().ends_with("/login"));
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.unwrap();
}

async fn log_in(
    c: &fantoccini::Client,
    base: &str,
    user: &str,
    password: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Css("input[name=username]")).await?.send_keys(user).await?;
    c.find(Locator::Css("input[name=password]")).await?.send_keys(password).await?;
    c.find(Locator::Id("login-submit")).await?.click().await?;
    c.wait().for_element(Locator::Id("dashboard")).await?;
    Ok(())
}

async fn log_out(c: &fantoccini::Client) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::Id("logout")).await?.click().await?;
    c.wait().for_element(Locator::Css("input[name=username]")).await?;
    Ok(())
}

async fn status(c: &fantoccini::Client) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Id("entry-status")).await?.text().await
}

/// Wait (up to 10 s) until the page after a form post shows the entry in `expected` status;
/// elements of the page being left go stale meanwhile, which is retried.
async fn wait_status(c: &fantoccini::Client, expected: &str) -> Result<(), fantoccini::error::CmdError> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Id("entry-status")).await {
            if let Ok(t) = el.text().await {
                if t == expected {
                    return Ok(());
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("entry status stayed '{last}', expected '{expected}'");
}

/// A steward submits an entry, the operator returns it with a reason, the steward corrects and
/// resubmits it, the operator publishes it — all by clicking through the portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_submit_return_correct_publish() {
    let srv = TestServer::start(Backend::Sqlite, "browser_catalogue").await.unwrap();
    let logins = srv.seed_demo().await;
    let Some((c, _driver)) = browser("catalogue_submit_return_correct_publish").await else { return };
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    // The draft is registered through the API; the workflow happens in the browser.
    let token = srv.login("steward", &pw("steward")).await.unwrap();
    let body = serde_json::json!({
        "name": "机动车驾驶证信息", "summary": "驾驶证", "classification": {"class": "basic", "item": 5, "category": 7},
        "format": {"kind": "table", "detail": "Oracle"},
        "items": [{"name": "licence_no", "label": "驾驶证号", "data_type": "string", "length": 18, "key": true,
                   "security_level": "L3", "sharing": "conditional", "open": "none"}],
        "sharing": {"kind": "conditional", "conditions": "交通管理与政务服务", "method": "api"},
        "open": {"kind": "none"}, "update_cycle": "daily"
    });
    let (s, e) = srv.post("/api/v1/catalog/entries", Some(&token), &body).await.unwrap();
    assert_eq!(s, 201, "{e}");
    let entry = format!("{}/catalog/entries/{}", srv.url, e["id"]);
    let result = async {
        log_in(&c, &srv.url, "steward", &pw("steward")).await?;
        c.goto(&entry).await?;
        assert_eq!(status(&c).await?, "草稿");
        let body_text = c.find(Locator::Css("body")).await?.text().await?;
        assert!(body_text.contains("机动车驾驶证信息"));
        c.find(Locator::Id("submit-btn")).await?.click().await?;
        wait_status(&c, "待审核").await?;
        log_out(&c).await?;

        log_in(&c, &srv.url, "operator", &pw("operator")).await?;
        c.goto(&format!("{}/catalog/review", srv.url)).await?;
        let queue = c.find(Locator::Css("body")).await?.text().await?;
        assert!(queue.contains("机动车驾驶证信息"), "review queue lists it: {queue}");
        c.goto(&entry).await?;
        c.find(Locator::Id("return-reason-input")).await?.send_keys("摘要过于简略，请说明数据范围").await?;
        c.find(Locator::Id("return-btn")).await?.click().await?;
        wait_status(&c, "已退回").await?;
        log_out(&c).await?;

        log_in(&c, &srv.url, "steward", &pw("steward")).await?;
        c.goto(&entry).await?;
        let reason = c.find(Locator::Id("return-reason")).await?.text().await?;
        assert!(reason.contains("摘要过于简略"), "the steward sees why: {reason}");
        c.find(Locator::Id("action-edit")).await?.click().await?;
        let summary = c.wait().for_element(Locator::Id("f-summary")).await?;
        summary.clear().await?;
        summary.send_keys("本市机动车驾驶证核发、换证、注销信息，按日更新").await?;
        c.find(Locator::Id("entry-save")).await?.click().await?;
        wait_status(&c, "已退回").await?;
        c.find(Locator::Id("submit-btn")).await?.click().await?;
        wait_status(&c, "待审核").await?;
        log_out(&c).await?;

        log_in(&c, &srv.url, "operator", &pw("operator")).await?;
        c.goto(&entry).await?;
        c.find(Locator::Id("approve-btn")).await?.click().await?;
        wait_status(&c, "已发布").await?;
        let summary = c.find(Locator::Id("el-summary")).await?.text().await?;
        assert!(summary.contains("按日更新"), "the corrected version is live: {summary}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.unwrap();
    let published =
        srv.state.catalog.all_entries().await.unwrap().into_iter().find(|x| x.body.name == "机动车驾驶证信息").unwrap();
    assert_eq!((published.status.as_str(), published.published_version), ("published", Some(1)));
}

/// After a hand-in, the steward opens the aggregation report (rate and SVG charts), the 数据归集
/// list from the navigation, and the resource page with its current version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_and_resource_pages() {
    let srv = TestServer::start(Backend::Sqlite, "browser_report").await.unwrap();
    let logins = srv.seed_demo_catalogue().await;
    let Some((c, _driver)) = browser("report_and_resource_pages").await else { return };
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let token = srv.login("steward", &pw("steward")).await.unwrap();
    let csv = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n";
    let url = "/api/v1/resources/101001000/000001/uploads?file_name=p.csv";
    let (s, job) = srv.post_raw(url, Some(&token), Some("text/csv"), csv.into()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{}", job["id"]), Some(&token)).await.unwrap();
        if j["job"]["state"] == "succeeded" {
            break;
        }
        assert_ne!(j["job"]["state"], "failed", "{j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let result = async {
        log_in(&c, &srv.url, "steward", &pw("steward")).await?;
        c.goto(&format!("{}/reports/aggregation", srv.url)).await?;
        let rate = c.find(Locator::Id("report-rate")).await?.text().await?;
        assert!(rate.ends_with('%') && rate != "0.0%", "one entry has data: {rate}");
        c.find(Locator::Css("#chart-dept-rate svg rect")).await?;
        c.find(Locator::Id("nav-ingest")).await?.click().await?;
        c.wait().for_element(Locator::Id("ingest-table")).await?;
        c.goto(&format!("{}/resources/101001000/000001", srv.url)).await?;
        assert_eq!(c.find(Locator::Id("current-rows")).await?.text().await?, "1");
        c.find(Locator::Id("upload-form")).await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.unwrap();
}

/// A steward schedules a pull from a table in the real PostgreSQL on the resource page, runs it
/// from its row, follows the job page until it succeeds, and sees the new version and the
/// schedule's outcome back on the resource page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_pull_from_the_resource_page() {
    let Some(pg) = zs_testkit::pg_url("scheduled_pull_from_the_resource_page") else { return };
    let schema = format!("zs_browser_{}", std::process::id());
    let pool = sqlx::PgPool::connect(&pg).await.unwrap();
    for sql in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
        format!("CREATE TABLE {schema}.people (id_number text PRIMARY KEY, name text, sex text, birth_date date)"),
        format!(
            "INSERT INTO {schema}.people VALUES ('630102199001011235', '张三', '1', '1990-01-01'), \
             ('630103198505051232', '王五', '1', '1985-05-05')"
        ),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    let srv = TestServer::start(Backend::Sqlite, "browser_pull").await.unwrap();
    let logins = srv.seed_demo_catalogue().await;
    let Some((c, _driver)) = browser("scheduled_pull_from_the_resource_page").await else { return };
    let pw = TestServer::password_of(&logins, "steward").to_owned();
    let result = async {
        log_in(&c, &srv.url, "steward", &pw).await?;
        c.goto(&format!("{}/resources/101001000/000001", srv.url)).await?;
        c.find(Locator::Id("no-schedules")).await?;
        c.find(Locator::Id("s-url")).await?.send_keys(&pg).await?;
        c.find(Locator::Id("s-table")).await?.send_keys(&format!("{schema}.people")).await?;
        let cron = c.find(Locator::Id("s-cron")).await?;
        cron.clear().await?;
        cron.send_keys("0 3 * * *").await?;
        c.find(Locator::Id("schedule-submit")).await?.click().await?;
        let run = c.wait().for_element(Locator::Css("#schedules-table button[id^=run-]")).await?;
        let id = run.attr("id").await?.unwrap_or_default().trim_start_matches("run-").to_owned();
        run.click().await?;
        // The job page refreshes itself until the pull has run.
        let mut state = String::new();
        for _ in 0..300 {
            if let Ok(el) = c.find(Locator::Id("job-state")).await {
                if let Ok(t) = el.text().await {
                    state = t;
                    if state == "已完成" || state == "失败" {
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(state, "已完成", "the pull job succeeded");
        c.find(Locator::Id("job-resource")).await?.click().await?;
        c.wait().for_element(Locator::Id("schedules-table")).await?;
        assert_eq!(c.find(Locator::Id("current-rows")).await?.text().await?, "2");
        assert_eq!(c.find(Locator::Id(&format!("schedule-{id}-status"))).await?.text().await?, "成功");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
    result.unwrap();
}

/// A data user applies from the entry page, the provider's steward grants fewer items, the data
/// user issues a credential for the grant (token shown once) and a program calls the data API
/// with it — all through the portal except the final call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_apply_approve_call() {
    let srv = TestServer::start(Backend::Sqlite, "browser_share").await.unwrap();
    let logins = srv.seed_demo_catalogue().await;
    let Some((c, _driver)) = browser("share_apply_approve_call").await else { return };
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let token = srv.login("steward", &pw("steward")).await.unwrap();
    let csv = "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n";
    let url = "/api/v1/resources/101001000/000001/uploads?file_name=p.csv";
    let (s, job) = srv.post_raw(url, Some(&token), Some("text/csv"), csv.into()).await.unwrap();
    assert_eq!(s, 202, "{job}");
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{}", job["id"]), Some(&token)).await.unwrap();
        if j["job"]["state"] == "succeeded" {
            break;
        }
        assert_ne!(j["job"]["state"], "failed", "{j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entry = srv.store.entry_by_code("101001000/000001").await.unwrap().unwrap().id;
    let result = async {
        // The data user applies from the entry page.
        log_in(&c, &srv.url, "datauser", &pw("datauser")).await?;
        c.goto(&format!("{}/catalog/entries/{entry}", srv.url)).await?;
        c.find(Locator::Id("action-apply")).await?.click().await?;
        c.wait().for_element(Locator::Id("apply-form")).await?;
        for f in ["f_id_number", "f_name", "f_sex"] {
            c.find(Locator::Id(f)).await?.click().await?;
        }
        c.find(Locator::Id("purpose")).await?.send_keys("核验低保申请人身份").await?;
        c.find(Locator::Id("scenario")).await?.send_keys("社会救助审批").await?;
        c.find(Locator::Id("legal_basis")).await?.send_keys("《社会救助暂行办法》").await?;
        c.find(Locator::Id("apply-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("applications-table")).await?;
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(body.contains("待审核"), "{body}");
        log_out(&c).await?;

        // The steward grants without the name.
        log_in(&c, &srv.url, "steward", &pw("steward")).await?;
        c.find(Locator::Id("nav-share-reviews")).await?.click().await?;
        c.wait().for_element(Locator::Css("button[value=grant]")).await?;
        c.find(Locator::Css("input[name=f_name]")).await?.click().await?;
        c.find(Locator::Css("button[value=grant]")).await?.click().await?;
        c.wait().for_element(Locator::Id("reviews-empty")).await?;
        log_out(&c).await?;

        // The data user issues a credential for the grant; the token is shown once.
        log_in(&c, &srv.url, "datauser", &pw("datauser")).await?;
        c.find(Locator::Id("nav-share-grants")).await?.click().await?;
        c.wait().for_element(Locator::Id("grants-table")).await?;
        c.find(Locator::Css("button[id^=issue-]")).await?.click().await?;
        c.wait().for_element(Locator::Id("secret-value")).await?;
        let token = c.find(Locator::Id("secret-value")).await?.text().await?;
        let facts = c.find(Locator::Id("secret")).await?.text().await?;
        let api = facts.lines().find(|l| l.contains("/api/v1/share/grants/")).unwrap_or_default().trim().to_owned();
        Ok::<(String, String), fantoccini::error::CmdError>((token, api))
    }
    .await;
    let _ = c.close().await;
    let (token, api) = result.unwrap();
    let path = &api[api.find("/api/").unwrap_or_else(|| panic!("no API path in {api}"))..];
    let (s, page) = srv.get(path, Some(&token)).await.unwrap();
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["rows"], serde_json::json!([{ "id_number": "630102********1235", "sex": "1" }]), "{page}");
}

/// A data user posts a demand (供需对接) from the board, the platform operator routes it to the
/// police, the police's steward declines it with reasons, and the data user closes it — all by
/// clicking through the portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demand_post_route_answer_close() {
    let srv = TestServer::start(Backend::Sqlite, "browser_demand").await.unwrap();
    let logins = srv.seed_demo_catalogue().await;
    let Some((c, _driver)) = browser("demand_post_route_answer_close").await else { return };
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let result = async {
        // The data user posts a demand from the board.
        log_in(&c, &srv.url, "datauser", &pw("datauser")).await?;
        c.find(Locator::Id("nav-share-demands")).await?.click().await?;
        c.wait().for_element(Locator::Id("demand-form")).await?;
        c.find(Locator::Id("demand-title")).await?.send_keys("驾驶证状态").await?;
        c.find(Locator::Id("demand-description")).await?.send_keys("需要机动车驾驶证的准驾车型与状态").await?;
        c.find(Locator::Id("demand-purpose")).await?.send_keys("核验公益性岗位申请人资格").await?;
        c.find(Locator::Id("demand-guess")).await?.select_by_label("西宁市公安局").await?;
        c.find(Locator::Id("demand-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("demands-table")).await?;
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(body.contains("驾驶证状态") && body.contains("待分派"), "{body}");
        log_out(&c).await?;

        // The operator routes it to the police.
        log_in(&c, &srv.url, "operator", &pw("operator")).await?;
        c.find(Locator::Id("nav-share-demands")).await?.click().await?;
        c.wait().for_element(Locator::Id("demands-table")).await?;
        c.find(Locator::LinkText("驾驶证状态")).await?.click().await?;
        c.wait().for_element(Locator::Id("route-form")).await?;
        c.find(Locator::Id("route-provider")).await?.select_by_label("西宁市公安局").await?;
        c.find(Locator::Id("route-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("demand-notice")).await?;
        let due = c.find(Locator::Id("demand-due")).await?.text().await?;
        assert!(due.contains("(5 "), "five working days left: {due}");
        log_out(&c).await?;

        // The police's steward declines it with reasons.
        log_in(&c, &srv.url, "steward", &pw("steward")).await?;
        c.goto(&format!("{}/share/demands?mine=1", srv.url)).await?;
        c.find(Locator::LinkText("驾驶证状态")).await?.click().await?;
        c.wait().for_element(Locator::Id("answer-form")).await?;
        c.find(Locator::Id("kind-declined")).await?.click().await?;
        c.find(Locator::Id("answer-note")).await?.send_keys("驾驶证信息由省公安厅集中管理").await?;
        c.find(Locator::Id("answer-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("demand-notice")).await?;
        log_out(&c).await?;

        // The data user reads the answer and closes the demand.
        log_in(&c, &srv.url, "datauser", &pw("datauser")).await?;
        c.goto(&format!("{}/share/demands?mine=1", srv.url)).await?;
        c.find(Locator::LinkText("驾驶证状态")).await?.click().await?;
        c.wait().for_element(Locator::Id("close-form")).await?;
        let answer = c.find(Locator::Id("demand-answer")).await?.text().await?;
        assert!(answer.contains("不能提供") && answer.contains("省公安厅"), "{answer}");
        c.find(Locator::Id("close-submit")).await?.click().await?;
        c.wait().for_element(Locator::Id("demand-notice")).await?;
        let state = c.find(Locator::Id("demand-state")).await?.text().await?;
        Ok::<String, fantoccini::error::CmdError>(state)
    }
    .await;
    let _ = c.close().await;
    assert_eq!(result.unwrap(), "已关闭");
    let token = srv.login("datauser", &pw("datauser")).await.unwrap();
    let (_, board) = srv.get("/api/v1/share/demands?state=closed", Some(&token)).await.unwrap();
    assert_eq!(
        (board[0]["answer_kind"].as_str(), board[0]["provider"].as_str()),
        (Some("declined"), Some("西宁市公安局")),
        "{board}"
    );
}

/// The security administrator's pages in the browser: the alerts list from the navigation, then
/// a steward's destruction request approved by clicking through, with the certificate shown, and
/// the keys page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_alerts_and_destruction() {
    let srv = TestServer::start(Backend::Sqlite, "browser_security").await.unwrap();
    let logins = srv.seed_demo_catalogue().await;
    let Some((c, _driver)) = browser("security_alerts_and_destruction").await else { return };
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let token = srv.login("steward", &pw("steward")).await.unwrap();
    for csv in [
        "公民身份号码,姓名,性别,出生日期\n630102199001011235,张三,1,1990-01-01\n",
        "公民身份号码,姓名,性别,出生日期\n630103198505051232,王五,1,1985-05-05\n",
    ] {
        let url = "/api/v1/resources/101001000/000001/uploads?file_name=p.csv&mode=replace";
        let (s, job) = srv.post_raw(url, Some(&token), Some("text/csv"), csv.into()).await.unwrap();
        assert_eq!(s, 202, "{job}");
        for _ in 0..500 {
            let (_, j) = srv.get(&format!("/api/v1/jobs/{}", job["id"]), Some(&token)).await.unwrap();
            if j["job"]["state"] == "succeeded" {
                break;
            }
            assert_ne!(j["job"]["state"], "failed", "{j}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let body = serde_json::json!({ "version": 1, "reason": "保存期限届满，依法销毁" });
    let (s, d) = srv.post("/api/v1/resources/101001000/000001/destructions", Some(&token), &body).await.unwrap();
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let result = async {
        log_in(&c, &srv.url, "secadmin", &pw("secadmin")).await?;
        c.find(Locator::Id("nav-security-alerts")).await?.click().await?;
        c.wait().for_element(Locator::Id("alerts-filter")).await?;
        c.find(Locator::Id("alerts-empty")).await?;
        c.find(Locator::Id("nav-security-destructions")).await?.click().await?;
        c.wait().for_element(Locator::Id(&format!("destruction-{id}"))).await?;
        c.find(Locator::Css(&format!("#destruction-{id} a[href='/security/destructions/{id}']")))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("destruction-approve")).await?.click().await?;
        c.wait().for_element(Locator::Id("certificate")).await?;
        let state = c.find(Locator::Id("destruction-state")).await?.text().await?;
        let versions = c.find(Locator::Id("certificate-versions")).await?.text().await?;
        c.find(Locator::Id("nav-security-keys")).await?.click().await?;
        c.wait().for_element(Locator::Id("keys-table")).await?;
        Ok::<(String, String), fantoccini::error::CmdError>((state, versions))
    }
    .await;
    let _ = c.close().await;
    let (state, versions) = result.unwrap();
    assert_eq!((state.as_str(), versions.as_str()), ("已销毁", "1"));
}
