//! The console over a program of one's own (issue 12 item 3):
//! `examples/console.rs`, driven in script mode by the transcript
//! `tests/console/fetch.txt` — registered functions spawned with arguments,
//! stepped, their real futures' waits (timers, the semaphore) in `queue`,
//! `back 3` and `replay` on the virtual clock, `export-html` — with the same
//! output every run. `EVLOOP_BLESS=1` rewrites the transcript from the example's output.

mod util;

use std::path::{Path, PathBuf};

/// `target/<profile>/examples/console`, built by `cargo test` with the tests.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    profile.join("examples").join("console")
}

/// The commands of a transcript: its `> ` lines.
fn commands(transcript: &str) -> String {
    transcript
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|c| format!("{c}\n"))
        .collect()
}

fn run(script: &str, dir: &Path) -> (String, i32) {
    util::run_script(&example(), script, dir)
}

/// The text with every `fd N` made `fd _`: which descriptor numbers the OS
/// hands out depends on what the process inherited.
fn without_fd_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("fd ") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('_');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Every session docs/console.md shows is part of a transcript (the
/// console's, or the REPL's `breakpoint.txt`).
#[test]
fn the_chapter_shows_the_real_session() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let transcript = std::fs::read_to_string(root.join("tests/console/fetch.txt")).unwrap()
        + &std::fs::read_to_string(root.join("tests/transcripts/breakpoint.txt")).unwrap();
    let doc = std::fs::read_to_string(root.join("docs/console.md")).unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```text\n> ") {
        let body = &rest[start + "```text\n".len()..];
        let end = body.find("```").expect("a closed code block");
        assert!(
            transcript.contains(&body[..end]),
            "this session of docs/console.md is not in tests/console/fetch.txt:\n{}",
            &body[..end]
        );
        blocks += 1;
        rest = &body[end..];
    }
    assert_eq!(blocks, 4);
}

#[test]
fn the_console_example_matches_its_transcript_every_run() {
    if util::skip_without_reactor("the_console_example_matches_its_transcript_every_run") {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console/fetch.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let dir = std::env::temp_dir().join(format!("evloop-console-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (raw, code) = run(&commands(&text), &dir);
    let first = raw.clone();
    let (second, _) = run(&commands(&text), &dir);
    // `export-html` wrote the session's replay page, naming its tasks.
    let page = std::fs::read_to_string(dir.join("fetch.html")).unwrap_or_default();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(r#"[1,"f1"]"#));
    let (first, second) = (without_fd_numbers(&first), without_fd_numbers(&second));
    assert_eq!(first, second, "two runs of the same script differ");
    if std::env::var_os("EVLOOP_BLESS").is_some() {
        std::fs::write(&path, &raw).unwrap();
        return;
    }
    // The refused `spawn`s and `save test` fail their commands: exit 1.
    assert_eq!(code, 1, "{first}");
    let text = without_fd_numbers(&text);
    if first != text {
        let diff: Vec<String> = text
            .lines()
            .zip(first.lines())
            .enumerate()
            .filter(|(_, (w, g))| w != g)
            .take(5)
            .map(|(i, (w, g))| format!("line {}:\n  want {w}\n  got  {g}", i + 1))
            .collect();
        panic!(
            "{} differs from the example's output:\n{}",
            path.display(),
            diff.join("\n")
        );
    }
}
