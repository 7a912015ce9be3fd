//! dcnc: compiles one spec of a multistore Glance DCN deployment (`dcn.yaml`) into the TripleO
//! environment files, scripts and configuration that deploy it.
//!
//! The pipeline runs one way: [`spec::parse`] → [`check::check`] → [`graph::plan`] →
//! [`emit::emit`] → [`write::write_tree`]. Only `write` (and the CLI reading the spec) does I/O.

pub mod check;
pub mod diag;
pub mod docs;
pub mod emit;
pub mod graph;
pub mod model;
pub mod params;
pub mod plan;
pub mod spec;
pub mod target;
pub mod write;

use diag::Diagnostic;

/// What compiling a spec produced.
pub struct Compiled {
    pub deployment: model::Deployment,
    pub plan: graph::Plan,
    /// Warnings (errors stop compilation).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and checks spec text, and plans the deployment. `target` overrides the spec's release
/// target. On errors, returns every diagnostic.
pub fn compile(text: &str, target: Option<spec::TargetName>) -> Result<Compiled, Vec<Diagnostic>> {
    let spec = spec::parse(text).map_err(|d| vec![d])?;
    let (deployment, diagnostics) = check::check(&spec, target);
    let deployment = deployment.ok_or_else(|| diagnostics.clone())?;
    let plan = graph::plan(&deployment);
    Ok(Compiled {
        deployment,
        plan,
        diagnostics,
    })
}

impl Compiled {
    /// Renders the output tree in memory.
    pub fn emit(&self) -> emit::Tree {
        emit::emit(&self.deployment, &self.plan)
    }
}
