//! Checksums appended to what is sent, and line ends: what a device protocol wants at the end of
//! a frame (Modbus RTU's CRC-16 low byte first, a sum or XOR byte, a CRLF).
//!
//! The CRCs come from the `crc` crate's catalogue, where each algorithm carries its standard
//! check value (the CRC of `123456789`); the tests hold every one of ours to it.

use std::fmt;
use std::str::FromStr;

use crc::{CRC_8_SMBUS, CRC_16_IBM_3740, CRC_16_MODBUS, CRC_32_ISO_HDLC, Crc};

/// A checksum a user can have appended to each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Checksum {
    #[default]
    None,
    /// The sum of the bytes, modulo 256.
    Sum8,
    /// The XOR of the bytes.
    Xor8,
    /// CRC-8 (poly 0x07, the catalogue's CRC-8/SMBUS).
    Crc8,
    /// CRC-16/MODBUS, appended low byte first as Modbus RTU frames have it.
    Crc16Modbus,
    /// CRC-16/CCITT-FALSE (the catalogue's CRC-16/IBM-3740), high byte first.
    Crc16Ccitt,
    /// CRC-32 (ISO-HDLC, as zlib and Ethernet), high byte first.
    Crc32,
}

const CRC8: Crc<u8> = Crc::<u8>::new(&CRC_8_SMBUS);
const CRC16_MODBUS: Crc<u16> = Crc::<u16>::new(&CRC_16_MODBUS);
const CRC16_CCITT: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

impl Checksum {
    /// Every checksum, in the order a menu lists them.
    pub const ALL: [Checksum; 7] = [
        Checksum::None,
        Checksum::Sum8,
        Checksum::Xor8,
        Checksum::Crc8,
        Checksum::Crc16Modbus,
        Checksum::Crc16Ccitt,
        Checksum::Crc32,
    ];

    /// The name on the command line (`--checksum crc16-modbus`) and in saved settings.
    pub fn name(self) -> &'static str {
        match self {
            Checksum::None => "none",
            Checksum::Sum8 => "sum8",
            Checksum::Xor8 => "xor8",
            Checksum::Crc8 => "crc8",
            Checksum::Crc16Modbus => "crc16-modbus",
            Checksum::Crc16Ccitt => "crc16-ccitt",
            Checksum::Crc32 => "crc32",
        }
    }

    /// The checksum of `data`, as the bytes that follow it on the wire.
    pub fn of(self, data: &[u8]) -> Vec<u8> {
        match self {
            Checksum::None => Vec::new(),
            Checksum::Sum8 => vec![data.iter().fold(0u8, |sum, &b| sum.wrapping_add(b))],
            Checksum::Xor8 => vec![data.iter().fold(0u8, |x, &b| x ^ b)],
            Checksum::Crc8 => vec![CRC8.checksum(data)],
            Checksum::Crc16Modbus => CRC16_MODBUS.checksum(data).to_le_bytes().to_vec(),
            Checksum::Crc16Ccitt => CRC16_CCITT.checksum(data).to_be_bytes().to_vec(),
            Checksum::Crc32 => CRC32.checksum(data).to_be_bytes().to_vec(),
        }
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checksum name that is none of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown checksum '{input}': use one of none, sum8, xor8, crc8, crc16-modbus, crc16-ccitt, crc32"
)]
pub struct UnknownChecksum {
    pub input: String,
}

impl FromStr for Checksum {
    type Err = UnknownChecksum;

    /// Accepts the names of [`Checksum::name`] in any case, with `_` for `-` and a few common
    /// spellings (`modbus`, `crc16`, `ccitt-false`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim().to_ascii_lowercase().replace('_', "-");
        let found = match name.as_str() {
            "none" | "" => Checksum::None,
            "sum8" | "sum" => Checksum::Sum8,
            "xor8" | "xor" => Checksum::Xor8,
            "crc8" | "crc-8" => Checksum::Crc8,
            "crc16-modbus" | "modbus" | "crc16" | "crc-16/modbus" => Checksum::Crc16Modbus,
            "crc16-ccitt" | "ccitt" | "crc16-ccitt-false" | "crc-16/ccitt-false" => {
                Checksum::Crc16Ccitt
            }
            "crc32" | "crc-32" => Checksum::Crc32,
            _ => {
                return Err(UnknownChecksum {
                    input: text.trim().to_string(),
                });
            }
        };
        Ok(found)
    }
}

/// What ends each message sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LineEnd {
    #[default]
    None,
    Lf,
    Cr,
    CrLf,
}

/// A line end name that is none of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown line end '{input}': use one of none, lf, cr, crlf")]
pub struct UnknownLineEnd {
    pub input: String,
}

impl FromStr for LineEnd {
    type Err = UnknownLineEnd;

