//! Feeds arbitrary text to `chamber_edit::parse_search_replace`: it may return an
//! error, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = chamber_edit::parse_search_replace(&text);
});
