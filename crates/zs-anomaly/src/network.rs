//! The network an address belongs to, for the unusual-address rule: IPv4 /24, IPv6 /64, so a
//! department system moving between neighbouring addresses is not news.

use std::net::IpAddr;

/// `10.1.2.0/24` for `10.1.2.77`, `2001:db8:1:2::/64` for an IPv6 address; `None` if `addr` is
/// not an IP address (an address with a port is accepted).
pub fn network_of(addr: &str) -> Option<String> {
    let addr = addr.trim();
    let ip: IpAddr = addr.parse().ok().or_else(|| addr.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))?;
    Some(match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => {
                let o = v4.octets();
                format!("{}.{}.{}.0/24", o[0], o[1], o[2])
            }
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        assert_eq!(network_of("10.1.2.77").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(network_of("10.1.2.77:5555").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(network_of("::ffff:10.1.2.3").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(network_of("2001:db8:1:2:3:4:5:6").as_deref(), Some("2001:db8:1:2::/64"));
        assert_eq!(network_of("[2001:db8::1]:80").as_deref(), Some("2001:db8::/64"));
        assert_eq!(network_of("somewhere"), None);
    }
}
