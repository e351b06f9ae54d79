//! The hex parser never panics, never returns part of its input, and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcptalk_core::{parse_hex, to_hex};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(bytes) = parse_hex(text) {
            // Whatever parsed must print back to the same bytes.
            assert_eq!(parse_hex(&to_hex(&bytes)).ok(), Some(bytes));
        }
    }
    // Any bytes, printed as hex, parse back exactly.
    assert_eq!(parse_hex(&to_hex(data)).ok().as_deref(), Some(data));
});
