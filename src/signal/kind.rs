//! [`SignalKind`]: which signal, by name rather than by number.

use std::fmt;

use crate::sys::signal as sys;

/// A signal, by the name its meaning goes by: the numbers differ between
/// Linux and the BSDs (`SIGUSR1` is 10 on Linux, 30 on macOS), the names do
/// not. Tokio's `SignalKind`, with the same constructors.
///
/// # Examples
///
/// ```
/// use evloop::signal::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw_value(), 15);
/// assert_eq!(SignalKind::terminate().to_string(), "SIGTERM");
/// assert_eq!(SignalKind::from_raw(15), SignalKind::terminate());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// Any signal by its number on this OS. [`signal`](super::signal)
    /// refuses the ones that cannot or must not be caught.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number on this OS.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload".
    pub const fn hangup() -> SignalKind {
        SignalKind(sys::SIGHUP)
    }

    /// `SIGINT`: Ctrl-C.
    pub const fn interrupt() -> SignalKind {
        SignalKind(sys::SIGINT)
    }

    /// `SIGQUIT`: Ctrl-\.
    pub const fn quit() -> SignalKind {
        SignalKind(sys::SIGQUIT)
    }

    /// `SIGTERM`: please end (what `kill` sends by default, and what
    /// service managers send before `SIGKILL`).
    pub const fn terminate() -> SignalKind {
        SignalKind(sys::SIGTERM)
    }

    /// `SIGUSR1`: the program decides what it means.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(sys::SIGUSR1)
    }

    /// `SIGUSR2`: the program decides what it means.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(sys::SIGUSR2)
    }

    /// `SIGCHLD`: a child process exited or stopped.
    pub const fn child() -> SignalKind {
        SignalKind(sys::SIGCHLD)
    }

    /// `SIGWINCH`: the terminal changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(sys::SIGWINCH)
    }

    /// `SIGPIPE`: a write to a pipe nobody reads (Rust programs ignore it
    /// from the start, and get `BrokenPipe` errors instead).
    pub const fn pipe() -> SignalKind {
        SignalKind(sys::SIGPIPE)
    }

    /// `SIGALRM`: the `alarm(2)` timer.
    pub const fn alarm() -> SignalKind {
        SignalKind(sys::SIGALRM)
    }

    /// The C name (`"SIGTERM"`), for the signals this type has a
    /// constructor for, and the few that may not be awaited.
    pub fn name(&self) -> Option<&'static str> {
        let names = [
            (sys::SIGHUP, "SIGHUP"),
            (sys::SIGINT, "SIGINT"),
            (sys::SIGQUIT, "SIGQUIT"),
            (sys::SIGILL, "SIGILL"),
            (sys::SIGBUS, "SIGBUS"),
            (sys::SIGFPE, "SIGFPE"),
            (sys::SIGKILL, "SIGKILL"),
            (sys::SIGUSR1, "SIGUSR1"),
            (sys::SIGSEGV, "SIGSEGV"),
            (sys::SIGUSR2, "SIGUSR2"),
            (sys::SIGPIPE, "SIGPIPE"),
            (sys::SIGALRM, "SIGALRM"),
            (sys::SIGTERM, "SIGTERM"),
            (sys::SIGCHLD, "SIGCHLD"),
            (sys::SIGSTOP, "SIGSTOP"),
            (sys::SIGWINCH, "SIGWINCH"),
        ];
        names
            .iter()
            .find(|(n, _)| *n == self.0)
            .map(|(_, name)| *name)
    }

    /// Why this signal may not be awaited, if it may not.
    pub(crate) fn refusal(&self) -> Option<String> {
        let n = self.0;
        if !(1..=sys::MAX).contains(&n) {
            return Some(format!(
                "{n} is not a signal number on this OS (1..={}); use a SignalKind constructor such as \
                 SignalKind::terminate()",
                sys::MAX
            ));
        }
        if n == sys::SIGKILL || n == sys::SIGSTOP {
            return Some(format!(
                "{self} cannot be caught (the kernel acts on it directly); await SIGTERM or SIGINT instead"
            ));
        }
        if [sys::SIGSEGV, sys::SIGBUS, sys::SIGILL, sys::SIGFPE].contains(&n) {
            return Some(format!(
                "{self} reports a fault in the thread that caused it; a handler that returns would run \
                 the faulting instruction again, so evloop does not let a task await it"
            ));
        }
        None
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}
