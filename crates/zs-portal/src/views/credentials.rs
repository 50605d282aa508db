//! API credentials: the list, issuing (token shown once) and revoking.

use crate::forms::{PortalForm, PortalQuery};
use crate::page::{
    fmt_time, is_form_error, no_store, notice_key, redirect, render, Chrome, CsrfOnly, FormError, NoticeQuery,
    PageResult,
};
use crate::session::Ctx;
use crate::views::secret::{secret_page, Fact};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use zs_http::AppState;
use zs_identity::policy::{role_allows, CredentialIssue, CredentialRead, CredentialRevoke, UserRead, ACTIONS};
use zs_identity::IssueCredential;
use zs_types::model::Credential;
use zs_types::{CredentialId, Error, Role, UserId};

/// One credential in the table.
pub struct CredRow {
    id: CredentialId,
    name: String,
    prefix: String,
    owner: String,
    scopes: Vec<String>,
    expires: String,
    status_key: &'static str,
    status_class: &'static str,
    can_revoke: bool,
    highlight: bool,
}

/// The issue form.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct CredForm {
    csrf: String,
    name: String,
    scopes: String,
    days: String,
}

impl Default for CredForm {
    fn default() -> Self {
        Self { csrf: String::new(), name: String::new(), scopes: String::new(), days: "90".to_owned() }
    }
}

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    c: Chrome,
    intro: &'static str,
    notice: String,
    rows: Vec<CredRow>,
    can_issue: bool,
    scope_names: Vec<&'static str>,
    form: CredForm,
    error: Option<FormError>,
}

/// Whether the role may revoke other accounts' credentials (in scope).
fn revokes_others(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::SecurityAdmin)
}

fn status(c: &Credential, now: time::OffsetDateTime) -> (&'static str, &'static str) {
    if c.revoked_at.is_some() {
        ("status.revoked", "red")
    } else if c.suspended_at.is_some() {
        ("status.suspended", "red")
    } else if c.expires_at.is_some_and(|e| e <= now) {
        ("status.expired", "amber")
    } else {
        ("status.active", "green")
    }
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    form: CredForm,
    error: Option<FormError>,
    q: &NoticeQuery,
    status_code: StatusCode,
) -> PageResult {
    let read = ctx.authorize::<CredentialRead>(s).await?;
    let creds = s.identity.list_credentials(&read).await.map_err(|e| ctx.fail(e))?;
    let me = &ctx.principal.user;
    // Owner names: one's own, and for administrators the accounts in scope.
    let mut owners: HashMap<UserId, String> = HashMap::from([(me.id, me.username.clone())]);
    if creds.iter().any(|c| c.user_id != me.id) && ctx.allows("user.read") {
        let pass = ctx.authorize::<UserRead>(s).await?;
        for u in s.identity.list_users(&pass).await.map_err(|e| ctx.fail(e))? {
            owners.insert(u.id, u.username);
        }
    }
    let highlight = q.created.parse::<i64>().ok().map(CredentialId);
    let others = revokes_others(ctx.role());
    let now = s.identity.now();
    let rows = creds
        .iter()
        .map(|c| {
            let (status_key, status_class) = status(c, now);
            CredRow {
                id: c.id,
                name: c.name.clone(),
                prefix: c.token_prefix.clone(),
                owner: owners.get(&c.user_id).cloned().unwrap_or_else(|| format!("#{}", c.user_id)),
                scopes: c.scopes.clone(),
                expires: c.expires_at.map(fmt_time).unwrap_or_else(|| "—".to_owned()),
                status_key,
                status_class,
                can_revoke: c.revoked_at.is_none() && (c.user_id == me.id || others),
                highlight: highlight == Some(c.id),
            }
        })
        .collect();
    let role = ctx.role();
    let page = CredentialsPage {
        c: ctx.chrome("credentials"),
        intro: if others { "creds.intro_admin" } else { "creds.intro_own" },
        notice: notice_key(&q.notice).map(|k| ctx.t(k).to_owned()).unwrap_or_default(),
        rows,
        can_issue: ctx.allows("credential.issue"),
        scope_names: ACTIONS.iter().filter(|(n, _)| role_allows(n, role)).map(|(n, _)| *n).collect(),
        form,
        error,
    };
    Ok(render(status_code, &page))
}

/// `GET /credentials`.
pub async fn show(State(s): State<AppState>, ctx: Ctx, PortalQuery(q): PortalQuery<NoticeQuery>) -> PageResult {
    page(&s, &ctx, CredForm::default(), None, &q, StatusCode::OK).await
}

/// Scopes typed as a list separated by commas, blanks or new lines (also the full-width comma).
pub fn split_scopes(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c == '，' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse(f: &CredForm) -> Result<IssueCredential, Error> {
    let days = match f.days.trim() {
        "" => None,
        d => Some(
            d.parse::<i64>().map_err(|_| Error::invalid("expires_in_days", "expiry must be a whole number of days"))?,
        ),
    };
    Ok(IssueCredential { name: f.name.clone(), scopes: split_scopes(&f.scopes), expires_in_days: days, user_id: None })
}

/// `POST /credentials`: issue a credential; the token is shown once.
pub async fn issue(State(s): State<AppState>, ctx: Ctx, PortalForm(f): PortalForm<CredForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let pass = ctx.authorize::<CredentialIssue>(&s).await?;
    let result = match parse(&f) {
        Ok(input) => s.identity.issue_credential(&pass, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((cred, token)) => {
            let facts = vec![
                Fact { key: "creds.name", value: cred.name.clone() },
                Fact { key: "creds.scopes", value: cred.scopes.join(", ") },
                Fact { key: "creds.expires", value: cred.expires_at.map(fmt_time).unwrap_or_default() },
            ];
            let subject = ctx.t("secret.token_intro").to_owned();
            let back = format!("/credentials?created={}#credential-{}", cred.id, cred.id);
            Ok(no_store(secret_page(
                ctx.chrome("credentials"),
                "secret.token_title",
                subject,
                "secret.token_warning",
                token,
                facts,
                back,
            )))
        }
        Err(e) if is_form_error(&e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let fe = FormError::new(ctx.lang, &e);
            page(&s, &ctx, f, Some(fe), &NoticeQuery::default(), status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /credentials/{id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PortalForm(f): PortalForm<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let id = id.parse::<i64>().map(CredentialId).map_err(|_| ctx.fail(Error::not_found("credential")))?;
    let pass = ctx.authorize::<CredentialRevoke>(&s).await?;
    let c = s.identity.revoke_credential(&pass, id).await.map_err(|e| ctx.fail(e))?;
    Ok(redirect(&format!("/credentials?notice=credential_revoked#credential-{}", c.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_commas_and_blanks() {
        assert_eq!(
            split_scopes("org.read, user.*\ncredential.read，audit.read"),
            vec!["org.read", "user.*", "credential.read", "audit.read"]
        );
        assert!(split_scopes(" ,, ").is_empty());
    }
}
