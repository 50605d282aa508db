//! A real S3-compatible server for tests: `s3s-fs` (a file-system-backed S3 server from
//! crates.io) started on a loopback port with one bucket, stopped on drop. Shared by the
//! zs-tables and zs-query S3 tests (included with `#[path]`).
//!
//! The binary is found through `ZS_S3S_FS`, then `$HOME/.cache/s3s-fs/bin/s3s-fs` (where
//! `.ci/run` installs it), then `PATH`. Without it a test fails under CI=true and is reported as
//! not run otherwise.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zs_tables::{ObjectRoot, S3Settings};

pub const BUCKET: &str = "zs-tables";
const KEY_ID: &str = "zs-test-key";
const SECRET: &str = "zs-test-secret-0123456789";

/// A running `s3s-fs` server with one bucket, stopped on drop.
pub struct S3Server {
    child: Child,
    pub port: u16,
    pub root: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZS_S3S_FS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/s3s-fs/bin/s3s-fs"));
    if let Some(p) = home.filter(|p| p.is_file()) {
        return Some(p);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("s3s-fs")).find(|p| p.is_file()))
}

/// Start a server, or `None` (test not run) when the binary is missing outside CI.
pub fn server(test: &str) -> Option<S3Server> {
    let Some(bin) = s3s_fs_binary() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "CI=true but the s3s-fs S3 server is not installed: {test} must run against it");
        eprintln!("note: s3s-fs not found (set ZS_S3S_FS or run .ci/run's install step); {test} NOT RUN");
        return None;
    };
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join(BUCKET)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", KEY_ID, "--secret-key", SECRET])
        .arg(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let s = S3Server { child, port, root };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "s3s-fs did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(s)
}

impl S3Server {
    pub fn settings(&self, prefix: &str) -> S3Settings {
        S3Settings {
            bucket: BUCKET.into(),
            endpoint: format!("http://127.0.0.1:{}", self.port),
            region: String::new(),
            prefix: prefix.into(),
            allow_http: true,
            access_key_id: KEY_ID.into(),
            secret_access_key: SECRET.into(),
        }
    }

    pub fn root(&self, prefix: &str) -> ObjectRoot {
        ObjectRoot::s3(&self.settings(prefix)).unwrap()
    }

    /// Names under `<prefix>/<table>/<sub>/` as the server stores them (the bucket's folder).
    pub fn files(&self, rel: &str) -> Vec<String> {
        let dir = self.root.path().join(BUCKET).join(rel);
        let mut out: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(d) => d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        };
        out.sort();
        out
    }
}
