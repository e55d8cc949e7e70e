//! `select!`, `join!` and `try_join!`: several futures of different types,
//! in one task, written as a block (`macro_rules!` only).
//!
//! ```text
//!   select! {                                  every branch's future is made
//!       Some(job) = queue_rx.next() => …,      first, then all are polled in
//!       _ = sleep(d), if !idle => …,           turn until one is ready and its
//!       else => …,                             value fits its pattern; the
//!   }                                          others are dropped (cancelled)
//! ```
//!
//! # Which branch goes first
//!
//! Each time it is polled, a `select!` (or `join!`, `try_join!`) asks the
//! loop where to start: under FIFO and LIFO policies at the first branch
//! (*biased*, the order written), under a seeded policy (`Random`, `Pct`) at
//! a branch drawn from the seed. The draw is recorded in the run's
//! [`Schedule`](crate::Schedule), so exploring schedules also explores
//! which branch wins when two are ready at once, and a printed schedule
//! replays it. The draw is among the branches still *live* — not disabled
//! (`select!`), not done (`join!`) — since starting at one that is skipped
//! is the same as starting at the next live one: with fewer than two live
//! there is nothing to choose, and nothing is drawn or recorded, so the
//! explorer does not run one order twice. tokio picks a random start by default and has a `biased;`
//! mode; evloop is biased unless told to explore, so a program behaves the
//! same on every run unless a test asks otherwise.
//!
//! # How they are built
//!
//! The macros take the branches apart token by token, give each an index
//! and an output variant from a list (`(0 _0) (1 _1) …`, 16 of them), and
//! expand to a block: the futures pinned on the stack in a tuple (no
//! allocation), a `poll_fn` that polls them from the chosen start, and, for
//! `select!`, a `match` on an enum with one variant per branch. A pattern is
//! tested by reference when its future completes (with `mut` and `ref`
//! taken out by `__clean_pattern!`), and bound by value afterwards, so a
//! value that does not fit disables its branch without being lost to
//! a half-done match.

use crate::executor::context;
use crate::task::WaitOn;

/// Where a `select!`, `join!` or `try_join!` starts polling, given which
/// of its branches are live (see the module docs): the first live one,
/// unless the loop chooses another among two or more. Outside a loop: the
/// first live branch.
#[doc(hidden)]
pub fn __branch_start(live: &[bool]) -> usize {
    let first = live.iter().position(|l| *l).unwrap_or(0);
    let n = live.iter().filter(|l| **l).count();
    if n <= 1 {
        return first;
    }
    let k = context::with_core(|core| core.choose_branch(n)).unwrap_or(0);
    live.iter()
        .enumerate()
        .filter(|(_, l)| **l)
        .nth(k)
        .map_or(first, |(i, _)| i)
}

/// A `select!` without `else` whose every branch is disabled: it waits
/// forever, and says why in snapshots and deadlock reports.
#[doc(hidden)]
pub fn __all_branches_disabled() {
    crate::task::note_wait(WaitOn::Primitive {
        kind: "select!",
        name: "with every branch disabled and no `else` branch".into(),
    });
}

