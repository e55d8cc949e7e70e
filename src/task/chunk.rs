//! `Chunks`: where tasks live. Slots are cut from chunks, many tasks to one
//! allocation.
//!
//! # Why not one `Box` a task
//!
//! Spawning and joining 10,000 trivial tasks (workload A) spent 23 % of its
//! instructions in `malloc` and `free`. With thousands of tasks alive at
//! once, glibc's per-thread cache (seven free chunks of each size) is empty
//! at every spawn and full at every free. So each allocation took the long
//! way (`_int_malloc`), and so did each free (`_int_free`, with
//! consolidation): about 175 instructions a spawn and 180 a free.
//!
//! # How
//!
//! A chunk is one allocation of up to 32 slots of one size:
//!
//! ```text
//!   ┌─ chunk (aligned to 16) ─────────────────────────────────────────┐
//!   │ head: left (atomic), layout │ slot 0 │ slot 1 │ … │ slot n − 1 │
//!   └────────────────────────────────────────────────────────────────┘
//!   a slot:   [ pad ][ chunk pointer ][ TaskCell<F, S> ]
//!                                      ▲ the task's pointer (header at offset 0)
//! ```
//!
//! - **Handing out** (the loop's thread): the loop keeps, for each slot
//!   size, the chunk it is cutting and how many slots are left in it. A
//!   slot is the next one (a pointer bump). A used-up chunk is followed by
//!   one twice its size, up to 32 slots, so that a program of a few tasks
//!   makes small chunks.
//! - **Giving back** (any thread: a task's last owner may be a waker on
//!   another thread): the chunk pointer just before the task finds the
//!   chunk's head. Its count `left` (slots not given back yet, counting
//!   those not handed out yet) goes down by one, with `Arc`'s orderings
//!   (see [`count`](super::count)), and the slot that takes it to zero frees
//!   the chunk.
//! - **A loop that goes** (its runtime dropped) gives back, at once, the
//!   slots it never handed out.
//!
//! No slot is used twice: a chunk is cut from front to back, once. So there
//! is no free list and no lock, only the one atomic count.
//!
//! # What it costs
//!
//! - 8 bytes a task (the chunk pointer) and 32 a chunk, where `malloc`'s own
//!   header was 8 bytes a task: a task of workload M's size takes 128 bytes
//!   either way.
//! - A chunk stays while any of its tasks does: one long-lived task among
//!   31 short ones keeps 32 slots (4 KiB at workload M's size). A program
//!   that spawns that way can turn chunks off
//!   ([`Builder::task_chunks`](crate::Builder::task_chunks)): every task
//!   then gets a chunk of its own, and its memory follows its live tasks.
//!
//! A task whose slot would be larger than [`LARGEST`] bytes or aligned to
//! more than 16, `block_on`'s root (one a runtime, which would otherwise
//! make a fresh runtime pay for a chunk), and every task of a runtime built
//! with `task_chunks(false)` gets a chunk of its own: one slot, one
//! allocation, as a `Box` would, with the head and the chunk pointer before
//! the task (152 bytes for a task of workload M's size, a 160-byte `malloc`
//! chunk where a `Box` took 128).

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::RefCell;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering, fence};

/// The most slots a chunk holds.
const MOST: usize = 32;
/// The slots of a class's first chunk.
const FIRST: usize = 4;
/// The largest slot cut from shared chunks, in bytes.
pub(crate) const LARGEST: usize = 512;
/// The head's place, padded so that slots after it start 16-aligned.
const HEAD: usize = 32;
/// A slot's chunk pointer, just before its task.
const BACK: usize = size_of::<NonNull<Head>>();

/// The start of every chunk.
#[repr(C)]
struct Head {
    /// Slots not given back yet, counting those not handed out yet.
    left: AtomicUsize,
    /// The chunk's layout, to free it with.
    layout: Layout,
}

const _: () = assert!(size_of::<Head>() <= HEAD && HEAD.is_multiple_of(16));

/// Where a value of some layout (a task's cell) lies in its slot: computed
/// once per type, at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fit {
    /// The value's offset in its slot (its chunk pointer is just before).
    offset: usize,
    /// The slot's size.
    stride: usize,
    /// The value's alignment.
    align: usize,
}

impl Fit {
    /// The fit of a value of layout `value`.
    pub(crate) const fn of(value: Layout) -> Fit {
        let align = value.align();
        // The chunk pointer needs 8 bytes before the value, and the value
        // its alignment (a power of two): the larger of the two is both the
        // value's offset and the unit slots are counted in.
        let offset = if align > BACK { align } else { BACK };
        Fit {
            offset,
            stride: (offset + value.size()).next_multiple_of(offset),
            align,
        }
    }

