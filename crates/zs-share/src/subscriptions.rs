//! Subscriptions (订阅): a consumer department with a grant subscribes a webhook URL to the
//! resource's changes. Each committed version becomes a notification in the store's outbox,
//! POSTed as JSON signed with HMAC-SHA256 under the subscription's secret (shown once) and with
//! the node's SM2 key (`crate::webhook_sig`), retried
//! with exponential back-off, and moved to the dead-letter list after the last attempt; the
//! consumer lists dead letters and replays them. The format is in `docs/share-webhooks.md`.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use utoipa::ToSchema;
use zs_identity::policy::{Authorized, ShareData, ShareRead};
use zs_meta::delivery::{Attempt, NewSubscription, Notification, Subscription};
use zs_types::{AuditEvent, Error, ErrorCode, OrgId, Outcome, Result};

use crate::service::ShareService;

/// The header carrying the timestamp and signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "X-Zhengshu-Signature";
/// The header carrying the event id (the receiver's de-duplication key).
pub const EVENT_HEADER: &str = "X-Zhengshu-Event";

/// Sign a body: HMAC-SHA256 under `secret` of `"<timestamp>.<body>"`, as the header value.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Subscribe a webhook.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    /// The receiver: an `https://` (or `http://`) URL of the consumer's system.
    pub url: String,
}

/// A subscription as shown (the secret never is, after creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Identifier.
    pub id: i64,
    /// The grant.
    pub grant_id: i64,
    /// Where notifications go.
    pub url: String,
    /// Whether notifications are sent.
    pub enabled: bool,
    /// Notifications waiting to be (re)sent.
    pub pending: i64,
    /// Notifications in the dead-letter list.
    pub dead: i64,
    /// Made (Unix ms).
    pub created_at: i64,
}

/// A new subscription with its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionCreated {
    /// The subscription.
    pub subscription: SubscriptionView,
    /// The HMAC-SHA256 signing secret (`whsec_…`); keep it, it is not shown again.
    pub secret: String,
}

/// A notification as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    /// Identifier.
    pub id: i64,
    /// Event id (sent in `X-Zhengshu-Event`).
    pub event_id: String,
    /// The change-feed cursor of the version announced.
    pub cursor: i64,
    /// `pending` | `delivered` | `dead`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt (Unix ms), while pending.
    pub next_attempt_at: Option<i64>,
    /// HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// Accepted by the receiver (Unix ms).
    pub delivered_at: Option<i64>,
    /// The JSON body.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Queued (Unix ms).
    pub created_at: i64,
}

fn check_url(s: &str) -> Result<String> {
    let bad = || Error::invalid("url", "give an http:// or https:// URL of the receiver");
    let u = url::Url::parse(s.trim()).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() || s.trim().len() > 2000 {
        return Err(bad());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::invalid("url", "no credentials in the URL: the signature authenticates the platform"));
    }
    Ok(u.to_string())
}

impl ShareService {
    /// Subscribe a webhook to the grant's resource; the signing secret is returned once.
    pub async fn subscribe(
        &self,
        pass: &Authorized<ShareData>,
        id: i64,
        input: SubscribeInput,
    ) -> Result<SubscriptionCreated> {
        let p = pass.principal();
        let grant = self.held(p, id).await?;
        let url = check_url(&input.url)?;
        let (egress, _) = self.exchange.egress();
        egress.check_url(&url::Url::parse(&url).map_err(|_| Error::invalid("url", "not a URL"))?, "url").await?;
        let mut raw = [0u8; 32];
        raw[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        raw[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let secret = format!("whsec_{}", hex::encode(raw));
        let s = self
            .store
            .create_subscription(&NewSubscription {
                id: 0,
                grant_id: id,
                code: grant.code.clone(),
                consumer_org_id: grant.consumer_org_id,
                url,
                secret: self.exchange.seal(&secret),
                enabled: true,
                created_by: Some(p.user.id.0),
                created_at: self.now_ms(),
            })
            .await?;
        self.record(
            p,
            pass.request_id(),
            "share.subscribe",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "subscription": s.id }),
        )
        .await?;
        Ok(SubscriptionCreated { subscription: self.present_subscription(&s).await?, secret })
    }

