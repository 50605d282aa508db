//! Integration tests of the catalogue search index over a realistic fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixture;

use fixture::*;
use zs_catalog::{EntryStatus, FormatKind, OpenKind, ResourceClass, SecurityLevel, SharingKind, UpdateCycle};
use zs_catalog_search::{count_of, CatalogIndex, Filters, SearchQuery, SearchResults, Sort, Visibility};
use zs_types::ErrorCode;

fn index() -> CatalogIndex {
    let index = CatalogIndex::in_memory().unwrap();
    assert_eq!(index.rebuild(&entries()).unwrap(), 30);
    index
}

fn public() -> Visibility {
    Visibility::public()
}

fn ids(r: &SearchResults) -> Vec<i64> {
    r.hits.iter().map(|h| h.id).collect()
}

fn search(index: &CatalogIndex, text: &str) -> SearchResults {
    index.search(&SearchQuery::text(text), &public()).unwrap()
}

const PUBLISHED: usize = 25;

#[test]
fn relevance_table() {
    let index = index();
    // (query, ids that must be the first hits, in any order)
    let table: &[(&str, &[i64])] = &[
        ("人口", &[1]),
        ("人口基础信息", &[1]),
        ("人口 基础", &[1]),
        ("流动人口", &[2]),
        ("法人单位", &[3]),
        ("法人", &[3]),
        ("营业执照", &[4]),
        ("执照", &[4]),
        ("不动产", &[6]),
        ("不动产登记", &[6]),
        ("空间地理", &[7]),
        ("地理", &[7]),
        ("国土空间规划", &[8]),
        ("社会保险", &[9]),
        ("参保", &[9]),
        ("养老保险", &[10]),
        ("医疗机构", &[12]),
        ("执业许可", &[12]),
        ("医师", &[13]),
        ("低保", &[15]),
        ("最低生活保障", &[15]),
        ("婚姻登记", &[16]),
        ("公积金", &[20, 21]),
        ("住房公积金贷款", &[21]),
        ("信用评价", &[22]),
        ("行政处罚", &[23]),
        ("电子证照", &[24]),
        ("食品经营许可", &[25]),
        ("驾驶证", &[26]),
        ("空气质量", &[29]),
        ("PM2.5", &[29]),
        ("pm10", &[29]),
        ("统一社会信用代码", &[3]),
        ("诊疗科目", &[12]),
        ("license_no", &[4, 12]),
        ("西宁市住房公积金管理中心", &[20, 21]),
        ("城西区", &[5]),
        ("Shapefile", &[7]),
        ("１０１００１０００/０００００１", &[1]),
    ];
    let mut failures = Vec::new();
    for (q, expected) in table {
        let r = search(&index, q);
        let top: Vec<i64> = ids(&r).into_iter().take(expected.len()).collect();
        let mut sorted = top.clone();
        sorted.sort_unstable();
        let mut want = expected.to_vec();
        want.sort_unstable();
        if sorted != want {
            let names: Vec<_> = r.hits.iter().take(5).map(|h| (h.id, h.name.clone(), h.score)).collect();
            failures.push(format!("{q:?}: expected {expected:?} first, got {names:?}"));
        }
    }
    assert!(failures.is_empty(), "relevance failures:\n{}", failures.join("\n"));
}

#[test]
fn item_labels_find_entries_whose_name_does_not_say_so() {
    let index = index();
    let r = search(&index, "营业执照");
    assert!(ids(&r).contains(&4), "{r:?}");
    assert!(!r.hits[0].name.contains("营业执照"));
    assert!(r.hits[0].score > 0.0);
    // A word from the data items (公民身份号码) finds every entry that has it.
    let r = search(&index, "公民身份号码");
    let mut found = ids(&r);
    found.sort_unstable();
    assert_eq!(found, [1, 2, 9, 15]);
}

#[test]
fn exact_code_finds_the_entry() {
    let index = index();
    let all = entries();
    for e in all.iter().filter(|e| e.status == EntryStatus::Published) {
        let r = search(&index, &e.code);
        assert_eq!(r.hits.first().map(|h| h.id), Some(e.id), "code {}", e.code);
        assert_eq!(r.hits[0].code, e.code);
    }
    // The sequence part alone is a word too.
    let r = search(&index, "000006");
    assert_eq!(ids(&r), [6]);
}