    /// Cut from shared chunks (else a chunk of its own).
    #[inline]
    const fn shared(self) -> bool {
        self.align <= 16 && self.stride <= LARGEST
    }

    /// Its size class: slots of one size share chunks, whatever their type
    /// (a slot's start is aligned to 16 when its size is a multiple of 16,
    /// the only sizes values aligned to 16 have).
    #[inline]
    const fn class(self) -> usize {
        self.stride / BACK
    }

    /// The size of a slot (for the docs and tests).
    #[cfg(test)]
    pub(crate) const fn stride(self) -> usize {
        self.stride
    }
}

/// The loop's side: the chunk it cuts, for each slot size.
pub(crate) struct Chunks {
    /// The chunk being cut for each slot size (by [`Fit::class`]).
    classes: RefCell<Vec<Class>>,
    /// False with `task_chunks(false)`: `classes` then stays empty, and
    /// every place is `alone`, from the slow path (the fast one stays as it
    /// is).
    shared: bool,
}

/// A slot size's chunk being cut.
struct Class {
    /// Null until the first chunk.
    chunk: *mut Head,
    /// The next slot.
    next: *mut u8,
    /// Slots left after `next`, including it.
    left: usize,
    /// The slots of the next chunk.
    grow: usize,
}

impl Default for Class {
    fn default() -> Class {
        Class {
            chunk: ptr::null_mut(),
            next: ptr::null_mut(),
            left: 0,
            grow: FIRST,
        }
    }
}

impl Chunks {
    /// Places cut from shared chunks, or (`shared` false) a chunk for each.
    pub(crate) fn new(shared: bool) -> Chunks {
        Chunks {
            classes: RefCell::new(Vec::new()),
            shared,
        }
    }

    /// The place of a new value that fits `fit`: uninitialised, aligned,
    /// `fit`'s size, in a slot whose chunk pointer is written. Give it back
    /// with [`drop_and_free`] (on any thread), once a value is written.
    #[inline]
    pub(crate) fn place(&self, fit: Fit) -> NonNull<u8> {
        if fit.shared()
            && let Some(class) = self.classes.borrow_mut().get_mut(fit.class())
            && class.left > 0
        {
            class.left -= 1;
            let slot = class.next;
            // SAFETY: `slot` is an unused slot of `class.chunk` (`left` was
            // above zero), whose slots are `fit.stride` apart: the next one
            // is in the chunk or just past its end.
            class.next = unsafe { slot.add(fit.stride) };
            // SAFETY: as above; the chunk is alive (its unused slots are
            // counted in `left`).
            return unsafe { settle(slot, fit, class.chunk) };
        }
        self.place_in_a_new_chunk(fit)
    }

    /// `place`, when the class's chunk is used up (or it never had one), or
    /// for a value that gets a chunk of its own.
    #[cold]
    #[inline(never)]
    fn place_in_a_new_chunk(&self, fit: Fit) -> NonNull<u8> {
        if !fit.shared() || !self.shared {
            return alone(fit);
        }
        let mut classes = self.classes.borrow_mut();
        if classes.len() <= fit.class() {
            classes.resize_with(fit.class() + 1, Class::default);
        }
        let class = &mut classes[fit.class()];
        debug_assert_eq!(class.left, 0, "a chunk is replaced only once used up");
        let slots = class.grow;
        class.grow = (slots * 2).min(MOST);
        let (chunk, first) = new_chunk(fit, slots);
        class.chunk = chunk;
        class.left = slots - 1;
        // SAFETY: the chunk has `slots` ≥ 2 slots of `fit.stride` bytes from
        // `first`.
        class.next = unsafe { first.add(fit.stride) };
        // SAFETY: `first` is the chunk's first slot, unused.
        unsafe { settle(first, fit, chunk) }
    }

    /// The slots left in a class's chunk, and the slots of its next one
    /// (for tests).
    #[cfg(test)]
    fn class_of(&self, fit: Fit) -> Option<(usize, usize)> {
        let classes = self.classes.borrow();
        let class = classes.get(fit.class())?;
        Some((class.left, class.grow))
    }
}

/// The count of the chunk `value` lies in: its slots not given back yet
/// (for tests).
///
/// # Safety
///
/// `value` is a place [`Chunks::place`] or [`alone`] gave, not given back
/// yet.
#[cfg(test)]
unsafe fn left_in_chunk_of<T>(value: NonNull<T>) -> usize {
    // SAFETY: the caller's promise: the chunk is alive.
    unsafe { (*chunk_of(value)).left.load(Ordering::Relaxed) }
}

