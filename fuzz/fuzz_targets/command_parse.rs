//! Command lines: the shell lexer and parser (`parse_script`), the word
//! splitter (`split_commands`) and the built-in policy's walk over the
//! parse (`Policy::explain`). Invariants: every index in the parse points
//! at a command that exists; parsing is deterministic; a line the parser
//! refuses is split into nothing.

#![no_main]

use std::path::Path;

use chamber_policy::{CommandContext, Policy, parse_script, split_commands};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let line = chamber_fuzz::text(data);
    let parsed = parse_script(&line);
    if let Ok(script) = &parsed {
        let n = script.commands.len();
        for p in &script.pipelines {
            assert!(p.stages.iter().flatten().all(|&i| i < n), "pipeline index");
        }
        assert!(script.subs.iter().flatten().all(|&i| i < n), "sub index");
        assert!(
            script
                .functions
                .iter()
                .flat_map(|f| &f.body)
                .all(|&i| i < n),
            "function index"
        );
        for word in script.commands.iter().flat_map(|c| &c.words) {
            assert!(word.subs.iter().all(|&s| s < script.subs.len()), "word sub");
        }
        assert_eq!(
            parse_script(&line).as_ref(),
            Ok(script),
            "not deterministic"
        );
    }
    assert_eq!(split_commands(&line).is_some(), parsed.is_ok());
    let ctx = CommandContext {
        workspace: Some(Path::new("/work/project")),
        home: Some(Path::new("/home/user")),
        run_branch: Some("chamber/run"),
        current_branch: Some("chamber/run"),
    };
    let _ = Policy::builtin().explain(&line, &ctx);
});
