//! The code shown in docs/ is the code that runs.
//!
//! The chapter `docs/event-loop.md` quotes evloop's own functions. Each
//! quote is marked `<!-- quote PATH#NAME -->` and followed by a code block
//! that must be, verbatim (but for a common indentation), the region between
//! `// ANCHOR: NAME` and `// ANCHOR_END: NAME` in that file (the async
//! book's way of keeping a book's code true). `EVLOOP_BLESS=1 cargo test
//! --test docs` rewrites the quotes from the sources (review the diff).

use std::path::Path;

/// The region between `// ANCHOR: name` and `// ANCHOR_END: name` in `source`.
fn anchor<'a>(source: &'a str, name: &str, file: &str) -> &'a str {
    let start = format!("// ANCHOR: {name}\n");
    let end = format!("// ANCHOR_END: {name}\n");
    let from = source
        .find(&start)
        .unwrap_or_else(|| panic!("{file} has no `// ANCHOR: {name}`"))
        + start.len();
    let to = source[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("{file} has no `// ANCHOR_END: {name}`"))
        + from;
    // The end marker's own indentation belongs to its line, not the region.
    source[from..to].trim_end_matches([' ', '\t'])
}

/// `text` without the indentation all its non-blank lines share.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// Every `<!-- quote PATH#NAME -->` of `chapter`, with the code block after it.
fn quotes(chapter: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let mut rest = chapter;
    while let Some(at) = rest.find("<!-- quote ") {
        rest = &rest[at + "<!-- quote ".len()..];
        let close = rest.find(" -->").expect("a quote marker ends with -->");
        let (path, name) = rest[..close]
            .split_once('#')
            .expect("a quote marker names PATH#NAME");
        let fence = rest
            .find("```")
            .expect("a code block follows a quote marker");
        let body_start = rest[fence..].find('\n').unwrap() + fence + 1;
        let body_end = rest[body_start..].find("```").unwrap() + body_start;
        found.push((
            path.to_string(),
            name.to_string(),
            rest[body_start..body_end].to_string(),
        ));
        rest = &rest[body_end..];
    }
    found
}

/// The chapter with every quote rewritten from its source.
fn blessed(chapter: &str, root: &Path) -> String {
    let mut out = String::new();
    let mut rest = chapter;
    while let Some(at) = rest.find("<!-- quote ") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let close = rest.find(" -->").unwrap();
        let (path, name) = rest["<!-- quote ".len()..close].split_once('#').unwrap();
        let fence = rest.find("```").unwrap();
        let body_start = rest[fence..].find('\n').unwrap() + fence + 1;
        let body_end = rest[body_start..].find("```").unwrap() + body_start;
        let source = std::fs::read_to_string(root.join(path)).unwrap();
        out.push_str(&rest[..body_start]);
        out.push_str(&dedent(anchor(&source, name, path)));
        out.push('\n');
        rest = &rest[body_end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_quote_in_the_chapter_is_the_code_that_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("EVLOOP_BLESS").is_some() {
        let path = root.join("docs/event-loop.md");
        let chapter = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, blessed(&chapter, root)).unwrap();
        return;
    }
    let chapter = include_str!("../docs/event-loop.md");
    let quotes = quotes(chapter);
    assert!(quotes.len() >= 8, "the chapter quotes the loop's functions");
    for (path, name, shown) in quotes {
        let source = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|e| panic!("docs/event-loop.md quotes {path}: {e}"));
        let real = dedent(anchor(&source, &name, &path));
        assert_eq!(
            dedent(&shown),
            real,
            "docs/event-loop.md quotes {path}#{name}, which now reads:\n{real}"
        );
    }
}

#[test]
fn the_chapter_names_files_that_exist() {
    let chapter = include_str!("../docs/event-loop.md");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in chapter.split("](../").skip(1) {
        let path = &part[..part.find(')').unwrap()];
        assert!(
            root.join(path).exists(),
            "docs/event-loop.md links to {path}, which does not exist"
        );
    }
}

#[test]
fn a_changed_quote_is_caught() {
    let source = "fn a() {\n    // ANCHOR: x\n    let y = 1;\n    // ANCHOR_END: x\n}\n";
    assert_eq!(dedent(anchor(source, "x", "test")), "let y = 1;");
    let chapter = "<!-- quote f.rs#x -->\n```rust,ignore\nlet y = 2;\n```\n";
    let q = quotes(chapter);
    assert_eq!(q.len(), 1);
    assert_ne!(dedent(&q[0].2), dedent(anchor(source, "x", "test")));
}

/// The exercises (docs/exercises.md) quote the examples that solve them,
/// which `cargo test` runs (see Cargo.toml): the code shown is the code
/// that is checked.
#[test]
fn every_quote_in_the_exercises_is_the_code_that_runs() {
    let chapter = include_str!("../docs/exercises.md");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let quotes = quotes(chapter);
    assert_eq!(quotes.len(), 3, "one solution per exercise");
    for (path, name, shown) in quotes {
        let source = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|e| panic!("docs/exercises.md quotes {path}: {e}"));
        let real = dedent(anchor(&source, &name, &path));
        assert_eq!(
            dedent(&shown),
            real,
            "docs/exercises.md quotes {path}#{name}, which now reads:\n{real}"
        );
    }
}

/// The chapter on pipes, processes and signals (docs/processes.md) quotes
/// `examples/subprocess.rs`, whose tests `cargo test` runs.
#[test]
fn every_quote_in_the_processes_chapter_is_the_code_that_runs() {
    let chapter = include_str!("../docs/processes.md");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let quotes = quotes(chapter);
    assert_eq!(quotes.len(), 3, "lines_of, with_deadline, until_terminated");
    for (path, name, shown) in quotes {
        let source = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|e| panic!("docs/processes.md quotes {path}: {e}"));
        let real = dedent(anchor(&source, &name, &path));
        assert_eq!(
            dedent(&shown),
            real,
            "docs/processes.md quotes {path}#{name}, which now reads:\n{real}"
        );
    }
}
