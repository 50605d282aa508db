//! Searching the demo catalogue through the API: Chinese queries find the right entries, facets
//! count the visible set, drafts stay inside their department, changes show up at once.

use serde_json::json;
use zs_testkit::{on_backends, Backend, TestServer};

on_backends!(chinese_search_facets_and_visibility);

async fn chinese_search_facets_and_visibility(backend: Backend) {
    let Some(srv) = TestServer::start(backend, "catalog_search").await else { return };
    let logins = srv.seed_demo_catalogue().await;
    // The seed writes without touching the index; the kit rebuilds it from the store after.
    let pw = |u: &str| TestServer::password_of(&logins, u).to_owned();
    let datauser = srv.login("datauser", &pw("datauser")).await.unwrap();
    let steward = srv.login("steward", &pw("steward")).await.unwrap();

    let (s, r) = srv.get("/api/v1/catalog/entries?q=人口&limit=5", Some(&datauser)).await.unwrap();
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["hits"][0]["name"], "人口基础信息", "{r}");
    let (_, r) = srv.get("/api/v1/catalog/entries?q=营业执照", Some(&datauser)).await.unwrap();
    assert_eq!(r["hits"][0]["name"], "企业营业执照电子证照", "{r}");
    let (_, r) = srv.get("/api/v1/catalog/entries?q=101001000/000001", Some(&datauser)).await.unwrap();
    assert_eq!(r["hits"][0]["code"], "101001000/000001", "exact code: {r}");

    // Everyone sees published entries; only the owner's scope sees drafts.
    let (_, all_du) = srv.get("/api/v1/catalog/entries?limit=0", Some(&datauser)).await.unwrap();
    let (_, published) = srv.get("/api/v1/catalog/entries?limit=0&status=published", Some(&datauser)).await.unwrap();
    let statuses: Vec<&str> =
        all_du["facets"]["status"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap_or("")).collect();
    assert!(
        !statuses.contains(&"submitted") || all_du["facets"]["status"].as_array().unwrap().len() <= 2,
        "{statuses:?}"
    );
    assert!(published["total"].as_u64().unwrap() > 250, "{published}");
    let (_, police_drafts) = srv.get("/api/v1/catalog/entries?limit=100&status=draft", Some(&steward)).await.unwrap();
    assert!(
        police_drafts["hits"].as_array().unwrap().iter().all(|h| h["provider"] == "西宁市公安局"),
        "no other department's drafts"
    );
    let (_, du_drafts) = srv.get("/api/v1/catalog/entries?limit=100&status=draft", Some(&datauser)).await.unwrap();
    assert!(
        du_drafts["hits"].as_array().unwrap().iter().all(|h| h["provider"] == "西宁市人力资源和社会保障局"),
        "{du_drafts}"
    );
    // Facets count over the matching set; filters narrow it.
    let (_, r) =
        srv.get("/api/v1/catalog/entries?limit=0&class=basic&status=published", Some(&datauser)).await.unwrap();
    let basic_total = r["total"].as_u64().unwrap();
    let by_class = r["facets"]["class"].as_array().unwrap();
    assert_eq!(by_class.len(), 1);
    assert_eq!(by_class[0]["count"].as_u64(), Some(basic_total));
    let (_, r) =
        srv.get("/api/v1/catalog/entries?limit=0&classification=101&status=published", Some(&datauser)).await.unwrap();
    assert!(r["total"].as_u64().unwrap() >= 3 && r["total"].as_u64().unwrap() < basic_total, "{r}");
    // Paging is stable and sorted.
    let (_, p1) = srv.get("/api/v1/catalog/entries?sort=code&limit=10", Some(&datauser)).await.unwrap();
    let (_, p2) = srv.get("/api/v1/catalog/entries?sort=code&limit=10&offset=10", Some(&datauser)).await.unwrap();
    let codes: Vec<String> = [p1, p2]
        .iter()
        .flat_map(|p| p["hits"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap().to_owned()))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "20 distinct codes in order");
    // Nasty input is answered, not crashed on.
    for q in ["%22", "AND%20OR%20(", "*", "%F0%9F%98%80"] {
        assert_eq!(srv.get(&format!("/api/v1/catalog/entries?q={q}"), Some(&datauser)).await.unwrap().0, 200, "{q}");
    }
    assert_eq!(srv.get("/api/v1/catalog/entries?sort=sideways", Some(&datauser)).await.unwrap().0, 400);

    // A new draft is searchable by its department at once, invisible to others.
    let body = json!({
        "name": "犬只登记信息", "summary": "养犬登记与年检", "classification": {"class": "department", "item": 1, "category": 5},
        "format": {"kind": "table", "detail": "MySQL"},
        "items": [{"name": "dog_id", "label": "犬只编号", "data_type": "string", "length": 20, "key": true, "security_level": "L1", "sharing": "unconditional", "open": "none"}],
        "sharing": {"kind": "unconditional", "method": "api"}, "open": {"kind": "none"}, "update_cycle": "daily"
    });
    assert_eq!(srv.post("/api/v1/catalog/entries", Some(&steward), &body).await.unwrap().0, 201);
    let (_, mine) = srv.get("/api/v1/catalog/entries?q=犬只", Some(&steward)).await.unwrap();
    assert_eq!(mine["hits"][0]["name"], "犬只登记信息", "{mine}");
    let (_, theirs) = srv.get("/api/v1/catalog/entries?q=犬只", Some(&datauser)).await.unwrap();
    assert_eq!(theirs["total"], 0, "{theirs}");
    let (_, drafts) = srv.get("/api/v1/catalog/entries?limit=100&status=draft", Some(&steward)).await.unwrap();
    assert!(drafts["hits"].as_array().unwrap().iter().any(|h| h["name"] == "犬只登记信息"), "{drafts}");
}
