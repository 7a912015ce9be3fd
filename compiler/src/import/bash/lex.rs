//! The lexer of the bash reader: a script's text into raw words (quoting, expansions kept as segments) and separators.

use crate::diag::Span;

/// A piece of a raw word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Seg {
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
pub(super) struct RawWord {
    pub(super) segs: Vec<Seg>,
    pub(super) span: Span,
}

impl RawWord {
    /// The literal text when the word has no expansions.
    pub(super) fn literal(&self) -> Option<String> {
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
pub(super) enum Tok {
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

pub(super) struct Lexer<'a> {
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
    pub(super) fn new(text: &'a str) -> Self {
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

    pub(super) fn peek(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
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

    pub(super) fn run(mut self) -> Vec<Tok> {
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
                    let q = self.until('\'');
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
                    let s = self.until('`');
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
                    let s = self.until('`');
                    segs.push(Seg::Subst(s));
                }
                _ => q.push(c),
            }
        }
        segs.push(Seg::Quoted(q));
    }

    /// The text up to the next `end` (consumed and left out); the rest of the input when none.
    fn until(&mut self, end: char) -> String {
        let mut s = String::new();
        while let Some(c) = self.bump() {
            if c == end {
                break;
            }
            s.push(c);
        }
        s
    }

    /// The text up to the `close` that matches an `open` just consumed (nested pairs kept,
    /// the closing one consumed and left out); the rest of the input when none matches.
    fn balanced(&mut self, open: char, close: char) -> String {
        let mut depth = 1;
        let mut inner = String::new();
        while let Some(c) = self.bump() {
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            inner.push(c);
        }
        inner
    }

    /// After a `$`.
    pub(super) fn dollar(&mut self, segs: &mut Vec<Seg>, quoted: bool) {
        match self.peek(0) {
            Some('(') => {
                // $( ... ) or $(( ... )), with nesting
                self.bump();
                let inner = self.balanced('(', ')');
                segs.push(Seg::Subst(format!("$({inner})")));
            }
            Some('{') => {
                self.bump();
                let inner = self.balanced('{', '}');
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
