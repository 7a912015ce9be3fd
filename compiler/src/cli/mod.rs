//! The `dcnc` command line: reads the spec, runs the pipeline, prints in the chosen message
//! format, and maps outcomes to exit codes (0 ok, 1 spec errors, 2 usage or I/O errors).
//!
//! `args` is the grammar, `output` the printer, `message` the JSON lines, `compile` the commands
//! that compile a spec (check, build, graph, plan), `init` the starter spec, `import` the spec of
//! a deployment, `info` the others (targets, explain, schema, completions, man, docs), `files`
//! the one way the CLI writes a file.

mod args;
mod files;
mod import;
mod info;
mod init;
pub mod message;
mod output;

pub use output::HUMAN_LIMIT;
mod compile;

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, ValueEnum as _};

use args::Command;
pub use args::{Cli, ColorChoice, MessageFormat};
use message::{DocumentLine, Message};
use output::{Failure, Reporter};

/// Runs `dcnc` with the process's arguments.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // The message format and colour apply to usage errors too, so they are read before clap.
    let format = early_value(&args, "--message-format")
        .and_then(|v| MessageFormat::from_str(&v, false).ok())
        .unwrap_or(MessageFormat::Human);
    let color = early_value(&args, "--color")
        .and_then(|v| ColorChoice::from_str(&v, false).ok())
        .unwrap_or(ColorChoice::Auto);
    let clap_color = if output::use_color(color, std::io::stderr().is_terminal(), |k| {
        std::env::var_os(k)
    }) {
        clap::ColorChoice::Always
    } else {
        clap::ColorChoice::Never
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => run(cli),
        Err(e) => usage_error(e, format, color),
    }
}

/// The value of `--name VALUE` or `--name=VALUE` before any `--`.
fn early_value(args: &[OsString], name: &str) -> Option<String> {
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut found = None;
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == name {
            found = it.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

fn usage_error(e: clap::Error, format: MessageFormat, color: ColorChoice) -> ExitCode {
    use clap::error::ErrorKind;
    let asked = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    match format {
        MessageFormat::Json => {
            let r = Reporter::new(format, color, None);
            let text = e.render().to_string();
            if asked {
                let name = if e.kind() == ErrorKind::DisplayHelp {
                    "help"
                } else {
                    "version"
                };
                r.message(&Message::Document(DocumentLine {
                    name: name.to_string(),
                    text,
                }));
                return r.finish(0, |_| {});
            }
            r.failure(&Failure::new("usage", None, text.trim_end()));
            r.finish(2, |_| {})
        }
        MessageFormat::Github if !asked => {
            let _ = e.print();
            let r = Reporter::new(format, color, None);
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            r.failure(&Failure::new("usage", None, first));
            r.finish(2, |_| {})
        }
        _ => e.exit(),
    }
}

fn run(cli: Cli) -> ExitCode {
    let r = Reporter::new(
        cli.global.message_format,
        cli.global.color,
        Some(cli.command.name()),
    );
    match cli.command {
        Command::Init(a) => init::init(r, a),
        Command::Check { spec, report } => compile::check(r, &spec, &report),
        Command::Build {
            spec,
            out,
            force,
            check,
            report,
        } => compile::build(r, &spec, &report, &out, force, check),
        Command::Graph {
            spec,
            format,
            report,
        } => compile::graph(r, &spec, &report, format),
        Command::Plan {
            old,
            new,
            format,
            report,
        } => compile::plan(r, &old, &new, &report, format),
        Command::Targets { format } => info::targets(r, format),
        Command::Schema { messages } => info::schema(r, messages),
        Command::Import(a) => import::import(r, a),
        Command::Explain { code } => info::explain(r, code.as_deref()),
        Command::Completions { shell } => info::completions(r, shell),
        Command::Man { dir } => info::man(r, dir.as_deref()),
        Command::Docs { dir } => info::docs(r, &dir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_values_are_found_in_both_spellings_before_a_double_dash() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let f = "--message-format";
        assert_eq!(
            early_value(&a(&["dcnc", "check", f, "json"]), f).as_deref(),
            Some("json")
        );
        assert_eq!(
            early_value(&a(&["dcnc", "--message-format=short", "x"]), f).as_deref(),
            Some("short")
        );
        assert_eq!(early_value(&a(&["dcnc", "--", f, "json"]), f), None);
        assert_eq!(early_value(&a(&["dcnc", f]), f), None);
    }

    #[test]
    fn the_cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
