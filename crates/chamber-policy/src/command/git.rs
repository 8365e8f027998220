//! `git`: force pushes are denied; `reset --hard` and `clean -f` only run on
//! the run's own branch.

use super::deny::{Env, Finding};
use super::paths::{inside_workspace, resolve};
use super::script::Word;
use super::words::has_flag;

/// Global options before the subcommand that take a value.
const GLOBAL_WITH_ARG: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
];

/// The subcommand and its arguments, and whether `-C`/`--git-dir`/
/// `--work-tree` point outside the workspace.
pub(crate) fn subcommand<'w>(
    args: &'w [Word],
    env: &Env<'_>,
) -> (Option<&'w str>, &'w [Word], bool) {
    let mut i = 0;
    let mut elsewhere = false;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if !t.starts_with('-') {
            return (Some(t), &args[i + 1..], elsewhere);
        }
        let (flag, inline) = match t.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (t, None),
        };
        if GLOBAL_WITH_ARG.contains(&flag) {
            let value = match inline {
                Some(v) => Some(Word {
                    text: v.to_string(),
                    ..a.clone()
                }),
                None => {
                    i += 1;
                    args.get(i).cloned()
                }
            };
            if let Some(v) = value.filter(|_| flag != "-c" && flag != "--config-env") {
                let inside = resolve(&v, env.cwd, env.ctx)
                    .is_some_and(|l| inside_workspace(&l, env.ctx) || l == *env.cwd);
                elsewhere |= !inside;
            }
        }
        i += 1;
    }
    (None, &[], elsewhere)
}

/// Objections to a `git` command line (`args` after `git`).
pub(crate) fn check(args: &[Word], env: &Env<'_>, out: &mut Vec<Finding>) {
    let (sub, rest, elsewhere) = subcommand(args, env);
    match sub {
        Some("push") => push(rest, out),
        Some("reset") if has_flag(rest, '\0', &["--hard", "--merge", "--keep"]) => {
            discard("git reset --hard", elsewhere, env, out);
        }
        Some("clean")
            if has_flag(rest, 'f', &["--force"]) && !has_flag(rest, 'n', &["--dry-run"]) =>
        {
            discard("git clean -f", elsewhere, env, out);
        }
        Some("checkout" | "restore")
            if rest.iter().any(|a| a.text == "." || a.text == "--")
                && has_flag(rest, 'f', &["--force"]) =>
        {
            discard("git checkout --force", elsewhere, env, out);
        }
        _ => {}
    }
}

/// Does this `git` command switch branches (so the branch is unknown after it)?
pub(crate) fn switches_branch(args: &[Word], env: &Env<'_>) -> bool {
    matches!(
        subcommand(args, env).0,
        Some("checkout" | "switch" | "rebase" | "worktree" | "stash" | "bisect")
    )
}

fn push(rest: &[Word], out: &mut Vec<Finding>) {
    let force = has_flag(
        rest,
        'f',
        &[
            "--force",
            "--force-with-lease",
            "--force-with-lease=",
            "--force-if-includes",
            "--mirror",
        ],
    );
    let plus = rest
        .iter()
        .any(|a| !a.text.starts_with('-') && a.text.starts_with('+'));
    if force || plus {
        out.push(Finding::deny(
            "git-force-push",
            "a force push rewrites history others may have pulled",
        ));
    }
    let delete = has_flag(rest, 'd', &["--delete", "--prune"])
        || rest
            .iter()
            .any(|a| a.text.starts_with(':') && a.text.len() > 1);
    if delete {
        out.push(Finding::deny(
            "git-force-push",
            "deleting remote branches loses history others may need",
        ));
    }
}

/// `reset --hard` / `clean -f`: fine on the run's own branch, denied on
/// another branch, asked when the branch is unknown.
fn discard(what: &str, elsewhere: bool, env: &Env<'_>, out: &mut Vec<Finding>) {
    if elsewhere {
        out.push(Finding::deny(
            "git-discard-outside-run-branch",
            format!("`{what}` in another repository"),
        ));
        return;
    }
    if env.branch_changed {
        out.push(Finding::ask(
            "git-discard-unknown-branch",
            format!("`{what}` after switching branches: cannot tell which branch it discards"),
        ));
        return;
    }
    match (env.ctx.run_branch, env.ctx.current_branch) {
        (Some(run), Some(cur)) if run == cur => {}
        (Some(run), Some(cur)) => out.push(Finding::deny(
            "git-discard-outside-run-branch",
            format!("`{what}` discards work on `{cur}`, which is not the run's branch `{run}`"),
        )),
        _ => out.push(Finding::ask(
            "git-discard-unknown-branch",
            format!("`{what}` discards uncommitted work, and the run's branch is not known"),
        )),
    }
}
