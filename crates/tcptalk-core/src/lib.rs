//! The pure core of tcptalk, shared by the network engine (`tcptalk-net`), the GUI
//! (`tcptalk-gui`) and the CLI (`tcptalk`).
//!
//! Apart from the session log, nothing here touches a socket, a clock, a thread or a widget:
//! every function takes bytes or text and returns bytes or text, so the rules that matter most to a debugging tool (what a
//! typed port means, which bytes are sent, how arriving bytes are shown) are decided once and
//! tested without a network.
//!
//! - [`checksum`]: checksums and line ends appended to a message (from the `crc` catalogue).
//! - [`message`]: a message as typed (text with escapes, or hex; line end; checksum) to the
//!   bytes it stands for, and how the history shows them.
//! - [`schedule`]: the interval and count of a periodic send, as typed.
//! - [`progress`]: a transfer's bytes, rate and time left, as shown.
//! - [`pcap`]: what a session saw as a `.pcap` for Wireshark, with synthetic IP/TCP headers.
//! - [`rawlog`]: every byte a session received and sent, spooled for exports.
//! - [`input`]: ports and hosts typed by a person, with errors that say what is wrong.
//! - [`hex`]: hex text to bytes for sending, bytes to hex for showing.
//! - [`escape`]: peer bytes and text never act as terminal control sequences.
//! - [`decode`]: streaming decoding (UTF-8, GBK/GB18030) that keeps split characters whole and
//!   shows invalid bytes as `\xNN`.
//! - [`framing`]: where a message of a byte stream ends (per read, line, idle gap, delimiter,
//!   length header), a display and auto-reply choice.
//! - [`lines`]: arriving bytes to history lines, with an idle flush and a bounded line length.
//! - [`history`]: the history model: compact, bounded in memory, and what leaves memory goes to
//!   a spool file so that saving the history still writes every line.
//! - [`log`]: the line format of the `--log FILE` session log, one line per history entry
//!   (the GUI and the CLI must write the same format; `tcptalk-session` writes the file).

pub mod checksum;
pub mod decode;
pub mod escape;
pub mod framing;
pub mod hex;
pub mod history;
pub mod input;
pub mod lines;
pub mod log;
pub mod message;
pub mod pcap;
pub mod progress;
pub mod rawlog;
pub mod schedule;

pub use checksum::{Checksum, LineEnd, UnknownChecksum, UnknownLineEnd, frame};
pub use decode::{StreamDecoder, TextEncoding};
pub use escape::{TerminalEscaper, display_safe, escape_char_for_display};
pub use framing::{Frame, Framer, Framing, LengthPrefix, UnknownFraming};
pub use hex::{HexError, parse_hex, to_hex};
pub use history::{
    EntryRef, Evicted, History, HistoryLimits, HistorySnapshot, PeerRef, SaveProgress,
};
pub use input::{
    Host, HostNameProblem, HostPort, InputError, parse_host, parse_host_port, parse_port,
    parse_socket_target,
};
pub use lines::LineAssembler;
pub use log::Direction;
pub use message::{BodyFormat, ComposeError, Composed, EscapeError, Message};
pub use progress::{TransferProgress, clock, human_bytes};
pub use schedule::{Schedule, ScheduleError, parse_count, parse_interval_ms};
