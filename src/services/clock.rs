//! Time for services: the system clock, or a manual one that the demo seeder (and tests) move.
//!
//! Ids come from the clock too: a UUIDv7 carries its creation time, so an entry created "three
//! days ago" by the demo seeder sorts where its timestamp says.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};
use uuid::timestamp::context::ContextV7;
use uuid::{Timestamp, Uuid};

/// Keeps system-clock ids strictly increasing within the process.
static SYSTEM_CONTEXT: Mutex<ContextV7> = Mutex::new(ContextV7::new());

/// A source of "now" and of ids that sort by it; cheap to clone.
#[derive(Clone)]
pub struct Clock(Inner);

#[derive(Clone)]
enum Inner {
    System,
    Manual { now: Arc<Mutex<DateTime<Utc>>>, context: Arc<Mutex<ContextV7>> },
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self(Inner::System)
    }

    /// A clock that stands at `start` until moved with [`Clock::set`].
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self(Inner::Manual { now: Arc::new(Mutex::new(start)), context: Arc::new(Mutex::new(ContextV7::new())) })
    }

    /// Now, to the microsecond (what PostgreSQL stores, so a value reads back unchanged).
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Inner::System => Utc::now().trunc_subsecs(6),
            Inner::Manual { now, .. } => now.lock().unwrap_or_else(|p| p.into_inner()).trunc_subsecs(6),
        }
    }

    /// Moves a manual clock; the system clock ignores it.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Inner::Manual { now, .. } = &self.0 {
            *now.lock().unwrap_or_else(|p| p.into_inner()) = to;
        }
    }

    /// A new UUIDv7 for `at` (normally [`Clock::now`]), increasing within this clock.
    pub fn new_id(&self, at: DateTime<Utc>) -> String {
        let secs = at.timestamp().max(0) as u64;
        let nanos = at.timestamp_subsec_nanos();
        let ts = match &self.0 {
            Inner::System => Timestamp::from_unix(&SYSTEM_CONTEXT, secs, nanos),
            Inner::Manual { context, .. } => Timestamp::from_unix(&**context, secs, nanos),
        };
        Uuid::new_v7(ts).to_string()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::System => f.write_str("Clock::System"),
            Inner::Manual { .. } => write!(f, "Clock::Manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_from_a_manual_clock_sort_by_its_time() {
        let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap());
        let a = clock.new_id(clock.now());
        let b = clock.new_id(clock.now());
        clock.set(Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap());
        let c = clock.new_id(clock.now());
        assert!(a < b && b < c, "{a} {b} {c}");
        let system = Clock::system().new_id(Utc::now());
        assert!(c < system);
        let ms = Uuid::parse_str(&c).unwrap().get_timestamp().unwrap().to_unix();
        assert_eq!(ms.0, 1_793_610_000, "the id carries the manual time");
    }
}
