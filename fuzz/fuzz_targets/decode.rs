//! The streaming decoders and the line assembler: any split of the input gives the same text
//! as one read, and nothing is lost.
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use tcptalk_core::{LineAssembler, StreamDecoder, TextEncoding};

fn decode(encoding: TextEncoding, chunks: &[&[u8]]) -> String {
    let mut decoder = StreamDecoder::new(encoding);
    let mut out = String::new();
    for chunk in chunks {
        decoder.decode(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

fn lines(encoding: TextEncoding, chunks: &[&[u8]]) -> Vec<String> {
    let mut assembler = LineAssembler::new(encoding, 64);
    let mut lines = Vec::new();
    let now = Instant::now();
    for chunk in chunks {
        assembler.push(chunk, now, &mut lines);
    }
    lines.extend(assembler.finish());
    lines
}

fuzz_target!(|data: &[u8]| {
    let Some((&split_seed, input)) = data.split_first() else {
        return;
    };
    // Split points derived from the first byte: every chunk size from 1 to 256.
    let step = usize::from(split_seed) + 1;
    let chunks: Vec<&[u8]> = input.chunks(step).collect();
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    for encoding in [TextEncoding::Utf8, TextEncoding::Gb18030] {
        let whole = decode(encoding, &[input]);
        assert_eq!(decode(encoding, &chunks), whole);
        assert_eq!(decode(encoding, &bytewise), whole);
        assert_eq!(lines(encoding, &chunks), lines(encoding, &[input]));
        // Shown text carries no raw control characters a widget or terminal could act on.
        assert!(!whole.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    }
});
