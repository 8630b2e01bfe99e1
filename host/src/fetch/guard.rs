//! Where a server-side fetch of a URL that came from provider or guide data
//! may go. Such a URL (a logo, a playlist's stream, a redirect) must not turn
//! the server into a proxy into its own network: it never reaches an
//! unspecified, link-local, multicast or broadcast address, nor StreamForge's
//! own listener, and it reaches loopback or a private LAN address only when
//! the guide or playlist that named it is served from that very address (a
//! LAN provider may host its own logos and streams; a guide on the internet
//! may not point the server at 127.0.0.1 or 192.168.x).
//!
//! The check is made on resolved addresses, for every connection and every
//! redirect hop, never on a host name: [`AddressGuard::resolve`] gives the
//! addresses a connection may use, and [`GuardedResolver`] applies the same
//! rule inside the HTTP client (so a name that resolves differently the
//! second time is still checked).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Why an address was refused (shown in events; names no URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 0.0.0.0, `::`, 255.255.255.255, multicast, link-local (169.254/16,
    /// fe80::/10) or reserved: never a server.
    #[error("it points at an unspecified, link-local, multicast or reserved address")]
    NeverAServer,
    /// This server's own listener.
    #[error("it points at StreamForge's own listener")]
    OwnListener,
    /// Loopback or a private LAN address, named by a source elsewhere.
    #[error(
        "it points at a loopback or private address, and the guide or playlist that named it is not served from there"
    )]
    Private,
    /// The host name resolved to nothing usable.
    #[error("its host name did not resolve")]
    Unresolved,
}

/// What kind of address an IP is, for the rule above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Reachable on the internet.
    Public,
    /// Loopback, RFC 1918, shared (100.64/10) or unique-local (fc00::/7).
    Private,
    /// Never a server to fetch from.
    Never,
}

/// The class of `ip` (IPv4-mapped IPv6 addresses count as their IPv4).
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_link_local()
                || a == 0
                || a >= 240
            {
                AddressClass::Never
            } else if v4.is_loopback() || v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4));
            }
            if v6.is_unspecified() || v6.is_multicast() || v6.is_unicast_link_local() {
                AddressClass::Never
            } else if v6.is_loopback() || v6.is_unique_local() {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
    }
}

/// The listeners of this process, which no fetch may reach.
fn own_listeners() -> &'static Mutex<Vec<SocketAddr>> {
    static OWN: OnceLock<Mutex<Vec<SocketAddr>>> = OnceLock::new();
    OWN.get_or_init(Mutex::default)
}

/// Records a listener of this server: fetches never go to its port on this
/// machine (a playlist naming our own `/stream/N` would tune itself).
pub fn register_own_listener(addr: SocketAddr) {
    own_listeners()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(addr);
}

/// Whether `addr` is one of this machine's listeners of ours.
fn is_own_listener(addr: SocketAddr) -> bool {
    let own = own_listeners()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if !own.iter().any(|l| l.port() == addr.port()) {
        return false;
    }
    let ip = match addr.ip() {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        ip => ip,
    };
    if ip.is_loopback() || own.iter().any(|l| l.ip() == ip) {
        return true;
    }
    // A listener on 0.0.0.0 answers on every address of this machine.
    if_addrs::get_if_addrs()
        .map(|ifs| ifs.iter().any(|i| i.ip() == ip))
        .unwrap_or(false)
}

/// The rule for the URLs one source named: its own addresses (where it is
/// served from) are the only private ones allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressGuard {
    /// Loopback and private addresses the naming source is served from.
    home: Vec<IpAddr>,
}

impl AddressGuard {
    /// A guard for URLs named by a source served from nowhere in particular
    /// (a file, or data with no source): public addresses only.
    pub fn public_only() -> AddressGuard {
        AddressGuard::default()
    }

