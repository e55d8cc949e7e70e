//! Durations as the REPL writes them: one number and one unit.
//!
//! `100us`, `250ms`, `2s`, `1.5s`, `1m`, `1h`, `0s` (and `ns`, `µs` as a spelling of `us`).
//! There is one unit per duration — `90s`, not `1m30s` — so that [`format_duration`] has a single
//! canonical form to print, and what the REPL shows can be typed back unchanged.
//! Durations are exact: `1.5s` is 1 500 000 000 ns, and a decimal finer than a nanosecond is
//! rejected rather than rounded.

use std::time::Duration;

use super::error::ParseError;

/// The longest duration accepted: a million hours (about 114 years), far below the point where
/// adding it to an `Instant` could overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(1_000_000 * 3600);

const NS: u128 = 1;
const US: u128 = 1_000;
const MS: u128 = 1_000_000;
const S: u128 = 1_000_000_000;
const M: u128 = 60 * S;
const H: u128 = 60 * M;

const UNITS: [(&str, u128); 7] = [
    ("ns", NS),
    ("us", US),
    ("µs", US),
    ("ms", MS),
    ("s", S),
    ("m", M),
    ("h", H),
];

const FORM: &str = "write a number and a unit: 3s, 250ms, 100us, 1m, 1.5s";

/// Reads a duration: digits, an optional decimal part, and a unit.
///
/// # Errors
///
/// `Invalid` with the right form for: a missing unit (`3`), an unknown unit (`3x`, `1m30s`), a
/// negative duration, junk, a decimal finer than a nanosecond, and anything over [`MAX_DURATION`].
///
/// # Examples
///
/// ```ignore
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, ParseError> {
    let bad = |hint: String| ParseError::invalid(format!("bad duration {text:?}"), hint);
    if text.starts_with('-') {
        return Err(bad("durations can't be negative; the shortest is 0s".into()));
    }
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(number_len);
    if number.is_empty() {
        return Err(bad(FORM.into()));
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') || number.ends_with('.') {
        return Err(bad(
            "write decimals with digits on both sides: 1.5s, 0.5s".into()
        ));
    }
    if unit.is_empty() {
        return Err(bad(format!(
            "durations need a unit: {number}s, 250ms, 100us, 1m"
        )));
    }
    let Some(&(_, unit_ns)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(bad(format!(
            "unknown unit {unit:?}; units are ns, us, ms, s, m, h, one per duration: 90s, not 1m30s"
        )));
    };
    let too_long = || {
        bad(format!(
            "durations are at most {}",
            format_duration(MAX_DURATION)
        ))
    };
    // More than 30 significant digits is over MAX_DURATION in any unit (and would overflow u128).
    let whole = whole.trim_start_matches('0');
    if whole.len() > 30 {
        return Err(too_long());
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_long())?
    };
    // A decimal part of more than 13 significant digits is never a whole number of nanoseconds:
    // the largest unit, 1h, is 2^13 · 3^2 · 5^11 ns.
    let fraction = fraction.trim_end_matches('0');
    let too_fine = || bad("durations are exact to the nanosecond; write fewer decimals".into());
    if fraction.len() > 13 {
        return Err(too_fine());
    }
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| too_fine())?
    };
    if !(fraction * unit_ns).is_multiple_of(scale) {
        return Err(too_fine());
    }
    let nanos = whole
        .checked_mul(unit_ns)
        .and_then(|n| n.checked_add(fraction * unit_ns / scale))
        .filter(|&n| n <= MAX_DURATION.as_nanos())
        .ok_or_else(too_long)?;
    Ok(Duration::new((nanos / S) as u64, (nanos % S) as u32))
}

/// Prints a duration in the one form [`parse_duration`] reads back to the
/// same value (the library's: `2h`, `5m`, `1.5s`, `90s`, `250ms`, `7ns`, `0s`).
pub use evloop::inspect::format_duration;

/// A span of real time the REPL measured (a poll, a task's busy time, how
/// far the real clock moved), cut to the microsecond — the one rounding
/// rule for every time the REPL prints, the clock's own: an instant shows
/// as `6.851356s`, so a span shows as `+6.851356s` or `14us`, never with
/// nanosecond digits. What the user typed (`sleep 1.5s`) is exact already
/// and prints unchanged.
pub use evloop::inspect::format_measured;

