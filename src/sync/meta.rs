//! What every primitive has: a kind, a name, and a place in the snapshot.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use crate::executor::context;
use crate::inspect::InspectPrimitive;
use crate::task::{Label, current};

thread_local! {
    static NEXT: Cell<u64> = const { Cell::new(1) };
}

/// A primitive's kind and name (its [`Label`], which every wait on it
/// shares: `meta.kind` and `meta.name` read through it) and whether the
/// running loop knows it.
#[derive(Debug)]
pub(crate) struct Meta {
    label: Rc<Label>,
    registered: Cell<bool>,
}

impl std::ops::Deref for Meta {
    type Target = Label;

    fn deref(&self) -> &Label {
        &self.label
    }
}

impl Meta {
    /// A name given by the user, or `kind-N`.
    pub(crate) fn new(kind: &'static str, name: Option<String>) -> Meta {
        let name = name.unwrap_or_else(|| {
            let n = NEXT.with(|c| c.replace(c.get() + 1));
            format!("{kind}-{n}")
        });
        Meta {
            label: Label::new(kind, name.into()),
            registered: Cell::new(false),
        }
    }

    /// Registers `this` with the running loop, once.
    pub(crate) fn register<P: InspectPrimitive + 'static>(&self, this: &Rc<P>) {
        if self.registered.get() {
            return;
        }
        let weak: Weak<dyn InspectPrimitive> = Rc::downgrade(this) as Weak<dyn InspectPrimitive>;
        if context::with_core(|core| core.inspector.register_primitive(weak)).is_some() {
            self.registered.set(true);
        }
    }

    /// Called by a future about to return `Pending` on this primitive.
    pub(crate) fn note_pending<P: InspectPrimitive + 'static>(&self, this: &Rc<P>) {
        self.register(this);
        current::note_primitive(&self.label);
    }
}