    /// The names of [`LineEnd::name`] in any case, and `\n`-style spellings.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(LineEnd::None),
            "lf" | "\\n" => Ok(LineEnd::Lf),
            "cr" | "\\r" => Ok(LineEnd::Cr),
            "crlf" | "cr-lf" | "\\r\\n" => Ok(LineEnd::CrLf),
            _ => Err(UnknownLineEnd {
                input: text.trim().to_string(),
            }),
        }
    }
}

impl LineEnd {
    /// Every line end, in the order a menu lists them.
    pub const ALL: [LineEnd; 4] = [LineEnd::None, LineEnd::Lf, LineEnd::Cr, LineEnd::CrLf];

    /// The name on the command line (`--eol crlf`) and in saved commands.
    pub fn name(self) -> &'static str {
        match self {
            LineEnd::None => "none",
            LineEnd::Lf => "lf",
            LineEnd::Cr => "cr",
            LineEnd::CrLf => "crlf",
        }
    }

    pub fn bytes(self) -> &'static [u8] {
        match self {
            LineEnd::None => b"",
            LineEnd::Lf => b"\n",
            LineEnd::Cr => b"\r",
            LineEnd::CrLf => b"\r\n",
        }
    }
}

/// A message as it goes on the wire: the payload, then its checksum, then the line end. The
/// checksum covers the payload only, which is what line-based device protocols (a checksum
/// before the CR LF that ends the frame) expect.
pub fn frame(payload: &[u8], checksum: Checksum, line_end: LineEnd) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 6);
    out.extend_from_slice(payload);
    out.extend_from_slice(&checksum.of(payload));
    out.extend_from_slice(line_end.bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECK: &[u8] = b"123456789";

    #[test]
    fn every_crc_meets_its_catalogue_check_value() {
        assert_eq!(Checksum::Crc8.of(CHECK), [CRC_8_SMBUS.check]);
        assert_eq!(
            Checksum::Crc16Modbus.of(CHECK),
            CRC_16_MODBUS.check.to_le_bytes()
        );
        assert_eq!(
            Checksum::Crc16Ccitt.of(CHECK),
            CRC_16_IBM_3740.check.to_be_bytes()
        );
        assert_eq!(
            Checksum::Crc32.of(CHECK),
            CRC_32_ISO_HDLC.check.to_be_bytes()
        );
        // The published values themselves, so a catalogue change cannot go unnoticed.
        assert_eq!(Checksum::Crc32.of(CHECK), [0xCB, 0xF4, 0x39, 0x26]);
        assert_eq!(Checksum::Crc16Modbus.of(CHECK), [0x37, 0x4B]);
        assert_eq!(Checksum::Crc16Ccitt.of(CHECK), [0x29, 0xB1]);
        assert_eq!(Checksum::Crc8.of(CHECK), [0xF4]);
    }

    #[test]
    fn sums_and_xors() {
        // '1'..'9' are 0x31..0x39: their sum is 0x1DD, their XOR 0x31.
        assert_eq!(Checksum::Sum8.of(CHECK), [0xDD]);
        assert_eq!(Checksum::Xor8.of(CHECK), [0x31]);
        assert_eq!(Checksum::Sum8.of(&[0xFF, 0x02]), [0x01]);
        assert!(Checksum::None.of(CHECK).is_empty());
    }

    #[test]
    fn a_modbus_request_gets_its_crc_low_byte_first_before_the_line_end() {
        let request = [0x01, 0x03, 0x00, 0x0A, 0x00, 0x02];
        assert_eq!(
            frame(&request, Checksum::Crc16Modbus, LineEnd::None),
            [0x01, 0x03, 0x00, 0x0A, 0x00, 0x02, 0xE4, 0x09]
        );
        assert_eq!(
            frame(b"AT", Checksum::Xor8, LineEnd::CrLf),
            [b'A', b'T', b'A' ^ b'T', b'\r', b'\n']
        );
    }

    #[test]
    fn names_round_trip_and_an_unknown_one_lists_the_known() {
        for checksum in Checksum::ALL {
            assert_eq!(checksum.name().parse::<Checksum>(), Ok(checksum));
        }
        assert_eq!(
            " CRC16_Modbus ".parse::<Checksum>(),
            Ok(Checksum::Crc16Modbus)
        );
        for line_end in LineEnd::ALL {
            assert_eq!(line_end.name().parse::<LineEnd>(), Ok(line_end));
        }
        assert_eq!("CRLF".parse::<LineEnd>(), Ok(LineEnd::CrLf));
        assert!("lfcr".parse::<LineEnd>().is_err());
        let err = "crc64".parse::<Checksum>().expect_err("unknown");
        assert!(err.to_string().contains("crc16-modbus"), "{err}");
    }
}
