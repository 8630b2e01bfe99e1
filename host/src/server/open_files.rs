//! The process's open-file limit: raised at start to the most the system
//! allows (the soft limit is often 1024 while the hard one is far higher),
//! and the connection cap derived from it, leaving room for upstream
//! connections, the database, plugins and logs.

/// Descriptors kept free of client connections for everything else.
const RESERVED: u64 = 256;
/// The smallest connection cap, whatever the limit says.
const MIN_CAP: u64 = 64;

/// Raises the soft open-file limit to the hard one; the limit in force
/// afterwards (`None` where it cannot be read).
pub fn raise_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write `limit`.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The default connection cap for an open-file limit of `limit`.
pub fn default_cap(limit: Option<u64>) -> usize {
    let limit = limit.unwrap_or(1024);
    limit.saturating_sub(RESERVED).clamp(MIN_CAP, 1_000_000) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_below_the_limit() {
        assert_eq!(default_cap(Some(1024)), 768);
        assert_eq!(default_cap(Some(100)), 64);
        assert_eq!(default_cap(None), 768);
        assert_eq!(default_cap(Some(u64::MAX)), 1_000_000);
        let now = raise_limit().expect("Linux tells the limit");
        assert!(now >= 64);
    }
}
