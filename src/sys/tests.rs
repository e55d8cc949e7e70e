//! Tests of sys/mod.rs.

use super::*;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// A connected, non-blocking `UnixStream::pair()`, each end turned into a
/// `File` so that reads and writes are plain read(2)/write(2): std's
/// `UnixStream` writes with send(2), which Miri does not emulate.
/// (The backends' own tests use it too.)
pub(super) fn pair() -> (File, File) {
    let (a, b) = UnixStream::pair().unwrap();
    set_nonblocking(a.as_raw_fd(), true).unwrap();
    set_nonblocking(b.as_raw_fd(), true).unwrap();
    (File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b)))
}

/// One zero-timeout wait, asserting no notify was pending.
fn poll_now(poller: &Poller) -> Vec<Event> {
    let mut events = Vec::new();
    assert!(!poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    events
}

/// OR together the events for `token` (kqueue may report two, promise 4).
fn merged(events: &[Event], token: usize) -> Option<(bool, bool)> {
    events
        .iter()
        .filter(|e| e.token == token)
        .map(|e| (e.readable, e.writable))
        .reduce(|a, b| (a.0 || b.0, a.1 || b.1))
}

#[test]
fn write_makes_the_peer_readable_with_its_token() {
    let poller = Poller::new().unwrap();
    let (mut a, b) = pair();
    poller
        .register(b.as_raw_fd(), 7, Interest::READABLE)
        .unwrap();
    assert_eq!(poll_now(&poller), []);

    a.write_all(b"hello").unwrap();
    let mut events = Vec::new();
    assert!(!poller.wait(&mut events, None).unwrap());
    assert_eq!(
        events,
        [Event {
            token: 7,
            readable: true,
            writable: false,
            ended: false,
        }]
    );
}

#[test]
fn a_fresh_socket_is_writable() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    poller
        .register(a.as_raw_fd(), 3, Interest::WRITABLE)
        .unwrap();
    assert_eq!(merged(&poll_now(&poller), 3), Some((false, true)));
}

#[test]
fn tokens_use_all_bits() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    let token = usize::MAX - 2; // The largest token allowed.
    poller
        .register(a.as_raw_fd(), token, Interest::WRITABLE)
        .unwrap();
    assert_eq!(merged(&poll_now(&poller), token), Some((false, true)));
}

#[test]
fn modify_changes_token_and_interest() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    poller
        .register(a.as_raw_fd(), 1, Interest::READABLE)
        .unwrap();
    assert_eq!(poll_now(&poller), [], "not readable: nothing was sent");
    poller.modify(a.as_raw_fd(), 2, Interest::BOTH).unwrap();
    assert_eq!(merged(&poll_now(&poller), 2), Some((false, true)));
    assert_eq!(merged(&poll_now(&poller), 1), None);
}

#[test]
fn deregister_stops_events() {
    let poller = Poller::new().unwrap();
    let (mut a, b) = pair();
    poller
        .register(b.as_raw_fd(), 1, Interest::READABLE)
        .unwrap();
    poller.deregister(b.as_raw_fd()).unwrap();
    a.write_all(b"x").unwrap();
    assert_eq!(poll_now(&poller), []);
    // And it is really gone: a second deregister is an error.
    assert!(poller.deregister(b.as_raw_fd()).is_err());
}

#[test]
fn edge_triggered_reports_once_until_drained() {
    let poller = Poller::new().unwrap();
    let (mut a, mut b) = pair();
    poller
        .register(b.as_raw_fd(), 5, Interest::READABLE)
        .unwrap();
    a.write_all(b"abc").unwrap();
    assert_eq!(merged(&poll_now(&poller), 5), Some((true, false)));

    // Not drained, still readable, but no new edge: nothing to report.
    assert_eq!(poll_now(&poller), []);

    // Drain to WouldBlock; new data then makes a new edge.
    let mut buf = [0u8; 16];
    assert_eq!(b.read(&mut buf).unwrap(), 3);
    assert_eq!(b.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    a.write_all(b"d").unwrap();
    assert_eq!(merged(&poll_now(&poller), 5), Some((true, false)));
}

/// A peer's close is readable, and says it ended: a state that lasts
/// (the reactor keeps it; see `Reactor::forget_drained`).
#[test]
fn peer_drop_reports_readable_and_ended() {
    let poller = Poller::new().unwrap();
    let (a, mut b) = pair();
    poller
        .register(b.as_raw_fd(), 9, Interest::READABLE)
        .unwrap();
    drop(a);
    let mut events = Vec::new();
    poller.wait(&mut events, None).unwrap();
    assert_eq!(merged(&events, 9).map(|(r, _)| r), Some(true));
    assert!(events.iter().any(|e| e.token == 9 && e.ended), "{events:?}");
    let mut buf = [0u8; 4];
    assert_eq!(b.read(&mut buf).unwrap(), 0, "and the read says EOF");
}

/// A thread that notifies `poller` after `delay` (join it at the end).
pub(super) fn notify_after(poller: &Poller, delay: Duration) -> std::thread::JoinHandle<()> {
    let notifier = poller.notifier();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        notifier.notify().unwrap();
    })
}

