//! A picture of every failing run: its timeline and its Chrome trace,
//! written to files whose paths the failure report prints.
//!
//! A failing run is replayed once more with the event log on (its schedule
//! makes the replay the same run on the virtual clock), and the log is
//! written twice:
//!
//! ```text
//!   <dir>/<test>.timeline.txt   each task's life, as the REPL's `timeline`
//!   <dir>/<test>.trace.json     Chrome trace-event JSON: ui.perfetto.dev
//! ```
//!
//! `<dir>` is `$EVLOOP_TRACE_DIR` if set, else `evloop-traces/` in the
//! target directory of the test binary (`target/debug/evloop-traces`), else
//! in the system's temporary directory; [`Harness::trace_dir`](super::Harness::trace_dir)
//! overrides both. `<test>` is the test's name (the thread name the test
//! harness gives it). Real-time measurements are left out, so replaying
//! the failure (`EVLOOP_SCHEDULE=…`) writes the same bytes again.
//!
//! Tracing a failure costs one more run of the body, only when a run fails:
//! passing runs record nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::inspect::{Labels, LoopEvent, LoopEventKind, Names, Timeline, chrome_trace_of};
use crate::time::{ClockKind, Instant};

/// The variable naming the directory failing runs' traces go to.
pub const TRACE_DIR_VAR: &str = "EVLOOP_TRACE_DIR";

/// The most events a failing run's trace keeps (the oldest fall off).
pub(crate) const TRACE_EVENTS: usize = 100_000;

/// Where a failing run's trace was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFiles {
    /// The timeline, as text.
    pub timeline: PathBuf,
    /// The Chrome trace-event JSON (open it in <https://ui.perfetto.dev>).
    pub chrome_trace: PathBuf,
}

impl fmt::Display for TraceFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (timeline), {} (Chrome trace: ui.perfetto.dev)",
            self.timeline.display(),
            self.chrome_trace.display()
        )
    }
}

/// The directory traces go to: `explicit`, else `$EVLOOP_TRACE_DIR`, else
/// beside the test binary's target directory, else the temporary directory.
pub(crate) fn trace_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(TRACE_DIR_VAR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // A test binary lives in `<target>/<profile>/deps/`.
    let exe = std::env::current_exe().ok();
    let deps = exe.as_deref().and_then(Path::parent);
    match deps.filter(|d| d.file_name().is_some_and(|n| n == "deps")) {
        Some(deps) => deps.parent().unwrap_or(deps).join("evloop-traces"),
        None => std::env::temp_dir().join("evloop-traces"),
    }
}

/// The file name of this test: its thread's name (`module::test_name`
/// under `cargo test`), with anything but letters, digits, `-` and `_`
/// made `_`.
fn test_name() -> String {
    let thread = std::thread::current();
    let name = match thread.name() {
        Some(name) if name != "main" => name,
        _ => "evloop-test",
    };
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the timeline and the Chrome trace of `events` into `dir`.
///
/// # Errors
///
/// What the file system said, with the path.
pub(crate) fn write(
    events: &[LoopEvent],
    clock: ClockKind,
    dir: &Path,
) -> Result<TraceFiles, String> {
    let events: Vec<LoopEvent> = events.iter().map(LoopEvent::without_timing).collect();
    let now = events.iter().map(|e| e.at).max().unwrap_or(Instant::START);
    let name = test_name();
    let files = TraceFiles {
        timeline: dir.join(format!("{name}.timeline.txt")),
        chrome_trace: dir.join(format!("{name}.trace.json")),
    };
    let failed = |path: &Path, e: std::io::Error| format!("can't write {}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let mut timeline = Timeline::new(&events, now, clock).to_string();
    timeline.push('\n');
    timeline.push_str(&event_list(&events));
    std::fs::write(&files.timeline, timeline).map_err(|e| failed(&files.timeline, e))?;
    std::fs::write(&files.chrome_trace, chrome_trace_of(&events, now, clock))
        .map_err(|e| failed(&files.chrome_trace, e))?;
    Ok(files)
}

/// Every event, one a line, each task's name beside it (below the
/// timeline's picture). Polls leave out their real duration.
fn event_list(events: &[LoopEvent]) -> String {
    let names = Names::from_events(events);
    let mut out = String::from("events:\n");
    for e in events {
        let text = match &e.kind {
            LoopEventKind::Polled { task, result, .. } => {
                format!("[{}] polled {task} → {result}", e.at)
            }
            _ => e.to_string(),
        };
        out.push_str("  ");
        out.push_str(&text.replace('\n', "\n      "));
        if let Some(task) = e.kind.task() {
            out.push_str(&format!("   ({})", names.task(task)));
        }
        out.push('\n');
    }
    out
}
