//! A console over your own program: the REPL's prompt, with your async
//! functions beside its canned steps.
//!
//! The `evloop` binary is a [`Console`] with nothing registered. A program
//! of yours builds one, registers its async functions (with the arguments
//! the console's command line gives them) and opens the same prompt:
//! `spawn`, `step`, `queue`, `tasks`, `show`, `await`, `cancel`, `gather`,
//! `wait`, `run`, `advance`, `timeline`, `trace`, `policy`, `replay`,
//! `back`, `export-trace`, `export-html`, with history, completion and
//! colour.
//!
//! ```text
//!   your program                          the console
//!   ────────────                          ───────────
//!   Console::new()
//!     .state(|| Shop::new())   ── made anew for each loop (reset, back, replay)
//!     .function("fetch", "fetch N URL", |shop, args| …)
//!     .run_args(args)  ───────────────▶   > spawn f1 fetch 3 http://a
//!                                         > step
//!                                         > queue
//! ```
//!
//! Needs the `repl` feature (on by default).

use std::fmt;
use std::future::Future;
use std::io::{self, BufReader, IsTerminal, Write};
use std::process::ExitCode;
use std::rc::Rc;
use std::str::FromStr;

mod failing_test;

pub use failing_test::{CONSOLE_VAR, console_asked, explore_or_open};

use crate::repl;
use crate::repl::functions::{self, Call, Function, Functions, Make, State};
use crate::repl::render::ColorChoice;
use crate::repl::script::{self, ScriptEnd};
use crate::repl::session::{Options, Reply, Session};

/// The REPL's prompt over a loop of its own, with your program's async
/// functions registered as steps.
///
/// `S` is your program's state (its primitives, its addresses): made anew
/// by the function given to [`with_state`](Console::with_state) inside
/// each loop the console makes (at the start, and for `reset`, `back` and
/// `replay`), so that its primitives belong to that loop (`queue` and
/// `show` list them with their holders and waiters) and a replay starts
/// from the same state. Each registered function gets it by reference,
/// with the step's arguments.
///
/// # Examples
///
/// The `evloop` binary, whole:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     evloop::console::Console::new().run_args(std::env::args().skip(1))
/// }
/// ```
///
/// A program of one semaphore and one function, `nap NAME MS`, driven by
/// a script (`examples/console.rs` is a larger one):
///
/// ```no_run
/// use std::{rc::Rc, time::Duration};
/// use evloop::console::{Args, Console};
/// use evloop::sync::Semaphore;
///
/// let console = Console::with_state(|| Rc::new(Semaphore::named("beds", 1)))
///     .function("nap", "nap MS", "sleeps MS milliseconds in one of the beds", |beds, mut args: Args<'_>| {
///         let ms: u64 = args.next("MS")?;
///         args.end()?;
///         let beds = beds.clone();
///         Ok(async move {
///             let _bed = beds.acquire().await;
///             evloop::sleep(Duration::from_millis(ms)).await;
///             Ok::<_, String>(format!("slept {ms}ms"))
///         })
///     });
/// let status = console.run_args(["naps.txt".to_string()]);
/// ```
#[must_use = "a Console does nothing until run_args is called"]
pub struct Console<S = ()> {
    state: Rc<dyn Fn() -> S>,
    functions: Vec<Function>,
}

impl Default for Console<()> {
    fn default() -> Console<()> {
        Console::new()
    }
}

impl Console<()> {
    /// A console with only the REPL's canned steps (the `evloop` binary).
    pub fn new() -> Console<()> {
        Console::with_state(|| ())
    }
}

