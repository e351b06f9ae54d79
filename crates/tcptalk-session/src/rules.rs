//! Auto-reply rules (自动回复): when a received frame matches, a reply goes back to whoever
//! sent it, after an optional delay. One TOML format for the file kept between runs, import /
//! export and the terminal's `--rules FILE`:
//!
//! ```toml
//! [[rule]]
//! match = "regex"            # exact | contains | starts | ends | regex
//! pattern = '^GET (\w+)'
//! reply = "VALUE $1=42\n"    # with regex, $1 / ${name} are the captures
//! hex = false                # pattern (not a regex) and reply written as hex bytes
//! delay_ms = 0
//! enabled = true
//! ```
//!
//! Rules match the bytes of each frame the session's framing delivers (a line without its line
//! end, an idle-gap frame, a read, ...), with `regex::bytes`, so non-UTF-8 input works; the
//! first enabled rule that matches answers. Reading a file checks every rule (its regex, its
//! hex) and refuses the whole file with the rule, its line and the reason.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

/// How a rule's pattern is compared with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Exact,
    Contains,
    Starts,
    Ends,
    Regex,
}

/// One rule, checked and ready to match.
#[derive(Debug)]
pub struct Rule {
    pub kind: MatchKind,
    /// The pattern as written (text, hex or a regex).
    pub pattern: String,
    pub reply: String,
    pub hex: bool,
    pub delay: Duration,
    pub enabled: bool,
    matcher: Matcher,
    reply_bytes: Vec<u8>,
    hits: AtomicU64,
}

#[derive(Debug)]
enum Matcher {
    Bytes(Vec<u8>),
    Regex(Regex),
}

/// The rules, in order.
#[derive(Debug, Default)]
pub struct RuleBook {
    pub rules: Vec<Rule>,
}

/// Why a rules file was refused. The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("{path}, line {line}: {why}")]
    Format {
        path: PathBuf,
        line: usize,
        why: String,
    },
    #[error("{path}, rule {index} (line {line}): {why}")]
    Rule {
        path: PathBuf,
        index: usize,
        line: usize,
        why: String,
    },
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default, rename = "rule")]
    rules: Vec<toml::Spanned<Entry>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(rename = "match")]
    kind: MatchKind,
    pattern: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    hex: bool,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

/// The longest delay a rule may ask for: an hour.
const MAX_DELAY_MS: u64 = 3_600_000;

impl Rule {
    /// A rule from its parts, checked: the hex is hex, the regex compiles.
    pub fn new(
        kind: MatchKind,
        pattern: &str,
        reply: &str,
        hex: bool,
        delay: Duration,
    ) -> Result<Rule, String> {
        let bytes = |text: &str, what: &str| -> Result<Vec<u8>, String> {
            if hex {
                tcptalk_core::parse_hex(text).map_err(|err| format!("{what}: {err}"))
            } else {
                Ok(text.as_bytes().to_vec())
            }
        };
        let matcher = match kind {
            MatchKind::Regex => Matcher::Regex(
                Regex::new(pattern).map_err(|err| format!("the regex does not compile: {err}"))?,
            ),
            _ => {
                let pattern = bytes(pattern, "pattern")?;
                if pattern.is_empty() && kind != MatchKind::Exact {
                    return Err("the pattern is empty: it would match everything".into());
                }
                Matcher::Bytes(pattern)
            }
        };
        if delay > Duration::from_millis(MAX_DELAY_MS) {
            return Err(format!("delay_ms is more than {MAX_DELAY_MS} (an hour)"));
        }
        Ok(Rule {
            kind,
            pattern: pattern.to_string(),
            reply: reply.to_string(),
            hex,
            delay,
            enabled: true,
            matcher,
            reply_bytes: bytes(reply, "reply")?,
            hits: AtomicU64::new(0),
        })
    }

