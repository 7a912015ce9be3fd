//! The part of bash that deploy scripts use, read without running anything: words and quoting,
//! line continuations, comments, `NAME=value` and `export`, arrays (`A=(...)`, `A+=(...)`,
//! `"${A[@]}"`), `$VAR`, `${VAR}`, `${VAR:-default}`, `~`, `for NAME in ...; do ...; done`
//! (unrolled), and here-documents written to a file (`cat > f.yaml <<EOF`).
//!
//! `if`, `case` and functions are read straight through: every command of every branch counts,
//! in the order written. Command substitutions (`$(...)`, backticks) and variables that are never
//! set stay unresolved: the words that hold them are marked so callers can say so.

mod interp;
mod lex;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::diag::Span;

use interp::{split_commands, Interp};
pub use interp::{MAX_COMMANDS, SCRIPT_DIR};
use lex::Lexer;
/// A word of a command after expansion, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
    /// Every expansion in it was resolved: `text` is what bash would pass.
    pub exact: bool,
}

/// A simple command: its words (prefixes such as `sudo` and assignments removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
}

impl Command {
    /// The words' texts.
    pub fn texts(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }

    pub fn span(&self) -> Span {
        self.words.first().map(|w| w.span).unwrap_or_default()
    }
}

/// A here-document written to a file: `cat > TARGET <<EOF` ... `EOF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub target: Word,
    /// The body, after expansion when the delimiter is unquoted.
    pub body: String,
    /// The line of the body's first line in the script.
    pub first_line: u32,
}

/// A variable reference that could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub what: String,
    pub span: Span,
}

/// What a script runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
    pub heredocs: Vec<Heredoc>,
    /// Files the script writes with `>` or `>>` (here-documents included).
    pub writes: Vec<Word>,
    pub unresolved: Vec<Unresolved>,
    /// Variables as the script leaves them.
    pub vars: BTreeMap<String, Var>,
    /// It ran more than [`MAX_COMMANDS`] commands: the rest was not read.
    pub truncated: bool,
}

/// A shell variable: a string or an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Var {
    Str(String),
    Array(Vec<String>),
}

/// Reads a script. `env` holds the variables set before it runs (e.g. `HOME`).
pub fn parse(text: &str, env: &BTreeMap<String, Var>) -> Script {
    let tokens = Lexer::new(text).run();
    let mut it = Interp {
        vars: env.clone(),
        out: Script::default(),
        ran: 0,
        depth: 0,
    };
    let items = split_commands(&tokens);
    it.run(&items);
    it.out.vars = it.vars;
    it.out
}
