//! Pure path logic for command arguments: `~`, `$HOME`, `..`, `/./`,
//! trailing slashes and globs, against the workspace and home directory of
//! a [`CommandContext`]. Nothing here touches the filesystem (symlinks are
//! the sandbox's business).

use std::path::Path;

use super::script::Word;

/// What the policy knows about where a command runs. Every field is
/// optional; what is unknown is judged strictly (see docs/configuration.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandContext<'a> {
    /// The workspace root (the command's working directory).
    pub workspace: Option<&'a Path>,
    /// The user's home directory (`~`, `$HOME`).
    pub home: Option<&'a Path>,
    /// The branch the run works on (`chamber/<id>`).
    pub run_branch: Option<&'a str>,
    /// The branch checked out now.
    pub current_branch: Option<&'a str>,
}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Base {
    /// `/`.
    Root,
    /// The home directory (`~`, `$HOME`), when its real path is unknown.
    Home,
    /// The working directory, when its real path is unknown: the workspace.
    Cwd,
    /// A working directory nobody can know (after `cd "$X"` or `cd -`).
    Unknown,
}

/// A normalised path: a base and components without `.`, `..` or empties.
/// `escapes` counts `..` steps that climbed above the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub base: Base,
    pub parts: Vec<String>,
    pub escapes: usize,
}

impl Loc {
    fn from_path(base: Base, path: &Path) -> Self {
        let mut loc = Loc {
            base,
            parts: Vec::new(),
            escapes: 0,
        };
        loc.push_all(&path.to_string_lossy());
        loc
    }

    /// Appends `/`-separated components, normalising as it goes. A glob
    /// component that can match `..` (`.*`) counts as `..`.
    fn push_all(&mut self, rest: &str) {
        for part in rest.split('/') {
            match part {
                "" | "." => {}
                ".." => self.up(),
                p if p.starts_with('.') && p.len() <= 3 && p.contains(['*', '?', '[']) => self.up(),
                p => self.parts.push(p.to_string()),
            }
        }
    }

    fn up(&mut self) {
        if self.parts.pop().is_none() && self.base != Base::Root {
            self.escapes += 1;
        }
    }

    /// The path as text (`/a/b`, `~/a`, `./a`).
    pub fn display(&self) -> String {
        let head = match self.base {
            Base::Root => "",
            Base::Home => "~",
            Base::Cwd => ".",
            Base::Unknown => "?",
        };
        let ups = "/..".repeat(self.escapes);
        format!("{head}{ups}/{}", self.parts.join("/"))
    }

    /// A working directory that cannot be known.
    pub fn unknown() -> Self {
        Loc {
            base: Base::Unknown,
            parts: Vec::new(),
            escapes: 0,
        }
    }

    /// The first component, or `""` for the base itself.
    pub fn first(&self) -> &str {
        self.parts.first().map(String::as_str).unwrap_or("")
    }

    /// Does a component (after the first `skip`) hold a glob?
    pub fn has_glob_at(&self, index: usize) -> bool {
        self.parts
            .get(index)
            .is_some_and(|p| p.contains(['*', '?', '[']))
    }
}

