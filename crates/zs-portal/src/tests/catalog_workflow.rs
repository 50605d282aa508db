//! The catalogue's workflow pages: review through the forms, a change of a published entry
//! with its diff, withdrawal, and the deadline board with the working-day calendar.

use super::catalog::{create_through_form, entry_form, set, setup_catalogue};
use axum::http::StatusCode;
use zs_catalog::EntryStatus;

#[tokio::test]
async fn review_workflow_through_the_forms() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let op = t.session("operator").await;
    let id = create_through_form(&t, &st, "门户审核测试").await;
    let url = format!("/catalog/entries/{id}");

    // Submit.
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"submit-form\"") && page.body.contains("id=\"action-edit\""));
    let csrf = page.csrf();
    let r = t.post(&format!("{url}/submit"), &st, &[("csrf", &csrf), ("note", "首次提交")]).await;
    assert_eq!(r.location(), format!("{url}?notice=submitted"));
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("待审核") && !page.body.contains("id=\"action-edit\""));

    // The city operator's queue lists it; the district operator's does not, nor can they see it.
    let queue = t.get("/catalog/review", &op).await;
    assert_eq!(queue.status, StatusCode::OK);
    let row = queue.body.split(&format!("id=\"review-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("门户审核测试") && row.contains("西宁市公安局") && row.contains("新增"));
    let cd = t.session("cd.operator").await;
    assert!(!t.get("/catalog/review", &cd).await.body.contains(&format!("id=\"review-{id}\"")));
    assert_eq!(t.get(&url, &cd).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/catalog/review", &st).await.status, StatusCode::FORBIDDEN);

    // Returning needs a reason: the error is shown at the return form.
    let page = t.get(&url, &op).await;
    assert!(page.body.contains("id=\"approve-form\"") && page.body.contains("id=\"return-form\""));
    let ocsrf = page.csrf();
    let r = t.post(&format!("{url}/return"), &op, &[("csrf", &ocsrf), ("reason", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = r.body.split("id=\"return-form\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("data-field=\"reason\""), "{form}");
    let r =
        t.post(&format!("{url}/return"), &op, &[("csrf", &ocsrf), ("reason", "摘要过于简单，请补充数据范围")]).await;
    assert_eq!(r.location(), format!("{url}?notice=returned"));

    // The steward sees the reason, corrects through the edit form and resubmits.
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"return-reason\"") && page.body.contains("摘要过于简单"));
    assert!(page.body.contains("已退回") && page.body.contains("id=\"submit-form\""));
    let edit = t.get(&format!("{url}/edit"), &st).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"门户审核测试\"") && edit.body.contains("value=\"id_number\""));
    assert!(edit.body.contains("id=\"item-row-2\""), "one empty row after the two items");
    let mut form = entry_form(&csrf, "门户审核测试");
    set(&mut form, "summary", "门户测试用的信息资源，覆盖全市户籍人口。");
    let r = t.post(&format!("{url}/edit"), &st, &form).await;
    assert_eq!(r.location(), format!("{url}?notice=saved"), "{}", r.body);
    assert!(t.entry(id).await.body.summary.contains("覆盖全市户籍人口"));
    let r = t.post(&format!("{url}/submit"), &st, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // A data user cannot approve; the operator can, once.
    let du = t.session("datauser").await;
    let dcsrf = t.get("/", &du).await.csrf();
    assert_eq!(t.post(&format!("{url}/approve"), &du, &[("csrf", &dcsrf)]).await.status, StatusCode::FORBIDDEN);
    let r = t.post(&format!("{url}/approve"), &op, &[("csrf", &ocsrf), ("note", "符合要求")]).await;
    assert_eq!(r.location(), format!("{url}?notice=approved"));
    let e = t.entry(id).await;
    assert_eq!(e.status, EntryStatus::Published);
    let page = t.get(r.location(), &op).await;
    assert!(page.body.contains("审核通过。") && !page.body.contains("id=\"approve-form\""));
    assert!(page.body.contains(e.publish_date.as_deref().unwrap()));
    // Approving again: the service's refusal is shown on the page.
    let r = t.post(&format!("{url}/approve"), &op, &[("csrf", &ocsrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("data-code=\"conflict\""));
    assert!(r.body.contains("nothing awaits review"));
    // The history names who did what and why.
    let page = t.get(&url, &st).await;
    let events = page.body.split("id=\"events-table\"").nth(1).unwrap();
    for needle in ["创建", "提交审核", "退回修改", "摘要过于简单", "审核通过并发布", "王运营", "张管理", "首次提交"]
    {
        assert!(events.contains(needle), "{needle}");
    }
    assert!(!t.get("/catalog/review", &op).await.body.contains(&format!("id=\"review-{id}\"")));
}

#[tokio::test]
async fn change_of_a_published_entry_diff_and_withdrawal() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let own = t
        .all()
        .await
        .into_iter()
        .find(|e| e.provider == "西宁市公安局" && e.status == EntryStatus::Published && e.pending_version.is_none())
        .unwrap();
    let url = format!("/catalog/entries/{}", own.id);
    let page = t.get(&format!("{url}/edit"), &st).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"f-classification\"") && page.body.contains("保存后不能修改"));
    let csrf = page.csrf();
    // Resubmit the form as shown, with a new summary.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for chunk in page.body.split("name=\"").skip(1) {
        let name = chunk.split('"').next().unwrap().to_owned();
        if name == "action" || name == "csrf" || pairs.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let tag = chunk.split('>').next().unwrap();
        let value = if let Some(v) = tag.split("value=\"").nth(1) {
            v.split('"').next().unwrap().to_owned()
        } else if chunk.starts_with(&format!("{name}\" rows")) || tag.contains("rows=") {
            chunk.split('>').nth(1).unwrap().split("</textarea").next().unwrap().to_owned()
        } else {
            // A select: its selected option.
            let body = chunk.split("</select>").next().unwrap();
            body.split("<option value=\"")
                .skip(1)
                .find(|o| o.split('>').next().unwrap().contains("selected"))
                .map(|o| o.split('"').next().unwrap().to_owned())
                .unwrap_or_default()
        };
        if tag.contains("type=\"checkbox\"") && !tag.contains("checked") {
            continue;
        }
        let value = value.replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">");
        pairs.push((name, value.replace("&amp;", "&")));
    }
    for (n, v) in pairs.iter_mut() {
        if n == "summary" {
            *v = "人口基础信息，新增流动人口字段说明。".into();
        }
    }
    let mut form: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    form.push(("csrf", &csrf));
    let r = t.post(&format!("{url}/edit"), &st, &form).await;
    assert_eq!(r.location(), format!("{url}?notice=saved"), "{}", r.body);

    // The published version stays live; the change is announced with a diff link.
    let e = t.entry(own.id).await;
    assert_eq!(e.status, EntryStatus::Published);
    assert_eq!(e.body.summary, own.body.summary);
    let pending = e.pending_version.unwrap();
    let page = t.get(&url, &st).await;
    assert!(page.body.contains("id=\"pending-notice\"") && page.body.contains("id=\"submit-form\""));
    let diff_href = format!("{url}/diff?from={}&amp;to={pending}", e.published_version.unwrap());
    assert!(page.body.contains(&diff_href), "{}", page.body);
    let diff = t.get(&diff_href.replace("&amp;", "&"), &st).await;
    assert_eq!(diff.status, StatusCode::OK);
    let row = diff.body.split("data-field=\"summary\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("信息资源摘要") && row.contains(&own.body.summary) && row.contains("新增流动人口字段说明"));
    assert_eq!(diff.body.matches("<tr data-field=").count(), 1, "only the summary changed");
    // Defaults compare the published version with the change; bad versions are errors.
    assert!(t.get(&format!("{url}/diff"), &st).await.body.contains("新增流动人口字段说明"));
    assert_eq!(t.get(&format!("{url}/diff?from=x"), &st).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get(&format!("{url}/diff?from=1&to=99"), &st).await.status, StatusCode::NOT_FOUND);
    // Outsiders see neither the change nor its diff.
    let du = t.session("datauser").await;
    let page = t.get(&url, &du).await;
    assert!(!page.body.contains("新增流动人口字段说明") && !page.body.contains("id=\"pending-diff\""));
    assert!(page.body.contains("id=\"pending-notice\"") && !page.body.contains("未知"));
    assert_eq!(t.get(&diff_href.replace("&amp;", "&"), &du).await.status, StatusCode::NOT_FOUND);

    // A withdrawal needs a reason and waits while a change is in progress.
    let other = t
        .all()
        .await
        .into_iter()
        .find(|x| x.provider == "西宁市公安局" && x.status == EntryStatus::Published && x.pending_version.is_none())
        .unwrap();
    let wurl = format!("/catalog/entries/{}/withdraw", other.id);
    let r = t.post(&wurl, &st, &[("csrf", &csrf), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.split("id=\"withdraw-form\"").nth(1).unwrap().contains("data-field=\"reason\""));
    let r = t.post(&wurl, &st, &[("csrf", &csrf), ("reason", "业务系统停用")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get(&format!("/catalog/entries/{}", other.id), &st).await;
    assert!(page.body.contains("下架申请正在审核"));
    let op = t.session("operator").await;
    let queue = t.get("/catalog/review", &op).await;
    let row = queue.body.split(&format!("id=\"review-{}\"", other.id)).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("下架"));
}

#[tokio::test]
async fn deadlines_board_and_calendar() {
    let t = setup_catalogue().await;
    let st = t.session("steward").await;
    let own =
        t.all().await.into_iter().find(|e| e.provider == "西宁市公安局" && e.status == EntryStatus::Published).unwrap();
    let url = format!("/catalog/entries/{}", own.id);
    let csrf = t.get(&url, &st).await.csrf();
    // A note is required: the error is shown at the obligation form, the reason kept.
    let r = t.post(&format!("{url}/obligation"), &st, &[("csrf", &csrf), ("reason", "duty"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = r.body.split("id=\"obligation-form\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("data-field=\"note\"") && form.contains("<option value=\"duty\" selected>"));
    let r = t
        .post(
            &format!("{url}/obligation"),
            &st,
            &[("csrf", &csrf), ("reason", "law"), ("note", "《数据安全法》配套办法调整")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/catalog/deadlines?notice=obligation_raised&created="));
    let oid = r.location().split("created=").nth(1).unwrap().split('#').next().unwrap().to_owned();
    // The board lists it with 20 working days from today on the calendar.
    let cal = t.cat.calendar().await.unwrap();
    let today = zs_catalog::calendar::beijing_date(t.cat.now());
    let due = cal.add_working_days(today, zs_catalog::deadlines::RESUBMIT_WORKING_DAYS).to_string();
    let board = t.get(r.location(), &st).await;
    assert_eq!(board.status, StatusCode::OK);
    let row = board.body.split(&format!("id=\"obligation-{oid}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.starts_with(&format!(" data-due=\"{due}\"")), "{row}");
    assert!(row.contains(&own.body.name) && row.contains("法律法规调整") && row.contains("《数据安全法》配套办法调整"));
    assert!(row.contains(">20<"), "{row}");
    assert!(board.body.contains("id=\"notice\"") && board.body.contains(&due));
    assert!(board.body.contains("id=\"summary-table\"") && !board.body.contains("id=\"calendar-form\""));
    // The demo has overdue obligations somewhere in the city.
    let op = t.session("operator").await;
    let board = t.get("/catalog/deadlines", &op).await;
    assert!(board.body.contains("row-overdue") && board.body.contains("id=\"calendar-form\""));
    assert!(board.body.contains("id=\"calendar-days\""));
    let ocsrf = board.csrf();
    let year = today.year();
    let day = format!("{year}-12-01");
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &op,
            &[("csrf", &ocsrf), ("day", &day), ("kind", "holiday"), ("name", "本地假日")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(t.get("/catalog/deadlines", &op).await.body.contains(&format!("id=\"day-{day}\"")));
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &op,
            &[("csrf", &ocsrf), ("day", "2026-13-40"), ("kind", "holiday"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"day\"") && r.body.contains("value=\"2026-13-40\""));
    let scsrf = t.get("/", &st).await.csrf();
    let r = t
        .post(
            "/catalog/deadlines/calendar",
            &st,
            &[("csrf", &scsrf), ("day", &day), ("kind", "holiday"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The dashboard counts them.
    let home = t.get("/", &op).await;
    assert!(home.body.contains("id=\"stat-deadlines-overdue\"") && home.body.contains("id=\"stat-awaiting-review\""));
    assert!(home.body.contains("id=\"tile-catalog\"") && home.body.contains("id=\"nav-review\""));
    let home = t.get("/", &st).await;
    assert!(home.body.contains("id=\"stat-deadlines-due\"") && !home.body.contains("id=\"stat-awaiting-review\""));
    assert!(home.body.contains("id=\"tile-catalog-new\"") && !home.body.contains("id=\"nav-review\""));
    let du = t.session("datauser").await;
    let home = t.get("/", &du).await;
    assert!(!home.body.contains("id=\"catalogue-card\"") && home.body.contains("id=\"nav-catalog\""));
    assert!(home.body.contains("id=\"nav-deadlines\""));
}
