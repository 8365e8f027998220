//! Which tools exist, what the model is told about each, and how a call
//! reaches its code. The edit tools offered depend on the edit format chosen
//! for the model.

use std::str::FromStr;

use chamber_protocol::ToolResult;

use crate::context::ToolContext;
use crate::edit_tool::{EditFileArgs, edit_file};
use crate::fs_tools::{
    DeleteFileArgs, ReadFileArgs, WriteFileArgs, delete_file, read_file, write_file,
};
use crate::list_tool::{ListFilesArgs, list_files};
use crate::patch_tools::{ApplyDiffArgs, ApplyPatchArgs, MultiEditArgs, PatchOp, patch_edit};
use crate::registry::Entry;
use crate::result::failed;
use crate::search_tool::{SearchArgs, search};
use crate::shell::{ShellArgs, shell};
use crate::specs::{ArgsError, Risk, ToolArgs, parse_args};
use crate::symbol_tools::{
    DeleteSymbolArgs, InsertSymbolArgs, RenameSymbolArgs, ReplaceSymbolArgs, SymbolOp, symbol_edit,
};
use crate::valid_call::ValidCall;

/// How the model writes partial edits; each format has its own tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditFormat {
    /// `apply_patch` with the `*** Begin Patch` format (what OpenAI's
    /// recent models are trained on).
    ApplyPatch,
    /// `edit_file` and `multi_edit` with old/new strings.
    SearchReplace,
    /// `apply_diff` with unified diffs.
    UnifiedDiff,
    /// Whole files only (`write_file`).
    WholeFile,
}

impl FromStr for EditFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "apply_patch" => Ok(Self::ApplyPatch),
            "search_replace" => Ok(Self::SearchReplace),
            "udiff" => Ok(Self::UnifiedDiff),
            "whole" => Ok(Self::WholeFile),
            other => Err(format!(
                "unknown edit format {other:?}: expected apply_patch, search_replace, udiff or whole"
            )),
        }
    }
}

impl EditFormat {
    /// The name used in config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApplyPatch => "apply_patch",
            Self::SearchReplace => "search_replace",
            Self::UnifiedDiff => "udiff",
            Self::WholeFile => "whole",
        }
    }
}

const APPLY_PATCH_HELP: &str = "Edit files with a patch. Format:\n*** Begin Patch\n*** Update File: path/to/file\n@@ optional line that appears just above the change (a def/class/fn header)\n unchanged context line (starts with a space)\n-line to remove\n+line to add\n*** Add File: path/new_file\n+every line of the new file\n*** Delete File: path/old_file\n*** End Patch\nUse about 3 context lines around each change; add *** Move to: new/path after an Update line to rename. All files change together or none does.";

