//! The one place styled output becomes bytes: ANSI colours or plain text.
//!
//! Colour is on only when all of these hold: stdout is a terminal, `NO_COLOR`
//! is unset (<https://no-color.org>), `TERM` is not `dumb`, and `--no-color`
//! was not given. [`ColorChoice::detect`] makes that decision once.

use std::io::IsTerminal;

use nu_ansi_term::{Color, Style as Ansi};

use super::styled::{Line, Style};

/// Whether to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// ANSI colours.
    Ansi,
    /// Plain text.
    Plain,
}

impl ColorChoice {
    /// Decides from the environment and the `--no-color` flag.
    pub fn detect(no_color_flag: bool) -> ColorChoice {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if no_color_flag || no_color_env || dumb || !std::io::stdout().is_terminal() {
            ColorChoice::Plain
        } else {
            ColorChoice::Ansi
        }
    }
}

/// The ANSI style of each kind of text.
pub fn ansi(style: Style) -> Ansi {
    match style {
        Style::Plain => Ansi::new(),
        Style::Dim => Color::DarkGray.normal(),
        Style::Heading => Ansi::new().bold(),
        Style::Command => Color::Cyan.bold(),
        Style::Ready => Color::Green.normal(),
        Style::Waiting => Color::Yellow.normal(),
        Style::Running => Color::LightGreen.bold(),
        Style::Done => Color::Blue.normal(),
        Style::Cancelled => Color::Magenta.normal(),
        Style::Failed => Color::Red.bold(),
        Style::Warning => Color::Yellow.bold(),
        Style::Error => Color::Red.bold(),
        Style::Changed => Color::Green.bold(),
        Style::Print => Color::White.bold(),
    }
}

/// One line as text (without the newline).
pub fn line(line: &Line, color: ColorChoice) -> String {
    match color {
        ColorChoice::Plain => line.text(),
        ColorChoice::Ansi => line
            .0
            .iter()
            .map(|(style, text)| ansi(*style).paint(text.as_str()).to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_has_no_escapes_and_ansi_has_them() {
        let l = Line::new(Style::Failed, "boom").with(Style::Plain, "!");
        assert_eq!(line(&l, ColorChoice::Plain), "boom!");
        let coloured = line(&l, ColorChoice::Ansi);
        assert!(coloured.contains("\u{1b}["), "{coloured:?}");
        assert!(coloured.contains("boom"));
    }
}