impl Drop for Chunks {
    /// Gives back the slots never handed out: each chunk then goes with
    /// its last task.
    fn drop(&mut self) {
        for class in self.classes.get_mut() {
            if class.left > 0 {
                // SAFETY: the class's chunk is alive: its `left` unused
                // slots are counted in its head, and are given back here,
                // once (the class goes with `self`).
                unsafe { give_back(class.chunk, class.left) };
            }
        }
    }
}

/// A chunk of `slots` slots for values that fit `fit`: its head, and its
/// first slot.
fn new_chunk(fit: Fit, slots: usize) -> (*mut Head, *mut u8) {
    debug_assert!(fit.shared());
    // Slots of a shared chunk start 16-aligned, after the padded head.
    make_chunk(HEAD, HEAD + slots * fit.stride, 16, slots)
}

/// A chunk of `bytes` bytes aligned to `align`, whose first slot is `start`
/// bytes in: its head, and that slot.
fn make_chunk(start: usize, bytes: usize, align: usize, slots: usize) -> (*mut Head, *mut u8) {
    let layout = Layout::from_size_align(bytes, align)
        .expect("a chunk's layout (a task is far smaller than isize::MAX bytes)");
    // SAFETY: `layout` has a non-zero size (a `Head` at least).
    let base = unsafe { alloc(layout) };
    if base.is_null() {
        handle_alloc_error(layout);
    }
    let head = base.cast::<Head>();
    // SAFETY: `base` is a fresh allocation of `layout`, aligned for a
    // `Head` and larger than one; its first slot is `start` bytes in.
    unsafe {
        head.write(Head {
            left: AtomicUsize::new(slots),
            layout,
        });
        (head, base.add(start))
    }
}

/// A place in a chunk of its own (one slot), as small as it can be: the
/// value right after the head and its chunk pointer (for a task of
/// workload M's size, 152 bytes).
pub(crate) fn alone(fit: Fit) -> NonNull<u8> {
    let value = (size_of::<Head>() + BACK).next_multiple_of(fit.align);
    // The chunk pointer, just before the value, lies after the head.
    debug_assert!(value - BACK >= size_of::<Head>());
    let start = value - fit.offset;
    let align = fit.align.max(align_of::<Head>());
    let (chunk, slot) = make_chunk(start, start + fit.stride, align, 1);
    // SAFETY: `slot` is the chunk's one slot, unused.
    unsafe { settle(slot, fit, chunk) }
}

/// Writes `chunk` in `slot` and returns the place of the slot's value.
///
/// # Safety
///
/// `slot` is an unused slot of the live chunk `chunk`, cut for `fit`'s
/// size and aligned to `fit`'s alignment.
#[inline(always)]
unsafe fn settle(slot: *mut u8, fit: Fit, chunk: *mut Head) -> NonNull<u8> {
    // SAFETY: the caller's promise: the value's place is `fit.offset` into
    // the slot, and its chunk pointer the 8 bytes just before it, aligned
    // (the offset and the slot's start are multiples of 8).
    unsafe {
        let value = slot.add(fit.offset);
        value.sub(BACK).cast::<*mut Head>().write(chunk);
        NonNull::new_unchecked(value)
    }
}

/// The chunk of the place `value`: the pointer `settle` wrote just before
/// it.
///
/// # Safety
///
/// `value` is a place [`Chunks::place`] or [`alone`] gave (its provenance
/// covers the chunk).
#[inline(always)]
unsafe fn chunk_of<T>(value: NonNull<T>) -> *mut Head {
    // SAFETY: the caller's promise: `settle` wrote the chunk pointer in the
    // 8 bytes before the value, inside the same chunk.
    unsafe { value.cast::<u8>().sub(BACK).cast::<*mut Head>().read() }
}

/// Drops the value at `value` in place and gives its slot back; the last
/// slot of a chunk given back frees the chunk. The slot is given back even
/// if the value's destructor panics.
///
/// # Safety
///
/// `value` is a place [`Chunks::place`] or [`alone`] gave (its provenance
/// covers the chunk), holding a live `T` that nothing else will reach
/// again. Any thread may call this, if `T` may be dropped there.
pub(crate) unsafe fn drop_and_free<T>(value: NonNull<T>) {
    /// Gives the slot back as it goes, even in an unwind.
    struct GiveBack(*mut Head);

    impl Drop for GiveBack {
        fn drop(&mut self) {
            // SAFETY: the slot was handed out of this chunk and is counted
            // in its `left`; it is given back once, here.
            unsafe { give_back(self.0, 1) };
        }
    }

    // SAFETY: the caller's promise; the chunk lives while this slot is not
    // given back.
    let chunk = unsafe { chunk_of(value) };
    let _give_back = GiveBack(chunk);
    // SAFETY: the caller's promise: a live `T`, reached by no one else.
    unsafe { ptr::drop_in_place(value.as_ptr()) };
}

