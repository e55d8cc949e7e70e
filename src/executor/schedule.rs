//! Schedules: the choices a loop made, written down so they can be made again.
//!
//! Every time the loop pops a task from the ready queue it *chooses* one of
//! the tasks waiting there. Which one is the policy's business (FIFO takes
//! the first, LIFO the last, a seeded policy one at random). Write down the
//! position of each chosen task in the queue (counted in wake order, from 0)
//! and you have the whole interleaving of a run: on the virtual clock, with
//! no other threads, the program's behaviour is a function of that list.
//!
//! ```text
//!   ready queue at each pop        chosen    schedule
//!   [main]                          main  →   0
//!   [a, b]                          b     →   1
//!   [a, b']                         a     →   0
//!   [b']                            b'    →   0       "0100"  →  "01 0*3" → "010*3"
//! ```
//!
//! A `select!` (or `join!`, `try_join!`) of several branches is a choice
//! too: which branch it polls first. Under a seeded policy it is drawn from
//! the seed, and it is written into the same list, in the order it
//! happened; replaying the list replays the branch orders with the polls.
//!
//! # The written form
//!
//! Compact enough to paste into an environment variable or a bug report:
//!
//! ```text
//!   schedule := item*
//!   item     := number [ '*' number ]        a choice, optionally repeated
//!   number   := one base-36 digit (0-9, a-z) | '(' base-36 digits ')'
//! ```
//!
//! So `0` is "the first ready task", `a` is position 10, `(1c)` is position
//! 48, and `0*(2s)` is "the first ready task, 100 times". Whitespace is
//! ignored when parsing, and upper-case digits are accepted.

use std::fmt;
use std::str::FromStr;

/// The sequence of ready-queue positions a loop chose, one per poll (and,
/// between them, the branch each `select!`, `join!` or `try_join!` of
/// several branches polled first: see [`select!`](crate::select!)).
///
/// Record one with [`Builder::record_schedule`](crate::Builder::record_schedule)
/// and [`Scheduler::recorded`](crate::Scheduler::recorded); follow one with
/// [`Scheduler::replay`](crate::Scheduler::replay) or
/// [`testing::replay`](crate::testing::replay).
///
/// # Examples
///
/// ```
/// use evloop::Schedule;
///
/// let s = Schedule::new(vec![0, 0, 0, 1, 0, 12, 40]);
/// assert_eq!(s.to_string(), "0*310c(14)");
/// let back: Schedule = "0*31 0c(14)".parse().unwrap();
/// assert_eq!(back, s);
/// assert!("0*".parse::<Schedule>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    choices: Vec<u32>,
}

impl Schedule {
    /// A schedule of these ready-queue positions.
    pub fn new(choices: Vec<u32>) -> Schedule {
        Schedule { choices }
    }

    /// The positions, one per poll (and one per branch choice).
    pub fn choices(&self) -> &[u32] {
        &self.choices
    }

    /// How many polls it covers.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// True if it covers no poll.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    pub(crate) fn push(&mut self, choice: u32) {
        self.choices.push(choice);
    }
}

fn write_number(f: &mut fmt::Formatter<'_>, mut n: u32) -> fmt::Result {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n < 36 {
        return write!(f, "{}", DIGITS[n as usize] as char);
    }
    let mut buf = Vec::new();
    while n > 0 {
        buf.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    buf.reverse();
    write!(f, "({})", String::from_utf8_lossy(&buf))
}

impl fmt::Display for Schedule {
    /// The compact form; a space every eight items keeps long ones readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = 0;
        let mut i = 0;
        while i < self.choices.len() {
            let choice = self.choices[i];
            let run = self.choices[i..]
                .iter()
                .take_while(|c| **c == choice)
                .count();
            if items > 0 && items % 8 == 0 {
                f.write_str(" ")?;
            }
            write_number(f, choice)?;
            if run >= 3 {
                f.write_str("*")?;
                write_number(f, run as u32)?;
                i += run;
            } else {
                i += 1;
            }
            items += 1;
        }
        Ok(())
    }
}

