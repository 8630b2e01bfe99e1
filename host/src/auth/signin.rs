//! Sign-in limits: failed attempts counted per client address, so ten wrong
//! passwords from one machine never lock out another (nor the admin token,
//! which is checked before any limit), and the check and the count are one
//! step, so parallel attempts cannot slip past it. Password hashes (argon2,
//! tens of milliseconds and ~19 MiB each) are verified two at a time at
//! most; the rest wait their turn for a bounded time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failed attempts a client may make within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// How long failures count.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Clients tracked at once; past it the oldest entry makes room.
const MAX_CLIENTS: usize = 4096;
/// Password hashes verified at the same time.
const HASHES_AT_ONCE: usize = 2;
/// How long an attempt may wait for its turn to be verified.
const HASH_WAIT: Duration = Duration::from_secs(20);

/// Why a sign-in is not tried now (answered with 429).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Limited {
    /// Too many failures from this client lately.
    #[error("too many failed sign-ins from this address; wait a minute and try again")]
    TooManyFailures,
    /// Too many sign-ins being verified at once.
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
}

/// Failures of one client in the current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    count: u32,
    started: Instant,
}

/// The sign-in limits of one server (the console and the Xtream door share
/// it: one guesser, one budget).
pub struct SignInLimiter {
    failures: Mutex<HashMap<IpAddr, Window>>,
    hashing: Arc<Semaphore>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            failures: Mutex::default(),
            hashing: Arc::new(Semaphore::new(HASHES_AT_ONCE)),
        }
    }
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter").finish_non_exhaustive()
    }
}

/// An attempt counted as failed until [`SignInTicket::succeeded`] says
/// otherwise (so an attempt still being verified already counts).
#[derive(Debug)]
pub struct SignInTicket {
    limiter: Arc<SignInLimiter>,
    client: IpAddr,
    _hashing: Option<OwnedSemaphorePermit>,
}

impl SignInTicket {
    /// The password was right: the client's failures are forgotten.
    pub fn succeeded(self) {
        self.limiter.lock().remove(&self.client);
    }
}

/// The key a client is counted under: IPv6 clients by their /64 (one host
/// has a whole /64 to pick addresses from).
fn key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & (u128::MAX << 64);
                IpAddr::V6(bits.into())
            }
        },
        v4 => v4,
    }
}

impl SignInLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Window>> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an attempt from `client` (refused when it is over the limit),
    /// then waits for a turn to verify its password. The attempt counts as
    /// failed unless the returned ticket is told it succeeded.
    pub async fn begin(self: &Arc<Self>, client: IpAddr) -> Result<SignInTicket, Limited> {
        let client = key(client);
        self.count(client)?;
        let permit =
            match tokio::time::timeout(HASH_WAIT, self.hashing.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return Err(Limited::Busy),
            };
        Ok(SignInTicket {
            limiter: self.clone(),
            client,
            _hashing: Some(permit),
        })
    }

    /// The check and the count, under one lock.
    fn count(&self, client: IpAddr) -> Result<(), Limited> {
        let now = Instant::now();
        let mut failures = self.lock();
        if failures.len() >= MAX_CLIENTS && !failures.contains_key(&client) {
            failures.retain(|_, w| now.duration_since(w.started) < WINDOW);
            if failures.len() >= MAX_CLIENTS {
                let oldest = failures
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    failures.remove(&oldest);
                }
            }
        }
        let window = failures.entry(client).or_insert(Window {
            count: 0,
            started: now,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                count: 0,
                started: now,
            };
        }
        if window.count >= MAX_FAILURES {
            return Err(Limited::TooManyFailures);
        }
        window.count += 1;
        Ok(())
    }

    /// Clients being counted now (for tests and status).
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn ten_failures_block_that_address_only() {
        let limiter = Arc::new(SignInLimiter::default());
        for _ in 0..MAX_FAILURES {
            drop(limiter.begin(ip("10.0.0.9")).await.unwrap());
        }
        assert_eq!(
            limiter.begin(ip("10.0.0.9")).await.unwrap_err(),
            Limited::TooManyFailures
        );
        // Another address is not affected, and succeeds.
        limiter.begin(ip("10.0.0.10")).await.unwrap().succeeded();
        assert!(limiter.begin(ip("10.0.0.10")).await.is_ok());
        // IPv6 neighbours in one /64 share a budget.
        for n in 0..MAX_FAILURES {
            let addr = format!("2001:db8::{n:x}");
            drop(limiter.begin(ip(&addr)).await.unwrap());
        }
        assert!(limiter.begin(ip("2001:db8::ffff")).await.is_err());
        assert!(limiter.begin(ip("2001:db8:0:1::1")).await.is_ok());
    }

    #[tokio::test]
    async fn parallel_attempts_are_counted_before_any_is_verified() {
        let limiter = Arc::new(SignInLimiter::default());
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                match limiter.begin(ip("192.0.2.1")).await {
                    Ok(ticket) => {
                        // A slow wrong password: the ticket is held, then dropped.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        drop(ticket);
                        true
                    }
                    Err(_) => false,
                }
            }));
        }
        let mut checked = 0;
        for t in tasks {
            checked += usize::from(t.await.unwrap());
        }
        assert_eq!(checked, MAX_FAILURES as usize);
    }

    #[tokio::test]
    async fn at_most_two_are_verified_at_once() {
        let limiter = Arc::new(SignInLimiter::default());
        let a = limiter.begin(ip("192.0.2.1")).await.unwrap();
        let b = limiter.begin(ip("192.0.2.2")).await.unwrap();
        let third = limiter.begin(ip("192.0.2.3"));
        tokio::pin!(third);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut third)
                .await
                .is_err(),
            "a third waits"
        );
        drop(a);
        assert!(third.await.is_ok());
        drop(b);
    }

    #[tokio::test]
    async fn the_map_stays_bounded() {
        let limiter = Arc::new(SignInLimiter::default());
        for n in 0..(MAX_CLIENTS as u32 + 50) {
            let addr = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            drop(limiter.begin(addr).await.unwrap());
        }
        assert!(limiter.tracked() <= MAX_CLIENTS);
    }
}
