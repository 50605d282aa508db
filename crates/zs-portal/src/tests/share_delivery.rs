//! The exchange page of a grant: "deliver now" queues a delivery shown in the history, a
//! subscription shows its signing secret once, the provider sees the history without the
//! consumer's forms, and the page speaks English on request.

use super::catalog::setup_catalogue;
use axum::http::StatusCode;

const CODE: &str = "101001000/000001";

#[tokio::test]
async fn deliver_now_and_subscribe() {
    let t = setup_catalogue().await;
    let du = t.session("datauser").await;
    let st = t.session("steward").await;

    // A grant of the population entry: apply and approve through the pages.
    let form = t.get(&format!("/share/apply?code={CODE}"), &du).await;
    let until = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    let csrf = form.csrf();
    let ok = t
        .post(
            "/share/apply",
            &du,
            &[
                ("csrf", csrf.as_str()),
                ("code", CODE),
                ("f_id_number", "on"),
                ("f_name", "on"),
                ("purpose", "核验"),
                ("scenario", "社会救助"),
                ("legal_basis", "《社会救助暂行办法》"),
                ("until", until.as_str()),
                ("calls_per_day", "10"),
                ("rows_per_day", "100"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let app: i64 = ok
        .location()
        .split("created=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    let queue = t.get("/share/reviews", &st).await;
    let r = t
        .post(
            &format!("/share/applications/{app}/review"),
            &st,
            &[("csrf", &queue.csrf()), ("decision", "grant"), ("f_id_number", "on"), ("f_name", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = t.get("/share/applications", &du).await;
    let marker = "/share/grants#grant-";
    let i = mine.body.find(marker).unwrap() + marker.len();
    let grant: i64 = mine.body[i..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();

    let grants = t.get("/share/grants", &du).await;
    assert!(grants.body.contains(&format!("href=\"/share/grants/{grant}/exchange\"")), "{}", grants.body);
    let page = t.get(&format!("/share/grants/{grant}/exchange"), &du).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("交换与订阅") && page.body.contains("id=\"deliveries-empty\""));
    let r = t
        .post(
            &format!("/share/grants/{grant}/deliveries"),
            &du,
            &[("csrf", &page.csrf()), ("kind", "full"), ("format", "csv")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(r.location(), &du).await;
    assert!(page.body.contains("已加入交付队列") && page.body.contains("id=\"delivery-"), "{}", page.body);
    let bad = t
        .post(
            &format!("/share/grants/{grant}/deliveries"),
            &du,
            &[("csrf", &page.csrf()), ("kind", "full"), ("format", "pdf")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let secret = t
        .post(
            &format!("/share/grants/{grant}/subscriptions"),
            &du,
            &[("csrf", &page.csrf()), ("url", "https://receiver.example.org/hook")],
        )
        .await;
    assert_eq!(secret.status, StatusCode::OK, "{}", secret.body);
    assert!(secret.body.contains("whsec_") && secret.body.contains("X-Zhengshu-Signature"));
    let page = t.get(&format!("/share/grants/{grant}/exchange"), &du).await;
    assert!(page.body.contains("receiver.example.org") && !page.body.contains("whsec_"), "shown once");

    // The provider sees the history, not the consumer's forms or subscriptions.
    let given = t.get(&format!("/share/grants/{grant}/exchange"), &st).await;
    assert_eq!(given.status, StatusCode::OK);
    assert!(given.body.contains("id=\"delivery-") && !given.body.contains("id=\"deliver-form\""));
    assert!(!given.body.contains("receiver.example.org"));
    let en = t.get(&format!("/share/grants/{grant}/exchange"), &format!("{du}; zs_lang=en")).await;
    assert!(en.body.contains("Delivery and subscriptions") && en.body.contains("Deliver now"));
}
