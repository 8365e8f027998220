//! Search/replace blocks (`<<<<<<< SEARCH` … `>>>>>>> REPLACE`): the parser
//! (`parse_search_replace`) and the planner with its matching cascade
//! (`plan_search_replace` against a scratch workspace). Errors are fine; a
//! panic is not.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = chamber_fuzz::text(data);
    if let Ok(blocks) = chamber_edit::parse_search_replace(&text) {
        let _ = chamber_edit::plan_search_replace(chamber_fuzz::workspace(), &blocks);
    }
});
