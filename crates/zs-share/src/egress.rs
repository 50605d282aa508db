//! Where the platform may connect on a consumer's behalf (webhooks, database deliveries).
//!
//! A consumer names the address a webhook is posted to or a delivery is written to, so without
//! a check it could make the platform reach its own services (the metadata database on
//! 127.0.0.1, a cloud metadata endpoint on 169.254.169.254) — server-side request forgery.
//! Loopback, link-local, unspecified, multicast and broadcast addresses are refused (loopback can
//! be allowed for a single-host setup or tests), as are the networks the operator lists;
//! private networks stay allowed because department systems live on the government network.
//! Names are checked after resolution, at registration and again at every connection (the
//! webhook client's resolver drops refused addresses), so a name re-pointed later does not pass.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use zs_types::{Error, Result};

/// A network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(s: &str) -> Option<Self> {
        let (a, p) = s.trim().split_once('/').map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The rule for outgoing connections made for consumers.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    allow_loopback: bool,
    denied: Vec<Network>,
}

impl EgressPolicy {
    /// A policy from the configuration: whether loopback is allowed and the operator's refused
    /// networks (`10.8.0.0/16`, `fd00::/8`, a single address). An unreadable network is an error
    /// naming `field`.
    pub fn new(allow_loopback: bool, denied: &[String], field: &str) -> Result<Self> {
        let denied = denied
            .iter()
            .map(|s| {
                Network::parse(s)
                    .ok_or_else(|| Error::invalid(field, format!("'{s}' is not a network (e.g. 10.8.0.0/16)")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { allow_loopback, denied })
    }

    /// Whether the platform may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        let refused = match ip {
            IpAddr::V4(a) => {
                (a.is_loopback() && !self.allow_loopback)
                    || a.is_link_local()
                    || a.is_unspecified()
                    || a.is_multicast()
                    || a.is_broadcast()
                    || a.octets()[0] == 0
            }
            IpAddr::V6(a) => {
                (a.is_loopback() && !self.allow_loopback)
                    || a.is_unspecified()
                    || a.is_multicast()
                    || (a.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        !refused && !self.denied.iter().any(|n| n.contains(ip))
    }

    /// Resolve `host` and check every address it has; the error names `field`. A name that
    /// does not resolve now passes: it is checked again when it is used (a webhook resolves
    /// through the webhook client's resolver, a delivery checks right before it connects).
    pub async fn check_host(&self, host: &str, port: u16, field: &str) -> Result<()> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => match tokio::net::lookup_host((host, port)).await {
                Ok(found) => found.collect(),
                Err(_) => return Ok(()),
            },
        };
        match addrs.iter().find(|a| !self.permits(a.ip())) {
            Some(a) => Err(Error::invalid(
                field,
                format!(
                    "the platform does not connect to {} (loopback, link-local and networks the operator refused)",
                    a.ip()
                ),
            )),
            None => Ok(()),
        }
    }

    /// Check a URL whose host is an address (a name passes: it is checked where it is resolved).
    pub fn check_literal(&self, url: &url::Url, field: &str) -> Result<()> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(a)) => IpAddr::V4(a),
            Some(url::Host::Ipv6(a)) => IpAddr::V6(a),
            _ => return Ok(()),
        };
        if self.permits(ip) {
            Ok(())
        } else {
            Err(Error::invalid(field, format!("the platform does not connect to {}", ip.to_canonical())))
        }
    }

    /// Check a URL's host (with its scheme's default port when none is given).
    pub async fn check_url(&self, url: &url::Url, field: &str) -> Result<()> {
        let host = url.host_str().ok_or_else(|| Error::invalid(field, "the URL has no host"))?;
        let port = url.port_or_known_default().unwrap_or(match url.scheme() {
            "postgres" | "postgresql" => 5432,
            _ => 80,
        });
        self.check_host(host, port, field).await
    }
}

/// The webhook client's resolver: the system's answer without the refused addresses. IP
/// literals in URLs do not reach a resolver; they are checked before each send.
pub(crate) struct GuardedResolver(pub Arc<EgressPolicy>);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.0);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| policy.permits(a.ip())).collect();
            if allowed.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    format!("no address of {host} is one the platform may connect to").into();
                return Err(e);
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Addresses that no policy allows, for tests and documentation.
pub const ALWAYS_REFUSED: [IpAddr; 4] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    IpAddr::V4(Ipv4Addr::BROADCAST),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_loopback_link_local_and_listed_networks() {
        let p = EgressPolicy::new(false, &["10.8.0.0/16".into(), "fd00::/8".into(), "192.0.2.7".into()], "x").unwrap();
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "::ffff:127.0.0.1",
            "169.254.169.254",
            "fe80::1",
            "0.0.0.0",
            "224.0.0.1",
            "10.8.200.1",
            "fd12::1",
            "192.0.2.7",
        ] {
            assert!(!p.permits(ip(bad)), "{bad} must be refused");
        }
        for good in ["10.9.0.1", "192.168.1.20", "172.16.0.5", "192.0.2.8", "2001:db8::1", "8.8.8.8"] {
            assert!(p.permits(ip(good)), "{good} must be allowed");
        }
        for a in ALWAYS_REFUSED {
            assert!(!EgressPolicy::new(true, &[], "x").unwrap().permits(a), "{a}");
        }
        let open = EgressPolicy::new(true, &[], "x").unwrap();
        assert!(open.permits(ip("127.0.0.1")) && open.permits(ip("::1")));
    }

    #[test]
    fn a_bad_network_names_the_field() {
        for bad in ["10.0.0.0/33", "nonsense", "fd00::/129", "10.0.0/8"] {
            let e = EgressPolicy::new(false, &[bad.into()], "egress_denied_networks").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("egress_denied_networks"), "{bad}");
        }
    }

    #[tokio::test]
    async fn names_are_checked_after_resolution() {
        let p = EgressPolicy::new(false, &[], "url").unwrap();
        let e = p.check_url(&url::Url::parse("http://localhost:9/x").unwrap(), "url").await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"));
        assert!(e.message.contains("does not connect to"), "{}", e.message);
        let e = p.check_url(&url::Url::parse("postgres://u@[::1]/db").unwrap(), "database_url").await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("database_url"));
        assert!(p.check_url(&url::Url::parse("http://192.168.3.4:8080/hook").unwrap(), "url").await.is_ok());
        // Not resolvable now: checked again when used.
        assert!(p.check_url(&url::Url::parse("https://no-such-host.invalid/hook").unwrap(), "url").await.is_ok());
        let open = EgressPolicy::new(true, &[], "url").unwrap();
        assert!(open.check_url(&url::Url::parse("http://localhost:9/x").unwrap(), "url").await.is_ok());
        // Before a send only addresses are checked here; names are checked by the resolver.
        assert!(p.check_literal(&url::Url::parse("http://127.0.0.1:9/x").unwrap(), "url").is_err());
        assert!(p.check_literal(&url::Url::parse("http://localhost:9/x").unwrap(), "url").is_ok());
    }
}
