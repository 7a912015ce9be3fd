//! The pipeline in one call: spec text → [`spec::parse`] → [`check::check`] → [`graph::plan`],
//! and [`Compiled::emit`] for the tree. What the CLI, `plan` and the tests compile through.

use crate::diag::Diagnostic;
use crate::{check, emit, graph, model, spec};

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
    // `dcnc init`'s placeholders, reported in place of what their text would get (DCN063).
    let holes = spec::placeholder::placeholders(text);
    let spec = spec::parse(text).map_err(|d| {
        let mut diags = vec![d];
        check::placeholder::report(&mut diags, &holes);
        diags
    })?;
    let (deployment, mut diagnostics) = check::check(&spec, target);
    check::placeholder::report(&mut diagnostics, &holes);
    let deployment = deployment
        .filter(|_| holes.is_empty())
        .ok_or_else(|| diagnostics.clone())?;
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