    /// The reply to `frame`, if this rule matches it (captures filled in for a regex).
    pub fn answer(&self, frame: &[u8]) -> Option<Vec<u8>> {
        let matched = match &self.matcher {
            Matcher::Bytes(pattern) => match self.kind {
                MatchKind::Exact => frame == pattern.as_slice(),
                MatchKind::Contains => frame.windows(pattern.len()).any(|w| w == pattern),
                MatchKind::Starts => frame.starts_with(pattern),
                MatchKind::Ends => frame.ends_with(pattern),
                MatchKind::Regex => false,
            },
            Matcher::Regex(regex) => {
                let captures = regex.captures(frame)?;
                // A hex reply is bytes as written: a 0x24 in it is not a capture's `$`.
                if self.hex {
                    return Some(self.reply_bytes.clone());
                }
                let mut reply = Vec::new();
                captures.expand(&self.reply_bytes, &mut reply);
                return Some(reply);
            }
        };
        matched.then(|| self.reply_bytes.clone())
    }

    /// How many times this rule has answered.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

impl RuleBook {
    /// The first enabled rule that matches `frame`: its index, reply and delay. Counts the hit.
    pub fn answer(&self, frame: &[u8]) -> Option<(usize, Vec<u8>, Duration)> {
        self.rules.iter().enumerate().find_map(|(index, rule)| {
            if !rule.enabled {
                return None;
            }
            let reply = rule.answer(frame)?;
            rule.hits.fetch_add(1, Ordering::Relaxed);
            Some((index, reply, rule.delay))
        })
    }

