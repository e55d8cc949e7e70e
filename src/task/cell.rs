//! One place per task: the header, the schedule hook, then the future and
//! later its output.
//!
//! ```text
//!   TaskCell<F, S>, repr(C), in a slot of a chunk (see `chunk`),
//!   given back by the last owner (header.strong):
//!   ┌──────────────────────────────┐
//!   │ header: Header               │ ◀── offset 0: TaskRefs and wakers hold a pointer here
//!   │ hook: S (the Schedule hook)  │ ◀── what a waker calls (any thread: S is Sync)
//!   │ stage: Running(F)            │ ◀── the loop's thread only
//!   │      → Finished(output)      │
//!   │      → Consumed              │
//!   └──────────────────────────────┘
//!
//!   stage:  Running(F) ──poll → Ready──▶ Finished(Ok(T)) ──handle takes it──▶ Consumed
//!              │  ──poll panics──────▶ Finished(Err(Panicked))
//!              └──cancel()───────────▶ Finished(Err(Cancelled))
//!   (the last TaskRef going drops whatever stage is left: released → Consumed)
//! ```
//!
//! The stage is storage; *where the task is in its life* is the header's
//! [`State`](super::state) alone, and the loop changes the stage only as a
//! state transition tells it to.
//!
//! The allocation is counted, as an `Arc` is, so that the task can be its
//! own waker (see [`waker`](super::waker) for why that is sound with a
//! `!Send` future, and [`task_ref`](super::task_ref) for how the loop's
//! side counts without atomics). The count is the header's own `strong`
//! (see [`count`](super::count)), not an `Arc`'s: an `Arc` would add a weak
//! count nothing uses, 8 bytes a task. The future is stored inline and
//! pinned in place (a slot never moves its contents), which saves the
//! allocation a `Pin<Box<F>>` would cost. The rules that make the
//! pinning sound:
//!
//! 1. A `TaskCell` is only ever made in its place ([`TaskCell::spawn`]
//!    writes it into a slot [`Chunks`] gives), where only raw pointers
//!    reach it, and `stage` is
//!    only reached through `&self` (by [`TaskCell::stage`], a borrow whose
//!    tag and flag are the header's `stage` byte), so its address is fixed
//!    from spawn until the allocation is freed.
//! 2. While the stage is running, the future is never moved: it is polled
//!    through `StageMut::future` (a `Pin` of it where it lies) and leaves
//!    the stage only by being dropped in place (`StageMut::drop_contents`).
//! 3. `drop_contents` marks the stage empty *before* the destructor runs, so
//!    a destructor that panics can never cause a double drop; an outcome is
//!    written only over an empty stage (see [`stage`](super::stage)).

use std::alloc::Layout;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::chunk::{self, Chunks, Fit};
use super::error::JoinError;
use super::header::{Header, Spawn};
use super::owner::OnThread;
use super::schedule::{Host, Schedule};
use super::stage::{StageCell, StageMut};
use super::task_ref::TaskRef;
use super::vtable::{Polled, TaskVTable, panic_message};
use super::waker::WakerRef;

/// A task: see the module docs for the layout and the pinning rules.
#[repr(C)]
pub(crate) struct TaskCell<F: Future, S> {
    pub(super) header: Header,
    pub(super) hook: S,
    /// Reached only through [`TaskCell::stage`], whose tag and borrow flag
    /// are the header's (see [`stage`](super::stage)).
    stage: StageCell<F>,
}

impl<F: Future, S> Drop for TaskCell<F, S> {
    fn drop(&mut self) {
        // Whatever is still there (the loop's side normally dropped it on
        // its thread, `release`). SAFETY: the header's tag is this stage's,
        // and the cell is going: nothing reaches the stage after this.
        unsafe { self.stage.drop_with(&self.header.stage) };
    }
}

