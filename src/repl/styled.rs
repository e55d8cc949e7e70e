//! Output as data: lines of text spans, each with a [`Style`].
//!
//! The session never writes escape codes. It returns [`Styled`] lines, and
//! one place ([`render`](super::render)) turns them into ANSI colours for a
//! terminal or plain text for a pipe, a script or a transcript test. This is
//! how reedline treats styled text, and it keeps every view testable as
//! plain strings.

/// What a span of text is, which decides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Ordinary text.
    Plain,
    /// Less important text: ids, hints, headers' rules.
    Dim,
    /// A heading or a label.
    Heading,
    /// A command word (highlighting the input line).
    Command,
    /// A task in the ready queue.
    Ready,
    /// A task parked until its waker fires.
    Waiting,
    /// A task being polled.
    Running,
    /// A task that returned.
    Done,
    /// A task that was cancelled.
    Cancelled,
    /// A task that failed or panicked.
    Failed,
    /// A debug-mode warning.
    Warning,
    /// An error: the command did not run.
    Error,
    /// Something that changed since the last command.
    Changed,
    /// Output printed by a task.
    Print,
}

/// One line of output: spans of styled text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line(pub Vec<(Style, String)>);

impl Line {
    /// A line of one span.
    pub fn new(style: Style, text: impl Into<String>) -> Line {
        Line(vec![(style, text.into())])
    }

    /// A plain line.
    pub fn plain(text: impl Into<String>) -> Line {
        Line::new(Style::Plain, text)
    }

    /// Appends a span.
    pub fn push(&mut self, style: Style, text: impl Into<String>) -> &mut Line {
        self.0.push((style, text.into()));
        self
    }

    /// Appends a span, builder style.
    pub fn with(mut self, style: Style, text: impl Into<String>) -> Line {
        self.push(style, text);
        self
    }

    /// The text without styles.
    pub fn text(&self) -> String {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// Lines of output.
pub type Styled = Vec<Line>;

/// How many terminal columns `text` takes: East Asian wide characters (CJK,
/// Hangul, full-width forms) take two, combining marks none, others one. A
/// close approximation of `wcwidth` that keeps tables with `日本語` names
/// aligned.
pub fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{300}'..='\u{36f}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe20}'..='\u{fe2f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{3099}'..='\u{309a}' => 0,
            '\u{1100}'..='\u{115f}'
            | '\u{2e80}'..='\u{303e}'
            | '\u{3040}'..='\u{a4cf}'
            | '\u{ac00}'..='\u{d7a3}'
            | '\u{f900}'..='\u{faff}'
            | '\u{fe30}'..='\u{fe4f}'
            | '\u{ff00}'..='\u{ff60}'
            | '\u{ffe0}'..='\u{ffe6}'
            | '\u{1f300}'..='\u{1f64f}'
            | '\u{1f900}'..='\u{1f9ff}'
            | '\u{20000}'..='\u{3fffd}' => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::width;

    #[test]
    fn wide_and_combining_characters() {
        assert_eq!(width("worker"), 6);
        assert_eq!(width("日本語"), 6);
        assert_eq!(width("ta\u{302}che"), 5);
        assert_eq!(width("tâche"), 5);
    }
}