/// Waits on several futures at once and runs the handler of the first one
/// to finish whose output fits its pattern; the others are dropped
/// (tokio's `select!`; asyncio's `asyncio.wait(..., FIRST_COMPLETED)` and
/// cancelling the rest, in one expression).
///
/// ```text
/// select! {
///     PATTERN = FUTURE => HANDLER,
///     PATTERN = FUTURE, if CONDITION => HANDLER,   // disabled if CONDITION is false
///     else => HANDLER,                             // when every branch is disabled
/// }
/// ```
///
/// 1. Every `CONDITION` is evaluated, then every `FUTURE` (disabled
///    branches' too, in the order written).
/// 2. The enabled futures are polled, starting from the first branch
///    (*biased*) or, under a seeded policy, from a branch drawn from the
///    seed and recorded in the schedule (see the
///    [module docs](crate::combinators)).
/// 3. When one completes, its branch is disabled; if its output fits
///    `PATTERN`, every other future is dropped and `HANDLER` runs with the
///    pattern's bindings. If it does not fit, the others go on.
/// 4. When every branch is disabled, `else` runs. Without an `else`, the
///    `select!` waits forever, shown in snapshots and deadlock reports as
///    waiting on "select! with every branch disabled and no `else` branch"
///    (tokio panics there instead).
///
/// Handlers may `break`, `continue`, `return` and `.await`: they run in the
/// enclosing function, after the futures are gone. Up to 16 branches. It
/// must be used inside an `async` block or function (it awaits).
///
/// # Cancel safety
///
/// A `select!` in a loop drops the losing futures every time round. That is
/// only right if dropping them loses nothing: a future is *cancel-safe* when
/// dropping it before it completes has no effect but giving up. evloop says
/// on every future it returns whether it is. In short:
///
/// - cancel-safe: `sleep`, `Interval::tick`, `JoinHandle` (dropping
///   detaches), `Queue::get`/`put` (a dropped put was not queued; its value
///   is dropped with it), `Semaphore::acquire`, `Lock::lock`, `Event::wait`,
///   `Notify::notified`, `Condition` waits, `Barrier::wait`, `RwLock`
///   waits, `watch::Receiver::changed`, `broadcast::Receiver::recv`,
///   `CancelToken::cancelled`, `TaskSet::join_next`, `StreamExt::next` on
///   evloop's streams, `oneshot::Receiver` (polled by reference);
/// - not cancel-safe: anything that does two awaits in a row (an `async`
///   block that takes an item and then awaits something else loses the
///   item), `StreamExt::collect`/`fold` (what was gathered is lost),
///   `timeout`/cancel scopes around work that is not (they drop it).
///
/// To keep a future that is not cancel-safe across turns of a loop, create
/// it once outside the loop and select on `&mut fut` (pinned). The bug zoo
/// (`tests/bug_zoo.rs`, "a select! that is not cancel-safe") shows the bug
/// and the fix.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{select, sleep, sync::Queue};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let got = rt.block_on(async {
///     let jobs: Queue<u32> = Queue::unbounded();
///     jobs.try_put(7).unwrap();
///     let mut got = Vec::new();
///     loop {
///         select! {
///             Ok(job) = jobs.get() => got.push(job),     // cancel-safe: nothing lost
///             _ = sleep(Duration::from_secs(1)) => break, // idle for a second: stop
///         }
///     }
///     got
/// });
/// assert_eq!(got, [7]);
/// ```
///
/// Patterns that do not match disable their branch, and `else` runs when
/// none is left:
///
/// ```
/// use evloop::select;
///
/// let out = evloop::run(async {
///     select! {
///         Some(x) = async { None::<u32> } => x,
///         Ok(y) = async { Err::<u32, ()>(()) } => y,
///         else => 0,
///     }
/// });
/// assert_eq!(out, 0);
/// ```
///
/// Mistakes are compile errors that say what to write:
///
/// ```compile_fail
/// evloop::run(async {
///     evloop::select! {
///         _ = async {} => 1,
///         else => 2,
///         else => 3, // error: select! takes at most one `else` branch
///     };
/// });
/// ```
///
/// ```compile_fail
/// evloop::run(async {
///     evloop::select! { ready => 1 }; // error: this one has no `= future`
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($($input:tt)*) => {
        $crate::__select_parse!(
            @branches []
            @else []
            @indices [
                (0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7)
                (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15)
            ]
            @rest [$($input)*]
        )
    };
}

