//! The terminal escaper lets no control byte through, whatever the split of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcptalk_core::TerminalEscaper;

fn escape(chunks: &[&[u8]]) -> Vec<u8> {
    let mut escaper = TerminalEscaper::new();
    let mut out = Vec::new();
    for chunk in chunks {
        escaper.escape(chunk, &mut out);
    }
    escaper.finish(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let whole = escape(&[data]);
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(escape(&bytewise), whole);
    for (i, &b) in whole.iter().enumerate() {
        let c0 = b < 0x20 && b != b'\n' && b != b'\t';
        assert!(!c0 && b != 0x7f, "control byte {b:#04x} at {i} passed through");
    }
    // No C1 control in UTF-8 form (C2 80..C2 9F) reaches the terminal either.
    assert!(!whole.windows(2).any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1])));
});
