//! Hex text ⇄ bytes, for sending and showing bytes that are not text.
//!
//! People paste hex in many shapes: `48656c6c6f` from a dump, `48 65 6C 6C 6F` from a protocol
//! document, `0x48, 0x65` from C source. All of them are accepted; what is rejected is reported
//! with the character position (counted in characters, as a person counts, not in UTF-8 bytes)
//! so the GUI can point at it. A parse either yields every byte or none: sending half of what
//! the user meant to a device is worse than sending nothing.

/// Why hex text could not be turned into bytes. The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HexError {
    /// A group (digits between separators, after an optional `0x`) has an odd number of digits.
    /// Rather than guess whether `A` means `0A` or a forgotten digit, we ask.
    #[error(
        "the hex group starting at character {position} has {count} digits; \
         every byte needs exactly two (write 0A, not A)"
    )]
    OddDigits { count: usize, position: usize },
    #[error("{ch:?} at character {position} is not a hex digit (0-9, A-F), a space or a comma")]
    InvalidChar { ch: char, position: usize },
    #[error("\"0x\" at character {position} is not followed by hex digits")]
    MissingDigits { position: usize },
}

/// Parses hex text into bytes.
///
/// Bytes are written as pairs of hex digits (either case). Groups of pairs may be separated by
/// whitespace (including U+3000), `,` or the full-width `，` a Chinese IME types, and each group
/// may start with `0x` or `0X`. Empty text gives no bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut bytes = Vec::with_capacity(text.len() / 2);
    let mut chars = text.chars().zip(1..).peekable();
    while let Some(&(c, position)) = chars.peek() {
        if is_separator(c) {
            chars.next();
            continue;
        }
        // A group starts here.
        let group_start = position;
        if c == '0' {
            chars.next();
            if matches!(chars.peek(), Some(&('x' | 'X', _))) {
                chars.next();
                if chars.peek().is_none_or(|&(next, _)| is_separator(next)) {
                    return Err(HexError::MissingDigits {
                        position: group_start,
                    });
                }
                parse_group_digits(&mut chars, group_start, 0, None, &mut bytes)?;
            } else {
                parse_group_digits(&mut chars, group_start, 1, Some(0), &mut bytes)?;
            }
        } else {
            parse_group_digits(&mut chars, group_start, 0, None, &mut bytes)?;
        }
    }
    Ok(bytes)
}

/// Consumes hex digits up to the next separator or the end, appending a byte per pair.
///
/// `count` and `high` carry a digit already consumed by the caller (the `0` that turned out not
/// to begin `0x`).
fn parse_group_digits(
    chars: &mut std::iter::Peekable<impl Iterator<Item = (char, usize)>>,
    group_start: usize,
    mut count: usize,
    mut high: Option<u8>,
    bytes: &mut Vec<u8>,
) -> Result<(), HexError> {
    while let Some(&(c, position)) = chars.peek() {
        if is_separator(c) {
            break;
        }
        chars.next();
        let value = hex_digit_value(c).ok_or(HexError::InvalidChar { ch: c, position })?;
        count += 1;
        match high.take() {
            Some(high) => bytes.push(high << 4 | value),
            None => high = Some(value),
        }
    }
    if high.is_some() {
        return Err(HexError::OddDigits {
            count,
            position: group_start,
        });
    }
    Ok(())
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ',' || c == '，'
}

fn hex_digit_value(c: char) -> Option<u8> {
    // to_digit(16) also accepts only ASCII 0-9, a-f, A-F; the value is below 16.
    c.to_digit(16).and_then(|v| u8::try_from(v).ok())
}