    /// A guard for URLs named by the guide or playlist at `source` (a URL;
    /// anything else counts as a local file: public addresses only). Its
    /// host is resolved once here (and cached for a minute).
    pub async fn for_source(source: &str) -> AddressGuard {
        let Ok(url) = url::Url::parse(source) else {
            return AddressGuard::public_only();
        };
        let Some(host) = url
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_string())
        else {
            return AddressGuard::public_only();
        };
        if let Some(home) = cached_home(&host) {
            return AddressGuard { home };
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let home: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match tokio::net::lookup_host((host.as_str(), port)).await {
                Ok(addrs) => addrs.map(|a| a.ip()).collect(),
                Err(_) => Vec::new(),
            },
        };
        let home: Vec<IpAddr> = home
            .into_iter()
            .filter(|ip| classify(*ip) == AddressClass::Private)
            .collect();
        remember_home(&host, &home);
        AddressGuard { home }
    }

    /// Whether a connection to `addr` is allowed, or why not.
    pub fn check(&self, addr: SocketAddr) -> Result<(), Refusal> {
        self.check_ip(addr.ip())?;
        if is_own_listener(addr) {
            return Err(Refusal::OwnListener);
        }
        Ok(())
    }

    /// [`Self::check`] without the port (what a resolver knows).
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refusal> {
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Never => Err(Refusal::NeverAServer),
            AddressClass::Private if self.home.iter().any(|h| same_ip(*h, ip)) => Ok(()),
            AddressClass::Private => Err(Refusal::Private),
        }
    }

    /// The addresses `url`'s host resolves to that a connection may use;
    /// an error when there are none (the first refusal found).
    pub async fn resolve(&self, url: &url::Url) -> Result<Vec<SocketAddr>, Refusal> {
        let host = url
            .host_str()
            .ok_or(Refusal::Unresolved)?
            .trim_matches(['[', ']']);
        let port = url.port_or_known_default().unwrap_or(80);
        let found: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| Refusal::Unresolved)?
                .collect(),
        };
        let mut refusal = Refusal::Unresolved;
        let mut allowed = Vec::new();
        for addr in found {
            match self.check(addr) {
                Ok(()) => allowed.push(addr),
                Err(why) => refusal = why,
            }
        }
        if allowed.is_empty() {
            Err(refusal)
        } else {
            Ok(allowed)
        }
    }

    /// Runs `work` with this guard in force for [`GuardedResolver`] (the
    /// HTTP client's name lookups within it).
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        IN_FORCE.scope(self.clone(), work).await
    }
}

fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    let plain = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        ip => ip,
    };
    plain(a) == plain(b)
}

type HomeCache = Mutex<Vec<(String, Instant, Vec<IpAddr>)>>;

/// Sources' resolved addresses, for a minute (a tune must not wait on DNS
/// for its account's own host every time).
fn homes() -> &'static HomeCache {
    static HOMES: OnceLock<HomeCache> = OnceLock::new();
    HOMES.get_or_init(Mutex::default)
}

const HOME_TTL: Duration = Duration::from_secs(60);

fn cached_home(host: &str) -> Option<Vec<IpAddr>> {
    let homes = homes().lock().unwrap_or_else(PoisonError::into_inner);
    homes
        .iter()
        .find(|(h, at, _)| h == host && at.elapsed() < HOME_TTL)
        .map(|(_, _, ips)| ips.clone())
}

fn remember_home(host: &str, ips: &[IpAddr]) {
    let mut homes = homes().lock().unwrap_or_else(PoisonError::into_inner);
    homes.retain(|(h, at, _)| h != host && at.elapsed() < HOME_TTL);
    if homes.len() < 256 {
        homes.push((host.to_string(), Instant::now(), ips.to_vec()));
    }
}

tokio::task_local! {
    static IN_FORCE: AddressGuard;
}

