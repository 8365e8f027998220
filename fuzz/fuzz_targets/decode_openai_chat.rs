//! The openai_chat wire format's stream parser and whole-reply converter, through
//! `chamber_llm::decode_stream` and `decode_reply` (see
//! `chamber_fuzz::decode` for the input layout and the invariants).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    chamber_fuzz::decode(chamber_llm::Wire::OpenAiChat, data);
});
