//! An evidence bundle (证据包) exported over HTTP from a real server verifies with the real
//! `zhengshu audit verify --bundle` on its own (as on another machine), and fails once one byte of
//! it changes; on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

use std::process::Command;
use zs_testkit::{on_backends, Backend, TestServer};

const BIN: &str = env!("CARGO_BIN_EXE_zhengshu");
const CODE: &str = "101001000/000001";

on_backends!(bundle_over_http_verifies_with_the_cli_and_fails_after_tampering);

fn verify(file: &std::path::Path, key: &str) -> (bool, String) {
    let out = Command::new(BIN).args(["audit", "verify", "--key", key, "--bundle"]).arg(file).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn bundle_over_http_verifies_with_the_cli_and_fails_after_tampering(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "evidence_cli").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let auditor = srv.login("auditor", TestServer::password_of(&logins, "auditor")).await.unwrap();
    let (s, cp) = srv.get("/api/v1/ledger/checkpoint", Some(&auditor)).await.unwrap();
    assert_eq!(s, 200, "{cp}");
    let key = cp["log_key"].as_str().unwrap().to_owned();

    let r = TestServer::client()
        .get(format!("{}/api/v1/trace/resources/{CODE}?format=bundle", srv.url))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bundle = r.text().await.unwrap();
    drop(srv);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evidence.json");
    std::fs::write(&file, &bundle).unwrap();
    let (ok, out) = verify(&file, &key);
    assert!(ok, "{out}");
    assert!(out.contains("key from pinned") && out.trim_end().ends_with("OK"), "{out}");
    let proven: usize =
        out.lines().find_map(|l| l.strip_prefix("proven     ")).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(proven >= 3, "the entry's creation, submission and approval: {out}");

    // One byte of a record's entry (a hex digit of its detail hash) changed.
    let at = bundle.find("\\\"detail\\\":\\\"").unwrap() + 13;
    let mut bytes = bundle.clone().into_bytes();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&file, &bytes).unwrap();
    let (ok, out) = verify(&file, &key);
    assert!(!ok && out.contains("not in the signed log") && out.trim_end().ends_with("FAILED"), "{out}");

    // The right bundle with another log's key fails too.
    std::fs::write(&file, &bundle).unwrap();
    let other = zs_ledger::note::Signer::generate(
        "zhengshu.local/ledger",
        zs_ledger::note::Algorithm::Sm2,
        zs_ledger::note::Role::Note,
    )
    .unwrap()
    .verifier()
    .to_key_string();
    let (ok, out) = verify(&file, &other);
    assert!(!ok && out.contains("checkpoint"), "{out}");
}
