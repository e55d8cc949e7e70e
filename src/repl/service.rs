//! A pretend remote service, to see why too much concurrency is slower
//! (the chapter's exercise 1): `new service NAME LATENCY CAPACITY [SEED]`,
//! and the `call NAME` step, which waits for its answer.
//!
//! A call takes `LATENCY` while at most `CAPACITY` calls are in flight; past
//! that the service is overloaded, and each call made then takes
//! `LATENCY × (users / CAPACITY)²`: every extra user slows everyone down
//! more than in proportion (queueing, contention, retries). Each latency
//! varies by ±10%, from a seeded generator, so a session replays exactly.
//!
//! ```text
//!   100 calls, LATENCY 100ms, CAPACITY 10:
//!     one at a time     100 × 100ms                       ≈ 10s
//!     ten at a time      10 rounds × 100ms                ≈ 1s
//!     all at once        the 100th call sees 100 users:
//!                        100ms × (100/10)² = 10s           ≈ 10s
//! ```
//!
//! The wait is a timer (on the virtual clock, exact and instant); the
//! snapshot shows it as a wait on the service.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use evloop::WaitOn;

use super::duration::to_micros;
use super::record::{Wait, note};

/// One service; see the module doc.
pub struct Service {
    /// Its name.
    pub name: String,
    /// How long a call takes while the service is not overloaded.
    pub latency: Duration,
    /// How many calls it serves at once without slowing down.
    pub capacity: u32,
    rng: Cell<u64>,
    users: Cell<u32>,
    calls: Cell<u64>,
    peak: Cell<u32>,
    slowest: Cell<Duration>,
}

impl Service {
    /// A service; `seed` seeds the latencies' ±10%.
    pub fn new(name: String, latency: Duration, capacity: u32, seed: u64) -> Service {
        Service {
            name,
            latency,
            capacity: capacity.max(1),
            rng: Cell::new(seed),
            users: Cell::new(0),
            calls: Cell::new(0),
            peak: Cell::new(0),
            slowest: Cell::new(Duration::ZERO),
        }
    }

    /// How long a call made now takes, with `users` calls in flight (this
    /// one included).
    fn latency_for(&self, users: u32) -> Duration {
        let overload = f64::from(users) / f64::from(self.capacity);
        let factor = overload.max(1.0).powi(2) * (0.9 + 0.2 * self.uniform());
        to_micros(self.latency.mul_f64(factor))
    }

    /// A number in [0, 1) from the seeded generator (SplitMix64).
    fn uniform(&self) -> f64 {
        let mut z = self.rng.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        self.rng.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A call: waits for the answer. Dropped (cancelled) before it came,
    /// the call leaves the service all the same.
    pub async fn call(&self) {
        let users = self.users.get() + 1;
        self.users.set(users);
        self.peak.set(self.peak.get().max(users));
        self.calls.set(self.calls.get() + 1);
        let latency = self.latency_for(users);
        self.slowest.set(self.slowest.get().max(latency));
        let _leave = Leave(&self.users);
        let mut answer = pin!(evloop::sleep(latency));
        std::future::poll_fn(|cx| {
            let polled = answer.as_mut().poll(cx);
            if polled.is_pending() {
                note(Wait::Primitive);
                evloop::task::note_wait(WaitOn::Primitive {
                    kind: "service",
                    name: self.name.as_str().into(),
                });
            }
            polled
        })
        .await;
    }

    /// Its state, for `show`: now and so far.
    pub fn state(&self) -> String {
        format!(
            "{} call(s) in flight, {} so far (at most {} at once, the slowest took {}); \
             a call takes {} up to {} users, then (users/{})² times that, ±10%",
            self.users.get(),
            self.calls.get(),
            self.peak.get(),
            super::duration::format_duration(self.slowest.get()),
            super::duration::format_duration(self.latency),
            self.capacity,
            self.capacity
        )
    }
}

/// A call leaving the service.
struct Leave<'a>(&'a Cell<u32>);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_slows_every_call_more_than_in_proportion() {
        let s = Service::new("api".into(), Duration::from_millis(100), 10, 7);
        for users in 1..=10 {
            let l = s.latency_for(users);
            assert!(
                l >= Duration::from_millis(90) && l <= Duration::from_millis(110),
                "{l:?}"
            );
        }
        let l = s.latency_for(100);
        assert!(
            l >= Duration::from_secs(9) && l <= Duration::from_secs(11),
            "{l:?}"
        );
        // The same seed, the same latencies.
        let (a, b) = (
            Service::new("a".into(), Duration::from_millis(100), 10, 7),
            Service::new("b".into(), Duration::from_millis(100), 10, 7),
        );
        assert_eq!(a.latency_for(3), b.latency_for(3));
    }
}
