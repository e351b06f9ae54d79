//! Saved commands (常用指令): named messages kept across runs, in a TOML file a person can
//! read and edit — the same format for the file kept between runs and for import / export:
//!
//! ```toml
//! [[command]]
//! name = "read holding registers"
//! body = "01 03 00 0A 00 02"
//! hex = true
//! checksum = "crc16-modbus"   # none sum8 xor8 crc8 crc16-modbus crc16-ccitt crc32
//! line_end = "none"           # none lf cr crlf
//! escapes = false             # text only: \r \n \t \0 \xNN \\
//! ```
//!
//! Only `name` and `body` are required. Reading a file checks every command (its hex, its
//! escapes, its names) and refuses the whole file, saying which command is wrong, rather than
//! keep part of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
#[cfg(test)]
use tcptalk_core::LineEnd;
use tcptalk_core::{BodyFormat, Checksum, Message, TextEncoding};

/// One saved command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCommand {
    pub name: String,
    pub message: Message,
}

/// The saved commands, in the order the user keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandBook {
    pub commands: Vec<SavedCommand>,
}

/// Why a command file could not be read or written. The `Display` text is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BookError {
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("{path} is not a command file: {why}")]
    Format { path: PathBuf, why: String },
    #[error("{path}: command {index} ({name:?}): {why}")]
    Command {
        path: PathBuf,
        index: usize,
        name: String,
        why: String,
    },
    #[error("cannot write {path}: {why}")]
    Write { path: PathBuf, why: String },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    #[serde(default, rename = "command")]
    commands: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    body: String,
    #[serde(default)]
    hex: bool,
    #[serde(default = "none")]
    checksum: String,
    #[serde(default = "none")]
    line_end: String,
    #[serde(default)]
    escapes: bool,
}

fn none() -> String {
    "none".into()
}

impl From<&SavedCommand> for Entry {
    fn from(command: &SavedCommand) -> Self {
        let message = &command.message;
        Entry {
            name: command.name.clone(),
            body: message.body.clone(),
            hex: message.format == BodyFormat::Hex,
            checksum: message.checksum.name().into(),
            line_end: message.line_end.name().into(),
            escapes: message.escapes,
        }
    }
}

impl Entry {
    fn into_command(self) -> Result<SavedCommand, String> {
        let checksum: Checksum = self.checksum.parse().map_err(|err| format!("{err}"))?;
        let message = Message {
            body: self.body,
            format: if self.hex {
                BodyFormat::Hex
            } else {
                BodyFormat::Text
            },
            escapes: self.escapes,
            line_end: self.line_end.parse().map_err(|err| format!("{err}"))?,
            checksum,
        };
        // Hex and escapes do not depend on the encoding: a command that composes in UTF-8
        // composes in every encoding.
        message
            .compose(TextEncoding::Utf8)
            .map_err(|err| err.to_string())?;
        Ok(SavedCommand {
            name: self.name,
            message,
        })
    }
}

