//! The code shown in docs/ is the code that runs.

/// The region between `// ANCHOR: name` and `// ANCHOR_END: name` in `source`.
fn anchor<'a>(source: &'a str, name: &str) -> &'a str {
    let start = format!("// ANCHOR: {name}\n");
    let end = format!("// ANCHOR_END: {name}\n");
    let from = source.find(&start).expect("anchor start") + start.len();
    let to = source[from..].find(&end).expect("anchor end") + from;
    &source[from..to]
}

#[test]
fn the_smallest_loop_in_the_chapter_is_the_example_that_runs() {
    let example = include_str!("../examples/smallest_loop.rs");
    let chapter = include_str!("../docs/event-loop.md");
    assert!(
        chapter.contains(anchor(example, "loop")),
        "docs/event-loop.md must show examples/smallest_loop.rs's loop verbatim"
    );
}

#[test]
fn the_chapter_names_files_that_exist() {
    let chapter = include_str!("../docs/event-loop.md");
    let root = env!("CARGO_MANIFEST_DIR");
    for part in chapter.split("](../").skip(1) {
        let path = &part[..part.find(')').unwrap()];
        assert!(
            std::path::Path::new(root).join(path).exists(),
            "docs/event-loop.md links to {path}, which does not exist"
        );
    }
}
