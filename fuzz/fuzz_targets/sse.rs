//! SSE framing (`SseDecoder`): the first byte sets the size of the pieces
//! the rest arrives in. Invariant: the events (and whether the bytes were
//! rejected as not UTF-8) are the same whole as in pieces.

#![no_main]

use std::collections::VecDeque;

use chamber_llm::{SseDecoder, SseEvent};
use libfuzzer_sys::fuzz_target;

fn decode(pieces: &[&[u8]]) -> (VecDeque<SseEvent>, bool) {
    let mut decoder = SseDecoder::default();
    let mut out = VecDeque::new();
    for piece in pieces {
        if decoder.feed(piece, &mut out).is_err() {
            return (out, true);
        }
    }
    (out, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&step, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 64) + 1;
    let whole = decode(&[body]);
    let pieces: Vec<&[u8]> = body.chunks(step).collect();
    let split = decode(&pieces);
    assert_eq!(whole, split, "pieces of {step} decode differently");
});
