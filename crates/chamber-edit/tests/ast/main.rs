//! Symbol addressing, symbol-level edits and syntax checks, per language.

mod go;
mod javascript;
mod python;
mod rust;
mod syntax_check;
mod typescript;
