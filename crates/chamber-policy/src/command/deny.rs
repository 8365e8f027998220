//! The built-in checks on one simple command (after its wrappers are
//! stripped): destructive deletes, disk formatting, power, protected writes,
//! force pushes and history-destroying git commands.

use super::paths::{
    CommandContext, Loc, inside_workspace, is_critical, protected, resolve, workspace_loc,
};
use super::script::Word;
use super::words::{basename, has_flag, operands, option_values};
use crate::rules::Decision;

/// One built-in objection to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub decision: Decision,
    pub rule: &'static str,
    pub reason: String,
}

impl Finding {
    pub fn deny(rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            decision: Decision::Deny,
            rule,
            reason: reason.into(),
        }
    }

    pub fn ask(rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            decision: Decision::Ask,
            rule,
            reason: reason.into(),
        }
    }
}

/// Where and how a command runs, for the checks.
pub(crate) struct Env<'a> {
    pub ctx: &'a CommandContext<'a>,
    pub cwd: &'a Loc,
    /// Arguments also come from standard input (`xargs`).
    pub stdin_args: bool,
    /// An earlier command in the line switched branches.
    pub branch_changed: bool,
}

/// Every objection to `words` (the command name first).
pub(crate) fn check(words: &[Word], env: &Env<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(head) = words.first() else {
        return out;
    };
    let name = basename(&head.text);
    let args = &words[1..];
    match name {
        "rm" | "unlink" | "rmdir" | "shred" | "srm" => delete(name, args, env, &mut out),
        n if n.starts_with("mkfs")
            || matches!(
                n,
                "mke2fs" | "mkswap" | "mkdosfs" | "mkntfs" | "wipefs" | "blkdiscard" | "mkexfatfs"
            ) =>
        {
            out.push(Finding::deny(
                "format-disk",
                format!("`{n}` erases a filesystem or disk"),
            ));
        }
        "fdisk" | "sfdisk" | "cfdisk" | "parted" | "sgdisk" | "gdisk"
            if !has_flag(args, 'l', &["--list", "print", "--print"]) =>
        {
            out.push(Finding::deny(
                "partition-disk",
                format!("`{name}` rewrites a partition table"),
            ));
        }
        "dd" => {
            for a in args {
                if let Some(path) = a.text.strip_prefix("of=") {
                    let w = Word {
                        text: path.to_string(),
                        ..a.clone()
                    };
                    write_target(&w, env, "dd", &mut out);
                }
            }
        }
        "shutdown" | "reboot" | "halt" | "poweroff" | "kexec" => {
            out.push(Finding::deny(
                "power-off",
                format!("`{name}` stops or restarts the machine"),
            ));
        }
        "init" | "telinit"
            if args
                .iter()
                .any(|a| matches!(a.text.as_str(), "0" | "6" | "1" | "s" | "S")) =>
        {
            out.push(Finding::deny(
                "power-off",
                "changing the runlevel stops or restarts the machine",
            ));
        }
        "systemctl" | "loginctl" => {
            const STOPS: &[&str] = &[
                "poweroff",
                "reboot",
                "halt",
                "kexec",
                "suspend",
                "hibernate",
                "hybrid-sleep",
                "rescue",
                "emergency",
                "soft-reboot",
                "isolate",
                "default",
            ];
            if args.iter().any(|a| STOPS.contains(&a.text.as_str())) {
                out.push(Finding::deny(
                    "power-off",
                    "stops, suspends or restarts the machine",
                ));
            }
        }
        "kill" | "pkill" | "killall" | "killall5" => kill(name, args, &mut out),
        "chmod" | "chown" | "chgrp" | "chattr" | "setfacl" => {
            permissions(name, args, env, &mut out)
        }
        "tee" => {
            for t in operands(args, &[]) {
                write_target(t, env, "tee", &mut out);
            }
        }
        "cp" | "mv" | "install" | "ln" | "rsync" | "scp" => copy(name, args, env, &mut out),
        "truncate" | "touch" => {
            for t in operands(
                args,
                &["-s", "-r", "-d", "-t", "--size", "--reference", "--date"],
            ) {
                write_target(t, env, name, &mut out);
            }
        }
        "sed"
            if args.iter().any(|a| {
                a.text.starts_with("--in-place")
                    || (a.text.starts_with('-')
                        && !a.text.starts_with("--")
                        && a.text.contains('i'))
            }) =>
        {
            let script_given = has_flag(args, '\0', &["-e", "-f", "--expression", "--file"]);
            let files = operands(args, &["-e", "-f", "--expression", "--file"]);
            for t in files.into_iter().skip(usize::from(!script_given)) {
                write_target(t, env, name, &mut out);
            }
        }
        "curl" | "wget" => {
            let (short, long) = if name == "curl" {
                ("-o", "--output")
            } else {
                ("-O", "--output-document")
            };
            for t in option_values(args, short, long) {
                write_target(&t, env, name, &mut out);
            }
        }
        "git" => super::git::check(args, env, &mut out),
        "crontab" if has_flag(args, 'r', &["--remove"]) => {
            out.push(Finding::deny(
                "crontab-remove",
                "removes every scheduled job of the user",
            ));
        }
        _ => {}
    }
    out
}

