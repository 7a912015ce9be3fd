//! What a free-form spec string may hold, by where it goes. Every string that reaches a
//! generated file is checked here for its kind: no control character (C0, DEL, C1, so no
//! newline, `\r` or ANSI escape), no Unicode line or paragraph separator, byte order mark or
//! bidirectional control anywhere; and per kind the characters its destination cannot carry
//! (`$` where oslo.config or the shell would expand it, quotes where they end a quoted word,
//! whitespace in paths...). Escaping for each destination is `emit::filters`' job; this is the
//! check that makes it total. Owns DCN080 (unsafe characters); DCN003 for empty values.

use super::Checker;
use crate::diag::{Code, Span};
use crate::model::AbsPath;

/// Where a spec string goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `region`: nova.conf's `region_name` (INI, merged by a heredoc in configure.sh).
    Region,
    /// `tht`, `work_dir`: the default of `"${VAR:-…}"` in the scripts; `$NAME` and `${NAME}`
    /// expand when the script runs.
    ShellDefault,
    /// `environment_files`, `network_data`, `roles_file`: one quoted shell word each.
    ShellWord,
    /// An absolute path (`model::AbsPath`: `ceph.conf_dir`, `glance.cache.dir`, a key file):
    /// bare in INI values (where `#` and `;` start comments for Ceph), YAML and scripts.
    AbsPath,
    /// `store.description`: an INI value (glance-api.conf) and a YAML scalar.
    Description,
    /// A role's scheduler hint: a YAML scalar inside heat's capabilities map.
    Hint,
    /// A role's flavor: a YAML scalar.
    Flavor,
    /// An availability zone: a YAML scalar heat lists and Nova compares.
    Zone,
    /// An NTP server (`NtpServer`): an item of a YAML list heat joins with commas.
    Ntp,
    /// Cephx caps: one quoted shell word of `ceph auth get-or-create`.
    Caps,
    /// An image name of `glance.distribute_images`: one quoted shell word.
    ImageName,
    /// A string inside a pass-through parameter value: YAML only; newlines and tabs are text
    /// heat takes (certificates, scripts).
    ParamValue,
}

impl Kind {
    /// The value's name in messages.
    fn what(self) -> &'static str {
        match self {
            Kind::Region => "the region",
            Kind::ShellDefault => "this path",
            Kind::ShellWord | Kind::AbsPath => "this path",
            Kind::Description => "the store description",
            Kind::Hint => "the scheduler hint",
            Kind::Flavor => "the flavor",
            Kind::Zone => "the availability zone",
            Kind::Ntp => "the NTP server",
            Kind::Caps => "the caps",
            Kind::ImageName => "the image name",
            Kind::ParamValue => "this parameter value",
        }
    }

    /// Characters this kind may not hold beyond the ones no kind may hold.
    fn forbids(self, ch: char) -> bool {
        match self {
            Kind::Region => !(ch.is_ascii_alphanumeric() || "_.-".contains(ch)),
            Kind::ShellDefault => ch.is_whitespace() || "'\"`\\".contains(ch),
            Kind::ShellWord => "'\"`$".contains(ch),
            Kind::AbsPath => ch.is_whitespace() || "'\"`$\\#;".contains(ch),
            Kind::Description => "'\"$\\".contains(ch),
            Kind::Hint => "'\",".contains(ch),
            Kind::Flavor | Kind::Caps => "'\"".contains(ch),
            Kind::Zone | Kind::Ntp => ch.is_whitespace() || "'\",".contains(ch),
            Kind::ImageName | Kind::ParamValue => false,
        }
    }

    /// How to write a value of this kind.
    fn help(self) -> &'static str {
        match self {
            Kind::Region => "a region is letters, digits, `-`, `_` or `.`, e.g. `regionOne`",
            Kind::ShellDefault => "write a path without whitespace, quotes, backticks or backslashes; `$NAME` and `${NAME}` are the only expansions",
            Kind::ShellWord => "write a path without quotes, backticks or `$`",
            Kind::AbsPath => "write an absolute path without whitespace, quotes, backticks, `$`, `\\`, `#` or `;`",
            Kind::Description => "write one line of text without quotes, `$` (oslo.config expands it) or `\\` (Ceph continues the line)",
            Kind::Hint => "write the node capability without quotes or commas",
            Kind::Flavor => "write the Nova flavor name without quotes",
            Kind::Zone => "write the zone name without whitespace, quotes or commas",
            Kind::Ntp => "write a host name or address without whitespace, quotes or commas",
            Kind::Caps => "write the capability without quotes, e.g. `profile rbd pool=images`",
            Kind::ImageName => "an image name is printable text (the script quotes it)",
            Kind::ParamValue => "remove the control characters; newlines and tabs are allowed",
        }
    }

    /// Control characters this kind keeps as text.
    fn allows_control(self, ch: char) -> bool {
        self == Kind::ParamValue && (ch == '\n' || ch == '\t')
    }
}

/// No kind may hold these: control characters (C0, DEL, C1), line and paragraph separators,
/// the byte order mark and bidirectional controls (which make a reviewed diff lie).
pub(crate) fn never(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200e}' | '\u{200f}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&ch)
        || ('\u{2066}'..='\u{2069}').contains(&ch)
}

