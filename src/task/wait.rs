//! `WaitOn`: what a parked task waits for, in words the loop can show.
//!
//! A future that returns `Pending` has stored its waker somewhere; the loop
//! cannot see where. So every leaf future of evloop (a sleep, a join handle,
//! a socket, a semaphore…) *notes* what it waits on just before it returns
//! `Pending` ([`note_wait`](super::note_wait)), and the loop keeps the last
//! note of each poll: that is what snapshots, step reports and deadlock
//! reports show.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::rc::Rc;
use std::time::Duration;

use super::TaskId;
use crate::clock::Instant;

/// What a waiting task is waiting on, as noted by the future it is parked in.
///
/// Every leaf future of evloop (a sleep, a join handle, a socket, a semaphore…)
/// notes what it waits on when it returns `Pending`; the last note of a poll is
/// what [`snapshot`](crate::Runtime::snapshot) shows. A future evloop did not
/// write notes nothing, and shows as [`WaitOn::Other`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitOn {
    /// A timer: a sleep, an interval or a timeout, due at this instant.
    Timer(Instant),
    /// Another task's completion (awaiting its [`JoinHandle`](crate::JoinHandle)).
    Task(TaskId),
    /// Readiness of a file descriptor.
    Io {
        /// The file descriptor.
        fd: i32,
        /// Waiting to read.
        readable: bool,
        /// Waiting to write.
        writable: bool,
    },
    /// A synchronization primitive, such as a semaphore, queue, event or lock.
    Primitive {
        /// What kind of primitive: `"semaphore"`, `"queue"`, …
        kind: &'static str,
        /// The primitive's name (shared with the primitive: noting a wait
        /// does not allocate).
        name: Rc<str>,
    },
    /// A job running on a worker thread (`to_thread`).
    Thread,
    /// Something evloop cannot see into (a future from another crate).
    Other,
}

/// A primitive's kind and name, shared by the primitive and every wait on
/// it: a task's header points to it with one word.
#[derive(Debug)]
pub(crate) struct Label {
    pub(crate) kind: &'static str,
    pub(crate) name: Rc<str>,
}

impl Label {
    pub(crate) fn new(kind: &'static str, name: Rc<str>) -> Rc<Label> {
        Rc::new(Label { kind, name })
    }
}

/// [`WaitOn`] as a task's header keeps it and a poll notes it: one word
/// where the public enum takes 40 bytes. It is what every parked task
/// carries; the public `WaitOn` is made from it only when somebody looks (a
/// snapshot, an event, a step report).
///
/// ```text
///   the word (a pointer, so that a primitive's keeps its provenance):
///   ┌────────────────────────────────────────────────┬─────┐
///   │ Rc<Label>::into_raw (aligned to 8)             │ 000 │  primitive
///   │ nanoseconds since start (2^61 − 1: far future) │ 001 │  timer
///   │ task id (ids start at 1, never reach 2^61)     │ 010 │  task
///   │ fd (32 bits) · readable · writable             │ 011 │  I/O
///   │ 0                                              │ 100 │  worker thread
///   │ 0                                              │ 101 │  something else
///   └────────────────────────────────────────────────┴─────┘
/// ```
///
/// A primitive's kind and name sit behind one pointer to the primitive's
/// shared [`Label`]: the word owns one strong count of that `Rc`. Every
/// other tag is nonzero, and a `Label`'s address is never zero, so
/// `Option<Wait>` is one word too. Deadlines past 2^61 − 1 nanoseconds
/// (73 years) of loop time read back as [`Instant::FAR_FUTURE`], the
/// deadline that never fires, which is what every such deadline means.
pub(crate) struct Wait(NonNull<u8>);

// The word holds a 61-bit payload beside its tag (evloop builds for 64-bit
// targets only: see also the size checks of the task table and the timer
// heap), and a label's address leaves the tag's bits free.
const _: () = assert!(usize::BITS == 64);
const _: () = assert!(std::mem::align_of::<Label>() > Wait::TAG);

impl Wait {
    const TAG: usize = 0b111;
    const PRIMITIVE: usize = 0;
    const TIMER: usize = 1;
    const TASK: usize = 2;
    const IO: usize = 3;
    const THREAD: usize = 4;
    const OTHER: usize = 5;
    /// The largest payload: a timer there is the far future.
    const MAX_PAYLOAD: usize = usize::MAX >> 3;

    /// A wait on something evloop cannot see into.
    pub(crate) const OTHER_WAIT: Wait = Wait::plain(Wait::OTHER, 0);

    /// A wait on a primitive, sharing its label.
    #[inline]
    pub(crate) fn primitive(label: Rc<Label>) -> Wait {
        let ptr = Rc::into_raw(label).cast_mut().cast::<u8>();
        // `Rc::into_raw` is never null; its low bits are the tag 0 (above).
        Wait(NonNull::new(ptr).expect("an Rc's pointer is never null"))
    }