/// `rm`, `shred` and friends.
fn delete(name: &str, args: &[Word], env: &Env<'_>, out: &mut Vec<Finding>) {
    let recursive = has_flag(args, 'r', &["--recursive"]) || has_flag(args, 'R', &[]);
    let targets = operands(args, &["-n", "-s", "--iterations", "--size"]);
    if targets.is_empty() && env.stdin_args && (recursive || name == "shred") {
        out.push(Finding::ask(
            "rm-unknown-target",
            format!("`{name}` deletes paths read from its input"),
        ));
    }
    for t in targets {
        let Some(loc) = resolve(t, env.cwd, env.ctx) else {
            if recursive || name == "shred" {
                out.push(Finding::ask(
                    "rm-unknown-target",
                    format!(
                        "`{name}` deletes `{}`, which is only known when it runs",
                        t.text
                    ),
                ));
            }
            continue;
        };
        if is_critical(&loc, env.ctx) && (recursive || t.glob || name == "shred") {
            out.push(Finding::deny(
                "rm-root-or-home",
                format!("`{name}` of `{}` wipes the filesystem root, a system directory or the home directory", t.text),
            ));
        } else if let Some(why) = protected(&loc, env.ctx) {
            out.push(Finding::deny(
                "protected-write",
                format!("`{name}` of `{}`: {why}", t.text),
            ));
        } else if !inside_workspace(&loc, env.ctx) {
            if (recursive || name == "shred") && loc == workspace_loc(env.ctx) {
                out.push(Finding::deny(
                    "rm-outside-workspace",
                    format!("`{name}` of `{}` deletes the whole workspace", t.text),
                ));
            } else if recursive || name == "shred" {
                out.push(Finding::deny(
                    "rm-outside-workspace",
                    format!(
                        "`{name}` of `{}` ({}) deletes what is not inside the workspace",
                        t.text,
                        loc.display()
                    ),
                ));
            } else {
                out.push(Finding::ask(
                    "write-outside-workspace",
                    format!(
                        "`{name}` of `{}` deletes a file outside the workspace",
                        t.text
                    ),
                ));
            }
        }
    }
}

/// A path a command writes: protected places are denied, places outside
/// the workspace and unknown places ask.
pub(crate) fn write_target(t: &Word, env: &Env<'_>, what: &str, out: &mut Vec<Finding>) {
    let text = t.text.as_str();
    if matches!(
        text,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "-"
    ) || text.starts_with("/dev/fd/")
    {
        return;
    }
    let Some(loc) = resolve(t, env.cwd, env.ctx) else {
        out.push(Finding::ask(
            "write-unknown-target",
            format!("{what} writes `{text}`, which is only known when it runs"),
        ));
        return;
    };
    if let Some(why) = protected(&loc, env.ctx) {
        let rule = if loc.first() == "dev" {
            "write-device"
        } else {
            "protected-write"
        };
        out.push(Finding::deny(
            rule,
            format!("{what} writes `{text}`: {why}"),
        ));
    } else if !inside_workspace(&loc, env.ctx) {
        out.push(Finding::ask(
            "write-outside-workspace",
            format!(
                "{what} writes `{text}` ({}), outside the workspace",
                loc.display()
            ),
        ));
    }
}

