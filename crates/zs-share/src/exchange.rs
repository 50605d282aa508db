//! What bulk delivery and subscriptions share: their settings, the sealing of stored secrets,
//! the check that a caller may use a grant, and the grant's terms (items, row restriction,
//! masking) turned into a table shape — the same rules the data API applies.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zs_catalog::{Entry, EntryStatus};
use zs_identity::policy::grant_of_scope;
use zs_identity::{AuthVia, Principal};
use zs_meta::share::Grant;
use zs_types::{Error, ErrorCode, Result};

use crate::diff::Shape;
use crate::egress::{EgressPolicy, GuardedResolver};
use crate::masking::Technique;
use crate::model::RowCondition;
use crate::service::{names, ShareService};

type HmacSha256 = Hmac<Sha256>;

/// How webhook notifications are sent and retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Attempts before a notification goes to the dead-letter list.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubled after each failure.
    pub first_retry: Duration,
    /// Longest wait between attempts.
    pub max_retry: Duration,
    /// How long one POST may take.
    pub timeout: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            first_retry: Duration::from_secs(30),
            max_retry: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookPolicy {
    /// The wait after the `attempts`-th failed attempt (1-based): `first_retry · 2^(attempts-1)`,
    /// at most `max_retry`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first_retry.saturating_mul(2u32.saturating_pow(exp)).min(self.max_retry)
    }
}

/// Settings of bulk delivery and subscriptions.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The data directory: files go to `<data>/share/downloads/<department>/`, spill files of
    /// the diff to `<data>/share/tmp/`.
    pub data_dir: PathBuf,
    /// Webhook sending.
    pub webhook: WebhookPolicy,
    /// Where webhooks and database deliveries may connect.
    pub egress: crate::egress::EgressPolicy,
    /// The node's SM2 key for webhook signatures (none: HMAC only).
    pub webhook_key: Option<Arc<zs_ledger::note::Signer>>,
}

/// The shared state of delivery and subscriptions inside the share service.
pub(crate) struct Exchange {
    pub data_dir: RwLock<PathBuf>,
    pub webhook: RwLock<WebhookPolicy>,
    /// Key sealing stored secrets (derived from the platform secret).
    seal_key: Vec<u8>,
    /// Wakes the runner (a delivery was queued, a version committed, a dead letter replayed).
    pub wake: tokio::sync::Notify,
    /// Where the platform may connect for consumers, and the webhook client that obeys it.
    egress: RwLock<(Arc<EgressPolicy>, reqwest::Client)>,
    /// Signs webhook notifications with SM2 (`crate::webhook_sig`), when set.
    pub webhook_key: RwLock<Option<Arc<zs_ledger::note::Signer>>>,
}

impl Exchange {
    pub(crate) fn new(platform_secret: &[u8], data_dir: PathBuf) -> Self {
        let mut mac = HmacSha256::new_from_slice(platform_secret).unwrap_or_else(|_| unreachable_key());
        mac.update(b"zhengshu/share/seal/v1");
        Self {
            data_dir: RwLock::new(data_dir),
            webhook: RwLock::new(WebhookPolicy::default()),
            seal_key: mac.finalize().into_bytes().to_vec(),
            wake: tokio::sync::Notify::new(),
            egress: RwLock::new(egress_client(EgressPolicy::default())),
            webhook_key: RwLock::new(None),
        }
    }

    /// Replace the egress policy (and the webhook client built on it).
    pub(crate) fn set_egress(&self, policy: EgressPolicy) {
        if let Ok(mut e) = self.egress.write() {
            *e = egress_client(policy);
        }
    }

    /// The egress policy and the webhook client.
    pub(crate) fn egress(&self) -> (Arc<EgressPolicy>, reqwest::Client) {
        self.egress.read().map(|e| e.clone()).unwrap_or_else(|_| egress_client(EgressPolicy::default()))
    }

    pub(crate) fn webhook_key(&self) -> Option<Arc<zs_ledger::note::Signer>> {
        self.webhook_key.read().ok().and_then(|k| k.clone())
    }

    pub(crate) fn data_dir(&self) -> PathBuf {
        self.data_dir.read().map(|d| d.clone()).unwrap_or_default()
    }

    pub(crate) fn policy(&self) -> WebhookPolicy {
        self.webhook.read().map(|p| *p).unwrap_or_default()
    }