#[test]
fn notify_from_another_thread_wakes_wait() {
    let poller = Poller::new().unwrap();
    let thread = notify_after(&poller, Duration::from_millis(10));
    let mut events = Vec::new();
    // Only that it returns: no bound on how fast.
    assert!(poller.wait(&mut events, None).unwrap());
    assert_eq!(events, []);
    thread.join().unwrap();
}

#[test]
fn many_notifies_make_one_wake() {
    let poller = Poller::new().unwrap();
    let notifier = poller.notifier();
    for _ in 0..100 {
        notifier.clone().notify().unwrap();
    }
    let mut events = Vec::new();
    assert!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    assert!(!poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
    // A later notify is seen again.
    notifier.notify().unwrap();
    assert!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap());
}

#[test]
fn notifier_outliving_the_poller_is_harmless() {
    let poller = Poller::new().unwrap();
    let notifier = poller.notifier();
    drop(poller);
    notifier.notify().unwrap();
}

#[test]
fn timeout_never_ends_early() {
    let poller = Poller::new().unwrap();
    let mut events = vec![Event {
        token: 1,
        readable: true,
        writable: true,
        ended: false,
    }];
    let start = Instant::now();
    assert!(
        !poller
            .wait(&mut events, Some(Duration::from_millis(5)))
            .unwrap()
    );
    assert!(start.elapsed() >= Duration::from_millis(5));
    assert_eq!(events, [], "wait clears the vector first");
}

#[test]
fn a_microsecond_timeout_still_sleeps() {
    let poller = Poller::new().unwrap();
    let mut events = Vec::new();
    let start = Instant::now();
    poller
        .wait(&mut events, Some(Duration::from_micros(1)))
        .unwrap();
    assert!(start.elapsed() >= Duration::from_micros(1));
}

#[test]
fn duration_max_does_not_overflow() {
    let poller = Poller::new().unwrap();
    poller.notifier().notify().unwrap();
    let mut events = Vec::new();
    assert!(poller.wait(&mut events, Some(Duration::MAX)).unwrap());
}

#[test]
fn poller_is_send_and_notifier_is_send_sync() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Poller>();
    send_sync::<Notifier>();
}

#[test]
fn cvt_maps_minus_one_to_errno() {
    assert_eq!(cvt(5i32).unwrap(), 5);
    assert_eq!(cvt(0isize).unwrap(), 0);
    // EBADF from a descriptor that cannot be open.
    let err = set_nonblocking(-1, true).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(9)); // EBADF is 9 everywhere supported.
}

#[test]
fn timeouts_round_up_and_clamp() {
    assert_eq!(timeout_millis(None), -1);
    assert_eq!(timeout_millis(Some(Duration::ZERO)), 0);
    assert_eq!(timeout_millis(Some(Duration::from_micros(1))), 1);
    assert_eq!(timeout_millis(Some(Duration::from_millis(5))), 5);
    assert_eq!(timeout_millis(Some(Duration::from_nanos(5_000_001))), 6);
    assert_eq!(timeout_millis(Some(Duration::MAX)), i32::MAX);
    assert_eq!(timeout_millis(Some(MAX_WAIT)), i32::MAX);
}

#[test]
fn interest_constants() {
    let both = |i: Interest| (i.readable, i.writable);
    assert_eq!(both(Interest::READABLE), (true, false));
    assert_eq!(both(Interest::WRITABLE), (false, true));
    assert_eq!(both(Interest::BOTH), (true, true));
}

#[test]
fn reserved_tokens_are_refused() {
    let poller = Poller::new().unwrap();
    let (a, _b) = pair();
    for token in [NOTIFY_TOKEN, TIMER_TOKEN] {
        let err = poller
            .register(a.as_raw_fd(), token, Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("reserved"), "{err}");
    }
    poller
        .register(a.as_raw_fd(), 1, Interest::READABLE)
        .unwrap();
    for token in [NOTIFY_TOKEN, TIMER_TOKEN] {
        let err = poller
            .modify(a.as_raw_fd(), token, Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

#[test]
fn set_nonblocking_on_a_pipe() {
    let (mut reader, _writer) = std::io::pipe().unwrap();
    set_nonblocking(reader.as_raw_fd(), true).unwrap();
    let mut buf = [0u8; 8];
    let err = reader.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    // And back: turning it off again is accepted (not read, it would block).
    set_nonblocking(reader.as_raw_fd(), false).unwrap();
    set_nonblocking(reader.as_raw_fd(), false).unwrap();
}
