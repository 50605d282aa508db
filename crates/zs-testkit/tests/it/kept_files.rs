//! Files kept beside resource tables, through the API on both stores: uploads waiting for their
//! hand-in, rejected-row reports and files delivered to consumers are encrypted at rest under
//! the resource's data key (no known value readable on disk), read back decrypted (a GB18030
//! CSV and an xlsx hand in the same rows; the report and the downloads are the plaintext, the
//! download's SHA-256 the recorded one), files written in clear before stay readable, and a
//! destruction deletes them all and leaves copies made before unreadable. With encryption
//! switched off everything works in clear.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(kept_files_encrypted_and_destroyed, kept_files_in_clear_without_encryption);

const CODE: &str = "101001000/000001";
const RES: &str = "/api/v1/resources/101001000/000001";
/// Two good rows and one rejected (an impossible birth date); values no file may show in clear.
const ROWS: [[&str; 4]; 3] = [
    ["630103198505051232", "欧阳修文", "1", "1985-05-05"],
    ["630102199001011235", "张三", "1", "1990-01-01"],
    ["630102199002021232", "李四", "2", "1990-13-01"],
];
const LABELS: [&str; 4] = ["公民身份号码", "姓名", "性别", "出生日期"];

fn csv_text() -> String {
    let mut s = format!("{}\n", LABELS.join(","));
    for r in ROWS {
        s.push_str(&format!("{}\n", r.join(",")));
    }
    s
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, l) in LABELS.iter().enumerate() {
        sheet.write_string(0, c as u16, *l).unwrap();
    }
    for (r, row) in ROWS.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn has(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Every file below `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(d) = std::fs::read_dir(dir) {
        for e in d {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn wait_job(srv: &TestServer, token: &str, id: i64) -> Value {
    for _ in 0..500 {
        let (_, j) = srv.get(&format!("/api/v1/jobs/{id}"), Some(token)).await.unwrap();
        if j["job"]["state"] == "succeeded" || j["job"]["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} did not end");
}

/// Upload a file and wait for its hand-in.
async fn upload(srv: &TestServer, token: &str, name: &str, mode: &str, body: Vec<u8>) -> Value {
    let url = format!("{RES}/uploads?file_name={name}&mode={mode}");
    let (s, job) = srv.post_raw(&url, Some(token), Some("application/octet-stream"), body).await.unwrap();
    assert_eq!(s, 202, "{job}");
    let done = wait_job(srv, token, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["job"]["state"], "succeeded", "{done}");
    done
}

async fn get_bytes(srv: &TestServer, path: &str, token: &str) -> (u16, Vec<u8>) {
    let r = TestServer::client().get(format!("{}{path}", srv.url)).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

/// A grant of the resource to the data user's department: ID numbers as a keyed hash, names
/// masked, sex as it is.
async fn grant(srv: &TestServer, steward: &str, user: &str) -> i64 {
    let until = (zs_types::Clock::now(srv.clock.as_ref()).date() + time::Duration::days(300)).to_string();
    let apply = json!({
        "code": CODE, "fields": ["id_number", "name", "sex"], "purpose": "核验", "scenario": "社会救助",
        "legal_basis": "《社会救助暂行办法》", "until": until, "calls_per_day": 50, "rows_per_day": 1000
    });
    let (s, a) = srv.post("/api/v1/share/applications", Some(user), &apply).await.unwrap();
    assert_eq!(s, 201, "{a}");
    let review = json!({ "decision": "grant", "fields": ["id_number", "name", "sex"],
        "masking": { "id_number": { "kind": "hash", "encoding": "hex", "length": 16 }, "name": { "kind": "name" }, "sex": { "kind": "none" } } });
    let (s, r) =
        srv.post(&format!("/api/v1/share/applications/{}/review", a["id"]), Some(steward), &review).await.unwrap();
    assert_eq!(s, 200, "{r}");
    r["grant_id"].as_i64().unwrap()
}

/// Queue a full delivery in `format` and wait for it.
async fn deliver(srv: &TestServer, token: &str, grant: i64, format: &str) -> Value {
    let url = format!("/api/v1/share/grants/{grant}/deliveries");
    let (s, d) = srv.post(&url, Some(token), &json!({ "kind": "full", "format": format })).await.unwrap();
    assert_eq!(s, 202, "{d}");
    for _ in 0..500 {
        let (_, d) = srv.get(&format!("{url}/{}", d["id"]), Some(token)).await.unwrap();
        if d["state"] == "succeeded" || d["state"] == "failed" {
            assert_eq!(d["state"], "succeeded", "{d}");
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("delivery {d} did not end");
}

/// The delivered file of `d` in the download areas.
fn delivered_file(srv: &TestServer, d: &Value) -> PathBuf {
    let name = d["file_name"].as_str().unwrap();
    let all = files_under(&srv.state.config.data_dir.join("share").join("downloads"));
    all.into_iter().find(|p| p.file_name().unwrap() == name).unwrap_or_else(|| panic!("{name} not on disk"))
}

/// Ask for and approve the destruction of the whole resource; returns its certificate.
async fn destroy(srv: &TestServer, steward: &str, secadmin: &str) -> Value {
    let (s, d) = srv
        .post(&format!("{RES}/destructions"), Some(steward), &json!({"reason": "依法停止收集，全部销毁"}))
        .await
        .unwrap();
    assert_eq!(s, 201, "{d}");
    let (s, done) =
        srv.post(&format!("/api/v1/destructions/{}/approve", d["id"]), Some(secadmin), &json!({})).await.unwrap();
    assert_eq!(s, 200, "{done}");
    done["certificate"].clone()
}

async fn kept_files_encrypted_and_destroyed(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "kept_files").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let user = srv.login("datauser", &pw("datauser")).await.unwrap();
    let secadmin = srv.login("secadmin", &pw("secadmin")).await.unwrap();
    let data = srv.state.config.data_dir.clone();
    let files = srv.state.ingest.file_opener();
    let scope = CODE.replace('/', "_");
    let copies = tempfile::tempdir().unwrap();

    // An upload is stored encrypted under the resource's key as it streams in: nothing of it
    // readable on disk, its plaintext read back whole. (This one stays pending.)
    let csv = gb18030(&csv_text());
    let pending = zs_http::save_body(&srv.state, axum::body::Body::from(csv.clone()), "人口.csv", CODE).await.unwrap();
    assert!(pending.starts_with(data.join("uploads").join(&scope)), "{}", pending.display());
    let raw = std::fs::read(&pending).unwrap();
    assert!(raw.starts_with(b"ZSEF"), "an upload in clear");
    for v in ["630103198505051232", "1985-05-05", "1990-13-01"] {
        assert!(!has(&raw, v), "{v} readable in the stored upload");
    }
    assert_eq!(files.read_all(&pending).unwrap(), csv);
    std::fs::copy(&pending, copies.path().join("upload")).unwrap();

    // A GB18030 CSV (no BOM, detected) and the same rows as xlsx hand in the same version; each
    // upload is deleted once handed in.
    let v1 = upload(&srv, &steward, "人口.csv", "replace", csv.clone()).await;
    let v2 = upload(&srv, &steward, "人口.xlsx", "replace", xlsx()).await;
    for (done, version) in [(&v1, 1), (&v2, 2)] {
        let h = &done["hand_in"];
        assert_eq!(
            (h["version"].as_i64(), h["rows_written"].as_i64(), h["rows_rejected"].as_i64()),
            (Some(version), Some(2), Some(1)),
            "{h}"
        );
    }
    let (s, rows1) = srv.get(&format!("{RES}/rows?version=1"), Some(&steward)).await.unwrap();
    assert_eq!(s, 200, "{rows1}");
    let (_, rows2) = srv.get(&format!("{RES}/rows?version=2"), Some(&steward)).await.unwrap();
    assert_eq!(rows1["rows"], rows2["rows"], "the CSV and the xlsx hold the same rows");
    assert_eq!(rows1["total_rows"], 2);
    let mut ids: Vec<&str> =
        rows1["rows"].as_array().unwrap().iter().map(|r| r["id_number"].as_str().unwrap()).collect();
    ids.sort_by_key(|id| id.chars().last());
    assert!(ids.len() == 2 && ids[0].ends_with("32") && ids[1].ends_with("35"), "{rows1}");
    assert_eq!(files_under(&data.join("uploads")), vec![pending.clone()], "handed-in uploads are deleted");

    // The rejected rows: encrypted on disk; the report is their plaintext, as CSV and Excel.
    let h1 = srv.store.get_hand_in(v1["hand_in"]["id"].as_i64().unwrap()).await.unwrap().unwrap();
    let rejects = data.join(h1.rejects_file.as_deref().unwrap());
    assert!(rejects.starts_with(data.join("rejects").join(&scope)));
    let raw = std::fs::read(&rejects).unwrap();
    assert!(raw.starts_with(b"ZSEF") && !has(&raw, "数据项") && !has(&raw, "birth_date"), "rejected rows in clear");
    let report = format!("/api/v1/hand-ins/{}/rejects", h1.id);
    let (s, body) = get_bytes(&srv, &report, &steward).await;
    assert_eq!(s, 200);
    assert_eq!(body, files.read_all(&rejects).unwrap());
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.starts_with("\u{feff}行号,文件行,数据项,值,原因\n"), "{text}");
    assert!(text.contains("birth_date") && !text.contains("1990-13-01"), "one masked rejected row: {text}");
    let (s, book) = get_bytes(&srv, &format!("{report}?format=xlsx"), &steward).await;
    assert_eq!((s, book.starts_with(b"PK")), (200, true));
    std::fs::copy(&rejects, copies.path().join("rejects")).unwrap();
    // A report written in clear before encryption was switched on is served as it is.
    std::fs::write(&rejects, &body).unwrap();
    assert_eq!(get_bytes(&srv, &report, &steward).await, (200, body.clone()));
    std::fs::write(&rejects, &raw).unwrap();

    // Deliveries as CSV, Parquet and xlsx: encrypted at rest; the download is the plaintext
    // whose SHA-256 and size the delivery recorded.
    let grant = grant(&srv, &steward, &user).await;
    for (format, magic) in [("csv", &b"id_number"[..]), ("parquet", &b"PAR1"[..]), ("xlsx", &b"PK"[..])] {
        let d = deliver(&srv, &user, grant, format).await;
        assert_eq!(d["rows"], 2, "{d}");
        let stored = std::fs::read(delivered_file(&srv, &d)).unwrap();
        assert!(stored.starts_with(b"ZSEF"), "a {format} delivery in clear");
        assert!(!has(&stored, "id_number"), "the {format} header readable on disk");
        let (s, body) = get_bytes(&srv, d["download"].as_str().unwrap(), &user).await;
        assert_eq!(s, 200);
        assert!(body.starts_with(magic), "{format}");
        assert_eq!(d["digest"].as_str().unwrap(), sha(&body), "{format}");
        assert_eq!(d["bytes"].as_u64(), Some(body.len() as u64), "{format}");
        if format == "csv" {
            let path = delivered_file(&srv, &d);
            std::fs::copy(&path, copies.path().join("delivery")).unwrap();
            // A file delivered in clear before is downloaded as it is.
            std::fs::write(&path, &body).unwrap();
            assert_eq!(get_bytes(&srv, d["download"].as_str().unwrap(), &user).await, (200, body.clone()));
            std::fs::write(&path, &stored).unwrap();
        }
    }
    let delivery = deliver(&srv, &user, grant, "csv").await;

    // Destroying the resource deletes its pending upload, rejected rows and delivered files
    // with its data; reading them fails as destroyed, and copies made before stay unreadable.
    let cert = destroy(&srv, &steward, &secadmin).await;
    assert!(cert["other_files_deleted"].as_u64().unwrap() >= 7, "1 upload, 2 reports, 4 deliveries: {cert}");
    assert!(files_under(&data.join("uploads").join(&scope)).is_empty());
    assert!(files_under(&data.join("rejects").join(&scope)).is_empty());
    let left: Vec<PathBuf> = files_under(&data.join("share").join("downloads"));
    assert!(left.is_empty(), "delivered files left: {left:?}");
    let (s, e) = srv.get(&report, Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
    let (s, e) = srv.get(delivery["download"].as_str().unwrap(), Some(&user)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
    for copy in ["upload", "rejects", "delivery"] {
        let e = files.open(&copies.path().join(copy)).unwrap_err();
        assert_eq!(e.code, zs_types::ErrorCode::DataDestroyed, "{copy}: {e:?}");
    }
    // No upload is taken for it any more.
    let (s, e) =
        srv.post_raw(&format!("{RES}/uploads?file_name=p.csv"), Some(&steward), Some("text/csv"), csv).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
}

async fn kept_files_in_clear_without_encryption(backend: Backend) {
    let Some(srv) = TestServer::start_with(backend, "kept_files_clear", |c| c.encryption = false).await else {
        return;
    };
    let logins = srv.seed_demo_catalogue().await;
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();
    let user = srv.login("datauser", &pw("datauser")).await.unwrap();
    let secadmin = srv.login("secadmin", &pw("secadmin")).await.unwrap();
    let data = srv.state.config.data_dir.clone();

    let csv = gb18030(&csv_text());
    let pending = zs_http::save_body(&srv.state, axum::body::Body::from(csv.clone()), "p.csv", CODE).await.unwrap();
    assert_eq!(std::fs::read(&pending).unwrap(), csv, "stored as sent");
    let done = upload(&srv, &steward, "人口.csv", "append", csv).await;
    assert_eq!(done["hand_in"]["rows_written"], 2, "{done}");
    let h = srv.store.get_hand_in(done["hand_in"]["id"].as_i64().unwrap()).await.unwrap().unwrap();
    let rejects = data.join(h.rejects_file.as_deref().unwrap());
    let raw = std::fs::read(&rejects).unwrap();
    assert!(has(&raw, "数据项"), "in clear");
    let report = format!("/api/v1/hand-ins/{}/rejects", h.id);
    assert_eq!(get_bytes(&srv, &report, &steward).await, (200, raw));

    let grant = grant(&srv, &steward, &user).await;
    let d = deliver(&srv, &user, grant, "csv").await;
    let stored = std::fs::read(delivered_file(&srv, &d)).unwrap();
    let (s, body) = get_bytes(&srv, d["download"].as_str().unwrap(), &user).await;
    assert_eq!((s, &body), (200, &stored), "the delivered file is the download");
    assert_eq!(d["digest"].as_str().unwrap(), sha(&body));

    let cert = destroy(&srv, &steward, &secadmin).await;
    assert_eq!(cert["encrypted"], false, "{cert}");
    assert!(cert["other_files_deleted"].as_u64().unwrap() >= 3, "{cert}");
    assert!(!pending.exists() && !rejects.exists());
    let (s, e) = srv.get(&report, Some(&steward)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
    let (s, e) = srv.get(d["download"].as_str().unwrap(), Some(&user)).await.unwrap();
    assert_eq!((s, e["code"].as_str()), (410, Some("data_destroyed")), "{e}");
}
