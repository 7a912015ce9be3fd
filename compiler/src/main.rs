//! The `dcnc` command line: reads the spec, runs the pipeline, maps outcomes to exit codes
//! (0 ok, 1 spec errors, 2 usage or I/O errors).

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use dcnc::diag::{self, Code, Diagnostic, Style};
use dcnc::model::SiteKind;

/// Prints to stdout. A closed pipe (`dcnc graph | head`) ends dcnc quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        write_stdout(format_args!($($arg)*))
    };
}

macro_rules! outln {
    ($($arg:tt)*) => {
        write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

fn write_stdout(args: std::fmt::Arguments) {
    if let Err(e) = std::io::stdout().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// Compiles one spec of a multistore Glance DCN deployment (central site + edge sites, each with
/// its own Ceph cluster) into TripleO environment files, deploy scripts, glance/nova
/// configuration and Ceph client files.
#[derive(Parser)]
#[command(name = "dcnc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a spec and report every problem found
    Check {
        /// The spec file (dcn.yaml)
        spec: PathBuf,
        #[command(flatten)]
        report: Report,
    },
    /// Check a spec and write the complete output tree
    Build {
        /// The spec file (dcn.yaml)
        spec: PathBuf,
        /// Output directory: dcnc replaces the files it wrote there and keeps any others
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Replace the output directory even if dcnc did not write it
        #[arg(long)]
        force: bool,
        /// Write nothing; exit 1 if the output directory differs from what would be written
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        report: Report,
    },
    /// Print the deployment's step graph
    Graph {
        /// The spec file (dcn.yaml)
        spec: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        #[command(flatten)]
        report: Report,
    },
    /// List the steps to run again to go from one spec to another, in order, and why
    Plan {
        /// The spec as deployed now
        old: PathBuf,
        /// The spec to deploy
        new: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
        #[command(flatten)]
        report: Report,
    },
    /// Print the release targets and what each one uses of tripleo-heat-templates
    Targets {
        /// Output format
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
    },
    /// Print the JSON schema of the spec
    Schema,
    /// Write the book's generated reference pages into DIR
    #[command(hide = true)]
    Docs {
        /// Directory to write cli.md, spec.md and checks.md into
        dir: PathBuf,
    },
    /// Write the spec of an existing TripleO DCN deployment (its deploy scripts and env files)
    Import {
        /// The deployment's directory: the stack user's home, or the stacks' directories
        dir: PathBuf,
        /// The spec to write
        #[arg(short, long, default_value = "dcn.yaml")]
        out: PathBuf,
        /// The release the deployment runs (default: inferred from its THT files)
        #[arg(long, value_parser = target_parser())]
        target: Option<dcnc::spec::TargetName>,
        /// Also print, per stack, every parameter whose value dcnc's build would change
        #[arg(long)]
        diff: bool,
        /// Replace the output file if it exists
        #[arg(long)]
        force: bool,
        /// The home directory DIR stands for on the undercloud (`~` in the scripts)
        #[arg(long, default_value = "/home/stack")]
        home: String,
    },
    /// Explain a diagnostic code, e.g. `dcnc explain DCN010`, or list them all
    Explain {
        /// The code; without it, the whole catalogue
        code: Option<String>,
    },
}

#[derive(clap::Args)]
struct Report {
    /// Compile for this release target instead of the spec's `target`
    #[arg(long, value_parser = target_parser())]
    target: Option<dcnc::spec::TargetName>,
    /// How to print diagnostics: human (stderr) or json (one object per line, stdout)
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Treat warnings as errors
    #[arg(long)]
    deny_warnings: bool,
}

/// `--target`: the ids of the target tables, so a new table is a new value here too.
fn target_parser() -> impl clap::builder::TypedValueParser<Value = dcnc::spec::TargetName> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(dcnc::target::ALL.iter().map(|t| t.id)).map(|id| {
        dcnc::target::ALL
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name)
            .expect("clap accepted only the ids of target::ALL")
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT
    Dot,
    /// A mermaid flowchart
    Mermaid,
    /// The numbered order of steps
    Order,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            out!("{}", dcnc::spec::json_schema());
            ExitCode::SUCCESS
        }
        Command::Explain { code } => explain(code.as_deref()),
        Command::Import {
            dir,
            out,
            target,
            diff,
            force,
            home,
        } => import(&dir, &out, target, diff, force, home),
        Command::Targets { format } => {
            match format {
                PlanFormat::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&dcnc::target::ALL).expect("targets serialize")
                ),
                PlanFormat::Human => {
                    for t in dcnc::target::ALL {
                        outln!("{} (tripleo-heat-templates {})", t.id, t.tht_version);
                        let envs = |kind, external| t.environments(kind, external).join(", ");
                        outln!("  central: {}", envs(SiteKind::Central, false));
                        outln!("  edges:   {}", envs(SiteKind::Edge, false));
                        outln!(
                            "  central on an external cluster: {}",
                            envs(SiteKind::Central, true)
                        );
                        outln!("  central compute stack: {}", envs(SiteKind::Compute, true));
                        outln!(
                            "  multistore by heat: {}; edges get the central store: {}; edge glance services: {}",
                            t.multistore_by_heat,
                            t.edges_get_central_store,
                            t.edge_services
                        );
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Command::Docs { dir } => {
            use clap::CommandFactory;
            let written = std::fs::create_dir_all(&dir).and_then(|()| {
                dcnc::docs::pages(&Cli::command())
                    .into_iter()
                    .try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
            });
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {}: {e}", dir.display());
                    ExitCode::from(2)
                }
            }
        }
        Command::Check { spec, report } => run(&spec, &report, |_| Ok(Outcome::Ok)),
        Command::Graph {
            spec,
            format,
            report,
        } => run(&spec, &report, |c| {
            let text = match format {
                GraphFormat::Dot => dcnc::graph::to_dot(&c.plan),
                GraphFormat::Mermaid => dcnc::graph::to_mermaid(&c.plan),
                GraphFormat::Order => dcnc::graph::to_order(&c.plan),
            };
            out!("{text}");
            Ok(Outcome::Ok)
        }),
        Command::Plan {
            old,
            new,
            format,
            report,
        } => {
            let before = match load(&old, &report) {
                Ok(c) => c,
                Err(code) => return code,
            };
            run(&new, &report, |after| {
                let p = dcnc::plan::plan_change(&before, after);
                match format {
                    PlanFormat::Human => out!("{}", dcnc::plan::render(&p)),
                    PlanFormat::Json => outln!(
                        "{}",
                        serde_json::to_string_pretty(&p).expect("plans serialize")
                    ),
                }
                Ok(Outcome::Ok)
            })
        }
        Command::Build {
            spec,
            out,
            force,
            check,
            report,
        } => run(&spec, &report, |c| {
            let tree = c.emit();
            if check {
                return check_build(&tree, &spec, &out);
            }
            let w = dcnc::write::write_tree(&tree, &out, force).map_err(|e| e.to_string())?;
            eprintln!(
                "{}: {} files written, {} unchanged, {} removed",
                out.display(),
                w.written,
                w.unchanged,
                w.removed
            );
            Ok(Outcome::Ok)
        }),
    }
}

