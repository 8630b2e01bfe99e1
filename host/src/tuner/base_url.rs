//! The address clients use to reach us (`BaseURL`). It must be one they can
//! reach: never 0.0.0.0, and not a loopback address when clients are on
//! other machines (a container-internal or loopback BaseURL is a classic
//! cause of "tuner unreachable").

use std::net::{IpAddr, SocketAddr};

/// `--base-url` when given; else the listen address when it is a specific
/// one; else the first non-loopback IPv4 address of an interface that is
/// up; else loopback, with a warning returned for the user.
pub fn derive(configured: Option<&str>, listen: SocketAddr) -> (String, Option<String>) {
    if let Some(url) = configured {
        return (url.trim_end_matches('/').to_string(), None);
    }
    let port = listen.port();
    if !listen.ip().is_unspecified() {
        return (url_for(listen.ip(), port), None);
    }
    match first_lan_address() {
        Some(ip) => (url_for(ip, port), None),
        None => (
            url_for(IpAddr::from([127, 0, 0, 1]), port),
            Some(
                "no network interface besides loopback: clients on other machines cannot reach this tuner; \
                 pass --base-url http://ADDRESS:PORT"
                    .to_string(),
            ),
        ),
    }
}

fn url_for(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// The first IPv4 address of an up, non-loopback interface (read locally;
/// nothing is sent).
fn first_lan_address() -> Option<IpAddr> {
    let mut addrs: Vec<_> = if_addrs::get_if_addrs()
        .ok()?
        .into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            IpAddr::V4(v4) if !v4.is_link_local() && !v4.is_unspecified() => Some((i.name, v4)),
            _ => None,
        })
        .collect();
    // Prefer private LAN ranges over other addresses, then a stable order.
    addrs.sort_by_key(|(name, ip)| (!ip.is_private(), name.clone()));
    addrs.first().map(|(_, ip)| IpAddr::V4(*ip))
}

#[cfg(test)]
mod tests {
    use super::derive;

    #[test]
    fn configured_and_specific_addresses_win() {
        let any = "0.0.0.0:5004".parse().unwrap();
        assert_eq!(
            derive(Some("http://tv.lan:5004/"), any).0,
            "http://tv.lan:5004"
        );
        assert_eq!(
            derive(None, "192.168.1.9:5004".parse().unwrap()).0,
            "http://192.168.1.9:5004"
        );
        let (url, _) = derive(None, any);
        assert!(!url.contains("0.0.0.0"), "{url}");
    }
}