#[test]
fn english_labels_are_searchable() {
    let index = index();
    let r = search(&index, "basic resources");
    let basic_published = entries()
        .iter()
        .filter(|e| e.body.classification.class == ResourceClass::Basic && e.status == EntryStatus::Published)
        .count();
    assert_eq!(r.total, basic_published);
    let r = search(&index, "Real time");
    assert_eq!(ids(&r), [29]);
}

#[test]
fn every_word_is_required_but_a_query_with_no_full_match_falls_back_to_any_word() {
    let index = index();
    // 人口 and 驾驶 never occur together: the strict query finds nothing, the relaxed one both.
    let r = search(&index, "人口 驾驶证");
    assert!(r.relaxed && ids(&r).contains(&1) && ids(&r).contains(&26), "{r:?}");
    // Both words in one entry: only it.
    let r = search(&index, "不动产 权利人");
    assert_eq!(ids(&r), [6]);
    assert!(!r.relaxed);
    // A single-character word is optional when there are others.
    let r = search(&index, "人口的信息");
    assert_eq!(r.hits[0].id, 1);
    // Nothing at all.
    assert_eq!(search(&index, "量子计算机").total, 0);
}

#[test]
fn visibility_hides_other_departments_drafts() {
    let index = index();
    let all = SearchQuery { limit: 100, ..SearchQuery::default() };
    // The public sees published entries only.
    let r = index.search(&all, &public()).unwrap();
    assert_eq!(r.total, PUBLISHED);
    assert!(r.hits.iter().all(|h| h.status == EntryStatus::Published));
    // 城东区民政局 sees its own draft and submission, not the 公安局 draft.
    let r = index.search(&all, &Visibility::scope("/1/20/21/")).unwrap();
    assert_eq!(r.total, PUBLISHED + 2);
    assert!(ids(&r).contains(&18) && ids(&r).contains(&19) && !ids(&r).contains(&27));
    // The 城东区 area scope covers its departments.
    let r = index.search(&all, &Visibility::scope("/1/20/")).unwrap();
    assert_eq!(r.total, PUBLISHED + 2);
    // 公安局 (/1/2/) sees its draft but not the 城东区 ones (/1/20/… is not under /1/2/).
    let r = index.search(&all, &Visibility::scope("/1/2/")).unwrap();
    assert_eq!(r.total, PUBLISHED + 1);
    assert!(ids(&r).contains(&27) && !ids(&r).contains(&18));
    // The whole tree.
    let r = index.search(&all, &Visibility::scope("/")).unwrap();
    assert_eq!(r.total, 30);
    // Text search obeys the same rule.
    assert_eq!(search(&index, "低保").total, 1);
    let r = index.search(&SearchQuery::text("低保"), &Visibility::scope("/1/20/21/")).unwrap();
    assert_eq!(ids(&r).len(), 2);
    // No visible entry has both words: the public gets partial matches, flagged as such.
    let r = index.search(&SearchQuery::text("户籍迁移"), &public()).unwrap();
    assert!(r.relaxed && !ids(&r).contains(&27), "{r:?}");
    let r = index.search(&SearchQuery::text("户籍迁移"), &Visibility::scope("/1/2/")).unwrap();
    assert_eq!(ids(&r), [27]);
    assert!(!r.relaxed);
    // Filtering on a hidden status does not reveal it.
    let drafts = SearchQuery { filters: Filters { status: Some(EntryStatus::Draft), ..Filters::default() }, ..all };
    assert_eq!(index.search(&drafts, &public()).unwrap().total, 0);
    assert_eq!(index.search(&drafts, &Visibility::scope("/1/7/")).unwrap().total, 0);
    assert_eq!(index.search(&drafts, &Visibility::scope("/")).unwrap().total, 2);
}

fn filtered(index: &CatalogIndex, filters: Filters) -> SearchResults {
    index.search(&SearchQuery { filters, limit: 100, ..SearchQuery::default() }, &public()).unwrap()
}

