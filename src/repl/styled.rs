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
