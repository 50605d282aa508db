//! Catalogue bench against the real store: 100,000 entries in SQLite, then the search index
//! rebuilt *from the store* (read every entry with its shown version, parse, index) as the server
//! does at start, then search latency on that index. Target (issue #3): rebuild under 30 s,
//! search p99 under 10 ms. `ZS_BENCH_ENTRIES` overrides the count.
//!
//! Run with `cargo bench -p zs-cli --bench catalogue`.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};
use zs_catalog::classification::prefix;
use zs_catalog::*;
use zs_catalog_search::{Filters, SearchQuery, Visibility};
use zs_meta::catalog::NewEntry;

const SUBJECTS: &[&str] = &[
    "人口",
    "法人",
    "企业",
    "不动产",
    "社保",
    "医保",
    "车辆",
    "学校",
    "医院",
    "道路",
    "河流",
    "税务",
    "信用",
    "住房",
    "就业",
];
const KINDS: &[&str] =
    &["基础信息", "登记信息", "许可信息", "处罚信息", "统计数据", "监测数据", "年报信息", "变更记录"];
const LABELS: &[&str] =
    &["统一社会信用代码", "公民身份号码", "姓名", "营业执照编号", "地址", "联系电话", "发证日期", "金额", "状态"];

fn body(i: usize) -> EntryBody {
    let subject = SUBJECTS[i % SUBJECTS.len()];
    let kind = KINDS[(i / SUBJECTS.len()) % KINDS.len()];
    let items = (0..4)
        .map(|k| DataItem {
            name: format!("f{k}"),
            label: LABELS[(i + k) % LABELS.len()].to_owned(),
            data_type: DataType::String,
            length: Some(64),
            key: k == 0,
            element: None,
            security_level: [SecurityLevel::L1, SecurityLevel::L2, SecurityLevel::L3][(i + k) % 3],
            sharing: SharingKind::Conditional,
            open: OpenKind::None,
        })
        .collect();
    EntryBody {
        name: format!("{subject}{kind}第{i}号"),
        summary: format!("{subject}相关的{kind}，用于跨部门共享与政务服务"),
        classification: Classification {
            class: ResourceClass::Department,
            item: 1 + (i % 2) as u8,
            category: 1 + (i % 200) as u16,
            subcategory: 0,
        },
        format: Format { kind: FormatKind::Table, detail: "PostgreSQL".into() },
        items,
        sharing: Sharing {
            kind: SharingKind::Conditional,
            conditions: Some("依职责申请".into()),
            legal_basis: None,
            method: SharingMethod::Api,
        },
        open: Openness { kind: OpenKind::None, conditions: None },
        update_cycle: UpdateCycle::ALL[i % UpdateCycle::ALL.len()],
        related: vec![],
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::var("ZS_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let config =
            zs_config::Config { data_dir: dir.path().to_owned(), mode: zs_config::Mode::Demo, ..Default::default() };
        let store = zs_server::open_store(&config).await.unwrap();
        let state = zs_server::state(config, store.clone(), zs_server::system_clock()).unwrap();
        zs_identity::seed::demo_city(&state.identity, &|_| {}).await.unwrap();
        let depts: Vec<i64> = store
            .list_orgs("/")
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.kind == zs_types::model::OrgKind::Department)
            .map(|o| o.id.0)
            .collect();
        let t = Instant::now();
        for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
            let batch = chunk
                .iter()
                .map(|&i| {
                    let b = body(i);
                    NewEntry {
                        prefix: prefix(&b.classification),
                        org_id: depts[i % depts.len()],
                        name: b.name.clone(),
                        body: serde_json::to_string(&b).unwrap(),
                        actor_id: 1,
                        at: 1_780_000_000_000,
                        reason: None,
                    }
                })
                .collect();
            store.create_entries(batch).await.unwrap();
        }
        println!("catalogue bench: {n} entries, SQLite store, {} departments", depts.len());
        println!("  load into the store          {:>8.1} s", t.elapsed().as_secs_f64());

        let t = Instant::now();
        let entries = state.catalog.all_entries().await.unwrap();
        let read = t.elapsed();
        let index = state.search.clone();
        let count = tokio::task::spawn_blocking(move || index.rebuild(&entries).unwrap()).await.unwrap();
        let total = t.elapsed();
        println!("  read entries from the store  {:>8.2} s", read.as_secs_f64());
        println!("  rebuild from the store       {:>8.2} s  ({count} documents; target < 30 s)", total.as_secs_f64());

        let vis = Visibility::scope("/");
        let mut times = Vec::new();
        for i in 0..1000 {
            let mut q = SearchQuery::text(SUBJECTS[i % SUBJECTS.len()]);
            if i % 3 == 1 {
                q.filters = Filters { update_cycle: Some(UpdateCycle::Daily), ..Filters::default() };
            } else if i % 3 == 2 {
                q.text = String::new();
                q.filters = Filters { org_id: Some(depts[i % depts.len()]), ..Filters::default() };
            }
            let t = Instant::now();
            let r = state.search.search(&q, &vis).unwrap();
            times.push(t.elapsed());
            assert!(r.total > 0);
        }
        times.sort();
        println!(
            "  search (1,000 mixed queries) p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (target p99 < 10 ms)",
            pct(&times, 0.5),
            pct(&times, 0.99),
            pct(&times, 1.0)
        );
    });
}
