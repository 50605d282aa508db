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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_dashboard_english_logout() {
    let (Some(chromium), Some(driver_bin)) = (find("chromium"), find("chromedriver")) else {
        assert!(!in_ci(), "CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)");
        eprintln!("note: chromium or chromedriver not installed; browser test NOT RUN");
        return;
    };
    let srv = TestServer::start(Backend::Sqlite, "browser").await.unwrap();
    let logins = srv.seed_demo().await;
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
    let c = client.expect("chromedriver did not start");
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
