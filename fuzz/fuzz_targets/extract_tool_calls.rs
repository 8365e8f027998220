//! The tool-call extractor for text-mode models (`extract_tool_calls`):
//! `<tool_call>` blocks, fenced JSON, bare objects. Invariant: text with no
//! calls comes back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

const TOOLS: &[&str] = &["read_file", "edit_file", "shell", "apply_patch"];

fuzz_target!(|data: &[u8]| {
    let text = chamber_fuzz::text(data);
    let out = chamber_llm::extract_tool_calls(&text, TOOLS);
    if out.calls.is_empty() {
        assert_eq!(out.text, text, "text without calls was changed");
    }
});