#[test]
fn filters() {
    let index = index();
    let f = Filters::default;
    let r = filtered(&index, Filters { org_id: Some(GONGAN.id), ..f() });
    let mut got = ids(&r);
    got.sort_unstable();
    assert_eq!(got, [1, 2, 26]);
    assert_eq!(filtered(&index, Filters { area: Some("城西区".into()), ..f() }).total, 1);
    assert_eq!(filtered(&index, Filters { area: Some("城东区".into()), ..f() }).total, 0);
    let basic = filtered(&index, Filters { class: Some(ResourceClass::Basic), ..f() });
    assert_eq!(filtered(&index, Filters { classification: Some("1".into()), ..f() }).total, basic.total);
    // 类1 项03 (自然资源和空间地理): 不动产 and the base map.
    let r = filtered(&index, Filters { classification: Some("103".into()), ..f() });
    assert_eq!(ids(&r), [6, 7]);
    let r = filtered(&index, Filters { classification: Some("103002".into()), ..f() });
    assert_eq!(ids(&r), [7]);
    let r = filtered(&index, Filters { classification: Some("103002000".into()), ..f() });
    assert_eq!(ids(&r), [7]);
    assert_eq!(filtered(&index, Filters { classification: Some("9".into()), ..f() }).total, 0);
    let r = filtered(&index, Filters { sharing: Some(SharingKind::Unconditional), ..f() });
    assert_eq!(r.total, 5);
    let r = filtered(
        &index,
        Filters { open: Some(OpenKind::Unconditional), sharing: Some(SharingKind::Unconditional), ..f() },
    );
    assert_eq!(r.total, 5);
    let r = filtered(&index, Filters { format: Some(FormatKind::Api), ..f() });
    assert_eq!(ids(&r), [24, 29]);
    let r = filtered(&index, Filters { update_cycle: Some(UpdateCycle::Monthly), ..f() });
    assert_eq!(ids(&r), [9, 10, 20, 21]);
    let r = filtered(&index, Filters { security_level: Some(SecurityLevel::L1), ..f() });
    assert_eq!(ids(&r), [3, 12, 29]);
    let r = filtered(&index, Filters { status: Some(EntryStatus::Published), ..f() });
    assert_eq!(r.total, PUBLISHED);
    // Text and filters together.
    let q = SearchQuery {
        text: "信息".into(),
        filters: Filters { org_id: Some(MINZHENG.id), class: Some(ResourceClass::Basic), ..f() },
        ..SearchQuery::default()
    };
    let mut got = ids(&index.search(&q, &public()).unwrap());
    got.sort_unstable();
    assert_eq!(got, [16, 17]);
}

#[test]
fn facet_counts_cover_the_matching_set_not_the_page() {
    let index = index();
    let q = SearchQuery { limit: 1, ..SearchQuery::default() };
    let r = index.search(&q, &public()).unwrap();
    assert_eq!((r.total, r.hits.len()), (PUBLISHED, 1));
    let fx = &r.facets;
    let published: Vec<_> = entries().into_iter().filter(|e| e.status == EntryStatus::Published).collect();
    for org in [GONGAN, SHICHANG, ZIRAN, RENSHE, WEIJIAN, MINZHENG, CHENGDONG_MZ, CHENGXI_SC, GJJ, SHUJU] {
        let n = published.iter().filter(|e| e.org_id == org.id).count();
        assert_eq!(fx.department_count(org.id), n, "{}", org.name);
        if n > 0 {
            let d = fx.department.iter().find(|d| d.org_id == org.id).unwrap();
            assert_eq!(d.provider, org.name);
        }
    }
    assert!(fx.department.windows(2).all(|w| w[0].count >= w[1].count), "most first");
    assert_eq!(fx.area_count("西宁市"), PUBLISHED - 1);
    assert_eq!(fx.area_count("城西区"), 1);
    assert_eq!(fx.area_count("城东区"), 0);
    for c in ResourceClass::ALL {
        let n = published.iter().filter(|e| e.body.classification.class == *c).count();
        assert_eq!(count_of(&fx.class, *c), n);
    }
    for k in SharingKind::ALL {
        assert_eq!(count_of(&fx.sharing, *k), published.iter().filter(|e| e.body.sharing.kind == *k).count());
    }
    for k in OpenKind::ALL {
        assert_eq!(count_of(&fx.open, *k), published.iter().filter(|e| e.body.open.kind == *k).count());
    }
    for k in FormatKind::ALL {
        assert_eq!(count_of(&fx.format, *k), published.iter().filter(|e| e.body.format.kind == *k).count());
    }
    for k in UpdateCycle::ALL {
        assert_eq!(count_of(&fx.update_cycle, *k), published.iter().filter(|e| e.body.update_cycle == *k).count());
    }
    for k in SecurityLevel::ALL {
        assert_eq!(count_of(&fx.security_level, *k), published.iter().filter(|e| e.security_level == *k).count());
    }
    assert_eq!(fx.status.len(), 1);
    assert_eq!(count_of(&fx.status, EntryStatus::Published), PUBLISHED);
    // Only values that occur, in display order.
    assert!(fx.update_cycle.iter().all(|c| c.count > 0));
    let order: Vec<_> = fx.update_cycle.iter().map(|c| c.value).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // With text and a wider scope, facets follow the matching set.
    let r = index.search(&SearchQuery::text("登记"), &Visibility::scope("/")).unwrap();
    let total_by_status: usize = r.facets.status.iter().map(|c| c.count).sum();
    assert_eq!(total_by_status, r.total);
    let total_by_dept: usize = r.facets.department.iter().map(|c| c.count).sum();
    assert_eq!(total_by_dept, r.total);
    assert_eq!(count_of(&r.facets.status, EntryStatus::Draft), 0);
    let r = index.search(&SearchQuery::text("低保"), &Visibility::scope("/")).unwrap();
    assert_eq!(count_of(&r.facets.status, EntryStatus::Draft), 1);
    assert_eq!(r.facets.area_count("城东区"), 1);
}