/// The entries for one format, in a stable order.
pub(crate) fn entries(format: EditFormat, symbol_edits: bool) -> Vec<Entry> {
    let mut v = vec![
        Entry::of::<ReadFileArgs>(
            "read_file",
            Risk::Read,
            "Read a text file. Returns its lines prefixed with line numbers and a tab (the numbers are not part of the file). Shows at most 2000 lines per call; use start_line and end_line for other parts of a large file.",
        ),
        Entry::of::<ListFilesArgs>(
            "list_files",
            Risk::Read,
            "List files and directories under a directory as an indented tree (directories end with \"/\"). Files ignored by .gitignore are left out.",
        ),
        Entry::of::<SearchArgs>(
            "search",
            Risk::Read,
            "Search file contents with a regular expression. Returns matching lines as \"path:line: text\". Skips gitignored and binary files.",
        ),
        Entry::of::<WriteFileArgs>(
            "write_file",
            Risk::Write,
            "Create a file, or replace the entire content of an existing one. Parent directories are created. To change part of an existing file, prefer the edit tool.",
        ),
    ];
    match format {
        EditFormat::SearchReplace => {
            v.push(Entry::of::<EditFileArgs>(
                "edit_file",
                Risk::Write,
                "Replace a piece of text in an existing file. old_string should be copied from the file (a few lines, with enough context to occur once); small whitespace or indentation differences are tolerated, but an ambiguous match is refused with the candidate line numbers. Set replace_all to replace every exact occurrence. Read the file first.",
            ));
            v.push(Entry::of::<MultiEditArgs>(
                "multi_edit",
                Risk::Write,
                "Make several old_string/new_string replacements, in one or more files, all at once: either every edit applies or none does. An empty old_string with a new path creates that file.",
            ));
        }
        EditFormat::ApplyPatch => v.push(Entry::of::<ApplyPatchArgs>(
            "apply_patch",
            Risk::Write,
            APPLY_PATCH_HELP,
        )),
        EditFormat::UnifiedDiff => v.push(Entry::of::<ApplyDiffArgs>(
            "apply_diff",
            Risk::Write,
            "Apply a unified diff (--- a/path, +++ b/path, @@ hunks with context lines, - removed, + added) to one or more files. Line numbers may be approximate; the context lines locate each hunk. All files change together or none does.",
        )),
        EditFormat::WholeFile => {}
    }
    if symbol_edits {
        v.extend([
            Entry::of::<ReplaceSymbolArgs>(
                "replace_symbol",
                Risk::Write,
                "Replace a whole function, method, class or type by name in a Rust, Python, TypeScript, JavaScript or Go file. symbol is like \"function\", \"Class.method\" or \"Type::method\". The result must still parse.",
            ),
            Entry::of::<InsertSymbolArgs>(
                "insert_before_symbol",
                Risk::Write,
                "Insert code (a new function, method, class…) just before a named symbol, indented to match.",
            ),
            Entry::of::<InsertSymbolArgs>(
                "insert_after_symbol",
                Risk::Write,
                "Insert code (a new function, method, class…) just after a named symbol, indented to match.",
            ),
            Entry::of::<DeleteSymbolArgs>(
                "delete_symbol",
                Risk::Write,
                "Delete a named function, method, class or type, with its doc comments and decorators.",
            ),
            Entry::of::<RenameSymbolArgs>(
                "rename_symbol",
                Risk::Write,
                "Rename an identifier everywhere in one file (code only: never inside strings or comments).",
            ),
        ]);
    }
    v.extend([
        Entry::of::<DeleteFileArgs>(
            "delete_file",
            Risk::Write,
            "Delete one file. Directories are refused.",
        ),
        Entry::of::<ShellArgs>(
            "shell",
            Risk::Exec,
            "Run a shell command (bash -c) in the workspace and return its stdout, stderr and exit code. Use it to build, test, run programs and use git. Commands are non-interactive (stdin is empty) and are killed after the time limit. Very long output is cut in the middle.",
        ),
    ]);
    v
}

/// Parses the arguments for the named tool and runs it.
pub(crate) async fn dispatch(call: &ValidCall, ctx: &ToolContext) -> ToolResult {
    fn args<A: ToolArgs>(call: &ValidCall) -> Result<A, String> {
        parse_args::<A>(&call.args).map_err(|e| match e {
            ArgsError::Schema(m) | ArgsError::Invalid(m) => {
                format!("invalid arguments for {}: {m}", call.name)
            }
        })
    }
    macro_rules! run {
        ($f:expr) => {
            match args(call) {
                Ok(a) => $f(a).await,
                Err(e) => failed(e),
            }
        };
    }
    match call.name.as_str() {
        "read_file" => run!(|a| read_file(ctx, a)),
        "list_files" => run!(|a| list_files(ctx, a)),
        "search" => run!(|a| search(ctx, a)),
        "write_file" => run!(|a| write_file(ctx, a)),
        "edit_file" => run!(|a| edit_file(ctx, a)),
        "multi_edit" => run!(|a| patch_edit(ctx, PatchOp::MultiEdit(a))),
        "apply_patch" => run!(|a| patch_edit(ctx, PatchOp::ApplyPatch(a))),
        "apply_diff" => run!(|a| patch_edit(ctx, PatchOp::ApplyDiff(a))),
        "replace_symbol" => run!(|a| symbol_edit(ctx, SymbolOp::Replace(a))),
        "insert_before_symbol" => run!(|a| symbol_edit(ctx, SymbolOp::InsertBefore(a))),
        "insert_after_symbol" => run!(|a| symbol_edit(ctx, SymbolOp::InsertAfter(a))),
        "delete_symbol" => run!(|a| symbol_edit(ctx, SymbolOp::Delete(a))),
        "rename_symbol" => run!(|a| symbol_edit(ctx, SymbolOp::Rename(a))),
        "delete_file" => run!(|a| delete_file(ctx, a)),
        "shell" => run!(|a| shell(ctx, a)),
        other => failed(format!("unknown tool \"{other}\"")),
    }
}