impl<S: 'static> Console<S> {
    /// A console whose program state `make_state` makes, once per loop
    /// and inside it.
    pub fn with_state(make_state: impl Fn() -> S + 'static) -> Console<S> {
        Console {
            state: Rc::new(make_state),
            functions: Vec::new(),
        }
    }

    /// Registers an async function as a step named `name`: `spawn f1 NAME
    /// ARG…` runs it in task `f1`, beside the canned steps (`spawn f1 fetch
    /// 3 http://a; print done`). `usage` (`fetch N URL`) and `summary` are
    /// what `help` shows.
    ///
    /// `make` gets the state and the step's arguments; it returns the
    /// future, or what is wrong with the arguments (the console refuses the
    /// `spawn` with it, before the task exists). The future's `Ok` value is
    /// the task's result when the call is the body's last step (shown as
    /// text); its `Err` fails the task.
    ///
    /// # Panics
    ///
    /// If `name` is registered twice or is one of the REPL's own steps
    /// (`sleep`, `print`…): a step word means one thing.
    pub fn function<F, Fut, T, E>(
        mut self,
        name: &str,
        usage: &str,
        summary: &str,
        make: F,
    ) -> Console<S>
    where
        F: Fn(&S, Args<'_>) -> Result<Fut, String> + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        T: fmt::Display,
        E: fmt::Display,
    {
        assert!(
            repl::help::find_step(name).is_none(),
            "{name} is one of the REPL's own steps; register the function under another name"
        );
        assert!(
            self.functions.iter().all(|f| f.name != name),
            "{name} is registered twice"
        );
        let made: Make = Rc::new(move |state: &State, args: &[String]| {
            let state = state
                .downcast_ref::<S>()
                .ok_or("the console's state has another type")?;
            let future = make(state, Args { args, next: 0 })?;
            let call: Call = Box::pin(async move {
                future
                    .await
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string())
            });
            Ok(call)
        });
        self.functions.push(Function {
            // Once per registered function, per process: `help NAME` keeps
            // step names as `&'static str`.
            name: Box::leak(name.to_string().into_boxed_str()),
            usage: usage.to_string(),
            summary: summary.to_string(),
            make: made,
        });
        self
    }

    /// Opens the console as the `evloop` binary does, reading its flags
    /// from `args` (the program's arguments, without the program's name):
    /// interactive when stdin is a terminal and no FILE is given, else a
    /// script read from FILE or stdin. Returns the exit status: 0 if every
    /// command succeeded, 1 if any failed, 2 for bad flags.
    ///
    /// ```text
    /// PROGRAM [FILE] [--bail] [--no-color] [--no-history] [--budget N]
    /// PROGRAM --version | --help
    /// ```
    pub fn run_args(self, args: impl IntoIterator<Item = String>) -> ExitCode {
        self.install();
        run_args(args.into_iter())
    }

    /// Makes this console's functions and state the ones its prompt knows.
    fn install(self) {
        let make_state = self.state.clone();
        let state: Rc<dyn Fn() -> State> = Rc::new(move || Rc::new(make_state()) as State);
        functions::install(Functions {
            functions: self.functions,
            state,
        });
    }
}

/// The arguments of one call, as the console's command line gave them.
#[derive(Debug)]
pub struct Args<'a> {
    args: &'a [String],
    next: usize,
}

impl Args<'_> {
    /// The next argument, read as a `T`; `what` names it in errors.
    ///
    /// # Errors
    ///
    /// `missing WHAT`, or `bad WHAT "x": …` with what `T`'s parser said.
    pub fn next<T>(&mut self, what: &str) -> Result<T, String>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let arg = self
            .args
            .get(self.next)
            .ok_or_else(|| format!("missing {what}"))?;
        self.next += 1;
        arg.parse().map_err(|e| format!("bad {what} {arg:?}: {e}"))
    }

    /// Checks that every argument was read.
    ///
    /// # Errors
    ///
    /// `unexpected "x"` for the first one left.
    pub fn end(&self) -> Result<(), String> {
        match self.args.get(self.next) {
            Some(extra) => Err(format!("unexpected {extra:?}")),
            None => Ok(()),
        }
    }
}

const USAGE: &str = "\
usage: evloop [FILE] [--bail] [--no-color] [--no-history] [--budget N]
       evloop --version | --help

  FILE            run the commands in FILE (as piping them in does), then exit;
                  --script FILE says the same
  --bail          in a script, stop at the first command that fails
  --no-color      no colours (also: NO_COLOR set, TERM=dumb, output not a terminal)
  --no-history    don't read or write the history file
  --budget N      a run, await or step N stops after N polls (default 100000)
  --version       print the version and exit

History (interactive): $XDG_STATE_HOME/evloop/history, or ~/.local/state/evloop/history.
Exit status in script mode: 0 if every command succeeded, 1 if any failed, 2 for bad flags.";

/// What the command line asks for.
enum Asked {
    Run(Cli),
    Help,
    Version,
}

struct Cli {
    script: Option<String>,
    bail: bool,
    no_color: bool,
    no_history: bool,
    budget: u64,
}

