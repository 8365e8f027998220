//! Unified diffs: the tolerant parser (`check_unified_diff`) and the planner
//! with its matching cascade (`plan_unified_diff` against a scratch
//! workspace). Errors are fine; a panic is not. Invariant: what the planner
//! accepts, the checker accepts.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = chamber_fuzz::text(data);
    let checked = chamber_edit::check_unified_diff(&text);
    let planned = chamber_edit::plan_unified_diff(chamber_fuzz::workspace(), &text);
    if planned.is_ok() {
        assert!(checked.is_ok(), "planned but not checked: {checked:?}");
    }
});
