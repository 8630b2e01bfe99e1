//! The address a request really comes from: the TCP peer, or, when the peer
//! is a reverse proxy the admin trusts, the nearest address before it in
//! `Forwarded` / `X-Forwarded-For` that is not itself a trusted proxy.
//! Headers from anyone else are ignored: a client could otherwise pick its
//! own address and escape its sign-in limit.

use http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// Networks whose forwarded headers are believed (address, prefix length).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// None: every request's client is its TCP peer.
    pub fn none() -> TrustedProxies {
        TrustedProxies::default()
    }

    /// From `10.0.0.1`, `192.168.0.0/16`, `::1` and the like; the error
    /// names the entry that is not one.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let bad = || {
                format!("trusted proxy `{entry}` is not an address or a network (e.g. 10.0.0.2 or 10.0.0.0/8)")
            };
            let (addr, len) = match entry.split_once('/') {
                Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| bad())?)),
                None => (entry, None),
            };
            let ip: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = len.unwrap_or(max);
            if len > max {
                return Err(bad());
            }
            nets.push((ip, len));
        }
        Ok(TrustedProxies(nets))
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = plain(ip);
        self.0
            .iter()
            .any(|(net, len)| in_network(ip, plain(*net), *len))
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return plain(peer);
        }
        // Forwarded (RFC 7239) wins over X-Forwarded-For when both came.
        let chain: Vec<IpAddr> = if headers.contains_key("forwarded") {
            headers
                .get_all("forwarded")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(forwarded_for)
                .collect()
        } else {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(x_forwarded_for)
                .collect()
        };
        // From the nearest hop back: the first address no trusted proxy owns.
        chain
            .into_iter()
            .rev()
            .map(plain)
            .find(|ip| !self.contains(*ip))
            .unwrap_or(plain(peer))
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 (one client, one counter).
fn plain(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        ip => ip,
    }
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The addresses of an `X-Forwarded-For` value, in order (`client, proxy1,
/// ...`); entries that are not addresses (`unknown`, garbage) are left out.
pub fn x_forwarded_for(value: &str) -> Vec<IpAddr> {
    value.split(',').filter_map(|e| address(e.trim())).collect()
}

/// The `for=` addresses of a `Forwarded` value (RFC 7239), in order;
/// obfuscated identifiers (`_hidden`, `unknown`) are left out.
pub fn forwarded_for(value: &str) -> Vec<IpAddr> {
    value
        .split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, v) = pair.split_once('=')?;
                if !name.trim().eq_ignore_ascii_case("for") {
                    return None;
                }
                address(v.trim().trim_matches('"'))
            })
        })
        .collect()
}

/// An address written as `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80` or `::1`.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.parse::<SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_values_are_read_leniently() {
        assert_eq!(
            x_forwarded_for("203.0.113.7, 10.0.0.2:443 , unknown, [2001:db8::1]:80"),
            vec![ip("203.0.113.7"), ip("10.0.0.2"), ip("2001:db8::1")]
        );
        assert_eq!(
            forwarded_for(
                r#"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711", for=_hidden"#
            ),
            vec![ip("192.0.2.60"), ip("2001:db8:cafe::17")]
        );
        assert!(x_forwarded_for("").is_empty() && forwarded_for(";;=,").is_empty());
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "::1"]).unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.9, 10.0.0.3")]);
        // From the proxy: the address before it (10.0.0.3 is a proxy too).
        assert_eq!(trusted.client(ip("10.0.0.2"), &xff), ip("198.51.100.9"));
        // From anyone else: the header is theirs to invent, so it is ignored.
        assert_eq!(
            trusted.client(ip("198.51.100.50"), &xff),
            ip("198.51.100.50")
        );
        // Forwarded wins over X-Forwarded-For.
        let both = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("forwarded", "for=203.0.113.5"),
        ]);
        assert_eq!(trusted.client(ip("::1"), &both), ip("203.0.113.5"));
        // A proxy that forwards nothing usable: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        assert_eq!(
            TrustedProxies::none().client(ip("::ffff:10.0.0.2"), &xff),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/33"]).unwrap_err();
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert!(TrustedProxies::parse(&["proxy.lan"]).is_err());
        assert!(TrustedProxies::parse(&["0.0.0.0/0"])
            .unwrap()
            .contains(ip("8.8.8.8")));
    }
}
