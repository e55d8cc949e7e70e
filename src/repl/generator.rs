//! Async generators: `new generator NAME BODY` defines one (a body whose
//! `emit VALUE` steps hand values out, asyncio's `yield` in an
//! `async def`), and the `for NAME { … }` step iterates it (`async for`).
//!
//! ```text
//!   consumer: for chunks { … }          the library's generate(): the body runs
//!     │ next().await ──poll_next──▶     inside the consumer's task, until…
//!     │ ◀── Some(v) ────────────────    emit v: the value handed over, the body parked
//!     │     (the block runs with v)
//!     │ ◀── None ───────────────────    the body ended (its finally ran inline)
//!     └ break-on: the generator is dropped where it is parked; its finally
//!       block runs as a task of its own, GEN/finally (asyncio's aclose(),
//!       which asyncio's loop also schedules as a task of its own)
//! ```
//!
//! Each `for` calls the generator anew, as `async for x in gen()` calls
//! `gen()`. The body runs in the consumer's task: what it prints is labelled
//! `GEN in CONSUMER`, and its waits are the consumer's.

use std::rc::Rc;

use evloop::stream::{StreamExt, Yielder, generate};

use super::body::{Body, Step, Value};
use super::program::{Flow, Me, run_block, spawn_cleanup};
use super::record::{Wait, noting};

/// What a generator hands its consumer: a value, or its failure at the end.
type Item = Result<Value, String>;

/// Where a generator body's `emit` steps hand their values.
pub struct Emitter(Yielder<Item>);

/// `emit VALUE`, in a generator's body.
pub(super) async fn emit(me: &Rc<Me>, value: Value) -> Flow {
    match &me.emit {
        Some(Emitter(y)) => {
            noting(Wait::Task, y.yield_(Ok(value))).await;
            Flow::Next
        }
        // `check_body` allows emit in generators only.
        None => Flow::Fail("emit outside a generator".into()),
    }
}

/// `for GEN { STEPS }`: iterates a fresh run of the generator GEN, running
/// the block once per value (`async for`); `break-on` in the block stops
/// early, which drops the generator.
pub(super) async fn for_each(me: &Rc<Me>, name: &str, block: &[Step]) -> Flow {
    let Some(body) = me.env.generator(name) else {
        return Flow::Fail(format!("no generator named {name}"));
    };
    let block: Rc<[Step]> = block.into();
    let mut values = run(me, name, body);
    loop {
        let Some(item) = values.next().await else {
            return Flow::Next;
        };
        let value = match item {
            Ok(value) => value,
            // A generator that fails fails its consumer, as in Python.
            Err(e) => return Flow::Fail(e),
        };
        me.env.say(&me.name, &format!("got {value} from {name}"));
        me.received(value);
        match run_block(me.clone(), block.clone()).await {
            Flow::Next => {}
            Flow::Break => return Flow::Next,
            end => return end,
        }
    }
}

/// A fresh run of the generator `name` for the consumer `me`.
fn run(me: &Rc<Me>, name: &str, body: Rc<Body>) -> evloop::stream::Generator<Item> {
    let env = me.env.clone();
    let label = format!("{name} in {}", me.name);
    let owner = name.to_string();
    generate(move |y| async move {
        let mut inner = Me::new(env.clone(), label);
        inner.emit = Some(Emitter(y));
        let inner = Rc::new(inner);
        let mut guard = Close {
            env,
            owner,
            finally: Some(body.finally.clone()),
        };
        let flow = run_block(inner.clone(), body.steps.as_slice().into()).await;
        let finally = guard.finally.take().unwrap_or_default();
        let flow = match (flow, run_block(inner.clone(), finally.into()).await) {
            (Flow::Fail(e), _) | (_, Flow::Fail(e)) => Flow::Fail(e),
            (flow, _) => flow,
        };
        if let (Flow::Fail(e), Some(Emitter(y))) = (flow, &inner.emit) {
            y.yield_(Err(e)).await;
        }
    })
}

/// A generator dropped before it ended (its consumer stopped early, or was
/// cancelled): its `finally` block runs as a task of its own.
struct Close {
    env: Rc<super::env::Env>,
    owner: String,
    finally: Option<Vec<Step>>,
}

impl Drop for Close {
    fn drop(&mut self) {
        if let Some(finally) = self.finally.take()
            && !finally.is_empty()
            && !self.env.closing.get()
            && !std::thread::panicking()
        {
            spawn_cleanup(&self.env, &self.owner, finally);
        }
    }
}
