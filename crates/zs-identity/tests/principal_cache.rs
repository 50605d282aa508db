//! The principal cache: hits skip the store, and every change that could alter a principal is
//! seen on the very next request. Real SQLite store in a temp dir; a manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use time::macros::datetime;
use zs_identity::policy::{CredentialIssue, CredentialRevoke, Logout, MeChangePassword, UserCreate, UserDisable};
use zs_identity::principal_cache::PrincipalCacheStats;
use zs_identity::{CreateUser, IdentityService, IdentitySettings, IssueCredential};
use zs_types::{AuditEvent, AuditSink, ErrorCode, ManualClock, Role, UserId};

struct NoAudit;

#[async_trait::async_trait]
impl AuditSink for NoAudit {
    async fn record(&self, _event: AuditEvent) -> zs_types::Result<()> {
        Ok(())
    }
}

const PASSWORD: &str = "Xining-2026-cache";

async fn setup(session_ttl: time::Duration) -> (IdentityService, Arc<ManualClock>, UserId, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: zs_meta::DynStore = Arc::new(zs_meta::SqliteStore::open(&dir.path().join("meta.db")).await.unwrap());
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 09:00 +8)));
    let settings = IdentitySettings { session_ttl, demo_mode: true, ..Default::default() };
    let svc = IdentityService::new(store, Arc::new(NoAudit), clock.clone(), settings);
    let city = svc.create_city("西宁市", "630100").await.unwrap();
    let op = svc.machine_operator().await.unwrap();
    let pass = svc.authorize::<UserCreate>(&op, None).await.unwrap();
    let (user, _) = svc
        .create_user(
            &pass,
            CreateUser {
                username: "api.client".into(),
                display_name: "接口调用方".into(),
                org_id: city.id,
                role: Role::PlatformOperator,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    (svc, clock, user.id, dir)
}

async fn issue(svc: &IdentityService, user: UserId) -> String {
    let op = svc.machine_operator().await.unwrap();
    let pass = svc.authorize::<CredentialIssue>(&op, None).await.unwrap();
    let input = IssueCredential {
        name: "数据接口".into(),
        scopes: vec!["org.read".into()],
        expires_in_days: None,
        user_id: Some(user),
    };
    svc.issue_credential(&pass, input).await.unwrap().1
}

fn stats(svc: &IdentityService) -> PrincipalCacheStats {
    svc.principal_cache_stats()
}

#[tokio::test]
async fn hits_skip_the_store_until_the_ttl() {
    let (svc, clock, user, _dir) = setup(time::Duration::hours(8)).await;
    let token = issue(&svc, user).await;
    let before = stats(&svc);
    let a = svc.authenticate(&token).await.unwrap();
    let b = svc.authenticate(&token).await.unwrap();
    let c = svc.authenticate(&token).await.unwrap();
    assert!(Arc::ptr_eq(&a, &b) && Arc::ptr_eq(&b, &c), "the cached principal is served");
    let after = stats(&svc);
    assert_eq!(after.misses - before.misses, 1, "only the first call read the store");
    assert_eq!(after.hits - before.hits, 2);
    // After the TTL the store is read again.
    clock.advance(time::Duration::seconds(6));
    let d = svc.authenticate(&token).await.unwrap();
    assert!(!Arc::ptr_eq(&a, &d));
    assert_eq!(stats(&svc).misses - before.misses, 2);
}

#[tokio::test]
async fn revoked_credential_is_refused_on_the_next_call() {
    let (svc, _clock, user, _dir) = setup(time::Duration::hours(8)).await;
    let token = issue(&svc, user).await;
    let p = svc.authenticate(&token).await.unwrap();
    svc.authenticate(&token).await.unwrap();
    let id = match &p.via {
        zs_identity::AuthVia::Credential { id, .. } => *id,
        other => panic!("not a credential: {other:?}"),
    };
    let op = svc.machine_operator().await.unwrap();
    let pass = svc.authorize::<CredentialRevoke>(&op, None).await.unwrap();
    svc.revoke_credential(&pass, id).await.unwrap();
    let e = svc.authenticate(&token).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::CredentialRevoked);
}

#[tokio::test]
async fn disabled_account_is_refused_on_the_next_call() {
    let (svc, _clock, user, _dir) = setup(time::Duration::hours(8)).await;
    let token = issue(&svc, user).await;
    svc.authenticate(&token).await.unwrap();
    let op = svc.machine_operator().await.unwrap();
    let pass = svc.authorize::<UserDisable>(&op, None).await.unwrap();
    svc.set_disabled(&pass, user, true).await.unwrap();
    assert_eq!(svc.authenticate(&token).await.unwrap_err().code, ErrorCode::AccountDisabled);
    svc.set_disabled(&pass, user, false).await.unwrap();
    svc.authenticate(&token).await.unwrap();
}

#[tokio::test]
async fn logout_and_password_change_are_seen_at_once() {
    let (svc, _clock, _user, _dir) = setup(time::Duration::hours(8)).await;
    let login = svc.login("api.client", PASSWORD, None).await.unwrap();
    let p = svc.authenticate(&login.token).await.unwrap();
    let pass = svc.authorize::<Logout>(&p, None).await.unwrap();
    svc.logout(&pass).await.unwrap();
    assert_eq!(svc.authenticate(&login.token).await.unwrap_err().code, ErrorCode::SessionExpired);

    // A password change ends the other sessions; the one that made it stays, read again.
    let one = svc.login("api.client", PASSWORD, None).await.unwrap();
    let two = svc.login("api.client", PASSWORD, None).await.unwrap();
    let p1 = svc.authenticate(&one.token).await.unwrap();
    svc.authenticate(&two.token).await.unwrap();
    let pass = svc.authorize::<MeChangePassword>(&p1, None).await.unwrap();
    svc.change_password(&pass, PASSWORD, "Xining-2027-cache").await.unwrap();
    assert_eq!(svc.authenticate(&two.token).await.unwrap_err().code, ErrorCode::SessionExpired);
    let again = svc.authenticate(&one.token).await.unwrap();
    assert!(!Arc::ptr_eq(&p1, &again), "the changed account is read again");
}

#[tokio::test]
async fn expiry_is_checked_on_every_hit() {
    let (svc, clock, _user, _dir) = setup(time::Duration::seconds(3)).await;
    let login = svc.login("api.client", PASSWORD, None).await.unwrap();
    svc.authenticate(&login.token).await.unwrap();
    clock.advance(time::Duration::seconds(2));
    svc.authenticate(&login.token).await.unwrap();
    // Still within the cache TTL, but past the session's expiry.
    clock.advance(time::Duration::seconds(2));
    assert_eq!(svc.authenticate(&login.token).await.unwrap_err().code, ErrorCode::SessionExpired);
}