/// Takes `select!`'s input apart, one branch at a time.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // Every branch read: expand.
    (@branches [$($b:tt)*] @else [$($e:tt)*] @indices $i:tt @rest []) => {
        $crate::__select_expand!(@branches [$($b)*] @else [$($e)*])
    };
    // The `else` branch.
    (@branches $b:tt @else [] @indices $i:tt @rest [else => $h:block, $($rest:tt)*]) => {
        $crate::__select_parse!(@branches $b @else [$h] @indices $i @rest [$($rest)*])
    };
    (@branches $b:tt @else [] @indices $i:tt @rest [else => $h:block $($rest:tt)*]) => {
        $crate::__select_parse!(@branches $b @else [$h] @indices $i @rest [$($rest)*])
    };
    (@branches $b:tt @else [] @indices $i:tt @rest [else => $h:expr, $($rest:tt)*]) => {
        $crate::__select_parse!(@branches $b @else [$h] @indices $i @rest [$($rest)*])
    };
    (@branches $b:tt @else [] @indices $i:tt @rest [else => $h:expr]) => {
        $crate::__select_parse!(@branches $b @else [$h] @indices $i @rest [])
    };
    (@branches $b:tt @else [$($e:tt)+] @indices $i:tt @rest [else $($rest:tt)*]) => {
        ::core::compile_error!("select! takes at most one `else` branch")
    };
    // A branch: its pattern is every token up to `=`.
    (@branches $b:tt @else $e:tt @indices $i:tt @rest [$($rest:tt)+]) => {
        $crate::__select_parse!(@pattern [] @branches $b @else $e @indices $i @rest [$($rest)+])
    };
    (@pattern [$($p:tt)+] @branches $b:tt @else $e:tt @indices $i:tt @rest [= $($rest:tt)*]) => {
        $crate::__select_parse!(@future [$($p)+] @branches $b @else $e @indices $i @rest [$($rest)*])
    };
    (@pattern [$($p:tt)*] @branches $b:tt @else $e:tt @indices $i:tt @rest [$t:tt $($rest:tt)*]) => {
        $crate::__select_parse!(@pattern [$($p)* $t] @branches $b @else $e @indices $i @rest [$($rest)*])
    };
    (@pattern [$($p:tt)*] @branches $b:tt @else $e:tt @indices $i:tt @rest []) => {
        ::core::compile_error!(
            "a select! branch is `pattern = future => handler` (or `else => handler`); this one has no `= future`"
        )
    };
    // Its future, with or without a condition.
    (@future $p:tt @branches $b:tt @else $e:tt @indices $i:tt @rest [$f:expr, if $c:expr => $($rest:tt)*]) => {
        $crate::__select_parse!(@handler $p ($f) ($c) @branches $b @else $e @indices $i @rest [$($rest)*])
    };
    (@future $p:tt @branches $b:tt @else $e:tt @indices $i:tt @rest [$f:expr => $($rest:tt)*]) => {
        $crate::__select_parse!(@handler $p ($f) (true) @branches $b @else $e @indices $i @rest [$($rest)*])
    };
    (@future $p:tt @branches $b:tt @else $e:tt @indices $i:tt @rest [$($rest:tt)*]) => {
        ::core::compile_error!(
            "a select! branch is `pattern = future => handler` or `pattern = future, if condition => handler`"
        )
    };
    // Its handler: a block (comma optional) or an expression (comma, or the end).
    (@handler $p:tt $f:tt $c:tt @branches $b:tt @else $e:tt @indices [] @rest $r:tt) => {
        ::core::compile_error!("select! takes at most 16 branches")
    };
    (@handler $p:tt $f:tt $c:tt @branches [$($b:tt)*] @else $e:tt @indices [($n:tt $v:ident) $($i:tt)*] @rest [$h:block, $($rest:tt)*]) => {
        $crate::__select_parse!(@branches [$($b)* ($n $v $p $f $c ($h))] @else $e @indices [$($i)*] @rest [$($rest)*])
    };
    (@handler $p:tt $f:tt $c:tt @branches [$($b:tt)*] @else $e:tt @indices [($n:tt $v:ident) $($i:tt)*] @rest [$h:block $($rest:tt)*]) => {
        $crate::__select_parse!(@branches [$($b)* ($n $v $p $f $c ($h))] @else $e @indices [$($i)*] @rest [$($rest)*])
    };
    (@handler $p:tt $f:tt $c:tt @branches [$($b:tt)*] @else $e:tt @indices [($n:tt $v:ident) $($i:tt)*] @rest [$h:expr, $($rest:tt)*]) => {
        $crate::__select_parse!(@branches [$($b)* ($n $v $p $f $c ($h))] @else $e @indices [$($i)*] @rest [$($rest)*])
    };
    (@handler $p:tt $f:tt $c:tt @branches [$($b:tt)*] @else $e:tt @indices [($n:tt $v:ident) $($i:tt)*] @rest [$h:expr]) => {
        $crate::__select_parse!(@branches [$($b)* ($n $v $p $f $c ($h))] @else $e @indices [$($i)*] @rest [])
    };
}

