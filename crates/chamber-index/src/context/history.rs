//! Recent commits that touched a file (`git log -p`, bounded).

use std::path::Path;
use std::process::Command;

/// The last `commits` commits touching `path` with their patches, cut to
/// `max_chars`; `None` outside git or when there is no history.
pub(crate) fn recent_commits(
    root: &Path,
    path: &str,
    commits: usize,
    max_chars: usize,
) -> Option<String> {
    if commits == 0 {
        return None;
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "log",
            "-p",
            "--no-color",
            "--no-ext-diff",
            "--format=commit %h %ad%n%s%n",
            "--date=short",
        ])
        .arg(format!("-n{commits}"))
        .arg("--")
        .arg(path)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= max_chars {
        return Some(text.to_string());
    }
    let mut cut: String = text.chars().take(max_chars).collect();
    cut.push_str("\n[… truncated]");
    Some(cut)
}
