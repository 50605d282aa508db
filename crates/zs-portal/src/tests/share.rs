//! Sharing pages: apply from the entry page, errors beside the form, the applicant's list, the
//! provider's review (refusal needs reasons; a narrower grant), grants with a credential shown
//! once and revocation, the operator's overdue queue, and who may open which page.

use super::catalog::setup_catalogue;
use axum::http::StatusCode;

const CODE: &str = "101001000/000001";

fn after<'a>(body: &'a str, marker: &str) -> &'a str {
    let i = body.find(marker).unwrap_or_else(|| panic!("{marker} not in page"));
    &body[i + marker.len()..]
}

fn number_after(body: &str, marker: &str) -> i64 {
    after(body, marker).chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

#[tokio::test]
async fn apply_review_grant_credential_and_revoke() {
    let t = setup_catalogue().await;
    let du = t.session("datauser").await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;

    // Apply from the entry page.
    let id = t.all().await.into_iter().find(|e| e.code == CODE).unwrap().id;
    let entry = t.get(&format!("/catalog/entries/{id}"), &du).await;
    assert!(entry.body.contains(&format!("href=\"/share/apply?code={CODE}\"")), "{}", entry.body);
    let form = t.get(&format!("/share/apply?code={CODE}"), &du).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"f_id_number\"") && form.body.contains("应用场景"));
    let csrf = form.csrf();
    let until = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("code", CODE),
        ("f_name", "on"),
        ("f_sex", "on"),
        ("purpose", ""),
        ("scenario", "社会救助审批"),
        ("legal_basis", "《社会救助暂行办法》"),
        ("until", until.as_str()),
        ("calls_per_day", "10"),
        ("rows_per_day", "100"),
    ];
    let bad = t.post("/share/apply", &du, &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-field=\"purpose\"") && bad.body.contains("社会救助审批"), "kept input");
    fields[4] = ("purpose", "核验低保申请人");
    let ok = t.post("/share/apply", &du, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let app = number_after(ok.location(), "created=");
    let mine = t.get("/share/applications", &du).await;
    assert!(mine.body.contains(&format!("id=\"application-{app}\"")) && mine.body.contains("待审核"));

    // Review: a refusal without reasons is refused beside the form; then a narrower grant.
    let queue = t.get("/share/reviews", &st).await;
    assert!(queue.body.contains(&format!("id=\"review-form-{app}\"")), "{}", queue.body);
    let csrf = queue.csrf();
    let url = format!("/share/applications/{app}/review");
    let r = t.post(&url, &st, &[("csrf", &csrf), ("decision", "refuse")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"note\""));
    let r = t
        .post(
            &url,
            &st,
            &[
                ("csrf", &csrf),
                ("decision", "grant"),
                ("f_name", "on"),
                ("restrict_item", "sex"),
                ("restrict_value", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(t.get("/share/reviews", &st).await.body.contains("id=\"reviews-empty\""));

    // Grants: the consumer issues a credential bound to the grant (shown once).
    let mine = t.get("/share/applications", &du).await;
    let grant = number_after(&mine.body, "/share/grants#grant-");
    let grants = t.get("/share/grants", &du).await;
    assert!(grants.body.contains(&format!("id=\"issue-{grant}\"")) && grants.body.contains("sex = 1"));
    assert!(!grants.body.contains(&format!("id=\"revoke-{grant}\"")), "the consumer does not revoke");
    let secret = t.post(&format!("/share/grants/{grant}/credential"), &du, &[("csrf", &grants.csrf())]).await;
    assert_eq!(secret.status, StatusCode::OK, "{}", secret.body);
    assert!(secret.body.contains(&format!("share.grant:{grant}")) && secret.body.contains("/rows"));

    // The provider revokes.
    let given = t.get("/share/grants", &st).await;
    assert!(given.body.contains(&format!("id=\"revoke-{grant}\"")));
    let r = t
        .post(&format!("/share/grants/{grant}/revoke"), &st, &[("csrf", &given.csrf()), ("reason", "业务已办结")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after_revoke = t.get("/share/grants?notice=revoked", &st).await;
    assert!(after_revoke.body.contains("业务已办结") && after_revoke.body.contains("授权已撤销"));

    // The operator's overdue queue; pages by role.
    assert_eq!(t.get("/share/overdue", &op).await.status, StatusCode::OK);
    assert_eq!(t.get("/share/overdue", &du).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get("/share/reviews", &du).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&format!("/share/apply?code={CODE}"), &st).await.status, StatusCode::FORBIDDEN);
    let en = t.get("/share/grants", &format!("{du}; zs_lang=en")).await;
    assert!(en.body.contains("Grants") && en.body.contains("Revoked"));
}