impl<F: Future + 'static, S: Schedule> TaskCell<F, S> {
    const VTABLE: TaskVTable = TaskVTable {
        poll: Self::poll,
        drop_future: Self::drop_future,
        failure: Self::failure,
        release: Self::release,
        give_back: Self::give_back,
        strong_count: Self::strong_count,
        take_output: Self::take_output_to,
        failed: Self::failed,
        host: Self::host,
        waker: &Self::WAKER,
    };

    /// Where a task of this type lies in its slot (see [`chunk`](super::chunk)).
    const FIT: Fit = Fit::of(Layout::new::<Self>());

    /// Makes the task, in a place `chunks` gives (or, for `None`, in a
    /// chunk of its own: `block_on`'s root): the only way a `TaskCell` is
    /// made (rule 1). Returns the loop's reference to it, and the handle's
    /// typed one.
    pub(crate) fn spawn(
        spawn: Spawn,
        hook: S,
        future: F,
        chunks: Option<&Chunks>,
    ) -> Spawned<F::Output> {
        Spawned::new(Self::allocate(spawn, hook, future, &Self::VTABLE, chunks))
    }

    /// `vtable` is this type's own (`VTABLE`, or `FLAT_VTABLE`: rule 4 of
    /// the module docs of `task`).
    fn allocate(
        spawn: Spawn,
        hook: S,
        future: F,
        vtable: &'static TaskVTable,
        chunks: Option<&Chunks>,
    ) -> TaskRef {
        // The place first, then the cell written into it: building the cell
        // first (as `Box::new` does) puts it on the stack and copies it in,
        // and loads of it right after that stall on the copy's stores (perf
        // annotate on workload A).
        let place = match chunks {
            Some(chunks) => chunks.place(Self::FIT),
            None => chunk::alone(Self::FIT),
        }
        .cast::<Self>();
        // SAFETY: `place` is fresh, aligned and sized for a `Self` (its
        // `FIT`); its provenance covers the chunk, which the last owner
        // needs to give the slot back.
        unsafe {
            place.as_ptr().write(TaskCell {
                header: Header::new(spawn, vtable),
                hook,
                stage: StageCell::new(future),
            });
        }
        // SAFETY: `place` holds a `TaskCell<F, S>` whose header (offset 0,
        // `repr(C)`) carries `Self::VTABLE`; the header's count starts at
        // 1, and that count is handed over to the new `TaskRef`.
        unsafe { TaskRef::from_raw(place.cast::<Header>()) }
    }

    /// # Safety
    ///
    /// `ptr` points to the header of a live `TaskCell<F, S>` (a `TaskRef` or
    /// a waker keeps it alive), and the caller is on the task's loop thread.
    unsafe fn cell<'a>(ptr: NonNull<Header>) -> &'a TaskCell<F, S> {
        // SAFETY: the caller's promise; the header is at offset 0.
        unsafe { ptr.cast::<TaskCell<F, S>>().as_ref() }
    }

    /// The stage, borrowed: `None` while it is borrowed already. A poll
    /// holds it while the future runs, and a drop while the future's
    /// destructors run, and either may reach this task again through a
    /// handle (to cancel it, ask for its output or its failure); such a
    /// second borrow is refused, as a `RefCell` would refuse it.
    #[inline]
    fn stage(&self) -> Option<StageMut<'_, F>> {
        // SAFETY: `header.stage` is this stage's tag alone, `stage` is
        // reached only here (and by `drop`, through `&mut`), and only on the
        // task's loop thread (everything that reaches a task's cell does so
        // there: the vtable's contract); the allocation never moves it.
        unsafe { self.stage.borrow(&self.header.stage) }
    }

    unsafe fn poll(ptr: NonNull<Header>) -> Polled {
        // SAFETY: the vtable's contract (a live task, the loop's thread).
        let cell = unsafe { Self::cell(ptr) };
        let Some(mut stage) = cell.stage() else {
            // Only reachable if a task's own code re-enters its poll, which
            // the loop never does; treat it as a spurious wake.
            return Polled::Pending;
        };
        // Pinned where it lives (rules 1 and 2 of the module docs).
        let Some(future) = stage.future() else {
            return Polled::Ready;
        };
        // SAFETY: `ptr` is the task's place pointer (a `TaskRef`'s),
        // alive for this call; the header's `vtable.waker` is this type's
        // waker vtable (that pointer, not a new `&Self::WAKER`: every waker
        // of a task has the same vtable address, see `joiner`).
        let waker =
            unsafe { WakerRef::new(ptr.as_ptr().cast_const().cast(), cell.header.vtable.waker) };
        let mut cx = Context::from_waker(&waker);
        let payload = match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
            Ok(Poll::Pending) => return Polled::Pending,
            // The future returned: drop it in place (its destructors run now,
            // as its last act), then keep the output for the handle.
            Ok(Poll::Ready(output)) => match stage.drop_contents() {
                None => {
                    stage.finish(Ok(output));
                    return Polled::Ready;
                }
                // A destructor panicked after the future returned: the task
                // failed after all.
                Some(payload) => {
                    let _ = catch_unwind(AssertUnwindSafe(|| drop(output)));
                    payload
                }
            },
            Err(payload) => {
                // A destructor panicking while the panic's future is dropped
                // is lost: the first panic is the task's failure.
                let _ = stage.drop_contents();
                payload
            }
        };
        let message = panic_message(&*payload);
        let error = JoinError::panicked(&cell.header, message.clone(), payload);
        stage.finish(Err(Box::new(error)));
        Polled::Panicked(message)
    }

    unsafe fn drop_future(ptr: NonNull<Header>) -> Option<String> {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        let mut stage = cell.stage()?;
        if !stage.is_running() {
            return None;
        }
        match stage.drop_contents() {
            None => {
                stage.finish(Err(Box::new(JoinError::cancelled(&cell.header))));
                None
            }
            // Its cleanup panicked: that panic is the task's failure
            // (asyncio's "the exception raised while handling CancelledError").
            Some(payload) => {
                let message = panic_message(&*payload);
                let error = JoinError::cleanup_panicked(&cell.header, message.clone(), payload);
                stage.finish(Err(Box::new(error)));
                Some(message)
            }
        }
    }

    unsafe fn failure(ptr: NonNull<Header>) -> Option<String> {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        match cell.stage()?.outcome() {
            Some(Err(e)) => e.panic_message().map(str::to_owned),
            _ => None,
        }
    }

    unsafe fn release(ptr: NonNull<Header>) {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        // Whatever is left (a future never finished, an output never
        // taken) is dropped here, on the loop's thread.
        if let Some(mut stage) = cell.stage() {
            let _ = stage.drop_contents();
        }
        cell.header.release();
    }

    pub(super) unsafe fn give_back(ptr: NonNull<Header>) {
        // SAFETY: the caller owns one count of this live allocation; the
        // count is reached by a raw place projection (it is an atomic: any
        // thread may, see `waker`'s rule 1).
        let last = unsafe { (*ptr.as_ptr()).strong.decrement() };
        if last {
            // SAFETY: that was the last count, so nothing else points here
            // any more; `ptr` is the place `allocate` got for a
            // `TaskCell<F, S>`, dropped and given back once, by this, the
            // last owner (on any thread: rule 2 of `waker`).
            unsafe { chunk::drop_and_free(ptr.cast::<TaskCell<F, S>>()) };
        }
    }

    unsafe fn strong_count(ptr: NonNull<Header>) -> usize {
        // SAFETY: a live allocation (the caller holds a count); the count is
        // an atomic, read through a raw place projection.
        unsafe { (*ptr.as_ptr()).strong.get() }
    }

    unsafe fn take_output(ptr: NonNull<Header>) -> Option<Result<F::Output, JoinError>> {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        let outcome = cell.stage()?.take_outcome()?;
        Some(outcome.map_err(|e| *e))
    }

    /// `take_output`, written where the handle asks (the vtable's entry).
    unsafe fn take_output_to(ptr: NonNull<Header>, out: NonNull<()>) {
        // SAFETY: the vtable's contract.
        let output = unsafe { Self::take_output(ptr) };
        // SAFETY: the vtable's contract: `out` points to a live
        // `Option<Result<F::Output, JoinError>>` (the handle of a plain task
        // has output `F::Output`) that owns nothing, so overwriting it
        // without dropping it loses nothing.
        unsafe {
            out.cast::<Option<Result<F::Output, JoinError>>>()
                .write(output)
        };
    }

    unsafe fn failed(ptr: NonNull<Header>) -> bool {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        cell.stage()
            .is_some_and(|s| matches!(s.outcome(), Some(Err(_))))
    }

    unsafe fn host(ptr: NonNull<Header>) -> Option<Rc<dyn Host>> {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        cell.hook.host(&OnThread::current())
    }
}