#[test]
fn sorting_and_paging() {
    let index = index();
    let everyone = Visibility::scope("/");
    let all = entries();
    let run = |sort: Sort, offset: usize, limit: usize| {
        index.search(&SearchQuery { sort, offset, limit, ..SearchQuery::default() }, &everyone).unwrap()
    };
    let mut by_name: Vec<_> = all.iter().map(|e| (e.body.name.clone(), e.id)).collect();
    by_name.sort();
    let got: Vec<_> = run(Sort::Name, 0, 100).hits.into_iter().map(|h| (h.name, h.id)).collect();
    assert_eq!(got, by_name);
    let mut by_code: Vec<_> = all.iter().map(|e| (e.code.clone(), e.id)).collect();
    by_code.sort();
    let got: Vec<_> = run(Sort::Code, 0, 100).hits.into_iter().map(|h| (h.code, h.id)).collect();
    assert_eq!(got, by_code);
    // Relevance without text is code order.
    let got: Vec<_> = run(Sort::Relevance, 0, 100).hits.into_iter().map(|h| (h.code, h.id)).collect();
    assert_eq!(got, by_code);
    let mut by_updated: Vec<_> = all.iter().map(|e| (std::cmp::Reverse(e.updated_at.clone()), e.id)).collect();
    by_updated.sort();
    let got: Vec<_> = run(Sort::UpdatedDesc, 0, 100).hits.into_iter().map(|h| h.id).collect();
    assert_eq!(got, by_updated.iter().map(|(_, id)| *id).collect::<Vec<_>>());

    // Pages concatenate to the whole list, for every order.
    for sort in [Sort::Relevance, Sort::Name, Sort::UpdatedDesc, Sort::Code] {
        let whole = run(sort, 0, 100).hits;
        let mut paged = Vec::new();
        for page in 0..5 {
            let r = run(sort, page * 7, 7);
            assert_eq!(r.total, 30);
            paged.extend(r.hits);
        }
        assert_eq!(paged, whole, "{sort:?}");
    }
    assert!(run(Sort::Name, 30, 10).hits.is_empty());
    let r = run(Sort::Name, 0, 0);
    assert_eq!((r.total, r.hits.len()), (30, 0));
    assert_eq!(r.facets.status.len(), 5);

    // Text with a non-relevance order: same set, other order, no scores.
    let q = |sort| SearchQuery { text: "登记".into(), sort, limit: 100, ..SearchQuery::default() };
    let rel = index.search(&q(Sort::Relevance), &everyone).unwrap();
    let name = index.search(&q(Sort::Name), &everyone).unwrap();
    assert_eq!(rel.total, name.total);
    assert!(rel.hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(name.hits.windows(2).all(|w| w[0].name <= w[1].name));
    assert!(name.hits.iter().all(|h| h.score == 0.0));
}

#[test]
fn upsert_replaces_and_remove_removes() {
    let index = index();
    let mut e = entries().remove(0);
    e.body.name = "常住人口统计信息".into();
    e.body.items.clear();
    index.upsert(&e).unwrap();
    assert_eq!(index.len(), 30);
    assert!(search(&index, "人口基础信息").hits.iter().all(|h| h.name != "人口基础信息"));
    assert!(!ids(&search(&index, "常住人口统计")).is_empty());
    assert_eq!(search(&index, "常住人口统计").hits[0].name, "常住人口统计信息");
    assert!(!ids(&search(&index, "公民身份号码")).contains(&1), "old items are gone");
    // A status change moves it out of public view.
    e.status = EntryStatus::Draft;
    index.upsert(&e).unwrap();
    assert_eq!(search(&index, "常住人口统计").total, 0);
    assert_eq!(index.search(&SearchQuery::text("常住人口统计"), &Visibility::scope("/1/2/")).unwrap().total, 1);
    // A new entry.
    let mut n = entries().remove(5);
    n.id = 99;
    n.body.name = "地下管线普查数据".into();
    index.upsert(&n).unwrap();
    assert_eq!(ids(&search(&index, "地下管线")), [99]);
    assert_eq!(index.len(), 31);
    index.remove(99).unwrap();
    index.remove(12345).unwrap();
    assert_eq!(search(&index, "地下管线").total, 0);
    assert_eq!(index.len(), 30);
    // Rebuild replaces everything.
    assert_eq!(index.rebuild(&entries()[..3]).unwrap(), 3);
    assert_eq!(index.len(), 3);
    assert_eq!(index.search(&SearchQuery::default(), &Visibility::scope("/")).unwrap().total, 3);
    assert_eq!(index.rebuild(&[]).unwrap(), 0);
    assert!(index.is_empty());
}

#[test]
fn a_bad_entry_changes_nothing() {
    let index = index();
    let mut all = entries();
    all[3].updated_at = "yesterday".into();
    let err = index.rebuild(&all).unwrap_err();
    let err: zs_types::Error = err.into();
    assert_eq!(err.code, ErrorCode::Internal);
    assert!(err.message.contains("updated_at"), "{err}");
    assert_eq!(index.len(), 30);
    assert!(index.upsert(&all[3]).is_err());
    assert_eq!(search(&index, "市场主体").total, 1);
}

#[test]
fn nasty_queries_do_not_fail() {
    let index = index();
    let long = "人口".repeat(500);
    let long_mixed: String = (0..1000).map(|i| ['"', '(', '人', 'a', '*', '😀', ' ', '\\'][i % 8]).collect();
    let nasty = [
        "\"",
        "AND OR (",
        "*",
        "😀",
        "😀人口😀",
        "\\",
        "title:人口",
        "-人口",
        "+",
        "NOT",
        "人口~2^3",
        "[1 TO 5]",
        "\u{0}",
        "   ",
        "\t\n",
        "'; DROP TABLE entries; --",
        "%",
        "_",
        "/",
        "101001000/",
        "a/b/c",
        "ＡＮＤ",
        "\u{200b}",
        "ﾟ",
        "e\u{301}",
        "🇨🇳",
        "<script>alert(1)</script>",
        "{}",
        "人口\"基础",
        &long,
        &long_mixed,
    ];
    for q in nasty {
        for vis in [Visibility::public(), Visibility::scope("/"), Visibility::scope(q)] {
            let r = index.search(&SearchQuery::text(q), &vis);
            assert!(r.is_ok(), "{q:?}: {r:?}");
        }
        let f = Filters { area: Some(q.to_owned()), ..Filters::default() };
        assert!(index.search(&SearchQuery { filters: f, ..SearchQuery::text(q) }, &public()).is_ok());
    }
    assert_eq!(search(&index, &long).hits[0].id, 1);
    assert_eq!(search(&index, "😀人口😀").hits[0].id, 1);
}

#[test]
fn bad_paging_and_prefixes_are_invalid_input() {
    let index = index();
    let check = |q: SearchQuery, field: &str| {
        let err: zs_types::Error = index.search(&q, &public()).unwrap_err().into();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(err.field.as_deref(), Some(field));
    };
    check(SearchQuery { limit: 1_001, ..SearchQuery::default() }, "limit");
    check(SearchQuery { offset: 9_990, limit: 20, ..SearchQuery::default() }, "offset");
    check(SearchQuery { offset: usize::MAX, limit: 20, ..SearchQuery::default() }, "offset");
    for p in ["", "1a", "1234567890", "１", "10 1"] {
        let f = Filters { classification: Some(p.into()), ..Filters::default() };
        check(SearchQuery { filters: f, ..SearchQuery::default() }, "filters.classification");
    }
}

#[test]
fn concurrent_searches_and_writes() {
    let index = index();
    let all = entries();
    std::thread::scope(|s| {
        for t in 0..3 {
            let index = &index;
            s.spawn(move || {
                for i in 0..50 {
                    let q = ["人口", "登记", "", "公积金"][(i + t) % 4];
                    let r = index.search(&SearchQuery::text(q), &Visibility::public()).unwrap();
                    assert!(r.total <= 31);
                }
            });
        }
        s.spawn(|| {
            for e in all.iter().take(10) {
                index.upsert(e).unwrap();
            }
        });
    });
    assert_eq!(index.len(), 30);
}

#[test]
fn on_disk_index_persists_and_is_recreated_for_another_version() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = CatalogIndex::open(dir.path()).unwrap();
        assert!(index.needs_rebuild());
        index.rebuild(&entries()).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("v0")).unwrap();
    std::fs::create_dir_all(dir.path().join("notes")).unwrap();
    {
        let index = CatalogIndex::open(dir.path()).unwrap();
        assert!(!index.needs_rebuild());
        assert_eq!(index.len(), 30);
        assert_eq!(search(&index, "人口").hits[0].id, 1);
        index.remove(1).unwrap();
    }
    assert!(!dir.path().join("v0").exists(), "stale version removed");
    assert!(dir.path().join("notes").exists(), "other files kept");
    let index = CatalogIndex::open(dir.path()).unwrap();
    assert_eq!(index.len(), 29);
}

