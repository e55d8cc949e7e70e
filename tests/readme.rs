//! The README keeps its promises (its example runs as a doctest of the
//! library: see `ReadmeDoctests` in `src/lib.rs`).

#[test]
fn readme_names_the_two_commands() {
    let readme = include_str!("../README.md");
    assert!(readme.contains("```sh\ncargo run --release\n```"));
    assert!(readme.contains("```sh\ncargo test\n```"));
    let ci = include_str!("../.ci/run");
    assert!(
        ci.contains("\ncargo test\n"),
        ".ci/run runs the README's test command"
    );
}
