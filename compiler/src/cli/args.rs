//! The command line's grammar (clap derive): commands, their arguments, and the options every
//! command takes. Completions, man pages and the book's CLI reference are generated from it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Compiles one spec of a multistore Glance DCN deployment (central site + edge sites, each with
/// its own Ceph cluster) into TripleO environment files, deploy scripts, glance/nova
/// configuration and Ceph client files.
#[derive(Parser)]
#[command(name = "dcnc", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

/// Options every command takes.
#[derive(clap::Args)]
pub struct Global {
    /// How to print diagnostics and results: human (diagnostics on stderr), short (one
    /// `file:line:col: severity[CODE]: message` line each, stderr), github (workflow commands that
    /// annotate a pull request, stdout), json (every stdout line a JSON object; see the book)
    #[arg(long, value_enum, global = true, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// When to colour output: auto (only on a terminal, and not when NO_COLOR is set;
    /// CLICOLOR_FORCE forces it), always, never
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start a config repository: a commented dcn.yaml to fill in, its schema, a .gitignore
    Init(super::init::InitArgs),
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
    Schema {
        /// Print the schema of a `--message-format json` line instead
        #[arg(long)]
        messages: bool,
    },
    /// Write the spec of an existing TripleO DCN deployment (its deploy scripts and env files)
    Import(super::import::ImportArgs),
    /// Explain a diagnostic code, e.g. `dcnc explain DCN010`, or list them all
    Explain {
        /// The code; without it, the whole catalogue
        code: Option<String>,
    },
    /// Print the shell completion script for SHELL
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page of dcnc, or write the pages of dcnc and every command into DIR
    Man {
        /// Directory to write dcnc.1 and dcnc-COMMAND.1 into
        dir: Option<PathBuf>,
    },
    /// Write the book's generated reference pages into DIR
    #[command(hide = true)]
    Docs {
        /// Directory to write cli.md, spec.md, checks.md and messages.md into
        dir: PathBuf,
    },
}

impl Command {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::Check { .. } => "check",
            Command::Build { .. } => "build",
            Command::Graph { .. } => "graph",
            Command::Plan { .. } => "plan",
            Command::Targets { .. } => "targets",
            Command::Schema { .. } => "schema",
            Command::Import(_) => "import",
            Command::Explain { .. } => "explain",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
            Command::Docs { .. } => "docs",
        }
    }
}

/// Options of the commands that compile a spec.
#[derive(clap::Args)]
pub struct Report {
    /// Compile for this release target instead of the spec's `target`
    #[arg(long, value_parser = target_parser())]
    pub target: Option<crate::spec::TargetName>,
    /// Treat warnings as errors
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `--target`: the ids of the target tables, so a new table is a new value here too.
pub fn target_parser() -> impl clap::builder::TypedValueParser<Value = crate::spec::TargetName> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(crate::target::ALL.iter().map(|t| t.id)).map(|id| {
        crate::target::ALL
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name)
            .expect("clap accepted only the ids of target::ALL")
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Short,
    Github,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT
    Dot,
    /// A mermaid flowchart
    Mermaid,
    /// The numbered order of steps
    Order,
}

impl GraphFormat {
    pub fn name(self) -> &'static str {
        match self {
            GraphFormat::Dot => "dot",
            GraphFormat::Mermaid => "mermaid",
            GraphFormat::Order => "order",
        }
    }
}
