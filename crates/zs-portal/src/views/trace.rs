//! Full-process tracing (全流程监管): a resource's, a department's or a grant's events in order,
//! each with its ledger index and whether its inclusion proof verifies against the signed
//! checkpoint; the evidence bundle download; and, for security and audit administrators, which
//! departments received one person's record (by ID number, never stored).

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{fmt_time, render, urlencode, Chrome, PageResult};
use crate::session::Ctx;
use crate::views::resource::download;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use zs_http::AppState;
use zs_identity::policy::{TracePerson, TraceRead};
use zs_ledger::bundle::item_proven;
use zs_ledger::note::{Checkpoint, Verifier};
use zs_ledger::HashProfile;
use zs_trace::person::{PersonTrace, Receiver};
use zs_trace::trace::{Subject, TraceItem, TraceView};
use zs_types::Error;

/// Query parameters: one of them names what to trace.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TraceParams {
    resource: String,
    department: String,
    grant: String,
}

/// The person form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    csrf: String,
    id_number: String,
}

/// One row of the table.
pub struct Row {
    seq: i64,
    at: String,
    org: String,
    action: String,
    target: String,
    outcome: &'static str,
    facts: String,
    index: String,
    proven: bool,
}

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    c: Chrome,
    resource: String,
    department: String,
    grant: String,
    may_person: bool,
    /// What was traced (empty: only the forms).
    subject: String,
    title: String,
    size: u64,
    bundle_href: String,
    rows: Vec<Row>,
    receivers: Vec<Receiver>,
    person_done: bool,
}

/// Whether each item's inclusion proof leads to the signed checkpoint.
fn rows(items: &[TraceItem], hash: &str, log_key: &str, note: &str) -> Vec<Row> {
    let cp = Verifier::from_key_string(log_key).ok().and_then(|k| Checkpoint::open(note, &k).ok()).map(|(c, _)| c);
    let profile = HashProfile::parse(hash);
    items
        .iter()
        .map(|i| {
            let e = &i.record.event;
            let proven = match (&cp, profile, &i.entry, i.record.ledger_index.and_then(|x| u64::try_from(x).ok())) {
                (Some(cp), Some(p), Some(entry), Some(idx)) => item_proven(p, cp, idx, entry, &i.proof),
                _ => false,
            };
            let facts = serde_json::to_value(&e.detail)
                .ok()
                .and_then(|d| d.as_object().cloned())
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| zs_ledger::entry::FACT_KEYS.contains(&k.as_str()))
                        .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .unwrap_or_default();
            Row {
                seq: i.record.seq,
                at: fmt_time(e.at),
                org: i.actor_org_name.clone(),
                action: e.action.clone(),
                target: e.target.clone().unwrap_or_default(),
                outcome: e.outcome.as_str(),
                facts,
                index: i.record.ledger_index.map(|x| x.to_string()).unwrap_or_default(),
                proven,
            }
        })
        .collect()
}

fn subject_of(ctx: &Ctx, p: &TraceParams) -> Result<Option<(Subject, String)>, crate::page::Reject> {
    let num = |field: &str, v: &str| {
        v.trim().parse::<i64>().map_err(|_| ctx.fail(Error::invalid(field, format!("{field} must be a number"))))
    };
    if !p.resource.trim().is_empty() {
        let c = p.resource.trim().to_owned();
        return Ok(Some((Subject::Resource(c.clone()), format!("resource={}", urlencode(&c)))));
    }
    if !p.department.trim().is_empty() {
        let id = num("department", &p.department)?;
        return Ok(Some((Subject::Department(id), format!("department={id}"))));
    }
    if !p.grant.trim().is_empty() {
        let id = num("grant", &p.grant)?;
        return Ok(Some((Subject::Grant(id), format!("grant={id}"))));
    }
    Ok(None)
}

fn page(ctx: &Ctx, p: &TraceParams) -> TracePage {
    TracePage {
        c: ctx.chrome("trace"),
        resource: p.resource.trim().to_owned(),
        department: p.department.trim().to_owned(),
        grant: p.grant.trim().to_owned(),
        may_person: ctx.allows("trace.person"),
        subject: String::new(),
        title: String::new(),
        size: 0,
        bundle_href: String::new(),
        rows: vec![],
        receivers: vec![],
        person_done: false,
    }
}

/// `GET /trace?resource=CODE | department=ID | grant=ID`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<TraceParams>) -> PageResult {
    let pass = ctx.authorize::<TraceRead>(&s).await?;
    let mut out = page(&ctx, &p);
    if let Some((subject, query)) = subject_of(&ctx, &p)? {
        let v: TraceView = s.trace.trace(&pass, &subject).await.map_err(|e| ctx.fail(e))?;
        out.rows = rows(&v.items, &v.hash, &v.log_key, &v.checkpoint);
        out.subject = v.subject;
        out.title = v.title;
        out.size = v.size;
        out.bundle_href = format!("/trace/bundle?{query}");
    }
    Ok(render(StatusCode::OK, &out))
}

/// `GET /trace/bundle?…`: the evidence bundle as a file.
pub async fn bundle(State(s): State<AppState>, ctx: Ctx, PortalQuery(p): PortalQuery<TraceParams>) -> PageResult {
    let pass = ctx.authorize::<TraceRead>(&s).await?;
    let Some((subject, _)) = subject_of(&ctx, &p)? else {
        return Err(ctx.fail(Error::invalid("resource", "name a resource, department or grant")));
    };
    let b = s.trace.bundle(&pass, &subject).await.map_err(|e| ctx.fail(e))?;
    let bytes = serde_json::to_vec_pretty(&b).map_err(|_| ctx.fail(Error::internal("writing the bundle")))?;
    let name = format!("evidence-{}.json", subject.label().replace(':', "-"));
    Ok(download("application/json", &name, bytes))
}

/// `POST /trace/person`: which departments received the record of the person with this ID number.
pub async fn person(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<PersonForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<TracePerson>(&s).await?;
    let t: PersonTrace = s.trace.person(&pass, &f.id_number).await.map_err(|e| ctx.fail(e))?;
    let mut out = page(&ctx, &TraceParams::default());
    out.rows = rows(&t.deliveries, &t.hash, &t.log_key, &t.checkpoint);
    out.size = t.size;
    out.receivers = t.receivers;
    out.person_done = true;
    Ok(render(StatusCode::OK, &out))
}
