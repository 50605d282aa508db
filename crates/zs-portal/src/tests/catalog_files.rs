//! Finding the catalogue (search with facets, the browse tree) and the catalogue as files
//! (exports and the all-or-nothing import).

use super::catalog::setup_catalogue;
use axum::http::StatusCode;
use zs_catalog::{Entry, EntryStatus};

#[tokio::test]
async fn search_facets_paging_and_tree() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let home = t.get("/catalog", &st).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    for facet in ["class", "department", "area", "sharing", "open", "format", "cycle", "level", "status"] {
        assert!(home.body.contains(&format!("id=\"facet-{facet}\"")), "{facet}");
    }
    assert!(home.body.contains("id=\"page-next\"") && home.body.matches("class=\"hit\"").count() == 20);
    // Free text.
    let r = t.get(&format!("/catalog?q={}", crate::page::urlencode("人口")), &st).await;
    assert!(r.body.contains("人口基础信息"), "{}", r.body);
    // A facet link keeps the text and can be removed again.
    let href = r
        .body
        .split("id=\"facet-class\"")
        .nth(1)
        .unwrap()
        .split("<a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.contains("q=%E4%BA%BA%E5%8F%A3") && href.contains("class="), "{href}");
    let r = t.get(&href, &st).await;
    assert!(r.body.contains("id=\"active-filters\"") && r.body.contains("class=\"selected\""));
    // Drafts: only the steward's own department's are found.
    let own_drafts =
        t.all().await.iter().filter(|e| e.status == EntryStatus::Draft && e.provider == "西宁市公安局").count();
    let r = t.get("/catalog?status=draft", &st).await;
    assert_eq!(
        r.body.split("id=\"results-total\">").nth(1).unwrap().split('<').next().unwrap(),
        own_drafts.to_string()
    );
    // Paging, sorting, bad parameters.
    let p2 = t.get("/catalog?sort=name&page=2", &st).await;
    assert!(p2.body.contains("id=\"page-prev\"") && p2.body.contains(">2 / "));
    assert_eq!(t.get("/catalog?sort=random", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get("/catalog?page=999", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The tree links into the search with the filter set.
    let tree = t.get("/catalog/tree", &st).await;
    assert_eq!(tree.status, StatusCode::OK);
    assert!(tree.body.contains("基础信息资源") && tree.body.contains("href=\"/catalog?classification=101\""));
    assert!(tree.body.contains("城东区") && tree.body.contains("href=\"/catalog?org_id="));
    let r = t.get("/catalog?classification=101", &st).await;
    assert!(r.body.contains("基础信息资源 / 人口") && r.body.contains("人口基础信息"));
}

#[tokio::test]
async fn export_files_and_all_or_nothing_import() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let page = t.get("/catalog/exchange", &st).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"export-form\"") && page.body.contains("id=\"import-form\""));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();

    // Exports: the workbook, both CSV sheets, JSON; one department only.
    let x = t.get("/catalog/export.xlsx", &st).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(x.body.starts_with("PK") && x.cache().contains("no-store"));
    assert!(t.get("/catalog/template.xlsx", &st).await.body.starts_with("PK"));
    let csv = t.get("/catalog/export.csv?sheet=items", &st).await;
    assert!(csv.body.contains("公民身份号码"));
    let visible = t.cat.visible_entries(&*t.principal("steward").await).await.unwrap();
    let police = visible.iter().find(|e| e.provider == "西宁市公安局").unwrap().org_id;
    let json = t.get(&format!("/catalog/export.json?org_id={police}"), &st).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let n_police = visible.iter().filter(|e| e.org_id == police).count();
    assert_eq!(
        v.as_array().map(Vec::len).or_else(|| v["entries"].as_array().map(Vec::len)),
        Some(n_police),
        "{}",
        json.body
    );
    assert_eq!(t.get("/catalog/export.csv?sheet=nope", &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let count = || async { t.all().await.len() };
    let before = count().await;

    // Not a workbook: the problem is listed and nothing is imported.
    let r = t.upload(&st, &csrf, "坏文件.xlsx", b"this is not a workbook").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"import-problems\"") && r.body.contains("id=\"import-refused\""));
    assert!(r.body.contains("坏文件.xlsx"));
    assert_eq!(count().await, before);

    // A workbook with one bad entry among good ones: every problem, nothing imported.
    let mut own: Vec<Entry> = visible.iter().filter(|e| e.org_id == police).take(3).cloned().collect();
    for e in own.iter_mut() {
        e.body.name = format!("{}（导入）", e.body.name);
        e.code.clear();
    }
    let mut bad = own.clone();
    bad[1].body.sharing.kind = zs_catalog::SharingKind::None;
    bad[1].body.sharing.legal_basis = None;
    bad[2].body.items[0].length = None;
    let file = zs_catalog_xlsx::export_xlsx(&bad).unwrap();
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let table = r.body.split("id=\"import-problems\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("信息资源") && table.contains("信息项"), "{table}");
    assert!(table.matches("<tr>").count() >= 2, "{table}");
    assert_eq!(count().await, before);

    // The corrected workbook: every entry becomes a draft of the department.
    let file = zs_catalog_xlsx::export_xlsx(&own).unwrap();
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"import-ok\"") && r.body.contains("id=\"import-count\">3<"));
    let all = t.all().await;
    assert_eq!(all.len(), before + 3);
    for e in &own {
        let got = all.iter().find(|x| x.body.name == e.body.name).unwrap();
        assert_eq!(got.status, EntryStatus::Draft);
        assert_eq!(got.body.items, e.body.items);
    }
    // The same names again: the service refuses and nothing is imported.
    let r = t.upload(&st, &csrf, "目录.xlsx", &file).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"import-problems\""));
    assert_eq!(t.all().await.len(), before + 3);

    // Empty upload, wrong CSRF, and roles that may not import.
    let r = t.upload(&st, &csrf, "", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"file\""));
    assert_eq!(t.upload(&st, "bad", "目录.xlsx", &file).await.status, StatusCode::FORBIDDEN);
    let du = t.session("datauser").await;
    let page = t.get("/catalog/exchange", &du).await;
    assert!(page.body.contains("id=\"export-form\"") && !page.body.contains("id=\"import-form\""));
    assert_eq!(t.upload(&du, &page.csrf(), "目录.xlsx", &file).await.status, StatusCode::FORBIDDEN);
}
