//! Login attempt limits per client address and per username (GCRA from the `governor` crate:
//! a maintained limiter whose keyed state can be pruned, so memory stays bounded).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Both login limiters.
pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_user: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
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
        }
    }

    /// Counts one attempt; `Err(wait)` when either limit is exhausted.
    pub fn check(&self, ip: IpAddr, username: &str) -> Result<(), Duration> {
        let now = self.clock.now();
        let ip_result = self.per_ip.check_key(&ip);
        let user_result = self.per_user.check_key(&username.to_ascii_lowercase());
        let waits = [ip_result.err(), user_result.err()];
        match waits.iter().flatten().map(|n| n.wait_time_from(now)).max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
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
}
