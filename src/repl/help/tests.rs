use super::*;
use std::collections::HashSet;

#[test]
fn names_and_aliases_are_unique() {
    let mut seen = HashSet::new();
    for word in command_words() {
        assert!(seen.insert(word), "{word} is listed twice");
    }
    let mut seen = HashSet::new();
    for word in step_names() {
        assert!(seen.insert(word), "{word} is listed twice");
    }
}

#[test]
fn every_usage_starts_with_its_name() {
    for c in COMMANDS {
        for u in c.usage {
            assert!(u.starts_with(c.name), "{u}");
        }
        assert!(c.example.starts_with(c.name), "{}", c.example);
    }
    for s in STEPS {
        assert!(s.usage.starts_with(s.name), "{}", s.usage);
        // A step that only means something inside a block (break-on)
        // shows its block.
        let inside = format!("{{ {}", s.name);
        assert!(
            s.example.starts_with(s.name)
                || s.example.contains(&format!("; {}", s.name))
                || s.example.contains(&inside),
            "{}",
            s.example
        );
    }
}

#[test]
fn lookup_by_name_and_alias() {
    assert_eq!(find_command("ls").map(|c| c.name), Some("tasks"));
    assert_eq!(find_command("exit").map(|c| c.name), Some("quit"));
    assert_eq!(find_command("spawn").map(|c| c.name), Some("spawn"));
    assert!(find_command("sleep").is_none());
    assert_eq!(find_step("wait-event").map(|s| s.name), Some("wait-event"));
    assert_eq!(find_topic("q"), Some("quit"));
    assert_eq!(find_topic("sleep"), Some("sleep"));
    assert_eq!(find_topic("nope"), None);
    assert_eq!(command_names().count(), COMMANDS.len());
}

#[test]
fn hints_quote_the_usage_and_an_example() {
    let cancel = find_command("cancel").unwrap();
    assert_eq!(
        cancel.usage_hint(),
        "usage: cancel NAME (e.g. cancel worker)"
    );
    let new = find_command("new").unwrap();
    assert_eq!(
        new.form_hint("new queue"),
        "usage: new queue NAME [CAPACITY]"
    );
    assert_eq!(
        find_step("sleep").unwrap().usage_hint(),
        "usage: sleep DUR (e.g. sleep 250ms)"
    );
}

#[test]
fn asyncio_names_are_found_bare_or_as_typed() {
    assert_eq!(asyncio::bare("asyncio.gather(a,"), "gather");
    assert_eq!(asyncio::bare("loop.call_soon"), "call_soon");
    assert_eq!(asyncio::bare("sleep(1s)"), "sleep");
    assert_eq!(asyncio::bare("spawn"), "spawn");
    assert_eq!(
        asyncio::find("asyncio.create_task(worker())").map(|n| n.here),
        Some("spawn")
    );
    assert!(asyncio::find("spawn").is_none());
    assert_eq!(
        asyncio::hint("create_task").as_deref(),
        Some("asyncio's create_task is spawn here: spawn worker sleep 1s; print done")
    );
    assert_eq!(asyncio_topic("create_task"), Some("spawn"));
    assert_eq!(asyncio_topic("Queue"), Some("new"));
    assert_eq!(asyncio_topic("nope"), None);
}

#[test]
fn every_asyncio_name_is_spelled_otherwise_here_and_its_example_parses() {
    for n in asyncio::ASYNCIO {
        assert!(
            find_command(n.asyncio).is_none() && find_step(n.asyncio).is_none(),
            "{} is a command or step already: no hint needed",
            n.asyncio
        );
        assert!(
            crate::repl::parse_line(n.example).is_ok(),
            "{}: {:?} does not parse",
            n.asyncio,
            n.example
        );
        assert!(asyncio_topic(n.asyncio).is_some(), "{}", n.asyncio);
    }
}