/// `dcnc import`: the report on stderr, the diff on stdout, the spec into `out` (never over a file
/// unless `force`). Exit 2 when the directory cannot be imported (nothing written), 1 when the
/// imported spec has errors (written, to be fixed), 0 otherwise.
fn import(
    dir: &Path,
    out: &Path,
    target: Option<dcnc::spec::TargetName>,
    diff: bool,
    force: bool,
    home: String,
) -> ExitCode {
    let options = dcnc::import::Options { home };
    let imported = match dcnc::import::import(dir, target, options) {
        Ok(i) => i,
        Err(errors) => {
            eprint!("{}", dcnc::import::render_errors(&errors));
            eprintln!(
                "error: {} cannot be imported; nothing written",
                dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let name = out.display().to_string();
    if let Err(e) = dcnc::import::write_spec(out, &imported.spec, force) {
        eprintln!("error: {name}: {e}");
        return ExitCode::from(2);
    }
    eprint!("{}", imported.report_text(&name));
    if diff {
        out!("{}", imported.diff());
    }
    eprintln!("{name}: written");
    if imported.report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn explain(code: Option<&str>) -> ExitCode {
    let Some(code) = code else {
        let all: Vec<&str> = Code::ALL.iter().map(|c| c.explanation()).collect();
        out!("{}", all.join("\n"));
        return ExitCode::SUCCESS;
    };
    match Code::ALL
        .iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(code))
    {
        Some(c) => {
            out!("{}", c.explanation());
            ExitCode::SUCCESS
        }
        None => {
            let last = Code::ALL.last().map_or("", |c| c.as_str());
            eprintln!("error: no diagnostic code `{code}`; codes are DCN001 to {last} (`dcnc explain` lists them)");
            ExitCode::from(2)
        }
    }
}

/// How a command ended, when it did not fail.
enum Outcome {
    Ok,
    /// The command ran and found a difference (exit 1), e.g. `build --check`.
    Differs,
}

/// `build --check`: compares the tree with the directory and prints what differs.
fn check_build(tree: &dcnc::emit::Tree, spec: &Path, out: &Path) -> Result<Outcome, String> {
    let drift = dcnc::write::check_tree(tree, out).map_err(|e| e.to_string())?;
    if drift.is_clean() {
        eprintln!("{}: up to date ({} files)", out.display(), tree.len());
        return Ok(Outcome::Ok);
    }
    let mut text = String::new();
    for p in &drift.missing {
        text.push_str(&format!("missing: {p}\n"));
    }
    for (p, _) in &drift.changed {
        text.push_str(&format!("changed: {p}\n"));
    }
    for p in &drift.extra {
        text.push_str(&format!("extra:   {p}\n"));
    }
    for (_, diff) in &drift.changed {
        text.push_str(diff);
    }
    out!("{text}");
    eprintln!(
        "{} is out of date: {} missing, {} changed, {} extra; run `dcnc build {} -o {}`",
        out.display(),
        drift.missing.len(),
        drift.changed.len(),
        drift.extra.len(),
        spec.display(),
        out.display()
    );
    Ok(Outcome::Differs)
}

/// Reads and compiles a spec and prints its diagnostics. Fails with the exit code to use.
fn load(path: &Path, report: &Report) -> Result<dcnc::Compiled, ExitCode> {
    let name = path.display().to_string();
    let text = match read_spec(path) {
        Ok(t) => t,
        Err(ReadError::Io(msg)) => {
            eprintln!("error: {name}: {msg}");
            return Err(ExitCode::from(2));
        }
        Err(ReadError::Spec(d, lossy)) => {
            print_diags(&name, &lossy, &[d], report);
            return Err(ExitCode::from(1));
        }
    };
    let compiled = dcnc::compile(&text, report.target);
    let diags = match &compiled {
        Ok(c) => &c.diagnostics,
        Err(d) => d,
    };
    print_diags(&name, &text, diags, report);
    let compiled = compiled.map_err(|_| ExitCode::from(1))?;
    if report.deny_warnings && !compiled.diagnostics.is_empty() {
        if let MessageFormat::Human = report.message_format {
            eprintln!("error: warnings are denied (--deny-warnings)");
        }
        return Err(ExitCode::from(1));
    }
    Ok(compiled)
}

/// Loads the spec, then runs `then` on it.
fn run(
    path: &Path,
    report: &Report,
    then: impl FnOnce(&dcnc::Compiled) -> Result<Outcome, String>,
) -> ExitCode {
    let compiled = match load(path, report) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match then(&compiled) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Differs) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

enum ReadError {
    Io(String),
    /// A problem with the spec's bytes, and the text as far as it can be shown.
    Spec(Diagnostic, String),
}

fn read_spec(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadError::Io(
            "is a directory; pass the spec file (dcn.yaml)".into(),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
        ReadError::Spec(
            Diagnostic::error(
                Code::Syntax,
                diag::Span::new(line, column, 1),
                "the spec is not UTF-8 text",
            )
            .with_help("save the file as UTF-8"),
            String::from_utf8_lossy(e.as_bytes()).into_owned(),
        )
    })
}

fn print_diags(name: &str, text: &str, diags: &[Diagnostic], report: &Report) {
    if diags.is_empty() {
        return;
    }
    match report.message_format {
        // Machine-readable diagnostics are the output: stdout, for editors and CI to read.
        MessageFormat::Json => out!("{}", diag::render_json(name, diags)),
        MessageFormat::Human => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = diag::render_human(name, text, diags, Style { color });
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }
}
