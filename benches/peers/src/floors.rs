//! The physical floors: what the machine charges for the pieces every
//! executor is made of, measured in the same run as the workloads so the
//! workloads can be read against them.
//!
//! ```text
//!   poll a boxed dyn Future → Ready     the least a task poll can cost
//!   Arc Wake::wake_by_ref               the least a wake can cost
//!   epoll_wait, zero timeout            a reactor turn that finds nothing
//!   eventfd write + read                a cross-thread notification, both ends
//!   TCP echo RTT, no poller             loopback round trip, non-blocking
//!                                       sockets spun on one thread
//!   timerfd sleep, 2 µs / 1 ms ahead:   how late a thread wakes from a timer
//!   lateness p50                        armed that far ahead (its wake-up
//!                                       latency: what D2 can do at best if
//!                                       it sleeps for each deadline)
//! ```
//!
//! This is the only module with `unsafe` (the syscalls std does not wrap),
//! and `libc` is used for nothing else.

use std::future::Future;
use std::hint::black_box;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::stats::percentile_sorted;
use crate::workloads::Size;

/// One floor.
pub struct Floor {
    pub name: &'static str,
    pub unit: &'static str,
    /// One measurement, in `unit`.
    pub measure: fn(Size) -> Result<f64, String>,
}

pub const ALL: &[Floor] = &[
    Floor {
        name: "boxed dyn Future poll → Ready",
        unit: "ns",
        measure: boxed_poll,
    },
    Floor {
        name: "Arc Wake::wake_by_ref",
        unit: "ns",
        measure: arc_wake,
    },
    Floor {
        name: "epoll_wait, zero timeout",
        unit: "ns",
        measure: epoll_wait_zero,
    },
    Floor {
        name: "eventfd write + read",
        unit: "ns",
        measure: eventfd_round,
    },
    Floor {
        name: "TCP echo RTT p50, no poller",
        unit: "µs",
        measure: tcp_echo_rtt,
    },
    Floor {
        name: "timerfd sleep 2 µs ahead: lateness p50",
        unit: "µs",
        measure: |size| timer_lateness(size, Duration::from_micros(2)),
    },
    Floor {
        name: "timerfd sleep 1 ms ahead: lateness p50",
        unit: "µs",
        measure: |size| timer_lateness(size, Duration::from_millis(1)),
    },
];

fn per_op(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_nanos() as f64 / ops as f64
}

struct AlwaysReady(u64);

impl Future for AlwaysReady {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u64> {
        self.0 += 1;
        Poll::Ready(self.0)
    }
}

fn boxed_poll(size: Size) -> Result<f64, String> {
    let polls = size.scale(20_000_000);
    let mut future: Pin<Box<dyn Future<Output = u64>>> = Box::pin(AlwaysReady(0));
    let mut cx = Context::from_waker(Waker::noop());
    let start = Instant::now();
    for _ in 0..polls {
        // black_box hides the concrete type, so the call stays virtual.
        let _ = black_box(black_box(&mut future).as_mut().poll(&mut cx));
    }
    Ok(per_op(start.elapsed(), polls))
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

fn arc_wake(size: Size) -> Result<f64, String> {
    let wakes = size.scale(20_000_000);
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let start = Instant::now();
    for _ in 0..wakes {
        black_box(&waker).wake_by_ref();
    }
    let elapsed = start.elapsed();
    assert!(flag.0.load(Ordering::Acquire));
    Ok(per_op(elapsed, wakes))
}

/// A file descriptor closed on drop.
struct Fd(libc::c_int);

impl Fd {
    fn new(fd: libc::c_int, what: &str) -> Result<Fd, String> {
        if fd < 0 {
            Err(format!("{what}: {}", std::io::Error::last_os_error()))
        } else {
            Ok(Fd(fd))
        }
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a descriptor this `Fd` opened and owns; it is
        // closed exactly once, here.
        unsafe { libc::close(self.0) };
    }
}

fn eventfd() -> Result<Fd, String> {
    // SAFETY: eventfd takes no pointers; the result is checked by `Fd::new`.
    Fd::new(
        unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) },
        "eventfd",
    )
}

fn epoll_wait_zero(size: Size) -> Result<f64, String> {
    let turns = size.scale(1_000_000);
    // SAFETY: epoll_create1 takes no pointers; the result is checked.
    let epoll = Fd::new(
        unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
        "epoll_create1",
    )?;
    // One registered, never-ready descriptor, as a loop with a waker fd has.
    let event_fd = eventfd()?;
    let mut interest = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 0,
    };
    // SAFETY: both descriptors are open; `interest` is a valid epoll_event
    // that outlives the call.
    let added =
        unsafe { libc::epoll_ctl(epoll.0, libc::EPOLL_CTL_ADD, event_fd.0, &raw mut interest) };
    if added < 0 {
        return Err(format!("epoll_ctl: {}", std::io::Error::last_os_error()));
    }
    let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
    let start = Instant::now();
    for _ in 0..turns {
        // SAFETY: `events` is a writable array of 64 epoll_events, and 64 is
        // the count passed.
        let n = unsafe { libc::epoll_wait(epoll.0, events.as_mut_ptr(), 64, 0) };
        black_box(n);
    }
    Ok(per_op(start.elapsed(), turns))
}

