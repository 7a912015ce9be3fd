//! The commands that need no spec: `targets`, `schema`, `explain`, `completions`, `man`, and
//! the hidden `docs` (the book's reference pages).

use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory as _;

use super::args::{Cli, PlanFormat};
use super::message::{DocumentLine, ExplanationLine, FileLine, Message, TargetsLine};
use super::output::{Failure, Reporter};
use crate::diag::Code;
use crate::model::SiteKind;

pub fn targets(r: Reporter, format: PlanFormat) -> ExitCode {
    let text = match format {
        PlanFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&crate::target::ALL).expect("targets serialize");
            s.push('\n');
            s
        }
        PlanFormat::Human => {
            let mut s = String::new();
            for t in crate::target::ALL {
                if let Some(ops) = &t.operators {
                    let services: Vec<String> = ops
                        .services
                        .iter()
                        .map(|(p, v)| format!("{p} {v}"))
                        .collect();
                    s.push_str(&format!(
                        "{} (RHOSO, OpenStack {}: {}; CRDs of openstack-operator {})\n",
                        t.id,
                        ops.openstack,
                        services.join(", "),
                        &ops.crds[..7]
                    ));
                    s.push_str(&format!(
                        "  per zone: a GlanceAPI (central split, {} replicas; edges edge, {}), a cinder-volume, a Nova cell, a node set (pre-Ceph: {}; post-Ceph: {})\n",
                        ops.glance_replicas.0,
                        ops.glance_replicas.1,
                        ops.pre_ceph_services.join(", "),
                        ops.post_ceph_services.join(", ")
                    ));
                    continue;
                }
                s.push_str(&format!(
                    "{} (tripleo-heat-templates {})\n",
                    t.id, t.tht_version
                ));
                let envs = |kind, external| t.environments(kind, external).join(", ");
                s.push_str(&format!("  central: {}\n", envs(SiteKind::Central, false)));
                s.push_str(&format!("  edges:   {}\n", envs(SiteKind::Edge, false)));
                s.push_str(&format!(
                    "  central on an external cluster: {}\n",
                    envs(SiteKind::Central, true)
                ));
                s.push_str(&format!(
                    "  central compute stack: {}\n",
                    envs(SiteKind::Compute, true)
                ));
                s.push_str(&format!(
                    "  multistore by heat: {}; edges get the central store: {}; edge glance services: {}\n",
                    t.multistore_by_heat, t.edges_get_central_store, t.edge_services
                ));
            }
            s
        }
    };
    r.result(&text, || {
        let targets = crate::target::ALL
            .iter()
            .map(|t| serde_json::to_value(t).expect("targets serialize"))
            .collect();
        Message::Targets(TargetsLine { targets })
    });
    r.finish(0, |_| {})
}

pub fn schema(r: Reporter, messages: bool) -> ExitCode {
    if messages {
        document(
            r,
            "dcnc-messages.schema.json",
            super::message::json_schema(),
        )
    } else {
        document(r, "dcn.schema.json", crate::spec::json_schema())
    }
}

/// Prints a document: as it is, or as one `document` line.
fn document(r: Reporter, name: &str, text: String) -> ExitCode {
    r.result(&text, || {
        Message::Document(DocumentLine {
            name: name.to_string(),
            text: text.clone(),
        })
    });
    r.finish(0, |_| {})
}

pub fn explain(r: Reporter, code: Option<&str>) -> ExitCode {
    let codes: Vec<Code> = match code {
        None => Code::ALL.to_vec(),
        Some(code) => match Code::ALL
            .iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(code))
        {
            Some(c) => vec![*c],
            None => {
                let last = Code::ALL.last().map_or("", |c| c.as_str());
                r.failure(&Failure::new(
                    "unknown-code",
                    None,
                    format!("no diagnostic code `{code}`; codes are DCN001 to {last} (`dcnc explain` lists them)"),
                ));
                return r.finish(2, |_| {});
            }
        },
    };
    if r.json() {
        for c in codes {
            r.message(&Message::Explanation(ExplanationLine {
                code: c.as_str().to_string(),
                title: c.title().to_string(),
                text: c.explanation().to_string(),
            }));
        }
    } else {
        let all: Vec<&str> = codes.iter().map(|c| c.explanation()).collect();
        super::output::stdout(&all.join("\n"));
    }
    r.finish(0, |_| {})
}

/// The file name a shell loads a completion script from.
fn completion_file(shell: clap_complete::Shell) -> &'static str {
    use clap_complete::Shell;
    match shell {
        Shell::Bash => "dcnc.bash",
        Shell::Zsh => "_dcnc",
        Shell::Fish => "dcnc.fish",
        Shell::Elvish => "dcnc.elv",
        Shell::PowerShell => "_dcnc.ps1",
        _ => "dcnc.completion",
    }
}

pub fn completions(r: Reporter, shell: clap_complete::Shell) -> ExitCode {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dcnc", &mut buf);
    let text = String::from_utf8(buf).expect("completion scripts are UTF-8");
    document(r, completion_file(shell), text)
}

/// Man pages of dcnc and of every visible command: (file name, roff).
fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), out);
        }
        let man = clap_mangen::Man::new(cmd);
        let mut buf = Vec::new();
        man.render(&mut buf).expect("rendering into memory");
        out.push((man.get_filename(), buf));
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(cmd, &mut out);
    out.sort();
    out
}

pub fn man(r: Reporter, dir: Option<&Path>) -> ExitCode {
    let pages = man_pages();
    let Some(dir) = dir else {
        let main = pages.into_iter().find(|(n, _)| n == "dcnc.1");
        let (name, roff) = main.expect("dcnc.1 is among the pages");
        return document(r, &name, String::from_utf8_lossy(&roff).into_owned());
    };
    let n = pages.len();
    write_all(r, dir, pages, &format!("{n} man pages"))
}

pub fn docs(r: Reporter, dir: &Path) -> ExitCode {
    let pages = crate::docs::pages(&Cli::command(), &super::message::json_schema())
        .into_iter()
        .map(|(n, t)| (n.to_string(), t.into_bytes()))
        .collect();
    write_all(r, dir, pages, "reference pages")
}

/// Writes files into `dir`, one `file` line each in json, a note otherwise.
fn write_all(r: Reporter, dir: &Path, files: Vec<(String, Vec<u8>)>, what: &str) -> ExitCode {
    for (name, bytes) in files {
        match super::files::replace(dir, &name, &bytes) {
            Ok(path) if r.json() => r.message(&Message::File(FileLine {
                path: path.display().to_string(),
            })),
            Ok(_) => {}
            Err(e) => {
                let path = dir.join(&name);
                r.failure(&Failure::new(
                    "io",
                    Some(&path),
                    format!("{}: {e}", path.display()),
                ));
                return r.finish(2, |_| {});
            }
        }
    }
    r.note(&format!("{}: {what} written", dir.display()));
    r.finish(0, |_| {})
}
