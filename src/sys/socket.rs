//! A TCP connect that does not block: the start of one, for the reactor to
//! finish.
//!
//! std's `TcpStream::connect` blocks until the handshake is over. A loop
//! cannot wait there, so evloop once ran it on a worker thread: one thread
//! hand-off a connection, and a process that becomes multi-threaded, which
//! makes every later `send` and `recv` of glibc take its cancellation-point
//! path (4.6 % of a TCP echo's instructions, workload F50). Instead, as
//! every production runtime does:
//!
//! ```text
//!   socket(AF_INET or AF_INET6, SOCK_STREAM, non-blocking, close-on-exec)
//!   connect(addr) ── 0 ─────────────────────▶ connected already (loopback can)
//!              └─── EINPROGRESS (or EINTR) ─▶ under way:
//!   wait until writable                                      (the reactor)
//!   SO_ERROR: none ──▶ connected;  an error ──▶ it failed    (std's take_error)
//! ```
//!
//! Only `socket` and `connect` are declared here; std does the rest once
//! the descriptor is a `TcpStream`. What differs between the OSes is the
//! address's layout (a length byte first on the BSDs and macOS), the
//! number of `AF_INET6`, of `EINPROGRESS`, and of the flags that make the
//! socket non-blocking and close-on-exec as it is made (macOS has neither:
//! `fcntl` sets them right after).

use std::ffi::{c_int, c_void};
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};

use super::cvt;

unsafe extern "C" {
    fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
    fn connect(fd: c_int, addr: *const c_void, len: u32) -> c_int;
}

const AF_INET: c_int = 2;
#[cfg(any(target_os = "linux", target_os = "android"))]
const AF_INET6: c_int = 10;
#[cfg(any(target_os = "macos", target_os = "ios"))]
const AF_INET6: c_int = 30;
#[cfg(target_os = "freebsd")]
const AF_INET6: c_int = 28;
#[cfg(any(target_os = "netbsd", target_os = "openbsd"))]
const AF_INET6: c_int = 24;

const SOCK_STREAM: c_int = 1;

/// Both set atomically with the socket where the OS can (so no other
/// thread's `fork` + `exec` can catch the descriptor without close-on-exec,
/// and no extra call makes it non-blocking). macOS has neither flag.
/// (Linux's `SOCK_NONBLOCK` is its `O_NONBLOCK`, whose number `fcntl`
/// declares for the architectures it checks; `SOCK_CLOEXEC` is `O_CLOEXEC`.)
#[cfg(any(target_os = "linux", target_os = "android"))]
const SOCK_CLOEXEC_NONBLOCK: c_int = 0o2_000_000 | super::fcntl::O_NONBLOCK;
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
const SOCK_CLOEXEC_NONBLOCK: c_int = 0x1000_0000 | 0x2000_0000;
#[cfg(target_os = "openbsd")]
const SOCK_CLOEXEC_NONBLOCK: c_int = 0x8000 | 0x4000;
#[cfg(any(target_os = "macos", target_os = "ios"))]
const SOCK_CLOEXEC_NONBLOCK: c_int = 0;

#[cfg(any(target_os = "linux", target_os = "android"))]
const EINPROGRESS: i32 = 115;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const EINPROGRESS: i32 = 36;
const EINTR: i32 = 4;

/// The first field(s) of every `sockaddr`: Linux starts with a 16-bit
/// family; the BSDs and macOS with a length byte and an 8-bit family.
#[repr(C)]
struct Family {
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    len: u8,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    family: u16,
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    family: u8,
}

impl Family {
    /// The start of a `sockaddr` of `family`, `len` bytes in all.
    #[allow(clippy::cast_possible_truncation)] // families and lengths are small
    fn new(family: c_int, len: usize) -> Family {
        // Linux's `sockaddr` carries no length.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = len;
        Family {
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            len: len as u8,
            family: family as _,
        }
    }
}

/// `struct sockaddr_in`.
#[repr(C)]
struct SockaddrIn {
    family: Family,
    /// Network byte order, as is the address.
    port: [u8; 2],
    addr: [u8; 4],
    zero: [u8; 8],
}

/// `struct sockaddr_in6`.
#[repr(C)]
struct SockaddrIn6 {
    family: Family,
    port: [u8; 2],
    /// Network byte order.
    flowinfo: [u8; 4],
    addr: [u8; 16],
    /// Host byte order.
    scope_id: u32,
}

const _: () = assert!(size_of::<SockaddrIn>() == 16 && size_of::<SockaddrIn6>() == 28);