    pub fn load(path: &Path) -> Result<RuleBook, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|err| RulesError::Read {
            path: path.to_path_buf(),
            why: err.to_string(),
        })?;
        RuleBook::parse(&text, path)
    }

    /// Reads the text of a rules file (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<RuleBook, RulesError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: File = toml::from_str(text).map_err(|err| RulesError::Format {
            path: path.to_path_buf(),
            line: err.span().map_or(1, |span| line_of(span.start)),
            why: err.message().to_string(),
        })?;
        let mut rules = Vec::with_capacity(file.rules.len());
        for (index, spanned) in file.rules.into_iter().enumerate() {
            let line = line_of(spanned.span().start);
            let entry = spanned.into_inner();
            let refuse = |why: String| RulesError::Rule {
                path: path.to_path_buf(),
                index: index + 1,
                line,
                why,
            };
            if entry.delay_ms > MAX_DELAY_MS {
                return Err(refuse(format!(
                    "delay_ms is more than {MAX_DELAY_MS} (an hour)"
                )));
            }
            let delay = Duration::from_millis(entry.delay_ms);
            let mut rule = Rule::new(entry.kind, &entry.pattern, &entry.reply, entry.hex, delay)
                .map_err(refuse)?;
            rule.enabled = entry.enabled;
            rules.push(rule);
        }
        Ok(RuleBook { rules })
    }

    /// The file's text (for export and for keeping between runs).
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            rule: Vec<OutEntry<'a>>,
        }
        #[derive(Serialize)]
        struct OutEntry<'a> {
            #[serde(rename = "match")]
            kind: MatchKind,
            pattern: &'a str,
            reply: &'a str,
            hex: bool,
            delay_ms: u64,
            enabled: bool,
        }
        let out = Out {
            rule: self
                .rules
                .iter()
                .map(|rule| OutEntry {
                    kind: rule.kind,
                    pattern: &rule.pattern,
                    reply: &rule.reply,
                    hex: rule.hex,
                    delay_ms: u64::try_from(rule.delay.as_millis()).unwrap_or(u64::MAX),
                    enabled: rule.enabled,
                })
                .collect(),
        };
        toml::to_string_pretty(&out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: MatchKind, pattern: &str, reply: &str) -> Rule {
        Rule::new(kind, pattern, reply, false, Duration::ZERO).expect("valid")
    }

    #[test]
    fn each_kind_matches_what_it_says_and_regex_fills_captures() {
        let exact = rule(MatchKind::Exact, "PING", "PONG");
        assert_eq!(exact.answer(b"PING"), Some(b"PONG".to_vec()));
        assert_eq!(exact.answer(b"PING!"), None);
        let contains = rule(MatchKind::Contains, "温度", "25");
        assert!(contains.answer("查询温度？".as_bytes()).is_some());
        assert!(
            rule(MatchKind::Starts, "AT+", "OK")
                .answer(b"AT+GMR")
                .is_some()
        );
        assert!(
            rule(MatchKind::Ends, "?", "yes")
                .answer(b"ready?")
                .is_some()
        );
        assert!(
            rule(MatchKind::Ends, "?", "yes")
                .answer(b"?ready")
                .is_none()
        );
        let regex = rule(MatchKind::Regex, r"^GET (\w+)", "VALUE $1=42\n");
        assert_eq!(regex.answer(b"GET temp"), Some(b"VALUE temp=42\n".to_vec()));
        // Not UTF-8 at all, still matched.
        let bytes = rule(MatchKind::Regex, r"(?-u)^\xFF\x01(.)", "got ${1}");
        assert_eq!(bytes.answer(b"\xFF\x01Z\xFE"), Some(b"got Z".to_vec()));
        let hex =
            Rule::new(MatchKind::Exact, "01 03", "06 07", true, Duration::ZERO).expect("valid");
        assert_eq!(hex.answer(&[1, 3]), Some(vec![6, 7]));
    }

    #[test]
    fn a_file_is_read_whole_and_a_bad_one_names_the_rule_and_line() {
        let path = Path::new("rules.toml");
        let text = "[[rule]]\nmatch = \"exact\"\npattern = \"PING\"\nreply = \"PONG\"\n\n\
                    [[rule]]\nmatch = \"regex\"\npattern = '^GET (\\w+)'\nreply = \"$1\"\ndelay_ms = 20\nenabled = false\n";
        let book = RuleBook::parse(text, path).expect("valid");
        assert_eq!(book.rules.len(), 2);
        assert!(!book.rules[1].enabled);
        assert_eq!(book.rules[1].delay, Duration::from_millis(20));
        assert_eq!(
            book.answer(b"PING").map(|(i, r, _)| (i, r)),
            Some((0, b"PONG".to_vec()))
        );
        assert_eq!(book.rules[0].hits(), 1);
        assert!(book.answer(b"GET x").is_none(), "disabled");
        let again = RuleBook::parse(&book.to_toml(), path).expect("round trip");
        assert_eq!(again.rules.len(), 2);

        let bad_regex = "[[rule]]\nmatch = \"exact\"\npattern = \"a\"\n\n[[rule]]\nmatch = \"regex\"\npattern = \"(unclosed\"\n";
        let err = RuleBook::parse(bad_regex, path)
            .expect_err("bad regex")
            .to_string();
        assert!(
            err.contains("rule 2 (line 5)") && err.contains("regex"),
            "{err}"
        );
        let bad_toml = "[[rule]]\nmatch = \"exact\"\npattern = \"a\"\nreply = oops\n";
        let err = RuleBook::parse(bad_toml, path)
            .expect_err("bad toml")
            .to_string();
        assert!(err.contains("line 4"), "{err}");
        let bad_kind = "[[rule]]\nmatch = \"fuzzy\"\npattern = \"a\"\n";
        let err = RuleBook::parse(bad_kind, path)
            .expect_err("bad kind")
            .to_string();
        assert!(err.contains("line 2") && err.contains("exact"), "{err}");
        let bad_hex = "[[rule]]\nmatch = \"exact\"\npattern = \"0G\"\nhex = true\n";
        let err = RuleBook::parse(bad_hex, path)
            .expect_err("bad hex")
            .to_string();
        assert!(
            err.contains("rule 1 (line 1)") && err.contains("character 2"),
            "{err}"
        );
    }
}
