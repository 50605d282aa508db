//! Crash safety of a hand-in, with real processes: the server is killed (SIGKILL) while a large
//! upload is being checked and written; after a restart the last committed version is intact,
//! no half-version is visible, and the interrupted job is queued again and completes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RES: &str = "/api/v1/resources/101001000/000001";

/// Start `zhengshu demo` serving on a free port; returns the child, the URL and the steward's password.
fn serve(dir: &std::path::Path) -> (Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhengshu"))
        .args(["demo", "--people", "1000", "--listen", "127.0.0.1:0", "--data-dir", dir.to_str().unwrap()])
        .env("ZS_LOG_LEVEL", "warn")
        .env_remove("ZS_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut password) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("Open ") {
            url = rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.first() == Some(&"steward") {
            password = cols[1].to_owned();
        }
        if line.contains("Press Ctrl-C") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    assert!(!url.is_empty() && !password.is_empty(), "demo did not print its address and logins");
    (child, url, password)
}

async fn login(c: &reqwest::Client, url: &str, password: &str) -> String {
    let r: serde_json::Value = c
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "steward", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

async fn get(c: &reqwest::Client, url: &str, token: &str, path: &str) -> serde_json::Value {
    c.get(format!("{url}{path}")).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_a_hand_in_keeps_the_last_version_and_resumes_the_job() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("city");
    // A large valid file: the hand-in takes long enough to be cut off in the middle.
    let file = tmp.path().join("people.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(w, "公民身份号码,姓名,性别,出生日期").unwrap();
    let people = zs_demodata::population(99, 400_000);
    for p in people {
        writeln!(w, "{},{},{},{}", p.id_number, p.name, p.sex, p.birth_date).unwrap();
    }
    drop(w);
    let body = std::fs::read(&file).unwrap();

    let c = reqwest::Client::new();
    let (mut child, url, password) = serve(&dir);
    let token = login(&c, &url, &password).await;
    let before = get(&c, &url, &token, RES).await;
    let v1 = before["current"]["version"].as_i64().expect("the demo base library is version 1");
    let rows1 = before["current"]["rows"].as_i64().unwrap();
    let r = c
        .post(format!("{url}{RES}/uploads?file_name=people.csv&mode=append"))
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let job: serde_json::Value = r.json().await.unwrap();
    let id = job["id"].as_i64().unwrap();
    // Kill the server as soon as the job is running.
    let start = Instant::now();
    loop {
        let j = get(&c, &url, &token, &format!("/api/v1/jobs/{id}")).await;
        assert_ne!(j["job"]["state"], "succeeded", "the job ended before it could be interrupted; use a larger file");
        if j["job"]["state"] == "running" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the job never started: {j}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    // Restart: the committed version is intact; the job is queued again and completes.
    let (mut child, url, password) = serve(&dir);
    let token = login(&c, &url, &password).await;
    let start = Instant::now();
    let done = loop {
        let j = get(&c, &url, &token, &format!("/api/v1/jobs/{id}")).await;
        if j["job"]["state"] == "succeeded" || j["job"]["state"] == "failed" {
            break j;
        }
        // Only whole versions are ever visible: the old one, or the new one with every row.
        let now = get(&c, &url, &token, RES).await;
        let (v, rows) = (now["current"]["version"].as_i64(), now["current"]["rows"].as_i64());
        assert!(
            (v, rows) == (Some(v1), Some(rows1)) || (v, rows) == (Some(v1 + 1), Some(rows1 + 400_000)),
            "no half-version while the job reruns: {now}"
        );
        assert!(start.elapsed() < Duration::from_secs(300), "the job did not finish after the restart: {j}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    assert_eq!(done["job"]["attempts"], 2, "claimed once before the kill and once after: {done}");
    let after = get(&c, &url, &token, RES).await;
    assert_eq!(after["current"]["version"].as_i64(), Some(v1 + 1), "{after}");
    assert_eq!(after["current"]["rows"].as_i64(), Some(rows1 + 400_000));
    let hand_ins = get(&c, &url, &token, &format!("{RES}/hand-ins")).await;
    let committed =
        hand_ins.as_array().unwrap().iter().filter(|h| h["job_id"] == id && h["outcome"] == "committed").count();
    assert_eq!(committed, 1, "the job committed exactly once: {hand_ins}");
    child.kill().unwrap();
    child.wait().unwrap();
}