    /// A word with no pointer in it: `tag` and a payload that fits.
    #[inline]
    const fn plain(tag: usize, payload: usize) -> Wait {
        let word = (payload << 3) | tag;
        match NonNull::new(std::ptr::without_provenance_mut(word)) {
            Some(word) => Wait(word),
            // Only `PRIMITIVE` is 0, and it is never made here.
            None => panic!("a plain wait has a nonzero tag"),
        }
    }

    #[inline]
    fn tag(&self) -> usize {
        self.0.addr().get() & Wait::TAG
    }

    #[inline]
    fn payload(&self) -> usize {
        self.0.addr().get() >> 3
    }

    /// Whether the word owns a count of a primitive's label.
    #[inline]
    pub(crate) fn is_primitive(&self) -> bool {
        self.tag() == Wait::PRIMITIVE
    }

    /// The word of a wait that owns nothing (every wait but a primitive's)
    /// as a number, never 0; `None` for a primitive's. The event log keeps
    /// waits this way.
    #[inline]
    pub(crate) fn plain_bits(&self) -> Option<u64> {
        (!self.is_primitive()).then(|| self.0.addr().get() as u64)
    }

    /// The wait whose [`plain_bits`](Self::plain_bits) are `bits`, in the
    /// public form (`None` for 0, or for bits no plain wait has).
    pub(crate) fn unpack_plain(bits: u64) -> Option<WaitOn> {
        let word = usize::try_from(bits).ok()?;
        // A word tagged `PRIMITIVE` would point at a label: not from here,
        // and never made into a `Wait` (its drop would free a label).
        if word & Wait::TAG == Wait::PRIMITIVE {
            return None;
        }
        let word = NonNull::new(std::ptr::without_provenance_mut(word))?;
        Some(Wait(word).unpack())
    }

    /// Runs `f` on the primitive's label (a borrow: no count changes).
    fn with_label<R>(&self, f: impl FnOnce(&Rc<Label>) -> R) -> Option<R> {
        if !self.is_primitive() {
            return None;
        }
        // SAFETY: a word tagged `PRIMITIVE` is `Rc::into_raw` of a label
        // (only `Wait::primitive` makes one), and it owns one strong count
        // until it is dropped, so the label is alive while `self` is
        // borrowed. `ManuallyDrop` lends the count instead of giving it back.
        let label = ManuallyDrop::new(unsafe { Rc::from_raw(self.0.as_ptr().cast::<Label>()) });
        Some(f(&label))
    }

    /// The wait in the public form.
    pub(crate) fn unpack(&self) -> WaitOn {
        if let Some(wait) = self.with_label(|label| WaitOn::Primitive {
            kind: label.kind,
            name: label.name.clone(),
        }) {
            return wait;
        }
        let payload = self.payload();
        match self.tag() {
            Wait::TIMER if payload == Wait::MAX_PAYLOAD => WaitOn::Timer(Instant::FAR_FUTURE),
            Wait::TIMER => WaitOn::Timer(Instant::from_start(Duration::from_nanos(payload as u64))),
            Wait::TASK => WaitOn::Task(TaskId(payload as u64)),
            Wait::IO => {
                let (fd, readable, writable) = unpack_io(payload as u64);
                WaitOn::Io {
                    fd,
                    readable,
                    writable,
                }
            }
            Wait::THREAD => WaitOn::Thread,
            _ => WaitOn::Other,
        }
    }
}

impl Clone for Wait {
    fn clone(&self) -> Wait {
        // A plain word is copied; it owns nothing.
        self.with_label(|label| Wait::primitive(label.clone()))
            .unwrap_or_else(|| Wait(self.0))
    }
}

impl Drop for Wait {
    #[inline]
    fn drop(&mut self) {
        if self.is_primitive() {
            // SAFETY: as in `with_label`; this gives the word's count back,
            // once, since the word goes with it.
            drop(unsafe { Rc::from_raw(self.0.as_ptr().cast::<Label>()) });
        }
    }
}

impl fmt::Debug for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.unpack().fmt(f)
    }
}

impl From<WaitOn> for Wait {
    /// Packs a wait given in words; a primitive's gets a label of its own
    /// (evloop's primitives note theirs, shared, without this).
    fn from(wait: WaitOn) -> Wait {
        match wait {
            WaitOn::Timer(at) => {
                let nanos = usize::try_from(at.since_start().as_nanos()).unwrap_or(usize::MAX);
                Wait::plain(Wait::TIMER, nanos.min(Wait::MAX_PAYLOAD))
            }
            WaitOn::Task(id) => Wait::plain(Wait::TASK, (id.0 as usize).min(Wait::MAX_PAYLOAD)),
            WaitOn::Io {
                fd,
                readable,
                writable,
            } => Wait::plain(Wait::IO, pack_io(fd, readable, writable) as usize),
            WaitOn::Primitive { kind, name } => Wait::primitive(Label::new(kind, name)),
            WaitOn::Thread => Wait::plain(Wait::THREAD, 0),
            WaitOn::Other => Wait::OTHER_WAIT,
        }
    }
}

