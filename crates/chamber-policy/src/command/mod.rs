//! Command lines as a shell sees them: the lexer and parser (`lex`,
//! `parse`, `script`), pure path logic (`paths`), the built-in checks
//! (`deny`, `git`, `opaque`) and the walk that applies them (`eval`).

mod deny;
mod escapes;
pub(crate) mod eval;
mod git;
mod interp;
mod lex;
mod opaque;
mod parse;
mod paths;
mod script;
mod words;

pub use parse::{MAX_DEPTH, ParseError, parse_script};
pub use paths::CommandContext;
pub use script::{Function, Pipeline, RedirOp, Redirect, Script, SimpleCommand, Word};
pub(crate) use words::is_assignment;

/// The command name without its directory (`/usr/bin/rm` → `rm`).
pub(crate) fn basename_of(text: &str) -> &str {
    words::basename(text)
}
