//! Login attempt limits per client address and per username (GCRA from the `governor` crate:
//! a maintained limiter whose keyed state can be pruned, so memory stays bounded).
//!
//! Memory per key is fixed whatever the client sends: usernames are keyed by their SHA-256, and
//! IPv6 clients by their /64 (one host usually holds a whole /64, so keying the full address would
//! let it pick a fresh key per attempt). Keys whose limits have recovered are pruned every
//! [`PRUNE_EVERY`] attempts as well as by the hourly purge.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts between two prunes of recovered keys.
const PRUNE_EVERY: u64 = 4096;

/// Both login limiters.
pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_user: DefaultKeyedRateLimiter<[u8; 32]>,
    clock: DefaultClock,
    attempts: AtomicU64,
}

/// The key of a client address: IPv4 (also when mapped into IPv6) as is, IPv6 by its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// The key of a username: its SHA-256, case-insensitively, so any length costs the same.
fn user_key(username: &str) -> [u8; 32] {
    Sha256::digest(username.to_lowercase().as_bytes()).into()
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least 1"))
}

impl LoginLimiter {
    /// Limiters allowing `per_ip` and `per_user` attempts a minute (bursts up to the same number).
    pub fn new(per_ip: u32, per_user: u32) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(per_ip)),
            per_user: RateLimiter::keyed(quota(per_user)),
            clock: DefaultClock::default(),
            attempts: AtomicU64::new(0),
        }
    }

    /// Counts one attempt; `Err(wait)` when either limit is exhausted. An attempt the address
    /// limit refuses does not count against the username (nor create a key for it).
    pub fn check(&self, ip: IpAddr, username: &str) -> Result<(), Duration> {
        if self.attempts.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        let now = self.clock.now();
        self.per_ip.check_key(&client_key(ip)).map_err(|n| n.wait_time_from(now))?;
        self.per_user.check_key(&user_key(username)).map_err(|n| n.wait_time_from(now))
    }

    /// Forgets keys whose limits have fully recovered.
    pub fn prune(&self) {
        self.per_ip.retain_recent();
        self.per_user.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_user.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_limit_is_refused_with_a_wait() {
        let l = LoginLimiter::new(100, 3);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(ip, "Owner").is_ok());
        }
        let wait = l.check(ip, "owner").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        // Another username from the same address is still allowed.
        assert!(l.check(ip, "someone").is_ok());
    }

    #[test]
    fn an_ipv6_client_is_one_key_per_64_and_mapped_ipv4_is_its_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:eeee:dddd:cccc".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1".parse::<IpAddr>().unwrap());

        let l = LoginLimiter::new(2, 100);
        assert!(l.check(a, "u1").is_ok() && l.check(b, "u2").is_ok());
        assert!(l.check("2001:db8:1:2::99".parse().unwrap(), "u3").is_err(), "the same /64 shares the limit");
        assert!(l.check(c, "u4").is_ok());
    }

    #[test]
    fn an_address_over_its_limit_does_not_use_up_the_username() {
        let l = LoginLimiter::new(1, 2);
        let (noisy, other): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(l.check(noisy, "victim").is_ok());
        for _ in 0..10 {
            assert!(l.check(noisy, "victim").is_err());
        }
        assert!(l.check(other, "VICTIM").is_ok(), "one of the user's two attempts is left");
    }
}
