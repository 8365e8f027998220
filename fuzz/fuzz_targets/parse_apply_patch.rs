//! `apply_patch` envelopes (`*** Begin Patch` … `*** End Patch`): the parser
//! (`check_apply_patch`) and the planner with its matching cascade
//! (`plan_apply_patch` against a scratch workspace). Errors are fine; a
//! panic is not. Invariant: what the planner accepts, the checker accepts.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = chamber_fuzz::text(data);
    let checked = chamber_edit::check_apply_patch(&text);
    let planned = chamber_edit::plan_apply_patch(chamber_fuzz::workspace(), &text);
    if planned.is_ok() {
        assert!(checked.is_ok(), "planned but not checked: {checked:?}");
    }
});
