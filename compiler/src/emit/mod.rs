//! Emitting: renders a checked deployment and its plan into the files of the output tree, in
//! memory. Templates live in `compiler/templates/` and are parsed once per process.
//!
//! Invariant: emit does no I/O and is deterministic: the same deployment gives the same bytes,
//! whatever the number of threads it renders on (`parallel`).
//!
//! What every platform shares sits here: the template environment (`templates`), the quoting
//! filters (`filters`), the stores each Glance sees (`stores`), Ceph client confs and mon lists
//! (`ceph`), an edge Nova's image settings (`nova`) and the step views (`steps`). Each platform
//! has its own module that puts its artifacts into the tree from those: `tripleo`, `rhoso`.

mod ceph;
mod filters;
mod nova;
mod parallel;
mod rhoso;
mod steps;
mod stores;
mod templates;
mod tripleo;

use std::collections::{BTreeMap, HashMap};

use crate::graph::{Plan, StepKind};
use crate::kinds::Platform;
use crate::model::Deployment;

pub use ceph::{client_conf, mon_list};
pub use filters::{comment, yaml_json, yaml_scalar};
pub use nova::{nova_image, nova_image_at, NovaImage};
pub use parallel::default_threads;
pub use steps::{step_views, StepView};
pub use stores::{stores_of, StoreRef};

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub content: String,
    /// Unix permission bits: 0o755 for scripts, 0o644 otherwise.
    pub mode: u32,
}

/// The whole output tree: relative path -> file, sorted.
pub type Tree = BTreeMap<String, Artifact>;

/// Adds a file to the tree: scripts (`*.sh`) executable, the rest not. The content keeps only
/// the memory it needs: a rendered string grows by doubling, and the whole tree is held until it
/// is written (or, for `dcnc plan`, two trees are), so the slack would be up to half the peak RSS
/// (minijinja 3.1.0 starts each output at twice the template's text rounded up to a power of two:
/// `src/template.rs:285`, `compiler/codegen.rs:1042-1048` `buffer_size_hint`).
fn put(tree: &mut Tree, path: String, mut content: String) {
    let mode = if path.ends_with(".sh") { 0o755 } else { 0o644 };
    content.shrink_to_fit();
    tree.insert(path, Artifact { content, mode });
}

/// Renders every file of the output tree, by the target's platform, on
/// [`default_threads`] threads.
pub fn emit(d: &Deployment, plan: &Plan) -> Tree {
    emit_with(d, plan, default_threads())
}

/// [`emit`] on at most `threads` threads: the same tree, byte for byte, whatever the number.
pub fn emit_with(d: &Deployment, plan: &Plan, threads: usize) -> Tree {
    let mut tree = Tree::new();
    match d.target.platform {
        Platform::TripleO => tripleo::emit(d, plan, &mut tree, threads),
        Platform::Rhoso => rhoso::emit(d, plan, &mut tree),
    }
    tree
}

/// A stack of the output tree: the site `d.sites[i]`, or the central compute stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackRef {
    Site(usize),
    Compute,
}

/// The step that applies `file` of the directory of TripleO stack `stack`
/// (`stacks/<stack>/<file>`): what must run again when the file changes. A RHOSO tree has no
/// stacks: its files' steps are [`Owners::of`]'s.
pub fn owner(d: &Deployment, stack: StackRef, file: &str) -> StepKind {
    match d.target.platform {
        Platform::TripleO => tripleo::owner(d, stack, file),
        Platform::Rhoso => StepKind::UpdateControlPlane,
    }
}

/// Which step applies each file of a deployment's tree: what must run again when the file
/// changes. The stacks (and RHOSO's sites, by availability zone) are looked up by name once.
pub struct Owners<'d> {
    d: &'d Deployment,
    stacks: HashMap<&'d str, StackRef>,
    /// RHOSO: the site of each availability zone (`rhoso/sites/<az>/`).
    site_of_az: HashMap<&'d str, usize>,
}

impl<'d> Owners<'d> {
    pub fn new(d: &'d Deployment) -> Self {
        let stacks = (d.sites.iter().enumerate())
            .map(|(i, s)| (s.stack.as_str(), StackRef::Site(i)))
            .chain((d.central_compute.iter()).map(|s| (s.stack.as_str(), StackRef::Compute)))
            .collect();
        let site_of_az = match d.target.platform {
            Platform::TripleO => HashMap::new(),
            Platform::Rhoso => (d.sites.iter().enumerate())
                .map(|(i, s)| (rhoso::az(s), i))
                .collect(),
        };
        Owners {
            d,
            stacks,
            site_of_az,
        }
    }

    /// The step that applies the file at `path` of the tree, if one does. Files no step applies
    /// (README, graph, deploy-all.sh, the client confs that scripts embed or TripleO writes,
    /// RHOSO's deploy.sh and review kustomization) give `None`.
    pub fn of(&self, path: &str) -> Option<StepKind> {
        match self.d.target.platform {
            Platform::TripleO => {
                let (stack, file) = path.strip_prefix("stacks/")?.split_once('/')?;
                Some(tripleo::owner(self.d, *self.stacks.get(stack)?, file))
            }
            Platform::Rhoso => rhoso::owner(&self.site_of_az, path),
        }
    }
}