/// A task whose future returns `Result<T, JoinError>`, read by its handle as
/// a task of output `T`: an `Err` it returns is its [`JoinError`]. This is
/// how a [`TaskGroup`](crate::combinators::TaskGroup) child that returned an
/// error gives a handle of the child's own success type.
impl<T: 'static, F, S> TaskCell<F, S>
where
    F: Future<Output = Result<T, JoinError>> + 'static,
    S: Schedule,
{
    /// Like [`spawn`](TaskCell::spawn), with a handle that reads the
    /// output flattened.
    pub(crate) fn spawn_flattened(
        spawn: Spawn,
        hook: S,
        future: F,
        chunks: Option<&Chunks>,
    ) -> Spawned<T> {
        Spawned::new(Self::allocate(
            spawn,
            hook,
            future,
            &Self::FLAT_VTABLE,
            chunks,
        ))
    }

    /// A flattened task's vtable: its poll says `Failed` when the future
    /// returned an error.
    const FLAT_VTABLE: TaskVTable = TaskVTable {
        poll: Self::poll_flattened,
        failure: Self::failure_flattened,
        take_output: Self::take_flattened_to,
        failed: Self::failed_flattened,
        ..Self::VTABLE
    };

    /// The failure's text, for an error returned as well as for a panic.
    unsafe fn failure_flattened(ptr: NonNull<Header>) -> Option<String> {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        let returned = returned_error(&cell.stage()?);
        // SAFETY: forwarded contract (the borrow above has ended).
        returned.or_else(|| unsafe { Self::failure(ptr) })
    }

    unsafe fn poll_flattened(ptr: NonNull<Header>) -> Polled {
        // SAFETY: forwarded contract.
        let polled = unsafe { Self::poll(ptr) };
        if polled != Polled::Ready {
            return polled;
        }
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        let message = cell.stage().and_then(|stage| returned_error(&stage));
        message.map_or(Polled::Ready, Polled::Failed)
    }

    /// `take_output`, flattened, written where the handle asks.
    unsafe fn take_flattened_to(ptr: NonNull<Header>, out: NonNull<()>) {
        // SAFETY: the vtable's contract.
        let output = unsafe { Self::take_output(ptr) }.map(|r| r.and_then(|inner| inner));
        // SAFETY: the vtable's contract: a flattened task's handle has output
        // `T`, so `out` points to a live `Option<Result<T, JoinError>>` that
        // owns nothing.
        unsafe { out.cast::<Option<Result<T, JoinError>>>().write(output) };
    }

    unsafe fn failed_flattened(ptr: NonNull<Header>) -> bool {
        // SAFETY: the vtable's contract.
        let cell = unsafe { Self::cell(ptr) };
        cell.stage()
            .is_some_and(|s| matches!(s.outcome(), Some(Err(_) | Ok(Err(_)))))
    }
}

