//! `Tracked`: a primitive's `RefCell` that tells an exploring loop it was
//! touched.
//!
//! Exhaustive exploration reorders two polls only if they may not commute,
//! which it learns from what each poll touched (see the executor's
//! `trace.rs`). Every primitive keeps its state in one `Tracked` cell, so
//! each borrow of that state notes the primitive's object id: one
//! thread-local flag test when nobody explores. Everything else of
//! `RefCell` is reached through `Deref`, untracked.

use std::cell::{Ref, RefCell, RefMut};
use std::ops::Deref;

use crate::executor::trace;

/// A `RefCell` whose `borrow` and `borrow_mut` count as touching the
/// primitive that owns it.
#[derive(Debug)]
pub(crate) struct Tracked<T> {
    id: u64,
    cell: RefCell<T>,
}

impl<T> Tracked<T> {
    pub(crate) fn new(value: T) -> Tracked<T> {
        Tracked {
            id: trace::new_object_id(),
            cell: RefCell::new(value),
        }
    }

    /// Notes a touch without borrowing (for state kept outside the cell).
    #[inline]
    pub(crate) fn touch(&self) {
        trace::touch(self.id);
    }

    #[inline]
    #[track_caller]
    pub(crate) fn borrow(&self) -> Ref<'_, T> {
        trace::touch(self.id);
        self.cell.borrow()
    }

    #[inline]
    #[track_caller]
    pub(crate) fn borrow_mut(&self) -> RefMut<'_, T> {
        trace::touch(self.id);
        self.cell.borrow_mut()
    }
}

impl<T> Deref for Tracked<T> {
    type Target = RefCell<T>;

    fn deref(&self) -> &RefCell<T> {
        &self.cell
    }
}