/// `select!`'s code, once its branches are read.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_expand {
    (@branches [] @else [$($e:tt)*]) => {
        ::core::compile_error!("select! needs at least one `pattern = future => handler` branch")
    };
    (@branches [$( ($n:tt $v:ident [$($p:tt)*] ($f:expr) ($c:expr) ($h:expr)) )+] @else [$($e:tt)*]) => {{
        #[allow(non_camel_case_types, dead_code)]
        enum __SelectOutput<$($v,)+> {
            $($v($v),)+
            Disabled,
        }
        let __output = {
            let mut __disabled = [$(!$c,)+];
            let mut __futures = ($(::core::pin::pin!($f),)+);
            ::core::future::poll_fn(|__cx| {
                let __n = __disabled.len();
                let __live = [$(!__disabled[$n],)+];
                let __start = $crate::combinators::__branch_start(&__live);
                for __k in 0..__n {
                    let __branch = (__start + __k) % __n;
                    $(
                        if __branch == $n && !__disabled[$n] {
                            if let ::core::task::Poll::Ready(__value) =
                                ::core::future::Future::poll(__futures.$n.as_mut(), __cx)
                            {
                                __disabled[$n] = true;
                                #[allow(unused_variables, unreachable_patterns)]
                                match &__value {
                                    $crate::__clean_pattern!($($p)*) => {
                                        return ::core::task::Poll::Ready(__SelectOutput::$v(__value));
                                    }
                                    _ => {}
                                }
                            }
                        }
                    )+
                }
                if __disabled.iter().all(|d| *d) {
                    return $crate::__select_disabled!([$($e)*] __SelectOutput::Disabled);
                }
                ::core::task::Poll::Pending
            })
            .await
        };
        #[allow(unreachable_patterns, unused_variables)]
        match __output {
            $( __SelectOutput::$v($($p)*) => $h, )+
            __SelectOutput::Disabled => $crate::__select_else!([$($e)*]),
            _ => ::core::unreachable!("select!: the pattern was tested when the future completed"),
        }
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_disabled {
    ([] $disabled:expr) => {{
        $crate::combinators::__all_branches_disabled();
        ::core::task::Poll::Pending
    }};
    ([$($e:tt)+] $disabled:expr) => {
        ::core::task::Poll::Ready($disabled)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_else {
    ([]) => {
        ::core::unreachable!("select!: without an `else` branch it waits instead")
    };
    ([$e:expr]) => {
        $e
    };
}

/// A pattern with its `mut` and `ref` taken out, to test a value by
/// reference (`match &value { … }`) before binding it by value.
#[doc(hidden)]
#[macro_export]
macro_rules! __clean_pattern {
    (@out [$($out:tt)*] @in [] @stack []) => { $($out)* };
    (@out [$($out:tt)*] @in [mut $($in:tt)*] @stack $s:tt) => {
        $crate::__clean_pattern!(@out [$($out)*] @in [$($in)*] @stack $s)
    };
    (@out [$($out:tt)*] @in [ref $($in:tt)*] @stack $s:tt) => {
        $crate::__clean_pattern!(@out [$($out)*] @in [$($in)*] @stack $s)
    };
    // Into a group: remember what was around it.
    (@out [$($out:tt)*] @in [( $($g:tt)* ) $($in:tt)*] @stack [$($s:tt)*]) => {
        $crate::__clean_pattern!(@out [] @in [$($g)*] @stack [(paren [$($out)*] [$($in)*]) $($s)*])
    };
    (@out [$($out:tt)*] @in [[ $($g:tt)* ] $($in:tt)*] @stack [$($s:tt)*]) => {
        $crate::__clean_pattern!(@out [] @in [$($g)*] @stack [(bracket [$($out)*] [$($in)*]) $($s)*])
    };
    (@out [$($out:tt)*] @in [{ $($g:tt)* } $($in:tt)*] @stack [$($s:tt)*]) => {
        $crate::__clean_pattern!(@out [] @in [$($g)*] @stack [(brace [$($out)*] [$($in)*]) $($s)*])
    };
    // Out of a group.
    (@out [$($out:tt)*] @in [] @stack [(paren [$($po:tt)*] [$($pi:tt)*]) $($s:tt)*]) => {
        $crate::__clean_pattern!(@out [$($po)* ( $($out)* )] @in [$($pi)*] @stack [$($s)*])
    };
    (@out [$($out:tt)*] @in [] @stack [(bracket [$($po:tt)*] [$($pi:tt)*]) $($s:tt)*]) => {
        $crate::__clean_pattern!(@out [$($po)* [ $($out)* ]] @in [$($pi)*] @stack [$($s)*])
    };
    (@out [$($out:tt)*] @in [] @stack [(brace [$($po:tt)*] [$($pi:tt)*]) $($s:tt)*]) => {
        $crate::__clean_pattern!(@out [$($po)* { $($out)* }] @in [$($pi)*] @stack [$($s)*])
    };
    (@out [$($out:tt)*] @in [$t:tt $($in:tt)*] @stack $s:tt) => {
        $crate::__clean_pattern!(@out [$($out)* $t] @in [$($in)*] @stack $s)
    };
    ($($p:tt)*) => {
        $crate::__clean_pattern!(@out [] @in [$($p)*] @stack [])
    };
}

/// Awaits every future concurrently, in this task, and gives their outputs
/// as a tuple in the order written (tokio's `join!`; asyncio's
/// `a, b = await gather(fa(), fb())`). Unlike [`gather!`](crate::gather!),
/// it awaits by itself (no `.await` after it) and keeps the futures on the
/// stack.
///
/// Each poll starts at the first future, or under a seeded policy at one
/// drawn from the seed (see [`select!`](crate::select!)). Up to 16 futures.
/// It must be used inside an `async` block or function.
///
/// # Cancel safety
///
/// Dropping the enclosing future drops every future not finished yet, and
/// the outputs already gathered: cancel-safe only if every input is.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{join, sleep, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let (n, s) = join!(
///         async { sleep(Duration::from_secs(2)).await; 42 },
///         async { sleep(Duration::from_secs(1)).await; "text" },
///     );
///     assert_eq!((n, s), (42, "text"));
///     assert_eq!(Instant::now().since_start(), Duration::from_secs(2)); // not 3
/// });
/// ```
#[macro_export]
macro_rules! join {
    ($($f:expr),+ $(,)?) => {
        $crate::__join_parse!(
            @mode [all]
            @futures []
            @indices [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15]
            @rest [$($f,)+]
        )
    };
}

/// Awaits every future concurrently and gives their `Ok` outputs as a
/// tuple, or the first `Err` as soon as it comes, dropping the rest (tokio's
/// `try_join!`; asyncio's `gather` that raises the first exception). Every
/// future must have the same error type.
///
/// Polling order as [`join!`](crate::join!). Up to 16 futures.
///
/// # Errors
///
/// The first `Err` returned by any of the futures.
///
/// # Cancel safety
///
/// As [`join!`](crate::join!).
///
/// # Examples
///
/// ```
/// use evloop::try_join;
///
/// let out = evloop::run(async {
///     try_join!(async { Ok::<_, String>(1) }, async { Err::<&str, _>("no".to_string()) })
/// });
/// assert_eq!(out, Err("no".to_string()));
/// ```
#[macro_export]
macro_rules! try_join {
    ($($f:expr),+ $(,)?) => {
        $crate::__join_parse!(
            @mode [ok]
            @futures []
            @indices [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15]
            @rest [$($f,)+]
        )
    };
}

/// Gives each future of `join!` / `try_join!` its index.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_parse {
    (@mode $m:tt @futures [$($done:tt)*] @indices $i:tt @rest []) => {
        $crate::__join_expand!(@mode $m @futures [$($done)*])
    };
    (@mode $m:tt @futures $done:tt @indices [] @rest $r:tt) => {
        ::core::compile_error!("join! and try_join! take at most 16 futures")
    };
    (@mode $m:tt @futures [$($done:tt)*] @indices [$n:tt $($i:tt)*] @rest [$f:expr, $($rest:tt)*]) => {
        $crate::__join_parse!(@mode $m @futures [$($done)* ($n ($f))] @indices [$($i)*] @rest [$($rest)*])
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __join_expand {
    (@mode [$mode:ident] @futures [$( ($n:tt ($f:expr)) )+]) => {{
        let mut __futures = ($(::core::pin::pin!($f),)+);
        let mut __outputs = ($($crate::__join_none!($n),)+);
        ::core::future::poll_fn(|__cx| {
            let __n = [$($n),+].len();
            let __live = [$(__outputs.$n.is_none(),)+];
            let __start = $crate::combinators::__branch_start(&__live);
            let mut __pending = false;
            for __k in 0..__n {
                let __branch = (__start + __k) % __n;
                $(
                    if __branch == $n && __outputs.$n.is_none() {
                        match ::core::future::Future::poll(__futures.$n.as_mut(), __cx) {
                            ::core::task::Poll::Ready(__value) => {
                                $crate::__join_store!($mode, __outputs.$n, __value)
                            }
                            ::core::task::Poll::Pending => __pending = true,
                        }
                    }
                )+
            }
            if __pending {
                return ::core::task::Poll::Pending;
            }
            ::core::task::Poll::Ready($crate::__join_done!(
                $mode,
                ($(__outputs.$n.take().expect("join!: each output is taken once"),)+)
            ))
        })
        .await
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __join_none {
    ($n:tt) => {
        ::core::option::Option::None
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __join_store {
    (all, $slot:expr, $value:ident) => {
        $slot = ::core::option::Option::Some($value)
    };
    (ok, $slot:expr, $value:ident) => {
        match $value {
            ::core::result::Result::Ok(v) => $slot = ::core::option::Option::Some(v),
            ::core::result::Result::Err(e) => {
                return ::core::task::Poll::Ready(::core::result::Result::Err(e));
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __join_done {
    (all, $tuple:expr) => {
        $tuple
    };
    (ok, $tuple:expr) => {
        ::core::result::Result::Ok($tuple)
    };
}
