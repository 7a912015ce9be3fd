//! The interpreter of the bash reader: raw tokens into commands, `for` loops unrolled, variables, arrays and here-documents expanded.

use std::collections::BTreeMap;

use super::lex::Lexer;
use super::lex::{RawWord, Seg, Tok};
use super::{Command, Heredoc, Script, Unresolved, Var, Word};
use crate::diag::Span;

// ---------------------------------------------------------------- commands

/// A raw command with its tokens, or a control keyword.
#[derive(Clone, Debug)]
pub(super) enum Item {
    Cmd(Vec<Tok>),
    /// `for NAME in WORDS` (the `do` that follows opens its body)
    For(String, Vec<RawWord>),
    Done,
}

fn keyword(t: &Tok) -> Option<String> {
    match t {
        Tok::Word(w) => w.literal(),
        _ => None,
    }
}

const SKIP_KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "while", "until", "{", "}", "!", "function",
];

pub(super) fn split_commands(toks: &[Tok]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut case_depth = 0;
    while i < toks.len() {
        let t = &toks[i];
        // `case ... esac` holds patterns, not commands: skip it.
        if cur.is_empty() {
            if let Some(k) = keyword(t) {
                if k == "case" {
                    case_depth += 1;
                    i += 1;
                    continue;
                }
                if k == "esac" && case_depth > 0 {
                    case_depth -= 1;
                    i += 1;
                    continue;
                }
            }
        }
        if case_depth > 0 {
            i += 1;
            continue;
        }
        match t {
            Tok::Sep => {
                if !cur.is_empty() {
                    items.push(Item::Cmd(std::mem::take(&mut cur)));
                }
            }
            Tok::Word(w) if cur.is_empty() => {
                let k = w.literal().unwrap_or_default();
                if k == "for" {
                    // for NAME in w...; do
                    let name = toks.get(i + 1).and_then(keyword).unwrap_or_default();
                    let mut words = Vec::new();
                    let mut j = i + 2;
                    if toks.get(j).and_then(keyword).as_deref() == Some("in") {
                        j += 1;
                        while let Some(Tok::Word(w)) = toks.get(j) {
                            words.push(w.clone());
                            j += 1;
                        }
                    }
                    items.push(Item::For(name, words));
                    i = j;
                    continue;
                }
                if k == "done" {
                    items.push(Item::Done);
                } else if SKIP_KEYWORDS.contains(&k.as_str()) {
                    // a keyword that starts a command: the command is what follows
                } else if matches!(toks.get(i + 1), Some(Tok::Open))
                    && matches!(toks.get(i + 2), Some(Tok::Close))
                {
                    // a function definition `name() {`
                    i += 3;
                    continue;
                } else {
                    cur.push(t.clone());
                }
            }
            Tok::Open if cur.is_empty() => {} // a subshell: read its commands
            Tok::Close if cur.is_empty() => {}
            Tok::Open => {
                // `NAME=(` : an array up to the matching `)`, newlines inside
                cur.push(Tok::Open);
                i += 1;
                while i < toks.len() && toks[i] != Tok::Close {
                    if toks[i] != Tok::Sep {
                        cur.push(toks[i].clone());
                    }
                    i += 1;
                }
                cur.push(Tok::Close);
            }
            other => cur.push(other.clone()),
        }
        i += 1;
    }
    if !cur.is_empty() {
        items.push(Item::Cmd(cur));
    }
    items
}

pub(super) struct Interp {
    pub(super) vars: BTreeMap<String, Var>,
    pub(super) out: Script,
    /// Commands run so far (loops unrolled), against [`MAX_COMMANDS`].
    pub(super) ran: usize,
    /// Loops inside loops, against [`MAX_LOOP_DEPTH`].
    pub(super) depth: usize,
}

/// How deep `for` loops may nest.
const MAX_LOOP_DEPTH: usize = 32;

/// The most commands a script may run when read, loops unrolled: a hostile script of nested
/// loops ends here instead of exhausting memory.
pub const MAX_COMMANDS: usize = 100_000;

/// Prefixes that run the command after them.
const WRAPPERS: &[&str] = &["sudo", "time", "exec", "nohup", "command", "env", "builtin"];

fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Interp {
    pub(super) fn run(&mut self, items: &[Item]) {
        let mut i = 0;
        while i < items.len() {
            match &items[i] {
                Item::Cmd(toks) => {
                    self.ran += 1;
                    if self.ran > MAX_COMMANDS {
                        self.out.truncated = true;
                        return;
                    }
                    self.command(toks)
                }
                Item::For(name, words) => {
                    // the body: up to the matching `done`
                    let mut depth = 1;
                    let mut j = i + 1;
                    while j < items.len() {
                        match items[j] {
                            Item::For(..) => depth += 1,
                            Item::Done => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    let body = items[i + 1..j].to_vec();
                    self.depth += 1;
                    if self.depth > MAX_LOOP_DEPTH {
                        self.out.truncated = true;
                        return;
                    }
                    let values: Vec<Word> = words.iter().flat_map(|w| self.expand(w)).collect();
                    for v in values {
                        self.vars.insert(name.clone(), Var::Str(v.text));
                        self.run(&body);
                    }
                    self.depth -= 1;
                    i = j;
                }
                Item::Done => {}
            }
            i += 1;
        }
    }

    fn command(&mut self, toks: &[Tok]) {
        let mut words: Vec<Word> = Vec::new();
        let mut i = 0;
        let mut redirect_to: Option<Word> = None;
        let mut heredoc: Option<(String, u32, bool)> = None;
        let mut export = false;
        while i < toks.len() {
            match &toks[i] {
                Tok::Word(w) => {
                    // assignments before the command word (or after `export`)
                    if words.is_empty() || (export && words.len() == 1) {
                        if let Some((name, append)) = assignment_name(w) {
                            if matches!(toks.get(i + 1), Some(Tok::Open)) {
                                let mut j = i + 2;
                                let mut vals = Vec::new();
                                while let Some(Tok::Word(x)) = toks.get(j) {
                                    vals.extend(self.expand(x).into_iter().map(|w| w.text));
                                    j += 1;
                                }
                                let mut arr = match (append, self.vars.get(&name)) {
                                    (true, Some(Var::Array(a))) => a.clone(),
                                    (true, Some(Var::Str(s))) => vec![s.clone()],
                                    _ => Vec::new(),
                                };
                                arr.extend(vals);
                                self.vars.insert(name, Var::Array(arr));
                                i = j + 1;
                                continue;
                            }
                            let value = self.expand_value(w, &name);
                            let value = match (append, self.vars.get(&name)) {
                                (true, Some(Var::Str(s))) => format!("{s}{value}"),
                                _ => value,
                            };
                            self.vars.insert(name, Var::Str(value));
                            i += 1;
                            continue;
                        }
                        if words.is_empty() && w.literal().as_deref() == Some("export") {
                            export = true;
                        }
                    }
                    let expanded = self.expand(w);
                    words.extend(expanded);
                }
                Tok::RedirOut => {
                    if let Some(Tok::Word(w)) = toks.get(i + 1) {
                        redirect_to = self.expand(w).into_iter().next();
                        i += 1;
                    }
                }
                Tok::Redir => {
                    if let Some(Tok::Word(_)) = toks.get(i + 1) {
                        i += 1;
                    }
                }
                Tok::Heredoc {
                    body,
                    first_line,
                    expand,
                } => heredoc = Some((body.clone(), *first_line, *expand)),
                Tok::Open | Tok::Close | Tok::Sep => {}
            }
            i += 1;
        }
        if let Some(t) = &redirect_to {
            self.out.writes.push(t.clone());
        }
        if let (Some(target), Some((body, first_line, expand))) = (&redirect_to, heredoc) {
            let body = if expand {
                self.expand_text(&body)
            } else {
                body
            };
            self.out.heredocs.push(Heredoc {
                target: target.clone(),
                body,
                first_line,
            });
        }
        if export {
            words.retain(|w| w.text != "export" || !w.exact);
            if words.is_empty() {
                return;
            }
        }
        // `sudo -E VAR=x openstack ...`: drop the wrapper, its options and assignments
        while words
            .first()
            .is_some_and(|w| WRAPPERS.contains(&w.text.as_str()))
        {
            words.remove(0);
            while words.first().is_some_and(|w| {
                w.text.starts_with('-') || w.text.split_once('=').is_some_and(|(n, _)| is_name(n))
            }) {
                words.remove(0);
            }
        }
        if words.is_empty() {
            return;
        }
        self.out.commands.push(Command { words });
    }

    /// The value of an assignment word `NAME=value` (the part after `=`).
    fn expand_value(&mut self, w: &RawWord, name: &str) -> String {
        // Drop the `NAME=` / `NAME+=` prefix from the first literal segment.
        let mut segs = w.segs.clone();
        if let Some(Seg::Lit(first)) = segs.first_mut() {
            let cut = first.find('=').map_or(0, |i| i + 1);
            *first = first[cut..].to_string();
            // bash expands `~` at the start of an assignment's value
            if first == "~" || first.starts_with("~/") {
                let rest = first[1..].to_string();
                segs.splice(0..1, [Seg::Tilde, Seg::Lit(rest)]);
            }
        }
        let _ = name;
        let raw = RawWord { segs, span: w.span };
        let (text, _) = self.expand_joined(&raw);
        text
    }

    /// A word as bash expands it: usually one word; `"${A[@]}"` gives one per element and an
    /// unquoted variable holding spaces is split.
    fn expand(&mut self, w: &RawWord) -> Vec<Word> {
        let core: Vec<&Seg> = (w.segs.iter())
            .filter(|s| !matches!(s, Seg::Quoted(q) if q.is_empty()))
            .collect();
        if let [Seg::Var {
            name,
            all,
            quoted,
            default: None,
        }] = core.as_slice()
        {
            match self.vars.get(name) {
                Some(Var::Array(a)) if *all => {
                    return a
                        .iter()
                        .map(|t| Word {
                            text: t.clone(),
                            span: w.span,
                            exact: true,
                        })
                        .collect()
                }
                Some(Var::Str(s)) if !*quoted && s.contains(char::is_whitespace) => {
                    return s
                        .split_whitespace()
                        .map(|t| Word {
                            text: t.to_string(),
                            span: w.span,
                            exact: true,
                        })
                        .collect()
                }
                _ => {}
            }
        }
        let (text, exact) = self.expand_joined(w);
        // An unquoted variable that is empty expands to no word at all.
        if text.is_empty() && matches!(core.as_slice(), [Seg::Var { quoted: false, .. }]) {
            return Vec::new();
        }
        vec![Word {
            text,
            span: w.span,
            exact,
        }]
    }

    fn expand_joined(&mut self, w: &RawWord) -> (String, bool) {
        let mut s = String::new();
        let mut exact = true;
        for seg in &w.segs {
            match seg {
                Seg::Lit(t) | Seg::Quoted(t) => s.push_str(t),
                Seg::Tilde => match self.vars.get("HOME") {
                    Some(Var::Str(h)) => s.push_str(h),
                    _ => {
                        s.push('~');
                        exact = false;
                    }
                },
                Seg::Var {
                    name, default, all, ..
                } => match (self.vars.get(name), default) {
                    (Some(Var::Str(v)), _) => s.push_str(v),
                    (Some(Var::Array(a)), _) => {
                        if *all {
                            s.push_str(&a.join(" "));
                        } else if let Some(first) = a.first() {
                            s.push_str(first);
                        }
                    }
                    (None, Some(d)) => {
                        let d = self.expand_text(d);
                        s.push_str(&d);
                    }
                    (None, None) => {
                        self.out.unresolved.push(Unresolved {
                            what: format!("${name}"),
                            span: w.span,
                        });
                        s.push_str(&format!("${{{name}}}"));
                        exact = false;
                    }
                },
                Seg::Subst(t) if is_script_dir(t) && self.vars.contains_key(SCRIPT_DIR) => {
                    if let Some(Var::Str(d)) = self.vars.get(SCRIPT_DIR) {
                        s.push_str(d);
                    }
                }
                Seg::Subst(t) => {
                    self.out.unresolved.push(Unresolved {
                        what: t.clone(),
                        span: w.span,
                    });
                    s.push_str(t);
                    exact = false;
                }
            }
        }
        (s, exact)
    }

    /// `$VAR` and `${VAR}` in free text (a here-document body, a default value).
    fn expand_text(&mut self, text: &str) -> String {
        let mut lx = Lexer::new(text);
        let mut out = String::new();
        while let Some(c) = lx.peek(0) {
            if c == '$' {
                lx.bump();
                let mut segs = Vec::new();
                lx.dollar(&mut segs, true);
                let (t, _) = self.expand_joined(&RawWord {
                    segs,
                    span: Span::default(),
                });
                out.push_str(&t);
            } else {
                lx.bump();
                out.push(c);
            }
        }
        out
    }
}

/// The variable holding the directory of the script being read (set by the caller), which the
/// usual idioms for it expand to.
pub const SCRIPT_DIR: &str = " script dir";

/// `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`, `$(dirname "$0")`, `$(dirname $0)`: the
/// directory of the script itself.
fn is_script_dir(subst: &str) -> bool {
    let t: String = subst
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | ' '))
        .collect();
    matches!(
        t.as_str(),
        "$(cd$(dirname${BASH_SOURCE[0]})&&pwd)"
            | "$(cd$(dirname${BASH_SOURCE[0]});pwd)"
            | "$(cd$(dirname$0)&&pwd)"
            | "$(cd$(dirname$0);pwd)"
            | "$(dirname${BASH_SOURCE[0]})"
            | "$(dirname$0)"
    ) || t == "`dirname$0`"
}

/// `NAME=...` or `NAME+=...`: the name and whether it appends.
fn assignment_name(w: &RawWord) -> Option<(String, bool)> {
    let Some(Seg::Lit(first)) = w.segs.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let (name, append) = match first[..eq].strip_suffix('+') {
        Some(n) => (n, true),
        None => (&first[..eq], false),
    };
    is_name(name).then(|| (name.to_string(), append))
}
