//! `save test` writes a session as a Rust test: `tests/saved_session.rs` is
//! what it wrote for `tests/sessions/saved.evl`, and `cargo test` compiles
//! and runs it. This test checks the committed file is still what the REPL
//! writes today (`EVLOOP_BLESS=1` rewrites it).

use std::process::Command;

#[test]
fn the_saved_session_is_what_save_test_writes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = std::fs::read_to_string(format!("{root}/tests/sessions/saved.evl")).unwrap();
    let out_path = std::env::temp_dir().join(format!("evloop-saved-{}.rs", std::process::id()));
    let script = script.replace(
        "save test target/saved_session.rs",
        &format!("save test {}", out_path.display()),
    );
    let script_path = out_path.with_extension("evl");
    std::fs::write(&script_path, script).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_evloop"))
        .arg("--script")
        .arg(&script_path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "the session failed:\n{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let written = std::fs::read_to_string(&out_path).unwrap();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&script_path);
    let committed_path = format!("{root}/tests/saved_session.rs");
    if std::env::var_os("EVLOOP_BLESS").is_some() {
        std::fs::write(&committed_path, &written).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap();
    assert!(
        written == committed,
        "tests/saved_session.rs differs from what `save test` writes now; \
         rerun with EVLOOP_BLESS=1 to update it"
    );
}
