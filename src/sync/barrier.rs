//! `Barrier`: N tasks wait for each other, then all go on together.
//!
//! ```text
//!   parties = 3
//!   #2 wait ─┐  line: #2            (1/3 arrived)
//!   #5 wait ─┤  line: #2 #5         (2/3 arrived)
//!   #7 wait ─┘  the third arrival trips the barrier: #2 and #5 are
//!               granted indices 0 and 1, #7 returns index 2 at once,
//!               and the barrier is empty again for the next round
//! ```
//!
//! A waiter dropped before the barrier trips leaves the line, so it no
//! longer counts as arrived (asyncio does the same). [`Barrier::abort`]
//! breaks the barrier (every waiter, and every later one, gets
//! [`BrokenBarrier`]); [`Barrier::reset`] fails the current waiters and makes
//! it usable again.

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

/// A barrier for a fixed number of tasks (asyncio's `asyncio.Barrier`).
///
/// [`wait`](Barrier::wait) returns when `parties` tasks are waiting, with
/// the caller's arrival index (`0` for the first, `parties - 1` for the
/// last, which is the one that tripped it). Then the barrier is ready for
/// the next round. A barrier of 0 parties is one of 1, as tokio's is: every
/// `wait` passes at once.
///
/// Cloning gives another handle on the same barrier.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{sync::Barrier, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let start = Barrier::named("start", 3);
///     let runners: Vec<_> = [1, 2, 3]
///         .map(|s| {
///             let start = start.clone();
///             evloop::spawn(async move {
///                 evloop::sleep(Duration::from_secs(s)).await; // get ready
///                 start.wait().await.unwrap();
///                 Instant::now().since_start()                 // go!
///             })
///         })
///         .into();
///     for runner in runners {
///         assert_eq!(runner.await.unwrap(), Duration::from_secs(3)); // all at once
///     }
/// });
/// ```
#[derive(Clone)]
pub struct Barrier {
    inner: Rc<BarrierInner>,
}

struct BarrierInner {
    meta: Meta,
    state: Tracked<State>,
}

struct State {
    parties: usize,
    broken: bool,
    /// The arrived tasks, in arrival order; their count is how many arrived.
    line: WaitList,
}

impl Barrier {
    /// A barrier for `parties` tasks (0 is taken as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(2);
    /// assert_eq!(barrier.parties(), 2);
    /// assert_eq!(evloop::sync::Barrier::new(0).parties(), 1);
    /// ```
    pub fn new(parties: usize) -> Barrier {
        Barrier::build(None, parties)
    }

    /// A named barrier.
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::named("start", 3);
    /// assert_eq!(barrier.name(), "start");
    /// ```
    pub fn named(name: impl Into<String>, parties: usize) -> Barrier {
        Barrier::build(Some(name.into()), parties)
    }

    fn build(name: Option<String>, parties: usize) -> Barrier {
        let inner = Rc::new(BarrierInner {
            meta: Meta::new("barrier", name),
            state: Tracked::new(State {
                parties: parties.max(1),
                broken: false,
                line: WaitList::default(),
            }),
        });
        inner.meta.register(&inner);
        Barrier { inner }
    }

    /// Waits until `parties` tasks wait; returns this task's arrival index.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrier`] if the barrier is broken ([`abort`](Barrier::abort)),
    /// or becomes broken or [`reset`](Barrier::reset) while this task waits.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a waiter dropped before the barrier trips no longer
    /// counts as arrived; one dropped after it tripped loses only its index
    /// (the others were released anyway).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::Barrier;
    ///
    /// evloop::run(async {
    ///     let b = Barrier::new(2);
    ///     let other = { let b = b.clone(); evloop::spawn(async move { b.wait().await }) };
    ///     let mine = b.wait().await.unwrap(); // first to arrive: index 0
    ///     assert_eq!((other.await.unwrap(), mine), (Ok(1), 0)); // the other tripped it
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait {
        BarrierWait {
            barrier: self.inner.clone(),
            waiter: None,
        }
    }

