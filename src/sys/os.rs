//! Which OS gets which part of `sys`, named once.
//!
//! Each macro keeps the items given to it on its group of OSes only, so the
//! lists of OSes are written here (the POSIX one twice, as `any` and as
//! `not(any)`) and nowhere else:
//!
//! | macro            | OSes                                          | what it gates                       |
//! |------------------|-----------------------------------------------|-------------------------------------|
//! | `if_epoll!`      | Linux, Android                                | the epoll backend                   |
//! | `if_kqueue!`     | macOS, iOS, FreeBSD, NetBSD, OpenBSD           | the kqueue backend                  |
//! | `if_no_poller!`  | every other OS (Windows, …)                   | the `none` backend                  |
//! | `if_posix!`      | the OSes of the two backends                  | signals, pipes, child processes, `fcntl` |
//! | `if_not_posix!`  | every other OS                                | their stand-ins                     |

/// Keeps the items on Linux and Android.
macro_rules! if_epoll {
    ($($item:item)*) => {$(
        #[cfg(any(target_os = "linux", target_os = "android"))]
        $item
    )*};
}

/// Keeps the items on the OSes of the kqueue backend.
macro_rules! if_kqueue {
    ($($item:item)*) => {$(
        #[cfg(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
        ))]
        $item
    )*};
}

/// Keeps the items on the OSes of either backend: the POSIX systems whose
/// numbers (signals, `fcntl` flags, `errno`) `sys` declares.
macro_rules! if_posix {
    ($($item:item)*) => {$(
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
        ))]
        $item
    )*};
}

/// Keeps the items on every OS `if_posix!` leaves out.
macro_rules! if_not_posix {
    ($($item:item)*) => {$(
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
        )))]
        $item
    )*};
}

/// Keeps the items where there is no readiness poller (the same OSes as
/// `if_not_posix!`: every OS with a poller is one `sys` declares).
macro_rules! if_no_poller {
    ($($item:item)*) => {
        $crate::sys::if_not_posix! { $($item)* }
    };
}

pub(crate) use {if_epoll, if_kqueue, if_no_poller, if_not_posix, if_posix};