/// A character as a message names it.
fn describe(ch: char) -> String {
    match ch {
        '\n' => "`\\n` (newline)".into(),
        '\r' => "`\\r` (carriage return)".into(),
        '\t' => "`\\t` (tab)".into(),
        '\u{1b}' => "ESC (an ANSI escape)".into(),
        '\u{7f}' => "DEL".into(),
        '\u{85}' => "U+0085 (next line)".into(),
        '\u{2028}' => "U+2028 (line separator)".into(),
        '\u{2029}' => "U+2029 (paragraph separator)".into(),
        '\u{feff}' => "U+FEFF (byte order mark)".into(),
        ' ' => "a space".into(),
        c if c.is_control() => format!("U+{:04X} (a control character)", c as u32),
        c if never(c) => format!("U+{:04X} (a bidirectional control)", c as u32),
        c if c.is_whitespace() => format!("U+{:04X} (whitespace)", c as u32),
        '`' => "a backtick".into(),
        c => format!("`{c}`"),
    }
}

/// The characters of `value` a `kind` cannot hold, each once, in order of appearance.
pub(super) fn forbidden(value: &str, kind: Kind) -> Vec<char> {
    let mut found: Vec<char> = Vec::new();
    let chars: Vec<char> = value.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        let bad = (never(ch) && !kind.allows_control(ch))
            || kind.forbids(ch)
            || (kind == Kind::ShellDefault && ch == '$' && !is_reference(&chars[i + 1..]));
        if bad && !found.contains(&ch) {
            found.push(ch);
        }
    }
    found
}

/// `$` followed by `NAME` or `{NAME}`: a variable the script expands, nothing else.
fn is_reference(after: &[char]) -> bool {
    let name_start = |c: &char| c.is_ascii_alphabetic() || *c == '_';
    let name_char = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    match after.first() {
        Some(c) if name_start(c) => true,
        Some('{') => {
            let name: Vec<&char> = after[1..].iter().take_while(|c| name_char(c)).collect();
            !name.is_empty() && name_start(name[0]) && after.get(1 + name.len()) == Some(&'}')
        }
        _ => false,
    }
}

/// Reports the characters of `value` its destination cannot carry (DCN080), or an empty value
/// (DCN003). `field` names the value in the message. True when the value is fine.
pub(super) fn check_text(
    c: &mut Checker,
    value: &str,
    span: Option<Span>,
    field: &str,
    kind: Kind,
) -> bool {
    // Image names report emptiness with their own rule (DCN053).
    if value.is_empty() && !matches!(kind, Kind::ParamValue | Kind::ImageName) {
        c.error(Code::WrongType, span, format!("`{field}` is empty"))
            .help = Some(kind.help().into());
        return false;
    }
    let bad = forbidden(value, kind);
    let edge_space = kind == Kind::Description && value.trim() != value;
    if bad.is_empty() && !edge_space {
        return true;
    }
    let mut named: Vec<String> = bad.iter().map(|&ch| describe(ch)).collect();
    if edge_space {
        named.push("leading or trailing whitespace (INI readers drop it)".into());
    }
    c.error(
        Code::UnsafeText,
        span,
        format!(
            "{} (`{field}`) holds what its destination cannot carry: {}",
            kind.what(),
            named.join(", ")
        ),
    )
    .help = Some(kind.help().into());
    false
}

/// An absolute path (spec field `field`): its characters checked as [`Kind::AbsPath`], the
/// rest of the rule (absolute, not too long) reported with `code`, naming the value `what`.
pub(super) fn check_abs_path(
    c: &mut Checker,
    (value, span): (&str, Option<Span>),
    field: &str,
    what: &str,
    code: Code,
) -> Option<AbsPath> {
    if !check_text(c, value, span, field, Kind::AbsPath) {
        return None;
    }
    c.name(value, span, what, code, AbsPath::parse, AbsPath::RULE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_separators_are_never_allowed() {
        for bad in [
            "a\nb",
            "a\rb",
            "a\x1b[31mb",
            "a\x7fb",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{202e}b",
        ] {
            for kind in [
                Kind::Description,
                Kind::Hint,
                Kind::Region,
                Kind::ParamValue,
            ] {
                if kind == Kind::ParamValue && bad.contains('\n') {
                    continue;
                }
                assert!(!forbidden(bad, kind).is_empty(), "{bad:?} {kind:?}");
            }
        }
        assert!(forbidden("line one\nline two\tx", Kind::ParamValue).is_empty());
        assert_eq!(forbidden("a\rb\rc\n", Kind::Description), ['\r', '\n']);
    }

    #[test]
    fn shell_defaults_keep_only_variable_references() {
        for ok in [
            "$HOME/dcnc-work",
            "${HOME}/w",
            "/usr/share/tht",
            "/opt/tht}",
            "/a/$X_1",
        ] {
            assert!(forbidden(ok, Kind::ShellDefault).is_empty(), "{ok}");
        }
        for bad in [
            "/t$(id)",
            "/t`id`",
            "/t\\",
            "/t$((1))",
            "/t${X:-y}",
            "/t$",
            "/a b",
            "/t'",
        ] {
            assert!(!forbidden(bad, Kind::ShellDefault).is_empty(), "{bad}");
        }
    }

    #[test]
    fn regions_are_plain_words() {
        assert!(forbidden("regionOne", Kind::Region).is_empty());
        assert_eq!(forbidden("region One#x", Kind::Region), [' ', '#']);
    }

    #[test]
    fn characters_are_named_visibly() {
        assert_eq!(describe('\r'), "`\\r` (carriage return)");
        assert_eq!(describe('\u{1b}'), "ESC (an ANSI escape)");
        assert_eq!(describe('\u{9b}'), "U+009B (a control character)");
        assert_eq!(describe('\u{202e}'), "U+202E (a bidirectional control)");
    }
}