impl Default for Cli {
    fn default() -> Cli {
        Cli {
            script: None,
            bail: false,
            no_color: false,
            no_history: false,
            budget: repl::session::DEFAULT_BUDGET,
        }
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Asked, String> {
    let mut cli = Cli::default();
    let mut args = args;
    let script = |cli: &mut Cli, file: String| {
        if let Some(first) = &cli.script {
            return Err(format!(
                "two scripts given ({first:?} and {file:?}): evloop runs one FILE"
            ));
        }
        cli.script = Some(file);
        Ok(())
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--script" => {
                let file = args.next().ok_or("--script needs a FILE")?;
                script(&mut cli, file)?;
            }
            "--bail" => cli.bail = true,
            "--no-color" => cli.no_color = true,
            "--no-history" => cli.no_history = true,
            "--budget" => {
                let n = args.next().ok_or("--budget needs a number of polls")?;
                cli.budget = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                    format!("bad --budget {n:?}: expected a whole number above 0")
                })?;
            }
            "-h" | "--help" => return Ok(Asked::Help),
            "-V" | "--version" => return Ok(Asked::Version),
            "--" => {
                for file in args.by_ref() {
                    script(&mut cli, file)?;
                }
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(format!("unknown flag {flag:?}"));
            }
            _ => script(&mut cli, arg)?,
        }
    }
    Ok(Asked::Run(cli))
}

fn run_args(args: impl Iterator<Item = String>) -> ExitCode {
    let cli = match parse_args(args) {
        Ok(Asked::Run(cli)) => cli,
        Ok(Asked::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Asked::Version) => {
            println!("evloop {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("evloop: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    open(&cli, &[])
}

/// Opens the prompt as `cli` asks, after running `prelude` (commands shown
/// as if typed, before the first prompt).
fn open(cli: &Cli, prelude: &[String]) -> ExitCode {
    repl::program::quiet_panic_steps();
    let interactive = cli.script.is_none() && io::stdin().is_terminal();
    let mut session = Session::new(Options {
        budget: cli.budget,
        deterministic: !interactive,
        ..Options::default()
    });
    // Ctrl-C interrupts the running loop, also after reset, back or replay
    // replaced it; the handler is installed once, and told of each new loop.
    let warned = std::cell::Cell::new(false);
    session.on_new_loop(move |interrupter| {
        if let Err(e) = evloop::interrupt_on_ctrl_c(interrupter)
            && !warned.replace(true)
        {
            eprintln!("evloop: Ctrl-C will not interrupt a run ({e}); budget N still bounds it");
        }
    });
    // What a command shows goes out as it happens: a print during a long
    // `run` on the real clock appears when it is printed.
    let color = if interactive {
        ColorChoice::detect(cli.no_color)
    } else {
        ColorChoice::Plain
    };
    session.set_live_output(Box::new(move |lines| {
        let mut out = io::stdout().lock();
        for line in lines {
            // A closed pipe ends the script at its next echo.
            let _ = writeln!(out, "{}", repl::render::line(line, color));
        }
        let _ = out.flush();
    }));
    // What a prelude line shows goes out as a typed command's would.
    for line in prelude {
        let mut out = io::stdout().lock();
        let _ = writeln!(
            out,
            "{}",
            repl::render::line(&repl::session::echo(line), color)
        );
        match session.run_line(line) {
            Reply::Done(lines) | Reply::Failed(lines) => {
                for l in &lines {
                    let _ = writeln!(out, "{}", repl::render::line(l, color));
                }
            }
            Reply::Quit => return ExitCode::SUCCESS,
        }
    }
    let result = if interactive {
        repl::terminal::run(&mut session, color, !cli.no_history).map(|()| ScriptEnd::AllOk)
    } else {
        let mut out = io::stdout().lock();
        match &cli.script {
            Some(file) if file == "-" => {
                script::run(&mut session, io::stdin().lock(), &mut out, cli.bail)
            }
            Some(file) => match std::fs::File::open(file) {
                Ok(f) => script::run(&mut session, BufReader::new(f), &mut out, cli.bail),
                Err(e) => {
                    eprintln!("evloop: can't read {file}: {e}");
                    return ExitCode::from(2);
                }
            },
            None => script::run(&mut session, io::stdin().lock(), &mut out, cli.bail),
        }
    };
    match result {
        Ok(ScriptEnd::AllOk) => ExitCode::SUCCESS,
        Ok(ScriptEnd::SomeFailed) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("evloop: {e}");
            ExitCode::from(2)
        }
    }
}
