//! The part of bash that deploy scripts use, read without running anything: words and quoting,
//! line continuations, comments, `NAME=value` and `export`, arrays (`A=(...)`, `A+=(...)`,
//! `"${A[@]}"`), `$VAR`, `${VAR}`, `${VAR:-default}`, `~`, `for NAME in ...; do ...; done`
//! (unrolled), and here-documents written to a file (`cat > f.yaml <<EOF`).
//!
//! `if`, `case` and functions are read straight through: every command of every branch counts,
//! in the order written. Command substitutions (`$(...)`, backticks) and variables that are never
//! set stay unresolved: the words that hold them are marked so callers can say so.

use std::collections::BTreeMap;

use crate::diag::Span;

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

// ---------------------------------------------------------------- lexing

/// A piece of a raw word.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Lit(String),
    /// Text in single quotes, or escaped: never expanded.
    Quoted(String),
    /// `$NAME`, `${NAME}`, `${NAME:-x}`, `${NAME[@]}`; `quoted` inside double quotes.
    Var {
        name: String,
        default: Option<String>,
        all: bool,
        quoted: bool,
    },
    /// `$(...)` or a backtick substitution: unknown.
    Subst(String),
    /// `~` at the start of a word.
    Tilde,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct RawWord {
    segs: Vec<Seg>,
    span: Span,
}

