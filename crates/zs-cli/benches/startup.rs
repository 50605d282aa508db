//! Startup bench: cold start of `zhengshu demo` (empty data directory: migrations and the demo
//! seed) and warm start (existing data), time until `/readyz` answers, and the idle server's
//! resident memory. Targets (issue #2, for later): under 2 s to ready, under 100 MB idle.
//!
//! Run with `cargo bench -p zs-cli --bench startup`.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200")
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn run_once(dir: &std::path::Path, label: &str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhengshu"))
        .args(["demo", "--data-dir"])
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("ZS_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start zhengshu");
    while !ready(port) {
        assert!(start.elapsed() < Duration::from_secs(60), "server not ready after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let to_ready = start.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let idle = rss_mb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    println!("{label:<34} ready in {:>7.1} ms   idle RSS {:>6.1} MB", to_ready.as_secs_f64() * 1000.0, idle);
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    println!("zhengshu startup (demo city, SQLite)");
    run_once(&data, "cold (migrate + seed demo city)");
    run_once(&data, "warm (existing data directory)");
    run_once(&data, "warm again");
}