    fn mac(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.seal_key).unwrap_or_else(|_| unreachable_key());
        for p in parts {
            m.update(p);
        }
        m
    }

    /// Seal a secret for storage: HMAC-SHA256 in counter mode as the key stream, then an
    /// HMAC-SHA256 tag over nonce and ciphertext (encrypt-then-MAC). `v1:` + hex.
    pub(crate) fn seal(&self, plain: &str) -> String {
        let nonce = *uuid::Uuid::new_v4().as_bytes();
        let mut ct = plain.as_bytes().to_vec();
        self.keystream(&nonce, &mut ct);
        let tag = self.mac(&[b"tag", &nonce, &ct]).finalize().into_bytes();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
        format!("v1:{}", hex::encode(out))
    }

    /// Open a sealed secret.
    pub(crate) fn open(&self, sealed: &str) -> Result<String> {
        let bad = || Error::internal("a stored secret cannot be opened (was the platform key changed?)");
        let raw = sealed.strip_prefix("v1:").and_then(|h| hex::decode(h).ok()).ok_or_else(bad)?;
        if raw.len() < 48 {
            return Err(bad());
        }
        let (nonce, rest) = raw.split_at(16);
        let (ct, tag) = rest.split_at(rest.len() - 32);
        self.mac(&[b"tag", nonce, ct]).verify_slice(tag).map_err(|_| bad())?;
        let mut pt = ct.to_vec();
        self.keystream(nonce, &mut pt);
        String::from_utf8(pt).map_err(|_| bad())
    }

    fn keystream(&self, nonce: &[u8], data: &mut [u8]) {
        for (i, chunk) in data.chunks_mut(32).enumerate() {
            let block = self.mac(&[b"enc", nonce, &(i as u64).to_be_bytes()]).finalize().into_bytes();
            for (b, k) in chunk.iter_mut().zip(block.iter()) {
                *b ^= k;
            }
        }
    }
}

/// A webhook client that follows no redirects (a receiver could redirect to a refused address)
/// and resolves names through the policy.
fn egress_client(policy: EgressPolicy) -> (Arc<EgressPolicy>, reqwest::Client) {
    let policy = Arc::new(policy);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver(Arc::clone(&policy))))
        .build()
        // Fails only when TLS cannot be initialised, where reqwest's default client fails alike.
        .unwrap_or_default();
    (policy, client)
}

/// HMAC takes keys of any length: this is never reached.
#[allow(clippy::expect_used)]
fn unreachable_key() -> HmacSha256 {
    HmacSha256::new_from_slice(b"k").expect("HMAC accepts any key length")
}

/// A grant's terms as a delivery applies them.
pub(crate) struct Terms {
    pub entry: Entry,
    /// Granted items still in the entry, in grant order.
    pub fields: Vec<String>,
    pub filter: Vec<RowCondition>,
    pub masking: BTreeMap<String, Technique>,
}

impl ShareService {
    /// The grant `id` if the caller's department holds it (and a credential is bound to it) and
    /// it is usable now; `no_grant` otherwise, as in the data API.
    pub(crate) async fn held(&self, p: &Principal, id: i64) -> Result<Grant> {
        let no_grant = || Error::new(ErrorCode::NoGrant, format!("{} holds no grant {id}", p.org.name));
        let grant = self.store.get_grant(id).await?.ok_or_else(no_grant)?;
        if grant.consumer_org_id != p.org.id.0 {
            return Err(no_grant());
        }
        if let AuthVia::Credential { scopes, .. } = &p.via {
            if !scopes.iter().any(|s| grant_of_scope(s) == Some(id)) {
                return Err(Error::new(ErrorCode::NoGrant, format!("this API credential is not bound to grant {id}")));
            }
        }
        self.usable(&grant)?;
        Ok(grant)
    }

    /// The grant's terms against its entry now (withdrawn entries serve nothing).
    pub(crate) async fn terms(&self, grant: &Grant) -> Result<Terms> {
        let entry = self.entry_of_grant(&grant.code).await.map_err(|e| {
            if e.code == ErrorCode::NotFound {
                Error::new(ErrorCode::ResourceWithdrawn, format!("{} is no longer in the catalogue", grant.code))
            } else {
                e
            }
        })?;
        if entry.status != EntryStatus::Published {
            return Err(Error::new(ErrorCode::ResourceWithdrawn, format!("{} was withdrawn (下架)", entry.code)));
        }
        let fields: Vec<String> =
            names(&grant.fields).into_iter().filter(|f| entry.body.items.iter().any(|i| &i.name == f)).collect();
        let filter: Vec<RowCondition> = serde_json::from_str(&grant.row_filter).unwrap_or_default();
        let masking: BTreeMap<String, Technique> = serde_json::from_str(&grant.masking)
            .map_err(|_| Error::internal(format!("the masking of grant {} cannot be read", grant.id)))?;
        Ok(Terms { entry, fields, filter, masking })
    }
}

impl Terms {
    /// The key items of the entry.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.entry.body.items.iter().filter(|i| i.key).map(|i| i.name.clone()).collect()
    }

    /// The shape over a table's columns.
    pub(crate) fn shape(&self, table: &zs_tables::Table) -> Result<Shape> {
        let cols = table.schema().columns();
        let index = |name: &str| {
            cols.iter()
                .position(|c| c.name == name)
                .ok_or_else(|| Error::internal(format!("'{name}' is not a column of the table")))
        };
        Ok(Shape {
            projection: self.fields.iter().map(|f| index(f)).collect::<Result<_>>()?,
            key: self.keys().iter().map(|k| index(k)).collect::<Result<_>>()?,
            conditions: self.filter.iter().map(|c| Ok((index(&c.item)?, c.value.clone()))).collect::<Result<_>>()?,
        })
    }
}
