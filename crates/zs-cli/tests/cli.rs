//! The `zhengshu` binary end to end: demo data, catalogue export and search, and a GB18030 CSV
//! hand-in with a rejected row and the error-rate policy.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

fn zhengshu(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengshu"))
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap()])
        .env("ZS_LOG_LEVEL", "warn")
        .env_remove("ZS_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_catalogue_and_gb18030_hand_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("city");
    let (ok, out, err) = zhengshu(&dir, &["demo", "--no-serve", "--people", "2000"]);
    assert!(ok, "{err}");
    assert!(out.contains("operator") && out.contains("auditor"), "{out}");

    let (ok, out, err) = zhengshu(&dir, &["catalogue", "search", "人口", "--limit", "3"]);
    assert!(ok, "{err}");
    assert!(out.contains("101001000/000001  人口基础信息"), "{out}");
    let xlsx = tmp.path().join("一本账.xlsx");
    let (ok, out, err) = zhengshu(&dir, &["catalogue", "export", "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    assert!(ok && out.contains("exported 389 entries"), "{out}{err}");
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 50_000);

    // A GB18030 file with Chinese headers; the third row has an impossible date.
    let csv = "公民身份号码,姓名,性别,出生日期,民族,住址,联系电话,户籍地址,户号\n\
               11010519491231002X,张三,2,1949-12-31,汉族,城东区八一路1号,13800000000,城东区,A001\n\
               630102199001011235,李四,1,1990-01-01,回族,城中区五四大街2号,13900000000,城中区,A002\n\
               63010219900101345X,王五,1,1990-13-01,汉族,城西区,13700000000,城西区,A003\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(csv);
    let file = tmp.path().join("people.csv");
    std::fs::write(&file, &bytes).unwrap();
    let rejects = tmp.path().join("rejects.csv");
    let f = file.to_str().unwrap();
    let (ok, _, err) =
        zhengshu(&dir, &["ingest", f, "--resource", "101001000/000001", "--as", "steward", "--max-error-rate", "0.2"]);
    assert!(!ok && err.contains("nothing was committed"), "{err}");
    let (ok, out, err) = zhengshu(
        &dir,
        &["ingest", f, "--resource", "101001000/000001", "--as", "steward", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    // Version 1 is the demo base library; the hand-in appends version 2.
    assert!(out.contains("version 2: 3 rows read, 2 written, 1 rejected"), "{out}");
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert!(rejected.contains("birth_date") && !rejected.contains("1990-13-01"), "masked (L3): {rejected}");
    assert!(rejected.starts_with("\u{feff}行号,文件行,数据项,值,原因"), "{rejected}");
    // Only the providing department's steward hands in.
    let (ok, _, err) = zhengshu(&dir, &["ingest", f, "--resource", "101001000/000001", "--as", "datauser"]);
    assert!(!ok && err.contains("only data stewards"), "{err}");
}
