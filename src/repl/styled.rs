//! Output as data: lines of text spans, each with a [`Style`].
//!
//! The session never writes escape codes. It returns [`Styled`] lines, and
//! one place ([`render`](super::render)) turns them into ANSI colours for a
//! terminal or plain text for a pipe, a script or a transcript test. This is
//! how reedline treats styled text, and it keeps every view testable as
//! plain strings.

use evloop::inspect::Tone;

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

/// How many terminal columns `text` takes (the library's measure, which
/// keeps tables with `日本語` names aligned).
pub use evloop::inspect::text_width as width;

impl From<Tone> for Style {
    fn from(tone: Tone) -> Style {
        match tone {
            Tone::Plain => Style::Plain,
            Tone::Dim => Style::Dim,
            Tone::Heading => Style::Heading,
            Tone::Ready => Style::Ready,
            Tone::Waiting => Style::Waiting,
            Tone::Running => Style::Running,
            Tone::Done => Style::Done,
            Tone::Cancelled => Style::Cancelled,
            Tone::Failed => Style::Failed,
            Tone::Warning => Style::Warning,
        }
    }
}

/// The REPL's canvas: the library's views, written as styled lines (the
/// only thing the REPL adds to them is colour).
#[derive(Default)]
pub struct Canvas {
    lines: Styled,
    line: Line,
}

impl Canvas {
    /// The lines written (an unfinished last line included).
    pub fn into_lines(mut self) -> Styled {
        if !self.line.0.is_empty() {
            self.lines.push(self.line);
        }
        self.lines
    }
}

impl evloop::inspect::Canvas for Canvas {
    fn put(&mut self, tone: Tone, text: &str) {
        self.line.push(tone.into(), text);
    }

    fn end_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
    }
}

/// Runs a library view onto a fresh [`Canvas`] and gives its lines.
pub fn draw(view: impl FnOnce(&mut Canvas)) -> Styled {
    let mut canvas = Canvas::default();
    view(&mut canvas);
    canvas.into_lines()
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