/// Resolves a word to a location, or `None` when its value is unknown
/// (a variable other than `$HOME`/`$PWD`, or a substitution).
pub(crate) fn resolve(word: &Word, cwd: &Loc, ctx: &CommandContext<'_>) -> Option<Loc> {
    let text = word.text.as_str();
    let (base, rest) = if let Some(rest) = strip_home(text) {
        (home_loc(ctx), rest)
    } else if let Some(rest) = strip_var(text, "PWD") {
        if cwd.base == Base::Unknown {
            return None;
        }
        (cwd.clone(), rest)
    } else if let Some(rest) = text.strip_prefix("~") {
        // `~user`: another user's home.
        let (user, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let mut loc = Loc::from_path(Base::Root, Path::new("/home"));
        loc.push_all(user);
        (loc, tail)
    } else if text.starts_with('/') {
        (Loc::from_path(Base::Root, Path::new("/")), text)
    } else if cwd.base == Base::Unknown {
        return None;
    } else {
        (cwd.clone(), text)
    };
    if word.dynamic && rest.contains('$') {
        return None;
    }
    let mut loc = base;
    loc.push_all(rest);
    Some(loc)
}

fn strip_home(text: &str) -> Option<&str> {
    if text == "~" {
        return Some("");
    }
    text.strip_prefix("~/").or_else(|| strip_var(text, "HOME"))
}

/// `$NAME` or `${NAME}` at the start, followed by `/` or the end.
fn strip_var<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let rest = text
        .strip_prefix(&format!("${{{name}}}"))
        .or_else(|| text.strip_prefix(&format!("${name}")))?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The home directory as a location.
pub(crate) fn home_loc(ctx: &CommandContext<'_>) -> Loc {
    match ctx.home {
        Some(h) if h.is_absolute() => Loc::from_path(Base::Root, h),
        _ => Loc {
            base: Base::Home,
            parts: Vec::new(),
            escapes: 0,
        },
    }
}

/// The workspace as a location (the starting working directory).
pub(crate) fn workspace_loc(ctx: &CommandContext<'_>) -> Loc {
    match ctx.workspace {
        Some(w) if w.is_absolute() => Loc::from_path(Base::Root, w),
        _ => Loc {
            base: Base::Cwd,
            parts: Vec::new(),
            escapes: 0,
        },
    }
}

/// Is `loc` strictly inside the workspace? The workspace root itself is not.
pub(crate) fn inside_workspace(loc: &Loc, ctx: &CommandContext<'_>) -> bool {
    let ws = workspace_loc(ctx);
    if loc.escapes > 0 || loc.base != ws.base {
        return false;
    }
    loc.parts.len() > ws.parts.len() && loc.parts[..ws.parts.len()] == ws.parts[..]
}

/// Is `loc` the home directory (or above it)?
pub(crate) fn is_home(loc: &Loc, ctx: &CommandContext<'_>) -> bool {
    let home = home_loc(ctx);
    (loc.base == home.base && loc.escapes == 0 && loc.parts == home.parts)
        || (loc.base == Base::Root && loc.parts.len() == 2 && loc.first() == "home")
        || (loc.base == Base::Root && loc.parts.len() == 1 && loc.first() == "root")
}

/// Top-level system directories whose loss or change breaks the machine.
const SYSTEM_DIRS: &[&str] = &[
    "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "opt", "proc", "root", "sbin", "srv",
    "sys", "usr", "var", "home", "snap",
];

/// Is `loc` `/` itself, `/*`, a top-level system directory or a home?
pub(crate) fn is_critical(loc: &Loc, ctx: &CommandContext<'_>) -> bool {
    if loc.base == Base::Root
        && (loc.parts.is_empty()
            || loc.has_glob_at(0)
            || (loc.parts.len() == 1 && SYSTEM_DIRS.contains(&loc.first())))
    {
        return true;
    }
    if is_home(loc, ctx) {
        return true;
    }
    // `~/*`: every file of the home directory.
    let home = home_loc(ctx);
    loc.base == home.base
        && loc.escapes == 0
        && loc.parts.len() == home.parts.len() + 1
        && loc.parts[..home.parts.len()] == home.parts[..]
        && loc.has_glob_at(home.parts.len())
        || loc.base == Base::Home && loc.escapes > 0
}

/// Shell start-up files in a home directory.
const RC_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".kshrc",
    ".cshrc",
    ".tcshrc",
    ".inputrc",
];

