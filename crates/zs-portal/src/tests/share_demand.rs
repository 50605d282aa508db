//! Supply–demand and evaluation pages: posting a demand from the board (errors beside the form,
//! input kept), the operator's routing form, the provider's answer (declining needs reasons), the
//! requester closing it, the history; the evaluation page with its charts in both languages and
//! the workbook; who may open which page.

use super::catalog::setup_catalogue;
use axum::http::StatusCode;

fn number_after(body: &str, marker: &str) -> i64 {
    let i = body.find(marker).unwrap_or_else(|| panic!("{marker} not in page"));
    body[i + marker.len()..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// The value of the `<option>` labelled `label`.
fn option_value(body: &str, label: &str) -> String {
    let end = body.find(&format!(">{label}</option>")).unwrap_or_else(|| panic!("no option {label}"));
    let start = body[..end].rfind("value=\"").unwrap() + 7;
    body[start..end].trim_end_matches(['"', ' ']).split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn post_route_answer_close_and_evaluate() {
    let t = setup_catalogue().await;
    let du = t.session("datauser").await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;
    let auditor = t.session("auditor").await;

    // The board, in Chinese by default, with the post form; bad input stays beside the form.
    let board = t.get("/share/demands", &du).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.body.contains("需求看板")
            && board.body.contains("id=\"demand-form\"")
            && board.body.contains("id=\"nav-share-demands\"")
    );
    let police = option_value(&board.body, "西宁市公安局");
    let csrf = board.csrf();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", "驾驶证状态"),
        ("description", ""),
        ("purpose", "核验公益性岗位申请人资格"),
        ("guessed_provider_id", police.as_str()),
    ];
    let bad = t.post("/share/demands", &du, &form).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-field=\"description\"") && bad.body.contains("驾驶证状态"), "kept input");
    form[2] = ("description", "需要机动车驾驶证的准驾车型与状态");
    let ok = t.post("/share/demands", &du, &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let id = number_after(ok.location(), "created=");
    let board = t.get("/share/demands", &st).await;
    assert!(board.body.contains(&format!("id=\"demand-{id}\"")) && board.body.contains("待分派"));

    // Only the operator sees the routing form; routing sets the due date.
    let page = t.get(&format!("/share/demands/{id}"), &du).await;
    assert!(!page.body.contains("id=\"route-form\"") && !page.body.contains("id=\"answer-form\""));
    let page = t.get(&format!("/share/demands/{id}"), &op).await;
    assert!(page.body.contains("id=\"route-form\""), "{}", page.body);
    let csrf = page.csrf();
    let r = t
        .post(
            &format!("/share/demands/{id}/route"),
            &op,
            &[("csrf", &csrf), ("provider_org_id", &police), ("working_days", "5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let refused = t
        .post(
            &format!("/share/demands/{id}/route"),
            &du,
            &[("csrf", &t.get("/share/demands", &du).await.csrf()), ("provider_org_id", &police)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The provider answers: declining without reasons is refused beside the form.
    let page = t.get(&format!("/share/demands/{id}"), &st).await;
    assert!(page.body.contains("id=\"answer-form\"") && page.body.contains("待答复"), "{}", page.body);
    let csrf = page.csrf();
    let url = format!("/share/demands/{id}/answer");
    let r = t.post(&url, &st, &[("csrf", &csrf), ("kind", "declined")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"note\""));
    let r = t.post(&url, &st, &[("csrf", &csrf), ("kind", "declined"), ("note", "涉及国家秘密，不能提供")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The requester sees the answer and closes the demand; the history has every step.
    let page = t.get(&format!("/share/demands/{id}"), &du).await;
    assert!(page.body.contains("涉及国家秘密") && page.body.contains("id=\"close-form\""), "{}", page.body);
    let r = t.post(&format!("/share/demands/{id}/close"), &du, &[("csrf", &page.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&format!("/share/demands/{id}?notice=closed"), &du).await;
    assert!(page.body.contains("需求已办结") && page.body.contains("已关闭"));
    for step in ["提出", "分派", "答复", "办结"] {
        assert!(page.body.contains(&format!("<td>{step}")), "{step} in the history");
    }
    assert_eq!(t.get("/share/demands", &auditor).await.status, StatusCode::FORBIDDEN);

    // The evaluation page: charts, the tables, the workbook; English on request.
    let eval = t.get("/share/evaluation", &op).await;
    assert_eq!(eval.status, StatusCode::OK);
    assert!(
        eval.body.contains("共享评估")
            && eval.body.contains("id=\"eval-xlsx\"")
            && eval.body.contains("id=\"chart-score\"")
    );
    assert!(
        eval.body.contains("西宁市公安局") && eval.body.contains("<svg"),
        "the police answered a demand: {}",
        eval.body
    );
    let en = t.get("/share/evaluation", &format!("{op}; zs_lang=en")).await;
    assert!(en.body.contains("Sharing evaluation") && en.body.contains("As provider"));
    let at = eval.body.find("id=\"eval-month\">").unwrap() + "id=\"eval-month\">".len();
    let month = &eval.body[at..at + 7];
    let xlsx = t.get(&format!("/share/evaluation.xlsx?month={month}"), &op).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bad = t.get("/share/evaluation?month=2026-13", &op).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}
