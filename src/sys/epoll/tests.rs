//! Tests of sys/epoll.rs.

use super::*;

/// Fills the eventfd's counter to its maximum, as 2^64 − 2 notifies
/// would: a plain write of 1 then fails with `EAGAIN`.
fn fill_counter(notifier: &Notifier) {
    let max = u64::MAX - 1;
    // SAFETY: writes exactly the 8 bytes of `max`.
    let ret = unsafe {
        write(
            notifier.eventfd.as_raw_fd(),
            (&raw const max).cast::<c_void>(),
            size_of::<u64>(),
        )
    };
    cvt(ret).unwrap();
    assert_eq!(
        notifier.write_one().unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}

#[test]
fn notifies_wake_every_wait_without_the_counter_being_read() {
    let poller = Poller::new().unwrap();
    let notifier = poller.notifier();
    let mut events = Vec::new();
    for _ in 0..3 {
        notifier.notify().unwrap();
        notifier.notify().unwrap();
        assert!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
        assert!(!poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    }
}

#[test]
fn a_full_counter_is_reset_and_the_notify_still_wakes() {
    let poller = Poller::new().unwrap();
    let notifier = poller.notifier();
    let mut events = Vec::new();
    fill_counter(&notifier);
    // The filling write woke the set once; consume that.
    assert!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    assert!(!poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    notifier.notify().unwrap();
    assert!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    assert_eq!(events, []);
}

#[test]
fn epoll_event_layout() {
    if cfg!(target_arch = "x86_64") {
        assert_eq!(size_of::<EpollEvent>(), 12);
        assert_eq!(std::mem::offset_of!(EpollEvent, data), 4);
    } else if cfg!(target_arch = "x86") {
        assert_eq!(size_of::<EpollEvent>(), 12);
    } else {
        assert_eq!(size_of::<EpollEvent>(), 16);
        assert_eq!(std::mem::offset_of!(EpollEvent, data), 8);
    }
}

use crate::sys::tests::{notify_after, pair};

/// A poller whose next `wait` returns at once because of a notify, after
/// arming its timer for `t` (the timer is left armed: lazy disarm).
fn interrupted_timed_wait(poller: &Poller, t: Duration) {
    poller.notifier().notify().unwrap();
    let mut events = Vec::new();
    assert!(poller.wait(&mut events, Some(t)).unwrap());
    assert_eq!(events, []);
}

/// One `wait(Some(t))` with nothing to report: it times out, no earlier
/// than `t`, with no events and no notify.
pub(super) fn times_out_after(poller: &Poller, t: Duration) {
    let mut events = Vec::new();
    let start = Instant::now();
    assert!(!poller.wait(&mut events, Some(t)).unwrap());
    assert!(start.elapsed() >= t, "ended early: {:?}", start.elapsed());
    assert_eq!(events, []);
}

/// The deadline the poller's timer is armed at; `None` where there is no
/// timer at all (32-bit, Miri), which the tests treat as disarmed.
fn armed(poller: &Poller) -> Option<u64> {
    poller.timing.armed()
}

#[test]
fn consecutive_timed_waits_each_sleep_their_own_time() {
    let poller = Poller::new().unwrap();
    for _ in 0..3 {
        times_out_after(&poller, Duration::from_millis(2));
    }
}

#[test]
fn a_timed_wait_after_an_earlier_deadline_sleeps_to_its_own() {
    let poller = Poller::new().unwrap();
    // Armed 5 ms out, then left armed.
    interrupted_timed_wait(&poller, Duration::from_millis(5));
    times_out_after(&poller, Duration::from_millis(30));
}

#[test]
fn a_timed_wait_after_a_later_deadline_is_rearmed_earlier() {
    let poller = Poller::new().unwrap();
    // Armed an hour out: the next wait must not inherit that deadline.
    interrupted_timed_wait(&poller, Duration::from_secs(3600));
    times_out_after(&poller, Duration::from_millis(2));
    assert_eq!(armed(&poller), None);
}

#[test]
fn a_stale_timer_never_comes_out_as_an_event_or_a_wake() {
    let poller = Poller::new().unwrap();
    // Armed 5 ms out and left armed; it fires during the untimed wait.
    interrupted_timed_wait(&poller, Duration::from_millis(5));
    let thread = notify_after(&poller, Duration::from_millis(40));
    let mut events = Vec::new();
    let start = Instant::now();
    // Only the notify ends it: `true`, and not before the notify came.
    assert!(poller.wait(&mut events, None).unwrap());
    assert!(start.elapsed() >= Duration::from_millis(40));
    assert_eq!(events, []);
    thread.join().unwrap();
    assert_eq!(
        armed(&poller),
        None,
        "the stale timer did fire during the wait, and was swallowed"
    );
}

#[test]
fn a_stale_timer_is_invisible_to_a_zero_wait() {
    let poller = Poller::new().unwrap();
    interrupted_timed_wait(&poller, Duration::from_millis(1));
    std::thread::sleep(Duration::from_millis(5)); // Let it fire unobserved.
    let mut events = Vec::new();
    assert!(!poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    assert_eq!(events, []);
}

#[test]
fn a_notify_wakes_a_timed_wait() {
    let poller = Poller::new().unwrap();
    let thread = notify_after(&poller, Duration::from_millis(10));
    let mut events = Vec::new();
    // An hour's timeout: only the notify can end this wait in the test.
    let hour = Some(Duration::from_secs(3600));
    assert!(poller.wait(&mut events, hour).unwrap());
    assert_eq!(events, []);
    thread.join().unwrap();
}

#[test]
fn io_during_a_timed_wait_comes_out_without_the_timer() {
    use std::io::Write;
    let poller = Poller::new().unwrap();
    let (mut a, b) = pair();
    poller
        .register(b.as_raw_fd(), 4, Interest::READABLE)
        .unwrap();
    a.write_all(b"x").unwrap();
    let mut events = Vec::new();
    let hour = Some(Duration::from_secs(3600));
    assert!(!poller.wait(&mut events, hour).unwrap());
    let readable = Event {
        token: 4,
        readable: true,
        writable: false,
        ended: false,
    };
    assert_eq!(events, [readable]);
}

// Tests of one timing alone are in its file (timerfd.rs, pwait2.rs).

#[test]
fn flags_are_edge_triggered_with_rdhup() {
    assert_eq!(
        flags_for(Interest::READABLE),
        EPOLLET | EPOLLRDHUP | EPOLLIN
    );
    assert_eq!(
        flags_for(Interest::WRITABLE),
        EPOLLET | EPOLLRDHUP | EPOLLOUT
    );
    assert_eq!(
        flags_for(Interest::BOTH),
        EPOLLET | EPOLLRDHUP | EPOLLIN | EPOLLOUT
    );
}
