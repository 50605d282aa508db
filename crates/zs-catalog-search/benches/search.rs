//! Benchmark: builds 100,000 realistic, deterministic catalogue entries, measures a full
//! rebuild, then the latency of ~2,000 mixed searches (text, text + filter, empty text with
//! facets, under several visibility scopes and sorts) and of single upserts. Run with
//! `cargo bench -p zs-catalog-search`; `ZS_BENCH_ENTRIES` overrides the entry count.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use zs_catalog::classification::{items_of, prefix, resource_code};
use zs_catalog::{
    Classification, DataItem, DataType, Entry, EntryBody, EntryStatus, Format, FormatKind, OpenKind, Openness,
    ResourceClass, SecurityLevel, Sharing, SharingKind, SharingMethod, UpdateCycle, ENTRY_SCHEMA,
};
use zs_catalog_search::{CatalogIndex, Filters, SearchQuery, Sort, Visibility};

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const AREAS: &[(&str, &str)] = &[
    ("西宁市", "/1/"),
    ("城东区", "/1/20/"),
    ("城中区", "/1/21/"),
    ("城西区", "/1/22/"),
    ("城北区", "/1/23/"),
    ("湟中区", "/1/24/"),
    ("大通回族土族自治县", "/1/25/"),
    ("湟源县", "/1/26/"),
];
const DEPARTMENTS: &[&str] = &[
    "公安局",
    "市场监督管理局",
    "自然资源和规划局",
    "人力资源和社会保障局",
    "卫生健康委员会",
    "民政局",
    "教育局",
    "住房和城乡建设局",
    "交通运输局",
    "生态环境局",
    "农业农村局",
    "财政局",
    "税务局",
    "应急管理局",
    "医疗保障局",
    "文化和旅游局",
    "水务局",
    "统计局",
    "司法局",
    "退役军人事务局",
];
const SUBJECTS: &[&str] = &[
    "人口",
    "户籍",
    "流动人口",
    "法人单位",
    "企业",
    "个体工商户",
    "社会组织",
    "不动产",
    "土地",
    "房屋",
    "社会保险",
    "养老保险",
    "医疗保险",
    "失业保险",
    "医疗机构",
    "医师",
    "药品",
    "食品经营",
    "学校",
    "学生",
    "教师",
    "道路",
    "桥梁",
    "公交线路",
    "出租汽车",
    "机动车",
    "驾驶人",
    "河湖",
    "水质",
    "空气质量",
    "污染源",
    "危险化学品",
    "安全生产",
    "低保",
    "特困人员",
    "残疾人",
    "退役军人",
    "住房公积金",
    "保障性住房",
    "建筑工程",
    "农村土地承包",
    "耕地",
    "林地",
    "行政许可",
    "行政处罚",
    "信用评价",
    "电子证照",
    "地名",
    "婚姻",
    "殡葬",
    "旅游景区",
    "文物",
    "税收",
    "财政预算",
];
const ACTIONS: &[&str] = &[
    "基础", "登记", "许可", "备案", "审批", "核查", "统计", "监测", "发放", "缴存", "变更", "注销", "年检", "评价",
    "巡查", "执法", "补贴", "申报", "认定", "普查",
];
const SUFFIXES: &[&str] = &["信息", "数据", "记录", "台账", "目录", "明细", "汇总"];
const PHRASES: &[&str] = &[
    "全市范围内",
    "按月更新的",
    "包括办理时间、办理结果和经办机构",
    "用于政务服务和监管",
    "依据相关法律法规采集",
    "涵盖城乡居民",
    "由业务系统实时同步",
    "支撑一网通办",
    "供跨部门共享核验",
    "历年累计",
];
const ITEMS: &[(&str, &str)] = &[
    ("id_number", "公民身份号码"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("address", "住址"),
    ("phone", "联系电话"),
    ("credit_code", "统一社会信用代码"),
    ("org_name", "单位名称"),
    ("legal_rep", "法定代表人"),
    ("license_no", "营业执照编号"),
    ("permit_no", "许可证编号"),
    ("valid_until", "有效期至"),
    ("issue_date", "发证日期"),
    ("issuer", "发证机关"),
    ("amount", "金额"),
    ("status", "状态"),
    ("location", "坐落"),
    ("area_sqm", "面积"),
    ("geom", "空间位置"),
    ("plate_no", "号牌号码"),
    ("school", "学校名称"),
    ("hospital", "医疗机构名称"),
    ("account", "个人账号"),
    ("remark", "备注"),
];

struct Org {
    id: i64,
    name: String,
    area: &'static str,
    path: String,
}

fn orgs() -> Vec<Org> {
    let mut out = Vec::new();
    for (a, (area, area_path)) in AREAS.iter().enumerate() {
        let prefix = if a == 0 { "西宁市".to_owned() } else { (*area).to_owned() };
        for (d, dept) in DEPARTMENTS.iter().enumerate() {
            let id = (a * 100 + d + 1) as i64;
            out.push(Org { id, name: format!("{prefix}{dept}"), area, path: format!("{area_path}{id}/") });
        }
    }
    out
}

fn generate(n: usize) -> (Vec<Entry>, Vec<Org>) {
    let orgs = orgs();
    let mut rng = Rng(20_260_101);
    let mut seq = std::collections::HashMap::<String, i64>::new();
    let entries = (0..n)
        .map(|i| {
            let org = rng.pick(&orgs);
            let class = *rng.pick(ResourceClass::ALL);
            let classification = Classification {
                class,
                item: 1 + rng.below(items_of(class).len()) as u8,
                category: 1 + rng.below(40) as u16,
                subcategory: if rng.chance(20) { 1 + rng.below(9) as u16 } else { 0 },
            };
            let p = prefix(&classification);
            let s = seq.entry(p.clone()).or_insert(0);
            *s += 1;
            let subject = rng.pick(SUBJECTS);
            let name = format!(
                "{}{}{}{}",
                subject,
                rng.pick(ACTIONS),
                rng.pick(SUFFIXES),
                if rng.chance(30) { format!("（{}）", i % 997) } else { String::new() }
            );
            let summary = format!(
                "{}{}{}的{}{}，{}。",
                rng.pick(PHRASES),
                org.name,
                subject,
                rng.pick(ACTIONS),
                rng.pick(SUFFIXES),
                rng.pick(PHRASES)
            );
            let n_items = 4 + rng.below(9);
            let items: Vec<DataItem> = (0..n_items)
                .map(|_| {
                    let (name, label) = rng.pick(ITEMS);
                    DataItem {
                        name: (*name).into(),
                        label: (*label).into(),
                        data_type: DataType::String,
                        length: Some(64),
                        key: false,
                        element: None,
                        security_level: *rng.pick(SecurityLevel::ALL),
                        sharing: SharingKind::Conditional,
                        open: OpenKind::None,
                    }
                })
                .collect();
            let status = match rng.below(100) {
                0..=84 => EntryStatus::Published,
                85..=89 => EntryStatus::Draft,
                90..=93 => EntryStatus::Submitted,
                94..=96 => EntryStatus::Returned,
                _ => EntryStatus::Withdrawn,
            };
            let body = EntryBody {
                name,
                summary,
                classification,
                format: Format {
                    kind: *rng.pick(FormatKind::ALL),
                    detail: rng.pick(&["MySQL", "XLSX", "REST/JSON", "Oracle", "CSV"]).to_string(),
                },
                sharing: Sharing {
                    kind: *rng.pick(SharingKind::ALL),
                    conditions: None,
                    legal_basis: None,
                    method: SharingMethod::Api,
                },
                open: Openness { kind: *rng.pick(OpenKind::ALL), conditions: None },
                update_cycle: *rng.pick(UpdateCycle::ALL),
                related: Vec::new(),
                items,
            };
            Entry {
                schema: ENTRY_SCHEMA.into(),
                id: i as i64 + 1,
                code: resource_code(&p, *s),
                org_id: org.id,
                provider: org.name.clone(),
                provider_code: format!("11630100MB{:08}", org.id),
                area: org.area.into(),
                owner_path: org.path.clone(),
                status,
                version: 1,
                published_version: (status == EntryStatus::Published).then_some(1),
                pending_version: (status != EntryStatus::Published).then_some(1),
                pending_withdrawal: false,
                security_level: body.security_level(),
                publish_date: Some("2026-01-05".into()),
                updated_at: format!(
                    "2026-{:02}-{:02}T{:02}:{:02}:00+08:00",
                    1 + rng.below(12),
                    1 + rng.below(28),
                    rng.below(24),
                    rng.below(60)
                ),
                body,
            }
        })
        .collect();
    (entries, orgs)
}

/// A query, who asks, and labels for the report (kind of query, kind of viewer).
type Case = (SearchQuery, Visibility, &'static str, &'static str);

fn queries(n: usize, orgs: &[Org], entries: &[Entry]) -> Vec<Case> {
    let mut rng = Rng(7);
    let extra_words =
        ["营业执照", "公民身份号码", "西宁", "城东区", "basic", "实时", "人口 登记", "不动产 坐落", "量子"];
    (0..n)
        .map(|i| {
            let (vis, viewer) = match rng.below(4) {
                0 => (Visibility::public(), "viewer:public"),
                1 => (Visibility::scope(rng.pick(orgs).path.clone()), "viewer:dept"),
                2 => (Visibility::scope(rng.pick(AREAS).1), "viewer:area"),
                _ => (Visibility::scope("/"), "viewer:city"),
            };
            let sort = *rng.pick(&[
                Sort::Relevance,
                Sort::Relevance,
                Sort::Relevance,
                Sort::Name,
                Sort::UpdatedDesc,
                Sort::Code,
            ]);
            let text = match rng.below(10) {
                0..=5 => rng.pick(SUBJECTS).to_string(),
                6 => format!("{}{}", rng.pick(SUBJECTS), rng.pick(ACTIONS)),
                7 => rng.pick(&extra_words).to_string(),
                8 => entries[rng.below(entries.len())].code.clone(),
                _ => format!("{} {}", rng.pick(SUBJECTS), rng.pick(ITEMS).1),
            };
            let mut filters = Filters::default();
            match rng.below(8) {
                0 => filters.org_id = Some(rng.pick(orgs).id),
                1 => filters.area = Some(rng.pick(AREAS).0.into()),
                2 => filters.class = Some(*rng.pick(ResourceClass::ALL)),
                3 => filters.classification = Some(format!("{}{:02}", 1 + rng.below(2), 1 + rng.below(2))),
                4 => filters.sharing = Some(*rng.pick(SharingKind::ALL)),
                5 => {
                    filters.update_cycle = Some(*rng.pick(UpdateCycle::ALL));
                    filters.status = Some(EntryStatus::Published);
                }
                _ => {}
            }
            let (text, filters, kind) = match i % 3 {
                0 => (text, Filters::default(), "text"),
                1 => (text, filters, "text+filter"),
                _ => (String::new(), filters, "empty+facets"),
            };
            (SearchQuery { text, filters, sort, offset: 20 * rng.below(3), limit: 20 }, vis, kind, viewer)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "  {label:<14} n={:<5} p50 {:>9}  p90 {:>9}  p99 {:>9}  max {:>9}",
        times.len(),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.90)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no such flag: keep that quick.
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("ZS_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(if full {
        100_000
    } else {
        2_000
    });
    let t = Instant::now();
    let (entries, orgs) = generate(n);
    println!("generated {n} entries from {} organisations in {:.2} s", orgs.len(), t.elapsed().as_secs_f64());

    let index = CatalogIndex::in_memory().unwrap();
    let t = Instant::now();
    index.rebuild(&entries).unwrap();
    println!("rebuild (in memory): {:.2} s", t.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().unwrap();
    let on_disk = CatalogIndex::open(dir.path()).unwrap();
    let t = Instant::now();
    on_disk.rebuild(&entries).unwrap();
    println!("rebuild (on disk):   {:.2} s", t.elapsed().as_secs_f64());
    drop(on_disk);

    let qs = queries(2_000, &orgs, &entries);
    for (q, vis, _, _) in qs.iter().take(200) {
        index.search(q, vis).unwrap();
    }
    let mut by_kind: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut all = Vec::new();
    let mut hits = 0usize;
    let mut relaxed = 0usize;
    for (q, vis, kind, viewer) in &qs {
        let t = Instant::now();
        let r = index.search(q, vis).unwrap();
        let d = t.elapsed();
        hits += r.total;
        relaxed += usize::from(r.relaxed);
        all.push(d);
        by_kind.entry(kind).or_default().push(d);
        by_kind.entry(viewer).or_default().push(d);
    }
    println!("search over {n} entries, {} queries (mean matches {}, {} relaxed):", qs.len(), hits / qs.len(), relaxed);
    report("all", all);
    for (kind, times) in by_kind {
        report(kind, times);
    }

    println!("representative queries (median of 50 runs):");
    let code = entries[n / 2].code.clone();
    let fixed: Vec<(&str, SearchQuery, Visibility)> = vec![
        ("browse all, public, facets", SearchQuery::default(), Visibility::public()),
        ("browse all, city scope", SearchQuery::default(), Visibility::scope("/")),
        ("browse all, by name", SearchQuery { sort: Sort::Name, ..SearchQuery::default() }, Visibility::public()),
        (
            "browse 类1 项01",
            SearchQuery {
                filters: Filters { classification: Some("101".into()), ..Filters::default() },
                ..SearchQuery::default()
            },
            Visibility::public(),
        ),
        ("text 人口", SearchQuery::text("人口"), Visibility::public()),
        ("text 信息 (common)", SearchQuery::text("信息"), Visibility::public()),
        ("text 营业执照", SearchQuery::text("营业执照"), Visibility::public()),
        ("text 社会保险 登记", SearchQuery::text("社会保险 登记"), Visibility::public()),
        ("text code", SearchQuery::text(code), Visibility::public()),
        ("text 量子 (none)", SearchQuery::text("量子计算"), Visibility::public()),
    ];
    for (label, q, vis) in &fixed {
        let mut times: Vec<Duration> = (0..50)
            .map(|_| {
                let t = Instant::now();
                index.search(q, vis).unwrap();
                t.elapsed()
            })
            .collect();
        times.sort();
        let total = index.search(q, vis).unwrap().total;
        println!("  {label:<28} {:>9}  ({total} matches)", ms(times[times.len() / 2]));
    }

    let mut upserts = Vec::new();
    for e in entries.iter().step_by((n / 50).max(1)).take(50) {
        let mut e = e.clone();
        e.body.name.push_str("（修订）");
        let t = Instant::now();
        index.upsert(&e).unwrap();
        upserts.push(t.elapsed());
    }
    println!("upsert (commit + reload), in memory:");
    report("upsert", upserts);
    let r = index.search(&SearchQuery::text("修订"), &Visibility::scope("/")).unwrap();
    assert_eq!(r.total, 50.min(n));
}