/// A schedule string that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleError {
    /// The byte offset of the problem in the string.
    pub at: usize,
    /// What was wrong and what would be right.
    pub message: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad schedule string at byte {}: {} (a schedule is base-36 positions such as \"0*31 0c(14)\": \
             a digit 0-9/a-z, or several in parentheses, each optionally followed by *count)",
            self.at, self.message
        )
    }
}

impl std::error::Error for ScheduleError {}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> ScheduleError {
        ScheduleError {
            at: self.at,
            message: message.into(),
        }
    }

    fn digit(b: u8) -> Option<u32> {
        (b as char).to_digit(36)
    }

    fn number(&mut self) -> Result<u32, ScheduleError> {
        self.skip_space();
        let Some(&b) = self.bytes.get(self.at) else {
            return Err(self.error("expected a base-36 number, found the end"));
        };
        if let Some(d) = Parser::digit(b) {
            self.at += 1;
            return Ok(d);
        }
        if b != b'(' {
            return Err(self.error(format!(
                "expected a base-36 digit or '(', found {:?}",
                b as char
            )));
        }
        self.at += 1;
        let start = self.at;
        let mut n: u32 = 0;
        while let Some(d) = self.bytes.get(self.at).and_then(|b| Parser::digit(*b)) {
            n = n
                .checked_mul(36)
                .and_then(|n| n.checked_add(d))
                .ok_or_else(|| self.error("number too large (at most 4294967295)"))?;
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error("expected base-36 digits inside '(' ')'"));
        }
        if self.bytes.get(self.at) != Some(&b')') {
            return Err(self.error("expected ')' to close the number"));
        }
        self.at += 1;
        Ok(n)
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Schedule, ScheduleError> {
        let mut p = Parser {
            bytes: s.as_bytes(),
            at: 0,
        };
        let mut choices = Vec::new();
        loop {
            p.skip_space();
            if p.at == p.bytes.len() {
                return Ok(Schedule { choices });
            }
            let choice = p.number()?;
            p.skip_space();
            let mut count = 1;
            if p.bytes.get(p.at) == Some(&b'*') {
                p.at += 1;
                count = p.number()?;
                if count == 0 {
                    return Err(p.error("a repeat count must be at least 1"));
                }
            }
            if choices.len() + count as usize > 1 << 28 {
                return Err(p.error("schedule too long (at most 2^28 choices)"));
            }
            choices.extend(std::iter::repeat_n(choice, count as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Schedule;

    #[test]
    fn round_trips_runs_and_large_numbers() {
        let s = Schedule::new(vec![0, 0, 1, 1, 1, 35, 36, 100, 100, 100, 100]);
        assert_eq!(s.to_string(), "001*3z(10)(2s)*4");
        assert_eq!(s.to_string().parse::<Schedule>().unwrap(), s);
        assert_eq!(Schedule::default().to_string(), "");
        assert_eq!("".parse::<Schedule>().unwrap(), Schedule::default());
    }

    #[test]
    fn spaces_and_upper_case_are_accepted() {
        let s: Schedule = " 0 1\n A *3 ".parse().unwrap();
        assert_eq!(s.choices(), [0, 1, 10, 10, 10]);
    }

    #[test]
    fn errors_say_where_and_what() {
        let cases = [
            ("0*", 2, "found the end"),
            ("0*0", 3, "at least 1"),
            ("()", 1, "digits inside"),
            ("(12", 3, "')'"),
            ("0-1", 1, "found '-'"),
            ("(zzzzzzz)", 7, "too large"),
        ];
        for (text, at, needle) in cases {
            let e = text.parse::<Schedule>().unwrap_err();
            assert_eq!(e.at, at, "{text}: {e}");
            assert!(e.to_string().contains(needle), "{text}: {e}");
        }
    }
}