/// A connect to `addr`, started: the socket (non-blocking, close-on-exec),
/// and whether it is connected already (`false`: under way; wait until it
/// is writable, then read its error).
///
/// # Errors
///
/// The OS's: `socket`'s (`EMFILE`…), or `connect`'s when it fails at once
/// (`ECONNREFUSED` on some systems, `ENETUNREACH`…).
pub(crate) fn start_connect(addr: &SocketAddr) -> io::Result<(TcpStream, bool)> {
    let domain = match addr {
        SocketAddr::V4(_) => AF_INET,
        SocketAddr::V6(_) => AF_INET6,
    };
    // SAFETY: `socket` takes three integers and returns a new descriptor or
    // -1; nothing of ours is touched.
    let fd = cvt(unsafe { socket(domain, SOCK_STREAM | SOCK_CLOEXEC_NONBLOCK, 0) })?;
    // SAFETY: `fd` is the descriptor `socket` just returned: open, and owned
    // by nothing else. The `OwnedFd` closes it on every path from here.
    let stream = TcpStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        super::set_cloexec(fd)?;
        stream.set_nonblocking(true)?;
    }
    let started = match addr {
        SocketAddr::V4(a) => {
            let raw = SockaddrIn {
                family: Family::new(AF_INET, size_of::<SockaddrIn>()),
                port: a.port().to_be_bytes(),
                addr: a.ip().octets(),
                zero: [0; 8],
            };
            connect_to(fd, &raw)
        }
        SocketAddr::V6(a) => {
            let raw = SockaddrIn6 {
                family: Family::new(AF_INET6, size_of::<SockaddrIn6>()),
                port: a.port().to_be_bytes(),
                flowinfo: a.flowinfo().to_be_bytes(),
                addr: a.ip().octets(),
                scope_id: a.scope_id(),
            };
            connect_to(fd, &raw)
        }
    };
    match started {
        Ok(()) => Ok((stream, true)),
        Err(e) if matches!(e.raw_os_error(), Some(EINPROGRESS | EINTR)) => Ok((stream, false)),
        Err(e) => Err(e),
    }
}

/// `connect(fd, raw)`, once (a non-blocking connect interrupted by a signal
/// goes on in the background: it is not restarted).
fn connect_to<A>(fd: c_int, raw: &A) -> io::Result<()> {
    // SAFETY: `raw` is a `sockaddr_in` or `sockaddr_in6` laid out as the OS
    // wants it (`repr(C)`, sizes checked above), valid for the call; its
    // length is passed with it.
    let ret = unsafe {
        connect(
            fd,
            std::ptr::from_ref(raw).cast::<c_void>(),
            size_of::<A>() as u32,
        )
    };
    cvt(ret).map(drop)
}

#[cfg(test)]
mod tests {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{Ipv6Addr, SocketAddr, TcpListener};

    use super::start_connect;

    /// Waits (blocking: a test, with no loop) until the connect is done,
    /// and says how it ended.
    fn finish(stream: &std::net::TcpStream, done: bool) -> std::io::Result<()> {
        if done {
            return Ok(());
        }
        for _ in 0..1000 {
            if let Some(e) = stream.take_error()? {
                return Err(e);
            }
            if stream.peer_addr().is_ok() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("the connect neither succeeded nor failed in 2 s");
    }

    fn echo_once(listener: &TcpListener, addr: SocketAddr) {
        let (stream, done) = start_connect(&addr).unwrap();
        finish(&stream, done).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server.write_all(b"hi").unwrap();
        stream.set_nonblocking(false).unwrap();
        let mut got = [0; 2];
        (&stream).read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hi");
        assert_eq!(stream.peer_addr().unwrap(), addr);
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri does not emulate socket")]
    fn a_connect_to_a_listener_over_ipv4_gets_through() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        echo_once(&listener, listener.local_addr().unwrap());
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri does not emulate socket")]
    fn a_connect_to_a_listener_over_ipv6_gets_through() {
        // Some machines have no IPv6 loopback: nothing to test there.
        let Ok(listener) = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) else {
            return;
        };
        echo_once(&listener, listener.local_addr().unwrap());
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri does not emulate socket")]
    fn a_connect_where_nobody_listens_is_refused() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // The listener is gone: the port refuses, at once or once under way.
        let refused = start_connect(&port).and_then(|(stream, done)| finish(&stream, done));
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::ConnectionRefused);
    }
}