fn eventfd_round(size: Size) -> Result<f64, String> {
    let rounds = size.scale(1_000_000);
    let event_fd = eventfd()?;
    let one: u64 = 1;
    let mut count: u64 = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        // SAFETY: `one` is 8 readable bytes, as eventfd's write requires.
        let w = unsafe { libc::write(event_fd.0, (&raw const one).cast(), 8) };
        // SAFETY: `count` is 8 writable bytes, as eventfd's read requires.
        let r = unsafe { libc::read(event_fd.0, (&raw mut count).cast(), 8) };
        if w != 8 || r != 8 {
            return Err(format!("eventfd: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(per_op(start.elapsed(), rounds))
}

/// The monotonic clock, in nanoseconds (the clock a timerfd and `Instant`
/// read).
fn monotonic_nanos() -> Result<u64, String> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a writable timespec that outlives the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut now) } < 0 {
        return Err(format!(
            "clock_gettime: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

/// How late a thread wakes from a timer armed `ahead` of now: a blocking
/// timerfd armed at an absolute deadline (as evloop arms its own), read
/// until it fires; the median of the wake time minus the deadline, in µs.
fn timer_lateness(size: Size, ahead: Duration) -> Result<f64, String> {
    let sleeps = size.scale(100);
    // SAFETY: timerfd_create takes no pointers; the result is checked.
    let timer = Fd::new(
        unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC) },
        "timerfd_create",
    )?;
    let mut late = Vec::with_capacity(sleeps as usize);
    for _ in 0..sleeps {
        let deadline = monotonic_nanos()? + ahead.as_nanos() as u64;
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: (deadline / 1_000_000_000) as libc::time_t,
                tv_nsec: (deadline % 1_000_000_000) as libc::c_long,
            },
        };
        // SAFETY: `spec` is a valid itimerspec that outlives the call; a
        // null old value asks for no copy.
        let set = unsafe {
            libc::timerfd_settime(
                timer.0,
                libc::TFD_TIMER_ABSTIME,
                &raw const spec,
                std::ptr::null_mut(),
            )
        };
        let mut expirations: u64 = 0;
        // SAFETY: `expirations` is 8 writable bytes, as a timerfd's read
        // requires; the descriptor is blocking, so this waits for the expiry.
        let read = unsafe { libc::read(timer.0, (&raw mut expirations).cast(), 8) };
        if set < 0 || read != 8 {
            return Err(format!("timerfd: {}", std::io::Error::last_os_error()));
        }
        late.push(monotonic_nanos()?.saturating_sub(deadline) as f64 / 1e3);
    }
    late.sort_by(f64::total_cmp);
    percentile_sorted(&late, 50.0).ok_or_else(|| "no sleep".to_string())
}

/// Spins a non-blocking read until `buf` is full.
fn spin_read(stream: &mut TcpStream, buf: &mut [u8]) -> Result<(), String> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err("peer closed".into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

fn tcp_echo_rtt(size: Size) -> Result<f64, String> {
    let trips = size.scale(20_000) as usize;
    let err = |e: std::io::Error| e.to_string();
    let listener = TcpListener::bind("127.0.0.1:0").map_err(err)?;
    let mut client = TcpStream::connect(listener.local_addr().map_err(err)?).map_err(err)?;
    let (mut server, _) = listener.accept().map_err(err)?;
    for s in [&client, &server] {
        s.set_nodelay(true).map_err(err)?;
        s.set_nonblocking(true).map_err(err)?;
    }
    let mut buf = [1u8; 64];
    let mut rtts = Vec::with_capacity(trips);
    for _ in 0..trips {
        let sent = Instant::now();
        // 64 bytes always fit an empty socket buffer: the write completes.
        client.write_all(&buf).map_err(err)?;
        spin_read(&mut server, &mut buf)?;
        server.write_all(&buf).map_err(err)?;
        spin_read(&mut client, &mut buf)?;
        rtts.push(sent.elapsed().as_secs_f64() * 1e6);
    }
    rtts.sort_by(f64::total_cmp);
    percentile_sorted(&rtts, 50.0).ok_or_else(|| "no round trips".to_string())
}