/// Gives back `n` slots of `chunk`; frees it if they were its last.
///
/// # Safety
///
/// `chunk` is alive, and those `n` slots are counted in its `left` and
/// given back once.
unsafe fn give_back(chunk: *mut Head, n: usize) {
    // SAFETY: the caller's promise: the chunk is alive until this count is
    // given back. Nothing here touches the head after the `fetch_sub`
    // unless it was the last, as in `Arc`'s drop.
    if unsafe { (*chunk).left.fetch_sub(n, Ordering::Release) } != n {
        return;
    }
    // Every other slot's last use happens before this (their `Release`).
    fence(Ordering::Acquire);
    // SAFETY: the last slot is given back: nothing points into the chunk
    // any more; it was allocated with this layout (`make_chunk`).
    unsafe {
        let layout = (*chunk).layout;
        dealloc(chunk.cast::<u8>(), layout);
    }
}

#[cfg(test)]
mod tests {
    use std::alloc::Layout;
    use std::cell::Cell;
    use std::ptr::NonNull;
    use std::rc::Rc;

    use super::{Chunks, Fit, LARGEST, MOST, drop_and_free, left_in_chunk_of};

    /// A value that counts its drops.
    struct Counted<const N: usize> {
        drops: Rc<Cell<usize>>,
        _words: [u64; N],
    }

    impl<const N: usize> Drop for Counted<N> {
        fn drop(&mut self) {
            self.drops.set(self.drops.get() + 1);
        }
    }

    fn make<const N: usize>(chunks: &Chunks, drops: &Rc<Cell<usize>>) -> NonNull<Counted<N>> {
        let place = chunks
            .place(Fit::of(Layout::new::<Counted<N>>()))
            .cast::<Counted<N>>();
        // SAFETY: a fresh place for a `Counted<N>`.
        unsafe {
            place.as_ptr().write(Counted {
                drops: drops.clone(),
                _words: [7; N],
            })
        };
        place
    }

    #[test]
    fn a_slot_holds_its_value_and_a_pointer_to_its_chunk() {
        // 8 bytes of chunk pointer before a 120-byte value: 128.
        let fit = Fit::of(Layout::new::<[u64; 15]>());
        assert_eq!(fit.stride(), 128);
        // Aligned to 16: the value starts 16 bytes in.
        let fit = Fit::of(Layout::from_size_align(112, 16).unwrap());
        assert_eq!(fit.stride(), 128);
        assert!(Fit::of(Layout::from_size_align(LARGEST, 8).unwrap()).stride() > LARGEST);
    }

    #[test]
    fn chunks_grow_to_their_most_and_every_value_is_dropped_once() {
        let chunks = Chunks::new(true);
        let drops = Rc::new(Cell::new(0));
        let values: Vec<_> = (0..200).map(|_| make::<3>(&chunks, &drops)).collect();
        for (i, v) in values.iter().enumerate() {
            // SAFETY: a live value, read on its thread.
            assert_eq!(unsafe { v.as_ref() }._words, [7; 3], "value {i}");
            assert_eq!(v.as_ptr() as usize % align_of::<Counted<3>>(), 0);
        }
        // 4 + 8 + 16 + 32 + 32 + … : the last chunk is of the most.
        let fit = Fit::of(Layout::new::<Counted<3>>());
        assert_eq!(chunks.class_of(fit).map(|(_, grow)| grow), Some(MOST));
        // 200 = 4 + 8 + 16 + 32 × 5 + 12: the last chunk has 20 slots left,
        // and counts them with its 12 values.
        assert_eq!(chunks.class_of(fit).map(|(left, _)| left), Some(20));
        // SAFETY: the last value's slot is handed out.
        assert_eq!(unsafe { left_in_chunk_of(values[199]) }, 32);
        for v in values {
            // SAFETY: each value once, reached by nothing else.
            unsafe { drop_and_free(v) };
        }
        assert_eq!(drops.get(), 200);
    }

