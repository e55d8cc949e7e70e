//! Seeded randomness for the code under test: `choose` and `random_u32`.
//!
//! A test whose code draws random numbers (jitter, backoff, payloads) from
//! the operating system cannot be replayed. Draw them from the loop
//! instead: each value is a choice the loop records in the schedule, next
//! to its scheduling choices, so the same replay line gives the same values
//! and the same interleaving. Under FIFO (and LIFO) a value comes from a
//! generator of fixed seed (pseudo-random, the same every run); under a
//! seeded policy it is drawn from the policy's seed; an exhaustive search
//! tries every value of a `choose(n)` with `n` up to 64, so a test can
//! be proved for *every* random choice as well as every order.

use crate::executor::context;

thread_local! {
    static OUTSIDE: std::cell::Cell<u64> = const { std::cell::Cell::new(0x5EED) };
}

/// A number below `n` outside any loop: a fixed-seed SplitMix64, so even
/// there the sequence is the same every run.
fn outside(n: u32) -> u32 {
    let x = OUTSIDE
        .try_with(|s| {
            let v = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            s.set(v);
            let mut z = v;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .unwrap_or(0);
    ((u128::from(x) * u128::from(n)) >> 64) as u32
}

/// A number in `0..n`, chosen by the loop: seeded, recorded in the
/// schedule, replayed by it, and explored by exhaustive search (for `n` up
/// to 64). `n` of 0 or 1 gives 0. Outside a loop: a fixed-seed sequence.
///
/// # Examples
///
/// A backoff with random jitter that breaks for one of its values: every
/// value is tried by the exhaustive search, and the failure's schedule
/// replays it.
///
/// ```
/// use evloop::testing::{Harness, choose};
///
/// let body = || async {
///     let jitter_ms = choose(4) as u64 * 10; // 0, 10, 20 or 30 ms
///     evloop::sleep(std::time::Duration::from_millis(jitter_ms)).await;
///     assert!(jitter_ms < 30, "too late: {jitter_ms} ms");
/// };
/// let failure = Harness::new().exhaustive(true).use_env(false).try_explore(body).unwrap_err();
/// assert_eq!(failure.message(), "panicked: too late: 30 ms");
/// let again = Harness::new().use_env(false).try_replay(&failure.schedule, body).unwrap_err();
/// assert_eq!(again.message(), failure.message());
/// ```
pub fn choose(n: usize) -> usize {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    context::with_core(|core| core.choose_value(n)).unwrap_or_else(|| outside(n.max(1))) as usize
}

/// A random `u32`, chosen by the loop as [`choose`] chooses (recorded and
/// replayed; an exhaustive search keeps FIFO's value, since four billion
/// alternatives are not a search).
///
/// # Examples
///
/// ```
/// let (a, b) = evloop::testing::run(async {
///     (evloop::testing::random_u32(), evloop::testing::random_u32())
/// });
/// let again = evloop::testing::run(async {
///     (evloop::testing::random_u32(), evloop::testing::random_u32())
/// });
/// assert_eq!((a, b), again, "the same every run under FIFO");
/// assert_ne!(a, b);
/// ```
pub fn random_u32() -> u32 {
    context::with_core(|core| core.choose_value(u32::MAX)).unwrap_or_else(|| outside(u32::MAX))
}
