//! The standards part of the store contract (data elements, classification suggestions) on
//! SQLite (temp file) and PostgreSQL (`ZS_TEST_PG_URL`, one fresh schema per test).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use support::conformance;
use zs_meta::standards::{ElementRow, SuggestionRow};
use zs_meta::DynStore;
use zs_types::ErrorCode;

const NOW: i64 = 1_780_000_000_000;

conformance!("std"; elements_create_update_and_conflicts, suggestions_replaced_and_decided);

fn element(id: &str, name: &str) -> ElementRow {
    ElementRow {
        id: id.into(),
        name_zh: name.into(),
        name_en: "Citizen ID number".into(),
        definition: "公民的唯一、终身不变的身份代码".into(),
        data_type: "string".into(),
        format: "an18".into(),
        length: Some(18),
        value_domain: "符合 GB 11643 的 18 位号码".into(),
        code_list: "[]".into(),
        aliases: r#"["身份证号","身份证号码"]"#.into(),
        standard_ref: "GB 11643-1999".into(),
        status: "active".into(),
        version: 1,
        updated_by: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

async fn elements_create_update_and_conflicts(s: DynStore) {
    assert!(s.schema_version().await.unwrap() >= 7);
    assert!(s.list_elements().await.unwrap().is_empty());
    let e = element("DE01001", "公民身份号码");
    s.create_element(&e).await.unwrap();
    s.create_element(&element("DE01002", "姓名")).await.unwrap();
    assert_eq!(s.get_element("DE01001").await.unwrap().unwrap(), e);
    assert!(s.get_element("DE09999").await.unwrap().is_none());
    // Duplicate id or Chinese name.
    assert_eq!(s.create_element(&e).await.unwrap_err().code, ErrorCode::AlreadyExists);
    assert_eq!(s.create_element(&element("DE01003", "姓名")).await.unwrap_err().code, ErrorCode::AlreadyExists);
    // Update with the right version; a stale version conflicts; an unknown id is not found.
    let mut v2 = e.clone();
    v2.status = "deprecated".into();
    v2.version = 2;
    v2.updated_by = Some(7);
    v2.updated_at = NOW + 1;
    v2.length = None;
    s.update_element(&v2, 1).await.unwrap();
    assert_eq!(s.get_element("DE01001").await.unwrap().unwrap(), v2);
    assert_eq!(s.update_element(&v2, 1).await.unwrap_err().code, ErrorCode::Conflict);
    let mut ghost = v2.clone();
    ghost.id = "DE07777".into();
    assert_eq!(s.update_element(&ghost, 1).await.unwrap_err().code, ErrorCode::NotFound);
    // Renaming onto another element's name is refused.
    let mut clash = v2.clone();
    clash.name_zh = "姓名".into();
    clash.version = 3;
    assert_eq!(s.update_element(&clash, 2).await.unwrap_err().code, ErrorCode::AlreadyExists);
    let all = s.list_elements().await.unwrap();
    assert_eq!(all.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["DE01001", "DE01002"]);
}

fn suggestion(entry: i64, item: &str, detector: &str) -> SuggestionRow {
    SuggestionRow {
        id: 0,
        entry_id: entry,
        code: "101001000/000001".into(),
        item_name: item.into(),
        detector: detector.into(),
        sampled: 100,
        matched: 97,
        ratio: 0.97,
        current_level: "L1".into(),
        proposed_level: "L3".into(),
        table_version: 2,
        state: "open".into(),
        created_at: NOW,
        decided_by: None,
        decided_at: None,
    }
}

async fn suggestions_replaced_and_decided(s: DynStore) {
    let made =
        s.replace_suggestions(1, &[suggestion(1, "c1", "id_number"), suggestion(1, "c2", "mobile")]).await.unwrap();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|m| m.id > 0 && m.state == "open" && (m.ratio - 0.97).abs() < 1e-9));
    s.replace_suggestions(2, &[suggestion(2, "x", "email")]).await.unwrap();
    // Accept one; a second decision on it is refused.
    assert!(s.decide_suggestion(made[0].id, "accepted", 9, NOW + 5).await.unwrap());
    assert!(!s.decide_suggestion(made[0].id, "dismissed", 9, NOW + 6).await.unwrap());
    let got = s.get_suggestion(made[0].id).await.unwrap().unwrap();
    assert_eq!((got.state.as_str(), got.decided_by, got.decided_at), ("accepted", Some(9), Some(NOW + 5)));
    // A new scan replaces the open ones and keeps the decided one.
    let again = s.replace_suggestions(1, &[suggestion(1, "c3", "bank_card")]).await.unwrap();
    let listed = s.list_suggestions(1).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, again[0].id, "newest first");
    assert_eq!(listed[1].id, made[0].id);
    assert!(s.get_suggestion(made[1].id).await.unwrap().is_none());
    assert_eq!(s.list_suggestions(2).await.unwrap().len(), 1, "other entries untouched");
    assert!(s.get_suggestion(999_999).await.unwrap().is_none());
}
