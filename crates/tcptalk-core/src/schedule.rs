//! Periodic sending (定时发送) as a person sets it up: an interval in milliseconds and an
//! optional count, checked once here for the windows and the terminal alike.

use std::time::Duration;

/// The shortest interval: what the timers we use can keep.
pub const MIN_INTERVAL: Duration = Duration::from_millis(1);
/// The longest interval: a day.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// Send every `every`, `count` times (or until stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub every: Duration,
    pub count: Option<u64>,
}

/// Why an interval or a count was refused. The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    #[error(
        "'{input}' is not an interval: give a whole number of milliseconds from 1 to 86400000 (a day)"
    )]
    Interval { input: String },
    #[error("'{input}' is not a count: give a whole number of sends, 1 or more (empty: no limit)")]
    Count { input: String },
}

/// Reads an interval typed in milliseconds (`20`, ` 1000 `, full-width digits too).
pub fn parse_interval_ms(text: &str) -> Result<Duration, ScheduleError> {
    let refuse = || ScheduleError::Interval {
        input: text.trim().to_string(),
    };
    let ms = parse_whole(text).ok_or_else(refuse)?;
    let every = Duration::from_millis(ms);
    if every < MIN_INTERVAL || every > MAX_INTERVAL {
        return Err(refuse());
    }
    Ok(every)
}

/// Reads a count of sends; empty means no limit.
pub fn parse_count(text: &str) -> Result<Option<u64>, ScheduleError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match parse_whole(text) {
        Some(count) if count >= 1 => Ok(Some(count)),
        _ => Err(ScheduleError::Count {
            input: text.trim().to_string(),
        }),
    }
}

impl Schedule {
    /// From the two fields a person fills in.
    pub fn parse(every_ms: &str, count: &str) -> Result<Schedule, ScheduleError> {
        Ok(Schedule {
            every: parse_interval_ms(every_ms)?,
            count: parse_count(count)?,
        })
    }
}

/// A whole non-negative number, ASCII or full-width digits (a Chinese IME types ２０).
fn parse_whole(text: &str) -> Option<u64> {
    let digits: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            other => other,
        })
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_counts_as_typed() {
        assert_eq!(parse_interval_ms(" 20 "), Ok(Duration::from_millis(20)));
        assert_eq!(parse_interval_ms("２０"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_interval_ms("86400000"), Ok(MAX_INTERVAL));
        for bad in [
            "0",
            "-5",
            "",
            "1.5",
            "abc",
            "86400001",
            "99999999999999999999",
        ] {
            let err = parse_interval_ms(bad).expect_err(bad);
            assert!(err.to_string().contains("milliseconds"), "{err}");
        }
        assert_eq!(parse_count(""), Ok(None));
        assert_eq!(parse_count("50"), Ok(Some(50)));
        for bad in ["0", "-1", "x"] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Schedule::parse("20", "50"),
            Ok(Schedule {
                every: Duration::from_millis(20),
                count: Some(50)
            })
        );
    }
}