    /// The grant's subscriptions (consumer department only).
    pub async fn subscriptions(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<Vec<SubscriptionView>> {
        self.consumer_view(pass, id).await?;
        let mut out = Vec::new();
        for s in self.store.list_subscriptions(id).await? {
            out.push(self.present_subscription(&s).await?);
        }
        Ok(out)
    }

    /// A subscription's notifications, newest first (`state`: `pending`, `delivered`, `dead`).
    pub async fn notifications(
        &self,
        pass: &Authorized<ShareRead>,
        id: i64,
        subscription: i64,
        state: Option<&str>,
    ) -> Result<Vec<NotificationView>> {
        self.consumer_view(pass, id).await?;
        if let Some(s) = state {
            if !matches!(s, "pending" | "delivered" | "dead") {
                return Err(Error::invalid("state", "state is pending, delivered or dead"));
            }
        }
        let s = self.subscription_of(id, subscription).await?;
        Ok(self.store.list_notifications(s.id, state, 200).await?.iter().map(present_notification).collect())
    }

    /// Switch a subscription off.
    pub async fn unsubscribe(
        &self,
        pass: &Authorized<ShareData>,
        id: i64,
        subscription: i64,
    ) -> Result<SubscriptionView> {
        self.held(pass.principal(), id).await?;
        let s = self.subscription_of(id, subscription).await?;
        self.store.set_subscription_enabled(s.id, false).await?;
        self.record(
            pass.principal(),
            pass.request_id(),
            "share.unsubscribe",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "subscription": s.id }),
        )
        .await?;
        let s = self.subscription_of(id, subscription).await?;
        self.present_subscription(&s).await
    }

    /// Send a dead notification again (attempts start over).
    pub async fn replay(
        &self,
        pass: &Authorized<ShareData>,
        id: i64,
        subscription: i64,
        notification: i64,
    ) -> Result<NotificationView> {
        self.held(pass.principal(), id).await?;
        let s = self.subscription_of(id, subscription).await?;
        let n = self
            .store
            .get_notification(notification)
            .await?
            .filter(|n| n.subscription_id == s.id)
            .ok_or_else(|| Error::not_found("notification"))?;
        if !self.store.replay_notification(n.id, self.now_ms()).await? {
            return Err(Error::new(ErrorCode::Conflict, "only dead notifications are replayed"));
        }
        self.record(
            pass.principal(),
            pass.request_id(),
            "share.replay",
            format!("grant:{id}"),
            Outcome::Succeeded,
            json!({ "subscription": s.id, "notification": n.id, "event": n.event_id }),
        )
        .await?;
        self.exchange.wake.notify_waiters();
        let n = self.store.get_notification(n.id).await?.ok_or_else(|| Error::not_found("notification"))?;
        Ok(present_notification(&n))
    }

    /// The grant as its consumer department sees it (subscriptions are the consumer's own).
    async fn consumer_view(&self, pass: &Authorized<ShareRead>, id: i64) -> Result<()> {
        let g = self.store.get_grant(id).await?.ok_or_else(|| Error::not_found("grant"))?;
        if g.consumer_org_id != pass.principal().org.id.0 {
            return Err(Error::not_found("grant"));
        }
        Ok(())
    }

    async fn subscription_of(&self, grant: i64, id: i64) -> Result<Subscription> {
        self.store
            .get_subscription(id)
            .await?
            .filter(|s| s.grant_id == grant)
            .ok_or_else(|| Error::not_found("subscription"))
    }

    async fn present_subscription(&self, s: &Subscription) -> Result<SubscriptionView> {
        let pending = self.store.list_notifications(s.id, Some("pending"), 1000).await?.len() as i64;
        let dead = self.store.list_notifications(s.id, Some("dead"), 1000).await?.len() as i64;
        Ok(SubscriptionView {
            id: s.id,
            grant_id: s.grant_id,
            url: s.url.clone(),
            enabled: s.enabled,
            pending,
            dead,
            created_at: s.created_at,
        })
    }

    /// Send the notifications that are due, a batch at a time; returns how many were tried.
    pub async fn send_due_notifications(&self) -> Result<usize> {
        let policy = self.exchange.policy();
        let now = self.now_ms();
        let lease = i64::try_from(policy.timeout.as_millis()).unwrap_or(10_000) * 2 + 60_000;
        let due = self.store.claim_notifications(now, now + lease, 32).await?;
        let n = due.len();
        let sends = due.into_iter().map(|note| self.send(note, policy));
        for r in futures::future::join_all(sends).await {
            r?;
        }
        Ok(n)
    }

    async fn send(&self, n: Notification, policy: crate::exchange::WebhookPolicy) -> Result<()> {
        let Some(s) = self.store.get_subscription(n.subscription_id).await? else { return Ok(()) };
        let grant = self.store.get_grant(n.grant_id).await?;
        let live = s.enabled && grant.as_ref().is_some_and(|g| self.usable(g).is_ok());
        let attempt = if !live {
            Err((None, "the subscription is switched off or its grant is no longer usable".to_owned()))
        } else {
            let secret = self.exchange.open(&s.secret)?;
            let ts = self.clock.now().unix_timestamp();
            let (egress, http) = self.exchange.egress();
            // The policy may have changed since the subscription was made: an address written
            // in the URL is checked here, a name by the client's resolver as it connects.
            let allowed = match url::Url::parse(&s.url) {
                Ok(u) => egress.check_literal(&u, "url"),
                Err(_) => Err(Error::invalid("url", "the stored URL is not a URL")),
            };
            if let Err(e) = allowed {
                return self.sent(n, s, live, Err((None, e.message)), policy).await;
            }
            let mut req = http
                .post(&s.url)
                .timeout(policy.timeout)
                .header("content-type", "application/json")
                .header(EVENT_HEADER, &n.event_id)
                .header(SIGNATURE_HEADER, signature(&secret, ts, n.payload.as_bytes()));
            if let Some(key) = self.exchange.webhook_key() {
                let sig = crate::webhook_sig::sm2_signature(&key, &n.event_id, ts, n.payload.as_bytes());
                req = req.header(crate::webhook_sig::SM2_SIGNATURE_HEADER, sig);
            }
            let sent = req.body(n.payload.clone()).send().await;
            match sent {
                Ok(r) if r.status().is_success() => Ok(i64::from(r.status().as_u16())),
                Ok(r) => Err((Some(i64::from(r.status().as_u16())), format!("the receiver answered {}", r.status()))),
                Err(e) if e.is_timeout() => Err((None, format!("no answer within {:?}", policy.timeout))),
                Err(e) if e.is_connect() => Err((None, "the receiver could not be reached".to_owned())),
                Err(_) => Err((None, "the request failed".to_owned())),
            }
        };
        self.sent(n, s, live, attempt, policy).await
    }

    /// Record one attempt's outcome: delivered, retried later, or a dead letter.
    async fn sent(
        &self,
        n: Notification,
        s: Subscription,
        live: bool,
        attempt: std::result::Result<i64, (Option<i64>, String)>,
        policy: crate::exchange::WebhookPolicy,
    ) -> Result<()> {
        let now = self.now_ms();
        let attempts = n.attempts + 1;
        let a = match attempt {
            Ok(status) => {
                Attempt { state: "delivered".into(), status: Some(status), error: None, next_attempt_at: now, at: now }
            }
            Err((status, error)) if live && attempts < policy.max_attempts => {
                let wait = i64::try_from(policy.backoff(attempts).as_millis()).unwrap_or(i64::MAX / 2);
                Attempt { state: "pending".into(), status, error: Some(error), next_attempt_at: now + wait, at: now }
            }
            Err((status, error)) => {
                Attempt { state: "dead".into(), status, error: Some(error), next_attempt_at: now, at: now }
            }
        };
        self.store.record_attempt(n.id, &a).await?;
        if a.state != "pending" {
            self.audit
                .record(AuditEvent {
                    at: self.clock.now(),
                    request_id: None,
                    actor_user: None,
                    actor_org: Some(OrgId(s.consumer_org_id)),
                    action: "share.notify".into(),
                    target: Some(format!("grant:{}", n.grant_id)),
                    outcome: if a.state == "delivered" { Outcome::Succeeded } else { Outcome::Failed },
                    detail: json!({ "subscription": s.id, "notification": n.id, "event": n.event_id,
                        "attempts": attempts, "status": a.status, "state": a.state }),
                })
                .await?;
        }
        Ok(())
    }
}

fn present_notification(n: &Notification) -> NotificationView {
    NotificationView {
        id: n.id,
        event_id: n.event_id.clone(),
        cursor: n.change_id,
        state: n.state.clone(),
        attempts: n.attempts,
        next_attempt_at: (n.state == "pending").then_some(n.next_attempt_at),
        last_status: n.last_status,
        last_error: n.last_error.clone(),
        delivered_at: n.delivered_at,
        payload: serde_json::from_str(&n.payload).unwrap_or_default(),
        created_at: n.created_at,
    }
}