/// Why writing `loc` is never acceptable, if it is a protected place:
/// `~/.ssh`, shell start-up files, `/etc`, system directories, devices.
pub(crate) fn protected(loc: &Loc, ctx: &CommandContext<'_>) -> Option<&'static str> {
    let home = home_loc(ctx);
    let homes: Vec<Vec<String>> = {
        let mut v = Vec::new();
        if loc.base == home.base && loc.escapes == 0 && loc.parts.starts_with(&home.parts) {
            v.push(loc.parts[home.parts.len()..].to_vec());
        }
        if loc.base == Base::Root && matches!(loc.first(), "home") && loc.parts.len() > 2 {
            v.push(loc.parts[2..].to_vec());
        }
        if loc.base == Base::Root && matches!(loc.first(), "root") {
            v.push(loc.parts[1..].to_vec());
        }
        v
    };
    for rel in &homes {
        let first = rel.first().map(String::as_str).unwrap_or("");
        if first == ".ssh" || first == ".gnupg" {
            return Some("SSH and GPG keys live there");
        }
        if rel.len() == 1 && RC_FILES.contains(&first) {
            return Some("a shell start-up file runs in every new shell");
        }
        if rel.len() >= 3 && first == ".config" && rel[1] == "fish" {
            return Some("a shell start-up file runs in every new shell");
        }
    }
    if loc.base != Base::Root {
        return None;
    }
    match loc.first() {
        "etc" => Some("/etc holds the system's configuration"),
        "boot" | "bin" | "sbin" | "lib" | "lib32" | "lib64" | "usr" | "sys" => Some("system files"),
        "proc"
            if loc
                .parts
                .get(1)
                .is_some_and(|p| p == "sys" || p == "sysrq-trigger") =>
        {
            Some("kernel settings")
        }
        "dev" => device(loc.parts.get(1).map(String::as_str).unwrap_or("")),
        _ => None,
    }
}

/// Block devices and raw memory under `/dev`.
fn device(name: &str) -> Option<&'static str> {
    const SAFE: &[&str] = &[
        "null", "zero", "stdout", "stderr", "stdin", "tty", "fd", "full", "random", "urandom",
        "shm", "pts",
    ];
    if SAFE.contains(&name) {
        return None;
    }
    const DISKS: &[&str] = &[
        "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "dm-", "md", "loop", "sr", "mapper",
        "mem", "kmem", "port",
    ];
    DISKS
        .iter()
        .any(|d| name.starts_with(d))
        .then_some("a disk or raw memory device")
}

/// Credential stores: reading them hands keys and tokens to the model.
const CREDENTIALS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".netrc",
    ".git-credentials",
    ".docker",
    ".kube",
    ".npmrc",
    ".pypirc",
    ".config/gh",
    ".config/gcloud",
    ".password-store",
];

/// Why reading `loc` is never acceptable, if it holds credentials:
/// `~/.ssh`, `~/.aws`, `~/.netrc`, … in any home, `/etc/shadow`, `/etc/sudoers`.
pub(crate) fn credentials(loc: &Loc, ctx: &CommandContext<'_>) -> Option<&'static str> {
    if loc.base == Base::Root
        && loc.first() == "etc"
        && loc.parts.get(1).is_some_and(|p| {
            matches!(
                p.as_str(),
                "shadow" | "gshadow" | "sudoers" | "sudoers.d" | "ssh"
            )
        })
    {
        return Some("holds system credentials");
    }
    let rel = home_relative(loc, ctx)?;
    let joined = rel.join("/");
    CREDENTIALS
        .iter()
        .any(|c| joined == *c || joined.starts_with(&format!("{c}/")))
        .then_some("holds keys or tokens")
}

/// `loc` relative to a home directory (ours, `/root` or `/home/<user>`).
fn home_relative(loc: &Loc, ctx: &CommandContext<'_>) -> Option<Vec<String>> {
    let home = home_loc(ctx);
    if loc.base == home.base && loc.escapes == 0 && loc.parts.starts_with(&home.parts) {
        return Some(loc.parts[home.parts.len()..].to_vec());
    }
    match (loc.base == Base::Root, loc.first()) {
        (true, "home") if loc.parts.len() > 2 => Some(loc.parts[2..].to_vec()),
        (true, "root") => Some(loc.parts[1..].to_vec()),
        _ => None,
    }
}