#[test]
fn empty_area_and_provider_are_values_like_any_other() {
    let index = index();
    let mut e = entries().remove(0);
    e.id = 500;
    e.area = String::new();
    e.provider = String::new();
    e.body.name = "无归属测试资源".into();
    index.upsert(&e).unwrap();
    let r = search(&index, "无归属");
    assert_eq!(ids(&r), [500]);
    assert_eq!(r.hits[0].provider, "");
    assert_eq!(r.facets.area_count(""), 1);
    assert_eq!(
        r.facets.department,
        [zs_catalog_search::DepartmentCount { org_id: 1, provider: String::new(), count: 1 }]
    );
    let r = filtered(&index, Filters { area: Some(String::new()), ..Filters::default() });
    assert_eq!(ids(&r), [500]);
}

#[test]
fn serde_shapes_are_stable() {
    let q: SearchQuery = serde_json::from_value(serde_json::json!({
        "text": "人口",
        "filters": {"class": "basic", "status": "published", "classification": "101"},
        "sort": "updated_desc",
        "limit": 5
    }))
    .unwrap();
    assert_eq!(q.sort, Sort::UpdatedDesc);
    assert_eq!((q.offset, q.limit), (0, 5));
    assert_eq!(q.filters.class, Some(ResourceClass::Basic));
    assert!(serde_json::from_value::<SearchQuery>(serde_json::json!({"txt": "x"})).is_err());
    let index = index();
    let r = index.search(&q, &public()).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["hits"][0]["status"], "published");
    assert_eq!(v["facets"]["class"][0], serde_json::json!({"value": "basic", "count": r.total}));
}

#[test]
fn an_index_with_another_schema_is_recreated_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("v{}", zs_catalog_search::SCHEMA_VERSION));
    std::fs::create_dir_all(&path).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    drop(tantivy::Index::create_in_dir(&path, b.build()).unwrap());
    let index = CatalogIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild() && index.is_empty());
    index.rebuild(&entries()).unwrap();
    assert_eq!(search(&index, "不动产").hits[0].id, 6);
}