impl CommandBook {
    /// Reads a command file; a file that does not exist is an empty book.
    pub fn load(path: &Path) -> Result<CommandBook, BookError> {
        match std::fs::read_to_string(path) {
            Ok(text) => CommandBook::parse(&text, path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(CommandBook::default()),
            Err(err) => Err(BookError::Read {
                path: path.to_path_buf(),
                why: err.to_string(),
            }),
        }
    }

    /// Reads the text of a command file (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<CommandBook, BookError> {
        let file: File = toml::from_str(text).map_err(|err| BookError::Format {
            path: path.to_path_buf(),
            why: err.to_string(),
        })?;
        let mut commands = Vec::with_capacity(file.commands.len());
        for (index, entry) in file.commands.into_iter().enumerate() {
            let name = entry.name.clone();
            let command = entry.into_command().map_err(|why| BookError::Command {
                path: path.to_path_buf(),
                index: index + 1,
                name,
                why,
            })?;
            commands.push(command);
        }
        Ok(CommandBook { commands })
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        let file = File {
            commands: self.commands.iter().map(Entry::from).collect(),
        };
        let body = toml::to_string_pretty(&file).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Writes the book to `path` whole or not at all (a new file renamed over the old one), so
    /// a crash mid-write never leaves half a book.
    pub fn save(&self, path: &Path) -> Result<(), BookError> {
        let write_error = |err: std::io::Error| BookError::Write {
            path: path.to_path_buf(),
            why: err.to_string(),
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(write_error)?;
        }
        let mut temp = path.as_os_str().to_owned();
        temp.push(".new");
        let temp = PathBuf::from(temp);
        std::fs::write(&temp, self.to_toml()).map_err(write_error)?;
        std::fs::rename(&temp, path).map_err(write_error)
    }

    /// Appends another book's commands (import), after those already here.
    pub fn extend(&mut self, other: CommandBook) {
        self.commands.extend(other.commands);
    }

    /// Moves command `index` one place up (`-1`) or down (`1`); out of range does nothing.
    pub fn shift(&mut self, index: usize, by: isize) {
        let Some(to) = index.checked_add_signed(by) else {
            return;
        };
        if index < self.commands.len() && to < self.commands.len() {
            self.commands.swap(index, to);
        }
    }
}

const HEADER: &str = "\
# tcptalk saved commands (常用指令). Edit freely; each [[command]] needs a name and a body.
# hex = true: the body is hex bytes. checksum: none sum8 xor8 crc8 crc16-modbus crc16-ccitt crc32
# (appended after the body, before the line end). line_end: none lf cr crlf.
# escapes = true (text only): \\r \\n \\t \\0 \\xNN and \\\\ stand for those bytes.

";

/// Where the saved commands are kept: `$TCPTALK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tcptalk`,
/// else `~/.config/tcptalk`, file `commands.toml`.
pub fn default_book_path() -> Option<PathBuf> {
    Some(config_dir()?.join("commands.toml"))
}

/// tcptalk's configuration folder: `$TCPTALK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tcptalk`,
/// else `~/.config/tcptalk`. Saved commands, rules and the TLS server's self-signed
/// certificate (`tls/`) live here.
pub fn config_dir() -> Option<PathBuf> {
    Some(if let Some(dir) = std::env::var_os("TCPTALK_CONFIG_DIR") {
        PathBuf::from(dir)
    } else if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        PathBuf::from(dir).join("tcptalk")
    } else {
        PathBuf::from(std::env::var_os("HOME")?)
            .join(".config")
            .join("tcptalk")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modbus() -> SavedCommand {
        SavedCommand {
            name: "读保持寄存器".into(),
            message: Message::hex("01 03 00 0A 00 02").with_checksum(Checksum::Crc16Modbus),
        }
    }

    #[test]
    fn a_book_survives_a_round_trip_through_its_file() {
        let dir = std::env::temp_dir().join(format!("tcptalk-book-{}", std::process::id()));
        let path = dir.join("commands.toml");
        let book = CommandBook {
            commands: vec![
                modbus(),
                SavedCommand {
                    name: "AT".into(),
                    message: Message::text(r"AT+RST\r")
                        .with_escapes(true)
                        .with_line_end(LineEnd::Lf),
                },
            ],
        };
        book.save(&path).expect("saved");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(text.contains("checksum = \"crc16-modbus\""), "{text}");
        assert_eq!(CommandBook::load(&path), Ok(book));
        std::fs::remove_dir_all(&dir).expect("cleaned up");
    }

    #[test]
    fn a_hand_written_file_with_defaults_and_one_mistake() {
        let path = Path::new("mine.toml");
        let book = CommandBook::parse("[[command]]\nname = \"ping\"\nbody = \"PING\"\n", path)
            .expect("valid");
        assert_eq!(book.commands[0].message, Message::text("PING"));
        let bad = "[[command]]\nname = \"ok\"\nbody = \"01\"\nhex = true\n\
                   [[command]]\nname = \"typo\"\nbody = \"01 0G\"\nhex = true\n";
        let err = CommandBook::parse(bad, path).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("command 2") && text.contains("typo") && text.contains("character"),
            "{text}"
        );
        let err = CommandBook::parse(
            "[[command]]\nname = \"x\"\nbody = \"1\"\nchecksum = \"md5\"\n",
            path,
        )
        .expect_err("unknown checksum");
        assert!(err.to_string().contains("crc16-modbus"), "{err}");
        assert!(CommandBook::parse("not toml at all", path).is_err());
        assert_eq!(
            CommandBook::load(Path::new("/nonexistent/x.toml")),
            Ok(CommandBook::default())
        );
    }

    #[test]
    fn commands_move_up_and_down_within_the_list() {
        let mut book = CommandBook {
            commands: vec![
                modbus(),
                SavedCommand {
                    name: "b".into(),
                    message: Message::text("b"),
                },
            ],
        };
        book.shift(1, -1);
        assert_eq!(book.commands[0].name, "b");
        book.shift(0, -1);
        book.shift(1, 1);
        assert_eq!(book.commands[1].name, "读保持寄存器");
    }
}
