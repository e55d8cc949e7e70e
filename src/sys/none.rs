//! The backend of an OS evloop has no readiness poller for (Windows, the
//! BSDs it has not checked, anything else): `Poller::new` refuses with
//! `ErrorKind::Unsupported` and a message that says so.
//!
//! Nothing else is missing. The reactor treats a refused poller as it
//! treats a process out of descriptors: the loop parks its thread until the
//! next timer or a wake from another thread, so tasks, timers (real and
//! virtual), the sync primitives, the combinators, `to_thread`, the test
//! harness and the REPL all work; only sockets and `Async` fail, each with
//! this message. The builder's `reactor` switch defaults to off here, so no
//! runtime even tries.

use std::io;
use std::time::Duration;

use super::{Event, Interest, RawFd};

/// Why there is no poller, for every error this backend returns.
pub(crate) const UNSUPPORTED: &str = "evloop has no I/O reactor on this OS (it has epoll on Linux and Android, \
     kqueue on macOS, iOS and FreeBSD): sockets and Async are unavailable here, while tasks, \
     timers, sync, to_thread and the test harness work";

fn unsupported() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, UNSUPPORTED)
}

/// A poller that cannot be made: every constructor refuses.
#[derive(Debug)]
pub(crate) struct Poller {
    _never: (),
}

/// The notifier of a poller that cannot be made.
#[derive(Clone, Debug)]
pub(crate) struct Notifier {
    _never: (),
}

impl Poller {
    /// Refuses: there is no readiness API evloop knows on this OS.
    pub fn new() -> io::Result<Poller> {
        Err(unsupported())
    }

    pub fn register(&self, _fd: RawFd, _token: usize, _interest: Interest) -> io::Result<()> {
        Err(unsupported())
    }

    pub fn modify(&self, _fd: RawFd, _token: usize, _interest: Interest) -> io::Result<()> {
        Err(unsupported())
    }

    pub fn deregister(&self, _fd: RawFd) -> io::Result<()> {
        Err(unsupported())
    }

    pub fn wait(&self, _events: &mut Vec<Event>, _timeout: Option<Duration>) -> io::Result<bool> {
        Err(unsupported())
    }

    pub fn notifier(&self) -> Notifier {
        Notifier { _never: () }
    }
}

impl Notifier {
    pub fn notify(&self) -> io::Result<()> {
        Err(unsupported())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_refuses_with_unsupported_and_says_why() {
        let err = Poller::new().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        assert!(
            err.to_string().contains("no I/O reactor on this OS"),
            "{err}"
        );
        let poller = Poller { _never: () };
        assert_eq!(
            poller
                .register(3, 0, Interest::READABLE)
                .unwrap_err()
                .kind(),
            io::ErrorKind::Unsupported
        );
        assert!(poller.modify(3, 0, Interest::WRITABLE).is_err());
        assert!(poller.deregister(3).is_err());
        let mut events = Vec::new();
        assert!(poller.wait(&mut events, None).is_err());
        assert!(poller.notifier().notify().is_err());
    }
}
