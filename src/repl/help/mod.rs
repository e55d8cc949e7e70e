//! What the REPL knows how to do, as data: one row per command and one per task-body step.
//!
//! `help` and `help NAME` are rendered from these tables, the completer offers their names, and the
//! parser quotes their usage lines in its error hints, so the three can't drift apart.

/// One REPL command.
#[derive(Debug)]
pub struct CommandHelp {
    /// The canonical name, as `Display` for `Command` writes it.
    pub name: &'static str,
    /// Other words accepted for the same command.
    pub aliases: &'static [&'static str],
    /// The syntax, one line per form.
    pub usage: &'static [&'static str],
    /// What the command does, in one line.
    pub summary: &'static str,
    /// A line that can be typed as is.
    pub example: &'static str,
}

/// One step of a task body.
#[derive(Debug)]
pub struct StepHelp {
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
    pub example: &'static str,
}

impl CommandHelp {
    /// The hint shown after a malformed use: `usage: cancel NAME (e.g. cancel worker)`.
    pub fn usage_hint(&self) -> String {
        format!("usage: {} (e.g. {})", self.usage.join(" | "), self.example)
    }

    /// The usage line that starts with `prefix`, as a hint (for commands with several forms).
    pub fn form_hint(&self, prefix: &str) -> String {
        match self.usage.iter().find(|u| u.starts_with(prefix)) {
            Some(line) => format!("usage: {line}"),
            None => self.usage_hint(),
        }
    }
}

impl StepHelp {
    /// The hint shown after a malformed step: `usage: sleep DUR (e.g. sleep 250ms)`.
    pub fn usage_hint(&self) -> String {
        format!("usage: {} (e.g. {})", self.usage, self.example)
    }
}

pub mod asyncio;
mod commands;
mod steps;

pub use commands::COMMANDS;
pub use steps::STEPS;

/// The canonical command names, in `help` order.
pub fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.name)
}

/// Every word that starts a command: names and aliases.
pub fn command_words() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
}

/// The step names, in `help` order.
pub fn step_names() -> impl Iterator<Item = &'static str> {
    STEPS.iter().map(|s| s.name)
}

/// The command called `word`, by name or alias.
pub fn find_command(word: &str) -> Option<&'static CommandHelp> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// The step called `word`.
pub fn find_step(word: &str) -> Option<&'static StepHelp> {
    STEPS.iter().find(|s| s.name == word)
}

/// The command or step that `help word` explains, as its canonical name.
pub fn find_topic(word: &str) -> Option<&'static str> {
    find_command(word)
        .map(|c| c.name)
        .or_else(|| find_step(word).map(|s| s.name))
}

/// The topic of asyncio's name `word` (`create_task` → `spawn`, `Queue` →
/// `new`), for `help`.
pub fn asyncio_topic(word: &str) -> Option<&'static str> {
    let here = asyncio::find(word)?.example.split(' ').next()?;
    find_topic(here)
}

#[cfg(test)]
mod tests;