/// `d` cut to whole microseconds (as [`Instant`](evloop::time::Instant)s print).
pub fn to_micros(d: Duration) -> Duration {
    Duration::new(d.as_secs(), d.subsec_micros() * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hint(text: &str) -> String {
        match parse_duration(text) {
            Err(ParseError::Invalid { message, hint }) => {
                assert_eq!(message, format!("bad duration {text:?}"));
                hint
            }
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn the_documented_forms() {
        let cases = [
            ("100us", Duration::from_micros(100)),
            ("250ms", Duration::from_millis(250)),
            ("2s", Duration::from_secs(2)),
            ("1.5s", Duration::from_millis(1500)),
            ("1m", Duration::from_secs(60)),
            ("1h", Duration::from_secs(3600)),
            ("0s", Duration::ZERO),
            ("7ns", Duration::from_nanos(7)),
            ("3µs", Duration::from_micros(3)),
            ("0.5h", Duration::from_secs(1800)),
            ("1.250ms", Duration::from_micros(1250)),
            ("007s", Duration::from_secs(7)),
            ("1000000h", MAX_DURATION),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn errors_show_the_right_form() {
        assert_eq!(hint("3"), "durations need a unit: 3s, 250ms, 100us, 1m");
        assert!(hint("-1s").contains("negative"));
        assert!(hint("abc").contains("3s, 250ms"));
        assert!(hint("").contains("3s, 250ms"));
        assert!(hint("s").contains("3s, 250ms"));
        assert!(hint("3x").contains("unknown unit \"x\""));
        assert!(hint("1m30s").contains("90s, not 1m30s"));
        assert!(hint("3 s").contains("unknown unit"));
        assert!(hint("1.s").contains("both sides"));
        assert!(hint(".5s").contains("0.5s"));
        assert!(hint("1.2.3s").contains("both sides"));
        assert!(hint("1000001h").contains("at most 1000000h"));
        assert!(hint("99999999999999999999999999999999999999999s").contains("at most"));
        assert!(hint("1.0000000001s").contains("nanosecond"));
        assert!(hint("0.5ns").contains("nanosecond"));
        assert!(hint("1.00000000000000000000000000000000000000001h").contains("nanosecond"));
    }

    #[test]
    fn trailing_zeros_in_decimals_are_harmless() {
        assert_eq!(
            parse_duration("1.500000000000000000000000s"),
            Ok(Duration::from_millis(1500))
        );
    }

    #[test]
    fn format_picks_the_readable_exact_form() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_micros(100), "100us"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_nanos(1500), "1.5us"),
            (Duration::from_nanos(312_405_000), "312.405ms"),
            (Duration::from_nanos(7), "7ns"),
            (Duration::from_secs(2), "2s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(60), "1m"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_secs(3600), "1h"),
            (Duration::from_secs(3723), "3723s"),
            (Duration::new(1, 1), "1.000000001s"),
        ];
        for (d, text) in cases {
            assert_eq!(format_duration(d), text);
        }
    }

    /// Issue 17 item 13: measured spans print as the clock does, to the
    /// microsecond (`+6.851356809s` and `(+14145ns)` were printed).
    #[test]
    fn measured_spans_are_cut_to_the_microsecond() {
        assert_eq!(format_measured(Duration::new(6, 851_356_809)), "6.851356s");
        assert_eq!(format_measured(Duration::from_nanos(14_145)), "14us");
        assert_eq!(format_measured(Duration::from_nanos(999)), "0s");
        assert_eq!(format_measured(Duration::from_millis(1500)), "1.5s");
        assert_eq!(
            format_measured(Duration::from_nanos(312_405_123)),
            "312.405ms"
        );
    }

    proptest! {
        // A failure is reported, not written into the source tree.
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn measured_spans_have_no_digit_below_a_microsecond(ns in 0..=MAX_DURATION.as_nanos() as u64) {
            let text = format_measured(Duration::from_nanos(ns));
            prop_assert!(!text.ends_with("ns"), "{}", text);
            prop_assert_eq!(
                parse_duration(&text).map(|d| d.as_nanos() % 1_000),
                Ok(0)
            );
        }

        #[test]
        fn format_then_parse_is_the_identity(ns in 0..=MAX_DURATION.as_nanos() as u64) {
            let d = Duration::from_nanos(ns);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = parse_duration(&text);
        }

        #[test]
        fn parse_never_panics_on_numeric_junk(text in "[-0-9.]{0,45}(ns|us|ms|s|m|h|x)?") {
            let _ = parse_duration(&text);
        }
    }
}