/// Formats bytes as uppercase hex pairs separated by spaces: `48 65 6C`.
///
/// This is the form [`parse_hex`] reads back and the form most protocol documents use.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &[u8] = b"Hello";

    #[test]
    fn accepts_the_common_shapes() {
        assert_eq!(parse_hex("48656c6c6f").as_deref(), Ok(HELLO));
        assert_eq!(parse_hex("48 65 6C 6C 6F").as_deref(), Ok(HELLO));
        assert_eq!(parse_hex("0x48 0x65 0x6c 0X6C 0x6f").as_deref(), Ok(HELLO));
        assert_eq!(
            parse_hex("0x48,0x65, 0x6c,\n0x6c\t0x6f").as_deref(),
            Ok(HELLO)
        );
        assert_eq!(parse_hex("4865，6c6c\u{3000}6f").as_deref(), Ok(HELLO));
        assert_eq!(parse_hex("0x48656c6c6f").as_deref(), Ok(HELLO));
    }

    #[test]
    fn leading_zero_is_a_digit_not_a_prefix() {
        assert_eq!(
            parse_hex("00 0A 01").as_deref(),
            Ok(&[0x00, 0x0A, 0x01][..])
        );
        assert_eq!(parse_hex("0x00").as_deref(), Ok(&[0x00][..]));
        assert_eq!(parse_hex("0000").as_deref(), Ok(&[0x00, 0x00][..]));
    }

    #[test]
    fn empty_text_gives_no_bytes() {
        assert_eq!(parse_hex(""), Ok(Vec::new()));
        assert_eq!(parse_hex("  , "), Ok(Vec::new()));
    }

    #[test]
    fn odd_group_is_reported_with_its_position() {
        assert_eq!(
            parse_hex("48 656 6C"),
            Err(HexError::OddDigits {
                count: 3,
                position: 4
            })
        );
        assert_eq!(
            parse_hex("A"),
            Err(HexError::OddDigits {
                count: 1,
                position: 1
            })
        );
        assert_eq!(
            parse_hex("0"),
            Err(HexError::OddDigits {
                count: 1,
                position: 1
            })
        );
        assert_eq!(
            parse_hex("0x123"),
            Err(HexError::OddDigits {
                count: 3,
                position: 1
            })
        );
    }

    #[test]
    fn even_total_does_not_excuse_odd_groups() {
        // "4 8" has two digits overall, but neither group is a byte on its own.
        assert_eq!(
            parse_hex("4 8"),
            Err(HexError::OddDigits {
                count: 1,
                position: 1
            })
        );
    }

    #[test]
    fn invalid_char_position_counts_characters() {
        assert_eq!(
            parse_hex("4G"),
            Err(HexError::InvalidChar {
                ch: 'G',
                position: 2
            })
        );
        assert_eq!(
            parse_hex("中"),
            Err(HexError::InvalidChar {
                ch: '中',
                position: 1
            })
        );
        // '，' is 3 bytes in UTF-8 but one character, so the 'z' is the 5th character.
        assert_eq!(
            parse_hex("，12 z"),
            Err(HexError::InvalidChar {
                ch: 'z',
                position: 5
            })
        );
        assert_eq!(
            parse_hex("480x65"),
            Err(HexError::InvalidChar {
                ch: 'x',
                position: 4
            })
        );
        assert_eq!(
            parse_hex("0x0x12"),
            Err(HexError::InvalidChar {
                ch: 'x',
                position: 4
            })
        );
    }

    #[test]
    fn bare_prefix_is_missing_digits() {
        assert_eq!(
            parse_hex("48 0x"),
            Err(HexError::MissingDigits { position: 4 })
        );
        assert_eq!(
            parse_hex("0x ,48"),
            Err(HexError::MissingDigits { position: 1 })
        );
    }

    #[test]
    fn error_messages_explain() {
        let odd = parse_hex("ABC").map_err(|e| e.to_string());
        assert!(matches!(odd, Err(m) if m.contains("character 1") && m.contains("3 digits")));
        let bad = parse_hex("AZ").map_err(|e| e.to_string());
        assert!(matches!(bad, Err(m) if m.contains("'Z'") && m.contains("character 2")));
    }

    #[test]
    fn to_hex_is_uppercase_and_spaced() {
        assert_eq!(to_hex(HELLO), "48 65 6C 6C 6F");
        assert_eq!(to_hex(&[0x00, 0xFF, 0x0A]), "00 FF 0A");
        assert_eq!(to_hex(&[]), "");
    }

    #[test]
    fn to_hex_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(parse_hex(&to_hex(&all)), Ok(all));
    }
}
