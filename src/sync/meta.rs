//! What every primitive has: a kind, a name, and a place in the snapshot.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use crate::executor::context;
use crate::inspect::InspectPrimitive;
use crate::task::WaitOn;

thread_local! {
    static NEXT: Cell<u64> = const { Cell::new(1) };
}

#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) kind: &'static str,
    pub(crate) name: Rc<str>,
    registered: Cell<bool>,
}

impl Meta {
    /// A name given by the user, or `kind-N`.
    pub(crate) fn new(kind: &'static str, name: Option<String>) -> Meta {
        let name = name.unwrap_or_else(|| {
            let n = NEXT.with(|c| c.replace(c.get() + 1));
            format!("{kind}-{n}")
        });
        Meta {
            kind,
            name: name.into(),
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
        crate::task::note_wait(WaitOn::Primitive {
            kind: self.kind,
            name: self.name.clone(),
        });
    }
}
