//! The client address of a request: the connection's peer, or — with `trust_forwarded_for`, behind
//! a reverse proxy — the last address in `X-Forwarded-For`. It is carried in a task-local like the
//! request id, and [`ClientAddrSink`] adds it to every audit record written while the request is
//! handled (`detail.client`), so anomaly detection can tell where a credential is used from.
//! The ledger holds only the hash of a record's detail.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use zs_types::{AuditEvent, AuditSink, Result};

tokio::task_local! {
    static CLIENT: String;
}

/// The detail key of the client address.
pub const DETAIL_KEY: &str = "client";

/// The client address of the request being handled, if known.
pub fn current() -> Option<String> {
    CLIENT.try_with(Clone::clone).ok()
}

/// The address a request came from.
fn address(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        // The proxy appends the address it saw: the last entry is the one it vouches for.
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Middleware: run the request with its client address in the task-local.
pub async fn middleware(trust_forwarded_for: bool, req: Request, next: Next) -> Response {
    match address(&req, trust_forwarded_for) {
        Some(ip) => CLIENT.scope(ip.to_canonical().to_string(), next.run(req)).await,
        None => next.run(req).await,
    }
}

/// An audit sink that adds the request's client address to each event's detail.
pub struct ClientAddrSink {
    inner: Arc<dyn AuditSink>,
}

impl ClientAddrSink {
    /// Wrap a sink.
    pub fn new(inner: Arc<dyn AuditSink>) -> Self {
        Self { inner }
    }
}

#[async_trait::async_trait]
impl AuditSink for ClientAddrSink {
    async fn record(&self, mut event: AuditEvent) -> Result<()> {
        if let Some(client) = current() {
            if event.detail.is_null() {
                event.detail = serde_json::json!({});
            }
            if let Some(m) = event.detail.as_object_mut() {
                m.entry(DETAIL_KEY).or_insert_with(|| serde_json::Value::String(client));
            }
        }
        self.inner.record(event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Keep(Arc<Mutex<Vec<AuditEvent>>>);

    #[async_trait::async_trait]
    impl AuditSink for Keep {
        async fn record(&self, event: AuditEvent) -> Result<()> {
            self.0.lock().unwrap().push(event);
            Ok(())
        }
    }

    #[tokio::test]
    async fn adds_the_client_inside_a_request_only() {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = ClientAddrSink::new(Arc::new(Keep(kept.clone())));
        let event = |detail| AuditEvent {
            at: time::OffsetDateTime::UNIX_EPOCH,
            request_id: None,
            actor_user: None,
            actor_org: None,
            action: "x".into(),
            target: None,
            outcome: zs_types::Outcome::Succeeded,
            detail,
        };
        sink.record(event(serde_json::json!({ "a": 1 }))).await.unwrap();
        CLIENT
            .scope("10.1.2.3".into(), async {
                sink.record(event(serde_json::json!({ "a": 2 }))).await.unwrap();
                sink.record(event(serde_json::Value::Null)).await.unwrap();
            })
            .await;
        let got = kept.lock().unwrap();
        assert_eq!(got[0].detail, serde_json::json!({ "a": 1 }));
        assert_eq!(got[1].detail, serde_json::json!({ "a": 2, "client": "10.1.2.3" }));
        assert_eq!(got[2].detail, serde_json::json!({ "client": "10.1.2.3" }));
    }
}