/// A descriptor and its directions as the payload above a packed word's
/// three-bit tag (`Wait` and `PackedCause` pack I/O alike): the fd's 32 bits,
/// then readable, then writable.
#[inline]
pub(super) fn pack_io(fd: i32, readable: bool, writable: bool) -> u64 {
    (u64::from(fd.cast_unsigned()) << 2) | (u64::from(readable) << 1) | u64::from(writable)
}

/// The descriptor and directions [`pack_io`] packed.
#[inline]
pub(super) fn unpack_io(payload: u64) -> (i32, bool, bool) {
    let fd = u32::try_from(payload >> 2)
        .unwrap_or(u32::MAX)
        .cast_signed();
    (fd, payload & 0b10 != 0, payload & 0b01 != 0)
}

/// The readiness direction in words, as waits and wakes print it.
pub(super) fn direction(readable: bool, writable: bool) -> &'static str {
    match (readable, writable) {
        (true, true) => "readable+writable",
        (true, false) => "readable",
        (false, true) => "writable",
        (false, false) => "neither readable nor writable",
    }
}

impl fmt::Display for WaitOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitOn::Timer(at) => write!(f, "timer @{at}"),
            WaitOn::Task(id) => write!(f, "task {id}"),
            WaitOn::Io {
                fd,
                readable,
                writable,
            } => write!(f, "fd {fd} {}", direction(*readable, *writable)),
            WaitOn::Primitive { kind, name } => write!(f, "{kind} {name}"),
            WaitOn::Thread => f.write_str("worker thread"),
            WaitOn::Other => f.write_str("something else"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_wait_is_one_word_and_unpacks_to_what_was_noted() {
        assert_eq!(std::mem::size_of::<Option<Wait>>(), 8);
        let every = [
            WaitOn::Timer(Instant::from_start(Duration::from_millis(3))),
            WaitOn::Task(TaskId(7)),
            WaitOn::Io {
                fd: 4,
                readable: true,
                writable: false,
            },
            WaitOn::Primitive {
                kind: "queue",
                name: "jobs".into(),
            },
            WaitOn::Thread,
            WaitOn::Other,
        ];
        for wait in every {
            assert_eq!(Wait::from(wait.clone()).unpack(), wait);
        }
    }

    #[test]
    fn a_primitive_wait_shares_the_primitives_label() {
        let label = Label::new("semaphore", "pool".into());
        let wait = Wait::primitive(label.clone());
        assert_eq!(Rc::strong_count(&label), 2);
        let copy = wait.clone();
        assert_eq!(
            Rc::strong_count(&label),
            3,
            "a copy holds a count of its own"
        );
        drop(copy);
        assert_eq!(Rc::strong_count(&label), 2, "and gives it back");
        let WaitOn::Primitive { name, .. } = wait.unpack() else {
            panic!("a primitive's wait");
        };
        assert!(Rc::ptr_eq(&name, &label.name), "the name is not copied");
        drop(wait);
        assert_eq!(
            Rc::strong_count(&label),
            1,
            "a dropped wait gives its count back"
        );
    }

    #[test]
    fn the_edges_of_each_payload_unpack_to_what_was_noted() {
        let edges = [
            WaitOn::Timer(Instant::START),
            WaitOn::Timer(Instant::from_start(Duration::from_nanos((1 << 61) - 2))),
            WaitOn::Timer(Instant::FAR_FUTURE),
            WaitOn::Task(TaskId(1)),
            WaitOn::Task(TaskId((1 << 61) - 1)),
            WaitOn::Io {
                fd: -1,
                readable: false,
                writable: true,
            },
            WaitOn::Io {
                fd: i32::MAX,
                readable: true,
                writable: true,
            },
            WaitOn::Io {
                fd: i32::MIN,
                readable: false,
                writable: false,
            },
        ];
        for wait in edges {
            assert_eq!(Wait::from(wait.clone()).unpack(), wait);
        }
    }

    #[test]
    fn a_deadline_past_73_years_is_the_far_future() {
        let late = Instant::from_start(Duration::from_secs(100 * 365 * 86_400));
        assert_eq!(
            Wait::from(WaitOn::Timer(late)).unpack(),
            WaitOn::Timer(Instant::FAR_FUTURE)
        );
    }
}
