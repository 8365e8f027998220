//! A tool call that passed validation, with the accessors the policy and
//! the approval prompt need.

use serde_json::Value;

use crate::specs::Risk;

/// A tool call whose name and arguments were checked; holds the parsed
/// arguments so the policy can inspect them before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCall {
    /// The provider's call id.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, a JSON object matching the tool's schema.
    pub args: Value,
    /// How dangerous the call is.
    pub risk: Risk,
}

impl ValidCall {
    fn str_arg(&self, key: &str) -> Option<&str> {
        self.args.get(key).and_then(Value::as_str)
    }

    /// A one-line human description for approval prompts, such as
    /// `shell: cargo test` or `write_file: src/a.py (120 bytes)`.
    pub fn describe(&self) -> String {
        let path = self.paths().join(", ");
        let detail = match self.name.as_str() {
            "shell" => {
                let mut d = self.command().unwrap_or_default().to_string();
                if let Some(cwd) = self.str_arg("cwd") {
                    d.push_str(&format!(" (in {cwd})"));
                }
                d
            }
            "write_file" => {
                let bytes = self.str_arg("content").map(str::len).unwrap_or(0);
                format!("{path} ({bytes} bytes)")
            }
            "edit_file" => {
                let lines = |k| {
                    let n = self
                        .str_arg(k)
                        .map(|s| s.lines().count().max(1))
                        .unwrap_or(0);
                    if n == 1 {
                        "1 line".to_string()
                    } else {
                        format!("{n} lines")
                    }
                };
                let all = if self.args.get("replace_all").and_then(Value::as_bool) == Some(true) {
                    ", every occurrence"
                } else {
                    ""
                };
                format!(
                    "{path} (replace {} with {}{all})",
                    lines("old_string"),
                    lines("new_string")
                )
            }
            "read_file" => {
                let n = |k| self.args.get(k).and_then(Value::as_u64);
                match (n("start_line"), n("end_line")) {
                    (None, None) => path,
                    (s, e) => format!(
                        "{path} (lines {}-{})",
                        s.unwrap_or(1),
                        e.map(|e| e.to_string()).unwrap_or_else(|| "end".into())
                    ),
                }
            }
            "search" => {
                let glob = self
                    .str_arg("glob")
                    .map(|g| format!(" ({g})"))
                    .unwrap_or_default();
                format!(
                    "/{}/ in {path}{glob}",
                    self.str_arg("pattern").unwrap_or_default()
                )
            }
            "list_files" | "delete_file" => path,
            _ => self.args.to_string(),
        };
        format!("{}: {detail}", self.name)
    }

    /// For `shell`: the command line.
    pub fn command(&self) -> Option<&str> {
        if self.name == "shell" {
            self.str_arg("command")
        } else {
            None
        }
    }

    /// For file tools: the target paths as given (`.` where it defaults to
    /// the root), so the policy can match path rules; patches name every
    /// file they add, update, delete or move to. Empty for `shell`.
    pub fn paths(&self) -> Vec<String> {
        match self.name.as_str() {
            "list_files" | "search" => vec![self.str_arg("path").unwrap_or(".").to_string()],
            "multi_edit" => self
                .args
                .get("edits")
                .and_then(Value::as_array)
                .map(|edits| {
                    let mut paths: Vec<String> = edits
                        .iter()
                        .filter_map(|e| e.get("path").and_then(Value::as_str))
                        .map(String::from)
                        .collect();
                    paths.dedup();
                    paths
                })
                .unwrap_or_default(),
            "apply_patch" => patch_paths(self.str_arg("patch").unwrap_or_default()),
            "apply_diff" => diff_paths(self.str_arg("diff").unwrap_or_default()),
            _ => {
                let mut paths: Vec<String> = self
                    .str_arg("path")
                    .map(|p| vec![p.to_string()])
                    .unwrap_or_default();
                // Tools that take several paths (`git_commit`) are judged on each.
                if let Some(list) = self.args.get("paths").and_then(Value::as_array) {
                    paths.extend(list.iter().filter_map(Value::as_str).map(String::from));
                }
                paths
            }
        }
    }
}

/// Files an `apply_patch` envelope touches, in order, without duplicates.
fn patch_paths(patch: &str) -> Vec<String> {
    const MARKERS: &[&str] = &[
        "*** Add File:",
        "*** Update File:",
        "*** Delete File:",
        "*** Move to:",
    ];
    let mut paths: Vec<String> = Vec::new();
    for line in patch.lines() {
        let line = line.trim();
        if let Some(path) = MARKERS.iter().find_map(|m| line.strip_prefix(m)) {
            let path = path.trim().to_string();
            if !path.is_empty() && !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}

/// Files a unified diff touches (both sides of a rename), without `a/`/`b/`.
fn diff_paths(diff: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for line in diff.lines() {
        // git's headers name files too (a rename or mode change may have no
        // ---/+++ lines), and the applier honours them.
        let git_names: Vec<&str> = if let Some(rest) = line.strip_prefix("diff --git ") {
            rest.split_whitespace().collect()
        } else if let Some(rest) = line
            .strip_prefix("rename from ")
            .or_else(|| line.strip_prefix("rename to "))
            .or_else(|| line.strip_prefix("copy from "))
            .or_else(|| line.strip_prefix("copy to "))
        {
            vec![rest.trim()]
        } else {
            Vec::new()
        };
        for name in git_names {
            let name = name
                .strip_prefix("a/")
                .or_else(|| name.strip_prefix("b/"))
                .unwrap_or(name)
                .to_string();
            if !name.is_empty() && name != "/dev/null" && !paths.contains(&name) {
                paths.push(name);
            }
        }
        let Some(rest) = line
            .strip_prefix("--- ")
            .or_else(|| line.strip_prefix("+++ "))
        else {
            continue;
        };
        let name = rest.split('\t').next().unwrap_or_default().trim();
        if name == "/dev/null" || name.is_empty() {
            continue;
        }
        let name = name
            .strip_prefix("a/")
            .or_else(|| name.strip_prefix("b/"))
            .unwrap_or(name)
            .to_string();
        if !paths.contains(&name) {
            paths.push(name);
        }
    }
    paths
}

#[cfg(test)]
mod path_tests {
    use super::{diff_paths, patch_paths};

    #[test]
    fn patches_and_diffs_name_every_file_they_touch() {
        let patch = "*** Begin Patch\n*** Add File: .env\n+A=1\n*** Update File: src/a.rs\n*** Move to: src/b.rs\n@@\n-x\n+y\n*** Delete File: old.txt\n*** End Patch\n";
        assert_eq!(
            patch_paths(patch),
            vec![".env", "src/a.rs", "src/b.rs", "old.txt"]
        );
        let diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n--- /dev/null\n+++ b/app/migrations/2.py\n@@ -0,0 +1 @@\n+c\n";
        assert_eq!(diff_paths(diff), vec!["x.py", "app/migrations/2.py"]);
    }
}
