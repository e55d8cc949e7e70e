//! Transcript tests: each `tests/transcripts/NAME.txt` is a REPL session,
//! commands (lines starting with `> `, continuation lines with `. `) and the
//! exact output. The test feeds the commands to the built binary in script
//! mode and compares its whole output with the file.
//!
//! `EVLOOP_BLESS=1 cargo test --test transcripts` rewrites the files from
//! the binary's output (review the diff before committing it). A file may
//! start with `#! exit N` to say the script's expected exit status (0 if
//! absent); that line is kept as a comment command.

mod util;

use std::path::{Path, PathBuf};

fn transcripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/transcripts exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// The commands of a transcript: its `> ` lines, with `. ` continuations.
pub fn commands(transcript: &str) -> String {
    let mut script = String::new();
    for line in transcript.lines() {
        if let Some(c) = line.strip_prefix("> ") {
            script.push_str(c);
            script.push('\n');
        } else if line == ">" {
            script.push('\n');
        } else if let Some(c) = line.strip_prefix(". ") {
            script.push_str(c);
            script.push('\n');
        }
    }
    script
}

fn expected_exit(transcript: &str) -> i32 {
    transcript
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("> #! exit "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn run_binary(script: &str, dir: &Path) -> (String, i32) {
    util::run_script(Path::new(env!("CARGO_BIN_EXE_evloop")), script, dir)
}

#[test]
fn every_transcript_matches_the_binary() {
    let bless = std::env::var_os("EVLOOP_BLESS").is_some();
    let scratch = std::env::temp_dir().join(format!("evloop-transcripts-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut failures = Vec::new();
    let files = transcripts();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (mut output, code) = run_binary(&commands(&text), &scratch);
        let want_code = expected_exit(&text);
        if bless {
            if code != want_code {
                // Say the new exit status in the header, and run again to get its echo.
                let body: String = commands(&text)
                    .lines()
                    .filter(|l| !l.starts_with("#! exit "))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let header = if code == 0 {
                    String::new()
                } else {
                    format!("#! exit {code}\n")
                };
                output = run_binary(&format!("{header}{body}"), &scratch).0;
            }
            std::fs::write(&path, &output).unwrap();
            continue;
        }
        if output != text || code != want_code {
            failures.push(format!(
                "{}: exit {code} (want {want_code})\n{}",
                path.display(),
                diff(&text, &output)
            ));
        }
    }
    // What the sessions wrote (save, save test, export-trace, export-html) went to the
    // scratch directory, never into the source tree.
    assert!(
        scratch.join("session.evl").exists(),
        "the sessions ran in the scratch directory"
    );
    let page = std::fs::read_to_string(scratch.join("replay.html")).unwrap_or_default();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains(r#"[1,"db"]"#),
        "export-html wrote the health check's replay page"
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for written in [
        "session.evl",
        "session_test.rs",
        "trace.json",
        "replay.html",
    ] {
        for dir in [
            root.to_path_buf(),
            root.join("tests"),
            root.join("tests/transcripts"),
        ] {
            assert!(
                !dir.join(written).exists(),
                "a test wrote {} into the source tree",
                dir.join(written).display()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The first differing lines, for the failure message.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for i in 0..w.len().max(g.len()) {
        if w.get(i) != g.get(i) {
            return format!(
                "line {}:\n  want: {:?}\n  got:  {:?}\n--- whole output ---\n{got}",
                i + 1,
                w.get(i),
                g.get(i)
            );
        }
    }
    "same lines, different line endings".into()
}

/// Every session shown in docs/repl.md (and in the exercises and the
/// README) is part of a transcript file (so what the docs show is what the
/// binary prints).
#[test]
fn the_tour_shows_real_sessions() {
    let all: Vec<String> = transcripts()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for (file, least) in [
        ("docs/repl.md", 20),
        ("docs/exercises.md", 3),
        ("README.md", 1),
    ] {
        let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut blocks = 0;
        let mut rest = doc.as_str();
        while let Some(start) = rest.find("```text\n> ") {
            let body = &rest[start + "```text\n".len()..];
            let end = body.find("```").expect("closed code block");
            let session = &body[..end];
            blocks += 1;
            assert!(
                all.iter().any(|t| t.contains(session)),
                "this session of {file} is in no transcript file:\n{session}"
            );
            rest = &body[end..];
        }
        assert!(blocks >= least, "{file} shows {blocks} sessions");
    }
}

/// `tests/saved_session.rs` is what `save test` writes for
/// `tests/saved_session.evl` (so `cargo test` compiles and runs a generated
/// test: it must pass). `EVLOOP_BLESS=1` rewrites it.
#[test]
fn the_saved_session_test_is_what_save_test_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = std::env::temp_dir().join(format!("evloop-save-test-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let script = std::fs::read_to_string(root.join("tests/saved_session.evl")).unwrap();
    let (output, code) = run_binary(&script, &scratch);
    assert_eq!(code, 0, "{output}");
    let written =
        std::fs::read_to_string(scratch.join("saved_session.rs")).expect("save test wrote it");
    let _ = std::fs::remove_dir_all(&scratch);
    let committed = root.join("tests/saved_session.rs");
    if std::env::var_os("EVLOOP_BLESS").is_some() {
        std::fs::write(&committed, &written).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        want == written,
        "tests/saved_session.rs differs from what save test writes now (EVLOOP_BLESS=1 rewrites it):\n{}",
        diff(&want, &written)
    );
}