impl RawWord {
    /// The literal text when the word has no expansions.
    fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Lit(t) | Seg::Quoted(t) => s.push_str(t),
                _ => return None,
            }
        }
        Some(s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(RawWord),
    /// `;`, `&&`, `||`, `|`, `&`, a newline, `;;`
    Sep,
    Open,
    Close,
    /// `<<DELIM` with its body already read.
    Heredoc {
        body: String,
        first_line: u32,
        expand: bool,
    },
    /// `>` or `>>`
    RedirOut,
    /// any other redirection operator (`<`, `2>`, `>&`...): its target word is skipped
    Redir,
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    col: u32,
    toks: Vec<Tok>,
    /// Here-documents whose bodies start after the current line.
    pending: Vec<(String, bool, bool, usize)>,
    _text: &'a str,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            line: 1,
            col: 1,
            toks: Vec::new(),
            pending: Vec::new(),
            _text: text,
        }
    }

    fn peek(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    /// Skips `\` newline pairs.
    fn skip_continuations(&mut self) {
        while self.peek(0) == Some('\\') && self.peek(1) == Some('\n') {
            self.bump();
            self.bump();
        }
    }

    fn run(mut self) -> Vec<Tok> {
        loop {
            self.skip_continuations();
            let Some(c) = self.peek(0) else { break };
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump();
                }
                '\n' => {
                    self.bump();
                    self.toks.push(Tok::Sep);
                    self.read_heredoc_bodies();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                ';' | '&' | '|' => {
                    self.bump();
                    if matches!(self.peek(0), Some(d) if d == c || (c == '|' && d == '&') || (c == '&' && d == '>'))
                    {
                        if c == '&' && self.peek(0) == Some('>') {
                            self.bump();
                            self.toks.push(Tok::Redir);
                            continue;
                        }
                        self.bump();
                    }
                    self.toks.push(Tok::Sep);
                }
                '(' => {
                    self.bump();
                    self.toks.push(Tok::Open);
                }
                ')' => {
                    self.bump();
                    self.toks.push(Tok::Close);
                }
                '<' if self.peek(1) == Some('<') && self.peek(2) != Some('<') => {
                    self.bump();
                    self.bump();
                    let strip = self.peek(0) == Some('-');
                    if strip {
                        self.bump();
                    }
                    while matches!(self.peek(0), Some(' ' | '\t')) {
                        self.bump();
                    }
                    let w = self.word();
                    let quoted = w.segs.iter().any(|s| matches!(s, Seg::Quoted(_)));
                    let delim: String = w
                        .segs
                        .iter()
                        .map(|s| match s {
                            Seg::Lit(t) | Seg::Quoted(t) => t.clone(),
                            _ => String::new(),
                        })
                        .collect();
                    self.toks.push(Tok::Heredoc {
                        body: String::new(),
                        first_line: 0,
                        expand: !quoted,
                    });
                    let at = self.toks.len() - 1;
                    self.pending.push((delim, strip, !quoted, at));
                }
                '>' | '<' => {
                    self.bump();
                    let out = c == '>';
                    if matches!(self.peek(0), Some('>' | '&' | '<' | '|')) {
                        self.bump();
                    }
                    self.toks.push(if out { Tok::RedirOut } else { Tok::Redir });
                }
                '0'..='9' if matches!(self.peek(1), Some('>' | '<')) => {
                    self.bump();
                    self.bump();
                    if matches!(self.peek(0), Some('>' | '&')) {
                        self.bump();
                    }
                    self.toks.push(Tok::Redir);
                }
                _ => {
                    let w = self.word();
                    self.toks.push(Tok::Word(w));
                }
            }
        }
        self.toks
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (delim, strip, _expand, at) in pending {
            let first_line = self.line;
            let mut body = String::new();
            loop {
                if self.peek(0).is_none() {
                    break;
                }
                let mut line = String::new();
                while let Some(c) = self.peek(0) {
                    self.bump();
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let cmp = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if cmp == delim {
                    break;
                }
                body.push_str(if strip { cmp } else { &line });
                body.push('\n');
            }
            if let Some(Tok::Heredoc {
                body: b,
                first_line: f,
                ..
            }) = self.toks.get_mut(at)
            {
                *b = body;
                *f = first_line;
            }
        }
    }

    fn word(&mut self) -> RawWord {
        let start = Span::new(self.line, self.col, 0);
        let start_pos = self.pos;
        let mut segs: Vec<Seg> = Vec::new();
        let mut lit = String::new();
        let flush = |segs: &mut Vec<Seg>, lit: &mut String| {
            if !lit.is_empty() {
                segs.push(Seg::Lit(std::mem::take(lit)));
            }
        };
        if self.peek(0) == Some('~') {
            self.bump();
            segs.push(Seg::Tilde);
        }
        loop {
            self.skip_continuations();
            let Some(c) = self.peek(0) else { break };
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                    // `NAME=(` starts an array: the caller sees the word, then `(`.
                    break;
                }
                '\\' => {
                    self.bump();
                    if let Some(n) = self.bump() {
                        flush(&mut segs, &mut lit);
                        segs.push(Seg::Quoted(n.to_string()));
                    }
                }
                '\'' => {
                    self.bump();
                    flush(&mut segs, &mut lit);
                    let mut q = String::new();
                    while let Some(n) = self.bump() {
                        if n == '\'' {
                            break;
                        }
                        q.push(n);
                    }
                    segs.push(Seg::Quoted(q));
                }
                '"' => {
                    self.bump();
                    flush(&mut segs, &mut lit);
                    self.double_quoted(&mut segs);
                }
                '$' => {
                    self.bump();
                    flush(&mut segs, &mut lit);
                    self.dollar(&mut segs, false);
                }
                '`' => {
                    self.bump();
                    flush(&mut segs, &mut lit);
                    let mut s = String::new();
                    while let Some(n) = self.bump() {
                        if n == '`' {
                            break;
                        }
                        s.push(n);
                    }
                    segs.push(Seg::Subst(s));
                }
                _ => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        flush(&mut segs, &mut lit);
        let len = if self.line == start.line {
            (self.pos - start_pos) as u32
        } else {
            1
        };
        RawWord {
            segs,
            span: Span::new(start.line, start.column, len),
        }
    }

    fn double_quoted(&mut self, segs: &mut Vec<Seg>) {
        let mut q = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => match self.peek(0) {
                    Some('\n') => {
                        self.bump();
                    }
                    Some(n @ ('"' | '\\' | '$' | '`')) => {
                        self.bump();
                        q.push(n);
                    }
                    _ => q.push('\\'),
                },
                '$' => {
                    segs.push(Seg::Quoted(std::mem::take(&mut q)));
                    self.dollar(segs, true);
                }
                '`' => {
                    segs.push(Seg::Quoted(std::mem::take(&mut q)));
                    let mut s = String::new();
                    while let Some(n) = self.bump() {
                        if n == '`' {
                            break;
                        }
                        s.push(n);
                    }
                    segs.push(Seg::Subst(s));
                }
                _ => q.push(c),
            }
        }
        segs.push(Seg::Quoted(q));
    }

    /// After a `$`.
    fn dollar(&mut self, segs: &mut Vec<Seg>, quoted: bool) {
        match self.peek(0) {
            Some('(') => {
                // $( ... ) or $(( ... )), with nesting
                let mut depth = 0;
                let mut s = String::new();
                while let Some(c) = self.bump() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    s.push(c);
                }
                segs.push(Seg::Subst(format!("${s})")));
            }
            Some('{') => {
                self.bump();
                let mut inner = String::new();
                let mut depth = 1;
                while let Some(c) = self.bump() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                let name_end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, rest) = inner.split_at(name_end);
                let (all, rest) = match rest.strip_prefix("[@]").or(rest.strip_prefix("[*]")) {
                    Some(r) => (true, r),
                    None => (false, rest),
                };
                let default = rest
                    .strip_prefix(":-")
                    .or(rest.strip_prefix('-'))
                    .or(rest.strip_prefix(":="))
                    .map(str::to_string);
                if name.is_empty() || (!rest.is_empty() && default.is_none()) {
                    segs.push(Seg::Subst(format!("${{{inner}}}")));
                } else {
                    segs.push(Seg::Var {
                        name: name.to_string(),
                        default,
                        all,
                        quoted,
                    });
                }
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self
                    .peek(0)
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    self.bump();
                    name.push(c);
                }
                segs.push(Seg::Var {
                    name,
                    default: None,
                    all: false,
                    quoted,
                });
            }
            // positional parameters: set when a script is run by another with arguments
            Some(c) if c.is_ascii_digit() || c == '@' || c == '*' => {
                self.bump();
                segs.push(Seg::Var {
                    name: c.to_string(),
                    default: None,
                    all: c == '@' || c == '*',
                    quoted,
                });
            }
            Some(c) if "#?$!-".contains(c) => {
                self.bump();
                segs.push(Seg::Subst(format!("${c}")));
            }
            _ => segs.push(Seg::Lit("$".into())),
        }
    }
}