    #[test]
    fn with_chunks_off_each_value_has_a_chunk_of_its_own() {
        let chunks = Chunks::new(false);
        let drops = Rc::new(Cell::new(0));
        let (a, b) = (make::<3>(&chunks, &drops), make::<3>(&chunks, &drops));
        let fit = Fit::of(Layout::new::<Counted<3>>());
        assert_eq!(chunks.class_of(fit), None, "no chunk is cut");
        // SAFETY: live values, each dropped and freed once.
        unsafe {
            assert_eq!(left_in_chunk_of(a), 1);
            assert_eq!(left_in_chunk_of(b), 1);
            drop_and_free(a);
            drop_and_free(b);
        }
        assert_eq!(drops.get(), 2);
    }

    #[test]
    fn values_of_other_sizes_and_alignments_each_find_their_place() {
        #[repr(align(16))]
        struct Wide([u8; 48]);
        #[repr(align(64))]
        struct Lined([u8; 64]);
        let chunks = Chunks::new(true);
        let wide = chunks.place(Fit::of(Layout::new::<Wide>())).cast::<Wide>();
        let lined = chunks
            .place(Fit::of(Layout::new::<Lined>()))
            .cast::<Lined>();
        let big = chunks
            .place(Fit::of(Layout::new::<[u8; 4096]>()))
            .cast::<[u8; 4096]>();
        assert_eq!(wide.as_ptr() as usize % 16, 0);
        assert_eq!(lined.as_ptr() as usize % 64, 0);
        // SAFETY: fresh places of these types; each is dropped and freed once.
        unsafe {
            wide.as_ptr().write(Wide([1; 48]));
            lined.as_ptr().write(Lined([2; 64]));
            big.as_ptr().write([3; 4096]);
            assert_eq!(wide.as_ref().0[47], 1);
            assert_eq!(lined.as_ref().0[63], 2);
            assert_eq!(big.as_ref()[4095], 3);
            drop_and_free(wide);
            drop_and_free(lined);
            drop_and_free(big);
        }
    }

    #[test]
    fn a_chunk_outlives_its_loop_while_a_task_in_it_lives() {
        let drops = Rc::new(Cell::new(0));
        let chunks = Chunks::new(true);
        let first = make::<1>(&chunks, &drops);
        let second = make::<1>(&chunks, &drops);
        // The loop goes first: its unused slots are given back, the chunk
        // stays for the two values.
        drop(chunks);
        // SAFETY: live values, each dropped and freed once.
        unsafe {
            assert_eq!(first.as_ref()._words, [7]);
            drop_and_free(first);
            assert_eq!(second.as_ref()._words, [7]);
            drop_and_free(second);
        }
        assert_eq!(drops.get(), 2);
    }

    #[test]
    fn a_slot_is_given_back_from_another_thread() {
        let chunks = Chunks::new(true);
        let fit = Fit::of(Layout::new::<u64>());
        let places: Vec<_> = (0..10).map(|_| chunks.place(fit).cast::<u64>()).collect();
        struct Sent(NonNull<u64>);
        // SAFETY: a `u64` may go to any thread.
        unsafe impl Send for Sent {}
        let sent: Vec<_> = places
            .into_iter()
            .map(|p| {
                // SAFETY: a fresh place for a `u64`.
                unsafe { p.as_ptr().write(5) };
                Sent(p)
            })
            .collect();
        drop(chunks);
        std::thread::spawn(move || {
            for p in sent {
                // SAFETY: each value once; a `u64` drops on any thread.
                unsafe { drop_and_free(p.0) };
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_slot_is_given_back_when_its_value_panics_as_it_drops() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("boom");
            }
        }
        let chunks = Chunks::new(true);
        let fit = Fit::of(Layout::new::<Bomb>());
        let bomb = chunks.place(fit).cast::<Bomb>();
        let other = chunks.place(fit).cast::<Bomb>();
        // SAFETY: a fresh place for a `Bomb`.
        unsafe { bomb.as_ptr().write(Bomb) };
        drop(chunks);
        // SAFETY: once; the slot is given back during the unwind.
        let unwound = std::panic::catch_unwind(|| unsafe { drop_and_free(bomb) });
        assert!(unwound.is_err());
        // SAFETY: `other`'s slot is still handed out: its chunk lives.
        let left = unsafe { left_in_chunk_of(other) };
        assert_eq!(left, 1, "the bomb's slot is back");
        // SAFETY: `other` holds no value: given back as a `()`, it drops
        // nothing.
        unsafe { drop_and_free(other.cast::<()>()) };
    }
}