    /// Breaks the barrier: every waiter, and every later `wait`, fails with
    /// [`BrokenBarrier`] until [`reset`](Barrier::reset) (asyncio's `abort()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// assert!(evloop::run(barrier.wait()).is_err());
    /// ```
    pub fn abort(&self) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.broken = true;
            s.line.release_all()
        };
        wake_all(woken);
    }

    /// Fails the tasks waiting now with [`BrokenBarrier`] and makes the
    /// barrier empty and usable again, also after an [`abort`](Barrier::abort)
    /// (asyncio's `reset()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(1);
    /// barrier.abort();
    /// barrier.reset();
    /// assert_eq!(evloop::run(barrier.wait()), Ok(0));
    /// ```
    pub fn reset(&self) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.broken = false;
            s.line.release_all()
        };
        wake_all(woken);
    }

    /// How many tasks must wait for the barrier to trip.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.inner.state.borrow().parties
    }

    /// How many tasks wait now (asyncio's `n_waiting`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let barrier = evloop::sync::Barrier::new(2);
    /// let b = barrier.clone();
    /// let _waiting = rt.spawn(async move { b.wait().await });
    /// rt.run_until_idle().unwrap();
    /// assert_eq!(barrier.n_waiting(), 1);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.inner.state.borrow().line.len()
    }

    /// True once [`abort`](Barrier::abort)ed (until [`reset`](Barrier::reset)).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(2);
    /// assert!(!barrier.is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.inner.state.borrow().broken
    }

    /// The barrier's name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Barrier::named("b", 2).name(), "b");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

impl InspectPrimitive for BarrierInner {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let state = if s.broken {
            "broken".to_owned()
        } else {
            format!("{}/{} arrived", s.line.len(), s.parties)
        };
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: s.line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("name", &self.name())
            .field("parties", &self.parties())
            .field("waiting", &self.n_waiting())
            .field("broken", &self.is_broken())
            .finish()
    }
}

/// The future returned by [`Barrier::wait`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Barrier::wait`].
///
/// # Examples
///
/// ```
/// let wait: evloop::sync::BarrierWait = evloop::sync::Barrier::new(1).wait();
/// assert_eq!(evloop::run(wait), Ok(0));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct BarrierWait {
    barrier: Rc<BarrierInner>,
    waiter: Option<Rc<Waiter>>,
}

impl Future for BarrierWait {
    type Output = Result<usize, BrokenBarrier>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let broken = || BrokenBarrier {
            name: this.barrier.meta.name.to_string(),
        };
        let mut s = this.barrier.state.borrow_mut();
        match &this.waiter {
            // Tripped: the index was given with the grant.
            Some(w) if w.is_granted() => {
                let index = w.amount();
                this.waiter = None;
                return Poll::Ready(Ok(index));
            }
            // Released without a grant: aborted or reset.
            Some(w) if !s.line.contains(w) => {
                this.waiter = None;
                return Poll::Ready(Err(broken()));
            }
            Some(w) => w.set_waker(cx.waker()),
            None => {
                if s.broken {
                    return Poll::Ready(Err(broken()));
                }
                let arrived = s.line.len();
                if arrived + 1 == s.parties {
                    // The last to arrive trips it: everyone in line goes.
                    for (index, waiter) in s.line.iter().enumerate() {
                        waiter.set_amount(index);
                    }
                    let woken = s.line.grant_all();
                    drop(s);
                    wake_all(woken);
                    return Poll::Ready(Ok(arrived));
                }
                this.waiter = Some(s.line.join(cx.waker()));
            }
        }
        drop(s);
        this.barrier.meta.note_pending(&this.barrier);
        Poll::Pending
    }
}

impl Drop for BarrierWait {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take()
            && !w.is_granted()
        {
            self.barrier.state.borrow_mut().line.leave(&w);
        }
    }
}

impl fmt::Debug for BarrierWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("barrier", &self.barrier.meta.name)
            .field("in_line", &self.waiter.is_some())
            .finish()
    }
}

/// The barrier was aborted, or reset while a task waited on it (asyncio's
/// `BrokenBarrierError`).
///
/// # Examples
///
/// ```
/// let barrier = evloop::sync::Barrier::named("gate", 2);
/// barrier.abort();
/// let err = evloop::run(barrier.wait()).unwrap_err();
/// assert!(err.to_string().starts_with("barrier 'gate' is broken"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenBarrier {
    name: String,
}

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "barrier '{}' is broken (aborted, or reset while this task waited); \
             call reset() to use it again",
            self.name
        )
    }
}

impl std::error::Error for BrokenBarrier {}