// ---------------------------------------------------------------- commands

/// A raw command with its tokens, or a control keyword.
#[derive(Clone, Debug)]
enum Item {
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

fn split_commands(toks: &[Tok]) -> Vec<Item> {
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

struct Interp {
    vars: BTreeMap<String, Var>,
    out: Script,
    /// Commands run so far (loops unrolled), against [`MAX_COMMANDS`].
    ran: usize,
    /// Loops inside loops, against [`MAX_LOOP_DEPTH`].
    depth: usize,
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
    fn run(&mut self, items: &[Item]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Script {
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), Var::Str("/home/stack".to_string()));
        parse(text, &env)
    }

    fn cmds(text: &str) -> Vec<Vec<String>> {
        run(text)
            .commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
            .collect()
    }

    #[test]
    fn continuations_quotes_and_comments() {
        let c = cmds(
            "#!/bin/bash\n# a comment\nopenstack overcloud deploy \\\n  --stack dcn0 \\\n  -e 'a b.yaml' -e \"$HOME/x.yaml\" # trailing\n",
        );
        assert_eq!(
            c,
            vec![vec![
                "openstack",
                "overcloud",
                "deploy",
                "--stack",
                "dcn0",
                "-e",
                "a b.yaml",
                "-e",
                "/home/stack/x.yaml"
            ]]
        );
    }

    #[test]
    fn words_know_their_place() {
        let s = run("STACK=dcn0\nopenstack overcloud deploy \\\n    --stack $STACK\n");
        let w = &s.commands[0].words[4];
        assert_eq!(w.text, "dcn0");
        assert_eq!((w.span.line, w.span.column), (3, 13));
    }

    #[test]
    fn variables_defaults_tilde_and_unresolved() {
        let s = run("DIR=~/dcn0\nT=${THT:-/usr/share/openstack-tripleo-heat-templates}\necho $DIR $T/x $(pwd) $NOPE\n");
        let w = s.commands[0].texts();
        assert_eq!(w[1], "/home/stack/dcn0");
        assert_eq!(w[2], "/usr/share/openstack-tripleo-heat-templates/x");
        assert!(!s.commands[0].words[3].exact);
        assert!(!s.commands[0].words[4].exact);
        assert_eq!(s.unresolved.len(), 2);
    }

    #[test]
    fn arrays_as_dcnc_writes_them() {
        let c = cmds(
            "ENV_FILES=(\n  -e \"${THT}/a.yaml\"\n  -e b.yaml\n)\nif true; then\n  ENV_FILES+=(-e c.yaml)\nfi\nopenstack overcloud deploy \"${ENV_FILES[@]}\" --stack-only\n",
        );
        assert_eq!(
            c.last().unwrap(),
            &vec![
                "openstack",
                "overcloud",
                "deploy",
                "-e",
                "${THT}/a.yaml",
                "-e",
                "b.yaml",
                "-e",
                "c.yaml",
                "--stack-only"
            ]
        );
    }

    #[test]
    fn for_loops_unroll() {
        let c = cmds("for s in dcn0 dcn1; do\n  openstack overcloud deploy --stack $s\ndone\n");
        assert_eq!(c.len(), 2);
        assert_eq!(c[1][4], "dcn1");
    }

    #[test]
    fn heredocs_become_files() {
        let s = run("S=dcn0\ncat > az.yaml <<EOF\nparameter_defaults:\n  NovaComputeAvailabilityZone: $S\nEOF\necho done\n");
        assert_eq!(s.heredocs.len(), 1);
        assert_eq!(s.heredocs[0].target.text, "az.yaml");
        assert_eq!(s.heredocs[0].first_line, 3);
        assert!(s.heredocs[0].body.contains("Zone: dcn0"));
        assert_eq!(s.commands.last().unwrap().texts(), vec!["echo", "done"]);
        let q = run("cat <<'EOF' > x.yaml\na: $S\nEOF\n");
        assert_eq!(q.heredocs[0].body, "a: $S\n");
    }

    #[test]
    fn wrappers_case_and_functions() {
        let c = cmds(
            "deploy() {\n  sudo -E openstack overcloud deploy --stack x\n}\ncase \"$1\" in\n  a) echo a ;;\nesac\ntime openstack overcloud export --stack x\n",
        );
        assert_eq!(c[0][0], "openstack");
        assert_eq!(
            c[1],
            vec!["openstack", "overcloud", "export", "--stack", "x"]
        );
    }

    #[test]
    fn nested_loops_are_bounded() {
        let words = (0..400)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let text = format!("for a in {words}; do for b in {words}; do echo $a $b; done; done\n");
        let s = run(&text);
        assert!(s.truncated);
        assert!(s.commands.len() <= MAX_COMMANDS);
        let deep = "for a in x; do ".repeat(5000) + "echo; " + &"done; ".repeat(5000);
        assert!(run(&deep).truncated, "no stack overflow on deep nesting");
    }

    #[test]
    fn positional_parameters() {
        let mut env = BTreeMap::new();
        env.insert(
            "@".to_string(),
            Var::Array(vec!["-e".into(), "x.yaml".into()]),
        );
        env.insert("1".to_string(), Var::Str("-e".into()));
        let s = parse(
            "openstack overcloud deploy --stack a \"$@\"\necho $1\n",
            &env,
        );
        assert_eq!(s.commands[0].texts()[5..], ["-e", "x.yaml"]);
        assert_eq!(s.commands[1].texts(), ["echo", "-e"]);
        let mut env = BTreeMap::new();
        env.insert("@".to_string(), Var::Array(Vec::new()));
        let s = parse("openstack overcloud deploy --stack a \"$@\"\n", &env);
        assert_eq!(s.commands[0].texts().len(), 5, "no arguments: nothing");
    }

    #[test]
    fn export_sets_variables() {
        let s = run("export STACK=central\nopenstack overcloud deploy --stack \"$STACK\"\n");
        assert_eq!(s.commands.len(), 1);
        assert_eq!(s.commands[0].words[4].text, "central");
    }
}