/// The text of the error a flattened task returned (its handle's
/// `JoinError`), if it finished by returning one.
fn returned_error<T, F: Future<Output = Result<T, JoinError>>>(
    stage: &StageMut<'_, F>,
) -> Option<String> {
    match stage.outcome() {
        Some(Ok(Err(e))) => Some(
            e.error_message()
                .map_or_else(|| e.to_string(), str::to_owned),
        ),
        _ => None,
    }
}

/// A new task: the loop's reference, and the handle's.
pub(crate) struct Spawned<T> {
    pub(crate) task: TaskRef,
    pub(crate) output: OutputRef<T>,
}

impl<T> Spawned<T> {
    /// `T` must be the output type whose place `task`'s vtable's
    /// `take_output` writes (only `TaskCell` calls this, with its own
    /// vtable: plain or flattened).
    fn new(task: TaskRef) -> Spawned<T> {
        let output = OutputRef {
            task: task.clone(),
            output: PhantomData,
        };
        Spawned { task, output }
    }
}

/// A task seen through its output type: what a [`JoinHandle`](super::JoinHandle)
/// holds. The type is the one the task's vtable takes out (only `TaskCell`
/// makes an `OutputRef`, plain or flattened for task group children), so a
/// handle is the task pointer alone.
pub(crate) struct OutputRef<T> {
    task: TaskRef,
    /// `fn() -> T`: what the handle gives, not a `T` it owns (the variance
    /// and the auto traits of the function pointer this replaced).
    output: PhantomData<fn() -> T>,
}

impl<T> OutputRef<T> {
    pub(crate) fn task(&self) -> &TaskRef {
        &self.task
    }

    /// The output, the first time it is asked for after the task finished.
    pub(crate) fn take(&self) -> Option<Result<T, JoinError>> {
        let mut out: Option<Result<T, JoinError>> = None;
        // SAFETY: our `TaskRef` keeps the task alive, on its loop's thread
        // (a `TaskRef` is neither `Send` nor `Sync`); its vtable's
        // `take_output` writes an `Option<Result<T, JoinError>>` of this `T`
        // (see the type's docs), and `out` is one, initialised to `None`.
        unsafe {
            (self.task.header().vtable.take_output)(
                self.task.as_ptr(),
                NonNull::from(&mut out).cast(),
            );
        }
        out
    }

    /// Finished without an output.
    pub(crate) fn failed(&self) -> bool {
        // SAFETY: our `TaskRef` keeps the task alive, on its loop's thread.
        unsafe { (self.task.header().vtable.failed)(self.task.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::TaskCell;

    /// A future of five words, the size of workload M's parked task.
    struct FiveWords {
        _words: [u64; 5],
    }

    impl Future for FiveWords {
        type Output = ();

        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }

    /// What a parked task costs (docs/performance.md, workload M): the
    /// header (72 bytes), the hook (a pointer), and the stage (the future
    /// alone: its tag and borrow flag are the header's `stage` byte). 120
    /// bytes is one 128-byte malloc chunk (glibc serves a request of n bytes
    /// from a chunk of n + 8 rounded up to 16); 8 more would make it a
    /// 144-byte one.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_task_of_a_five_word_future_takes_120_bytes() {
        assert_eq!(std::mem::size_of::<TaskCell<FiveWords, usize>>(), 120);
    }

    /// A handle holds the task alone: its output's type is the vtable's
    /// business (`take_output`), not two function pointers in every handle,
    /// and its loop is the hook's (`host`), not a pointer in every handle.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_output_ref_and_a_handle_are_one_pointer() {
        assert_eq!(std::mem::size_of::<super::OutputRef<u64>>(), 8);
        assert_eq!(std::mem::size_of::<crate::JoinHandle<String>>(), 8);
    }
}
