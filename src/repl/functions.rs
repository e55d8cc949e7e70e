//! Registered functions: a program's own async functions, as steps.
//!
//! A [`Console`](crate::console::Console) registers its program's async
//! functions here before it opens the prompt. The step parser then reads a
//! registered name as a step with arguments (`spawn f1 fetch 3 http://a`),
//! and the interpreter calls the function and awaits its future, in the
//! task, on the session's loop: a real future beside the canned steps.
//!
//! ```text
//!   Console::function("fetch", …) ──▶ FUNCTIONS (this thread)
//!   "spawn f1 fetch 3 http://a" ──parse──▶ Step::Run { function: "fetch", args: ["3", "http://a"] }
//!   the task f1 runs the step ──▶ make(state, args)? .await ──▶ Ok(value) / Err(text)
//! ```
//!
//! The program's state (its semaphores, its server, its address book) is
//! made anew for every loop the session makes (at the start, `reset`,
//! `back`, `replay`), inside that loop: its primitives belong to it and
//! show in `queue`, and a replay starts from the same state.
//!
//! The registry is the thread's: a console runs on one thread, and the
//! parser, which is a pure function of the line otherwise, only asks it
//! whether a word names a function.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// What a registered function's call gives: its future, boxed.
pub type Call = Pin<Box<dyn Future<Output = Result<String, String>>>>;

/// The program's state, type-erased (the console knows its type).
pub type State = Rc<dyn Any>;

/// Makes a call from the state and the arguments, or says what is wrong
/// with the arguments.
pub type Make = Rc<dyn Fn(&State, &[String]) -> Result<Call, String>>;

/// One registered function.
#[derive(Clone)]
pub struct Function {
    /// The step word (made `'static` once, when the console is opened, so
    /// that `help NAME` names it as it names the REPL's own steps).
    pub name: &'static str,
    /// Its usage line: `fetch N URL`.
    pub usage: String,
    /// What it does, for `help`.
    pub summary: String,
    /// Makes its future.
    pub make: Make,
}

/// Everything a console registered.
#[derive(Clone)]
pub struct Functions {
    /// The functions, in registration order.
    pub functions: Vec<Function>,
    /// Makes the program's state for a new loop (inside that loop).
    pub state: Rc<dyn Fn() -> State>,
}

thread_local! {
    static FUNCTIONS: RefCell<Option<Rc<Functions>>> = const { RefCell::new(None) };
}

/// Registers the console's functions for this thread.
pub fn install(functions: Functions) {
    FUNCTIONS.with(|f| *f.borrow_mut() = Some(Rc::new(functions)));
}

/// The functions registered on this thread.
pub fn installed() -> Option<Rc<Functions>> {
    FUNCTIONS.with(|f| f.borrow().clone())
}

/// The function named `name`, if one is registered.
pub fn find(name: &str) -> Option<Function> {
    installed().and_then(|f| f.functions.iter().find(|f| f.name == name).cloned())
}

/// The names of the registered functions, in registration order.
pub fn names() -> Vec<String> {
    installed()
        .map(|f| f.functions.iter().map(|f| f.name.to_string()).collect())
        .unwrap_or_default()
}

/// A fresh state for a new loop (call it inside that loop), if a console
/// registered any.
pub fn new_state() -> Option<State> {
    installed().map(|f| (f.state)())
}

/// The call of `name` with `args` on `state`.
///
/// # Errors
///
/// No such function, no state, or what the function said of its
/// arguments, with its usage.
pub fn call(state: Option<&State>, name: &str, args: &[String]) -> Result<Call, String> {
    let function = find(name).ok_or_else(|| format!("no function named {name} is registered"))?;
    let state = state.ok_or_else(|| format!("{name}: the program's state is missing"))?;
    (function.make)(state, args).map_err(|e| format!("{name}: {e} (usage: {})", function.usage))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::body::Step;

    fn fetch() -> Function {
        Function {
            name: "fetch",
            usage: "fetch N URL".into(),
            summary: "fetches".into(),
            make: Rc::new(|_: &State, args: &[String]| {
                let n: u32 = args
                    .first()
                    .ok_or("missing N")?
                    .parse()
                    .map_err(|_| "bad N")?;
                let call: Call = Box::pin(async move { Ok(format!("{n} pages")) });
                Ok(call)
            }),
        }
    }

    /// A registered name reads as a step with its arguments (quoted ones
    /// too), prints back as it was written, and reads as a step nowhere
    /// it is not registered.
    #[test]
    fn a_registered_function_is_a_step() {
        let line = r#"spawn f1 fetch 3 "https://a b"; print done"#;
        install(Functions {
            functions: Vec::new(),
            state: Rc::new(|| Rc::new(()) as State),
        });
        let unknown = crate::repl::parse_line(line).unwrap_err().to_string();
        assert!(unknown.contains("unknown step \"fetch\""), "{unknown}");
        install(Functions {
            functions: vec![fetch()],
            state: Rc::new(|| Rc::new(()) as State),
        });
        let command = crate::repl::parse_line(line).unwrap();
        assert_eq!(command.to_string(), line);
        let crate::repl::command::Command::Spawn { body, .. } = command else {
            panic!("a spawn")
        };
        assert_eq!(
            body.steps[0],
            Step::Run {
                function: "fetch".into(),
                args: vec!["3".into(), "https://a b".into()],
            }
        );
        let state = new_state();
        let bad = call(state.as_ref(), "fetch", &["three".into()]).err();
        assert_eq!(bad.as_deref(), Some("fetch: bad N (usage: fetch N URL)"));
        let out =
            crate::Runtime::new().block_on(call(state.as_ref(), "fetch", &["3".into()]).unwrap());
        assert_eq!(out, Ok("3 pages".to_string()));
        FUNCTIONS.with(|f| f.borrow_mut().take());
    }
}