/// The HTTP client's name resolver: the system's, with every address the
/// guard in force refuses left out (and without a guard in force, only
/// addresses that are never a server). A name that resolves only to
/// refused addresses fails to connect.
#[derive(Debug, Default, Clone)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        // Read now, inside the request's task, not in the lookup's.
        let guard = IN_FORCE.try_with(|g| g.clone()).ok();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|a| match &guard {
                    Some(g) => g.check_ip(a.ip()).is_ok(),
                    None => classify(a.ip()) != AddressClass::Never,
                })
                .collect();
            if allowed.is_empty() {
                let why = Refusal::Private.to_string();
                return Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("address not allowed: {why}"),
                ))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A shared [`GuardedResolver`], as the client builder takes it.
pub fn resolver() -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_classed_by_what_they_reach() {
        for never in [
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "169.254.169.254",
            "240.0.0.1",
            "::",
            "ff02::1",
            "fe80::1",
            "::ffff:169.254.169.254",
        ] {
            assert_eq!(classify(ip(never)), AddressClass::Never, "{never}");
        }
        for private in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
        ] {
            assert_eq!(classify(ip(private)), AddressClass::Private, "{private}");
        }
        for public in ["1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860::8888"] {
            assert_eq!(classify(ip(public)), AddressClass::Public, "{public}");
        }
    }

    #[tokio::test]
    async fn private_addresses_only_for_urls_their_own_host_named() {
        let internet = AddressGuard::for_source("http://93.184.216.34/guide.xml").await;
        assert_eq!(internet.check_ip(ip("127.0.0.1")), Err(Refusal::Private));
        assert_eq!(internet.check_ip(ip("192.168.1.5")), Err(Refusal::Private));
        assert_eq!(internet.check_ip(ip("8.8.8.8")), Ok(()));
        let lan = AddressGuard::for_source("http://192.168.1.5:8080/get.php?u={username}").await;
        assert_eq!(lan.check_ip(ip("192.168.1.5")), Ok(()));
        assert_eq!(lan.check_ip(ip("::ffff:192.168.1.5")), Ok(()));
        assert_eq!(lan.check_ip(ip("192.168.1.6")), Err(Refusal::Private));
        assert_eq!(lan.check_ip(ip("127.0.0.1")), Err(Refusal::Private));
        assert_eq!(
            lan.check_ip(ip("169.254.169.254")),
            Err(Refusal::NeverAServer)
        );
        let file = AddressGuard::for_source("/srv/guide.xml").await;
        assert_eq!(file, AddressGuard::public_only());
        let named = AddressGuard::for_source("http://localhost:9/guide.xml").await;
        assert_eq!(named.check_ip(ip("127.0.0.1")), Ok(()));
    }

    #[tokio::test]
    async fn names_are_checked_on_what_they_resolve_to() {
        let guard = AddressGuard::public_only();
        let url = url::Url::parse("http://localhost:1/logo.png").unwrap();
        assert_eq!(guard.resolve(&url).await, Err(Refusal::Private));
        let url = url::Url::parse("http://[::ffff:127.0.0.1]:1/x").unwrap();
        assert_eq!(guard.resolve(&url).await, Err(Refusal::Private));
        let url = url::Url::parse("http://0.0.0.0:1/x").unwrap();
        assert_eq!(guard.resolve(&url).await, Err(Refusal::NeverAServer));
    }

    #[tokio::test]
    async fn our_own_listener_is_never_fetched_even_from_home() {
        // Kept bound for the rest of the run: no other test's server may
        // get this port and be refused as ours.
        let listener = Box::leak(Box::new(
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        ));
        let ours = listener.local_addr().unwrap();
        register_own_listener(ours);
        let home =
            AddressGuard::for_source(&format!("http://127.0.0.1:{}/", ours.port() + 1)).await;
        assert_eq!(home.check(ours), Err(Refusal::OwnListener));
        let elsewhere = SocketAddr::new(ours.ip(), ours.port().wrapping_add(1));
        assert_eq!(home.check(elsewhere), Ok(()));
    }
}