/// `cp`/`mv`/`ln`/`install`/`rsync`: the destination is written; `mv`
/// also removes its sources.
fn copy(name: &str, args: &[Word], env: &Env<'_>, out: &mut Vec<Finding>) {
    let with_arg = [
        "-t",
        "-S",
        "--suffix",
        "-m",
        "--mode",
        "-o",
        "--owner",
        "-g",
        "--group",
        "-e",
        "--target-directory",
    ];
    let ops = operands(args, &with_arg);
    let dirs = option_values(args, "-t", "--target-directory");
    let mut dests: Vec<Word> = dirs.clone();
    if dirs.is_empty() && ops.len() >= 2 {
        dests.extend(ops.last().map(|w| (*w).clone()));
    }
    for d in &dests {
        write_target(d, env, name, out);
    }
    if name == "mv" {
        let n = if dirs.is_empty() {
            ops.len().saturating_sub(1)
        } else {
            ops.len()
        };
        for src in ops.into_iter().take(n) {
            if let Some(loc) = resolve(src, env.cwd, env.ctx) {
                if is_critical(&loc, env.ctx) {
                    out.push(Finding::deny(
                        "rm-root-or-home",
                        format!("`mv` moves `{}` away", src.text),
                    ));
                } else if let Some(why) = protected(&loc, env.ctx) {
                    out.push(Finding::deny(
                        "protected-write",
                        format!("`mv` moves `{}`: {why}", src.text),
                    ));
                }
            }
        }
    }
}

/// `chmod`/`chown`/`chgrp`: never on `/`, system directories or the home;
/// recursively only inside the workspace.
fn permissions(name: &str, args: &[Word], env: &Env<'_>, out: &mut Vec<Finding>) {
    let recursive = has_flag(args, 'R', &["--recursive"]);
    let reference = args.iter().any(|a| a.text.starts_with("--reference"));
    let ops = operands(args, &["--reference"]);
    let skip = usize::from(!reference && !matches!(name, "chattr" | "setfacl"));
    let ops: Vec<&Word> = if matches!(name, "chattr" | "setfacl") {
        ops.into_iter()
            .filter(|w| !w.text.starts_with(['+', '=']))
            .collect()
    } else {
        ops.into_iter().skip(skip).collect()
    };
    for t in ops {
        let Some(loc) = resolve(t, env.cwd, env.ctx) else {
            if recursive {
                out.push(Finding::ask(
                    "write-unknown-target",
                    format!("`{name} -R` on `{}`, only known when it runs", t.text),
                ));
            }
            continue;
        };
        if is_critical(&loc, env.ctx) {
            out.push(Finding::deny(
                "chmod-system",
                format!(
                    "`{name}` of `{}` changes the filesystem root, a system directory or the home",
                    t.text
                ),
            ));
        } else if let Some(why) = protected(&loc, env.ctx) {
            out.push(Finding::deny(
                "protected-write",
                format!("`{name}` of `{}`: {why}", t.text),
            ));
        } else if recursive && !inside_workspace(&loc, env.ctx) {
            out.push(Finding::deny(
                "chmod-recursive-outside-workspace",
                format!("`{name} -R` of `{}` reaches outside the workspace", t.text),
            ));
        }
    }
}

/// `kill -9 -1` (every process) and `kill 1` (init).
fn kill(name: &str, args: &[Word], out: &mut Vec<Finding>) {
    if name == "killall5" {
        out.push(Finding::deny("kill-everything", "signals every process"));
        return;
    }
    if name != "kill" {
        return;
    }
    let mut rest = args;
    if let Some(first) = rest.first() {
        if matches!(first.text.as_str(), "-s" | "-n") {
            rest = rest.get(2..).unwrap_or_default();
        } else if first.text.starts_with('-') && first.text != "-1" && first.text != "--" {
            rest = &rest[1..];
        }
    }
    // `kill -1` alone would be signal 1 with no pid; with pids after it the
    // first `-1` is a signal only when it was the first word.
    let pids: Vec<&str> = rest
        .iter()
        .map(|w| w.text.as_str())
        .filter(|t| *t != "--")
        .collect();
    let first_is_signal = args.first().is_some_and(|a| a.text == "-1") && args.len() > 1;
    let pids = if first_is_signal {
        &pids[1..]
    } else {
        &pids[..]
    };
    if pids.iter().any(|p| *p == "-1" || *p == "1") {
        out.push(Finding::deny(
            "kill-everything",
            "signals every process (pid -1) or init (pid 1)",
        ));
    }
}
