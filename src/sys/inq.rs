//! How much a TCP socket still holds after a read: Linux's `TCP_INQ`.
//!
//! An edge-triggered reader learns that a socket is drained only from a
//! read that fails with `EAGAIN`, and a read that fills its buffer says
//! nothing. In a request–response protocol every message is read whole, so
//! every next read is made before the peer has answered, and fails: a
//! system call in three of a TCP echo's (workload F50). With the socket
//! option `TCP_INQ` on, each `recvmsg` also returns, as a control message,
//! how many bytes are left to read after it. None left: the socket is
//! drained, and the next read waits for the poller's next edge instead of
//! trying. (After the peer's FIN the kernel says 1, so that the reader goes
//! on to read the end of the stream. After a reset it says 0: the reactor
//! keeps the edge of a connection whose end it was told of, since that edge
//! comes once; see `Reactor::forget_drained`.)
//!
//! ```text
//!   recvmsg(fd, buf, control) ── n bytes, control: TCP_CM_INQ = left
//!   left == 0 ──▶ drained: forget the cached edge, wait for the next one
//!   left  > 0 ──▶ more to read: the edge stays
//! ```
//!
//! Other OSes have no such option: there [`enable`] says no, and reads go
//! the usual way (`recv` is then never called).

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use linux::{enable, recv};

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use elsewhere::{enable, recv};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::ffi::{c_int, c_void};
    use std::io;

    use super::super::cvt;

    unsafe extern "C" {
        fn setsockopt(
            fd: c_int,
            level: c_int,
            name: c_int,
            value: *const c_void,
            len: u32,
        ) -> c_int;
        fn recvmsg(fd: c_int, msg: *mut MsgHdr, flags: c_int) -> isize;
    }

    /// `IPPROTO_TCP` (`SOL_TCP`), the level of the option and of its message.
    const IPPROTO_TCP: c_int = 6;
    /// `TCP_INQ`, and the type of its control message (`TCP_CM_INQ`).
    const TCP_INQ: c_int = 36;

    /// `struct iovec`.
    #[repr(C)]
    struct IoVec {
        base: *mut c_void,
        len: usize,
    }

    /// `struct msghdr`, as the kernel reads it (musl names the two lengths'
    /// upper halves as padding, which `recvmsg` zeroes: the same bytes).
    #[repr(C)]
    struct MsgHdr {
        name: *mut c_void,
        name_len: u32,
        iov: *mut IoVec,
        iov_len: usize,
        control: *mut c_void,
        control_len: usize,
        flags: c_int,
    }

    /// `struct cmsghdr` followed by one `int` of data: room for `TCP_CM_INQ`
    /// (`CMSG_SPACE(sizeof(int))`: the header, the value, padding to a word).
    #[repr(C)]
    struct InqMessage {
        len: usize,
        level: c_int,
        kind: c_int,
        value: c_int,
        _pad: c_int,
    }

    /// Asks the kernel to report, with every `recvmsg` on `fd`, how many bytes
    /// are left to read. False if it cannot (a kernel before 4.18, or a socket
    /// that is not TCP): reads then say nothing of what is left.
    pub(crate) fn enable(fd: c_int) -> bool {
        let on: c_int = 1;
        // SAFETY: `on` is an `int`, valid for the call, its size passed with it.
        let ret = unsafe {
            setsockopt(
                fd,
                IPPROTO_TCP,
                TCP_INQ,
                std::ptr::from_ref(&on).cast(),
                size_of::<c_int>() as u32,
            )
        };
        ret == 0
    }

    /// Reads into `buf` with `recvmsg`; returns how many bytes, and how many
    /// are left (`None` if the kernel did not say: the option is off).
    ///
    /// # Errors
    ///
    /// The OS's (`EAGAIN` as `WouldBlock`, `ECONNRESET`, …).
    pub(crate) fn recv(fd: c_int, buf: &mut [u8]) -> io::Result<(usize, Option<u32>)> {
        let mut iov = IoVec {
            base: buf.as_mut_ptr().cast(),
            len: buf.len(),
        };
        let mut control = InqMessage {
            len: 0,
            level: 0,
            kind: 0,
            value: 0,
            _pad: 0,
        };
        let mut msg = MsgHdr {
            name: std::ptr::null_mut(),
            name_len: 0,
            iov: &raw mut iov,
            iov_len: 1,
            control: (&raw mut control).cast(),
            control_len: size_of::<InqMessage>(),
            flags: 0,
        };
        // SAFETY: `msg` points at one `iovec` over `buf` (valid for writes of
        // its length) and at `control`, its size given; all live for the call.
        let n = cvt(unsafe { recvmsg(fd, &raw mut msg, 0) })?;
        let has_value = std::mem::offset_of!(InqMessage, value) + size_of::<c_int>();
        let left = (msg.control_len >= has_value
            && control.level == IPPROTO_TCP
            && control.kind == TCP_INQ)
            .then(|| u32::try_from(control.value).unwrap_or(0));
        #[allow(clippy::cast_sign_loss)] // not negative: `cvt` took -1
        Ok((n as usize, left))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod elsewhere {
    use std::ffi::c_int;
    use std::io;

    /// No `TCP_INQ` here: reads learn nothing of what is left.
    pub(crate) fn enable(_fd: c_int) -> bool {
        false
    }

    /// Never called (`enable` said no).
    pub(crate) fn recv(_fd: c_int, _buf: &mut [u8]) -> io::Result<(usize, Option<u32>)> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this OS does not say how much a socket holds (TCP_INQ is Linux's)",
        ))
    }
}
