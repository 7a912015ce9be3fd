//! Planning a change: which steps of the deployment must run again when the spec changes, in
//! which order, and why. Derived from the step graph and from the files each step applies.
//!
//! Invariant: plan does no I/O; it compares two compiled specs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::emit::{self, Tree};
use crate::graph::{Plan, StepKind};
use crate::pipeline::Compiled;

/// A step to run, with the reasons.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Rerun {
    pub step: String,
    pub command: String,
    pub reasons: Vec<String>,
}

/// What to do to go from one spec to another.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ChangePlan {
    /// Steps to run, in order.
    pub run: Vec<Rerun>,
    /// Steps of the new deployment that need nothing.
    pub unchanged: Vec<String>,
    /// Stacks of the old spec that the new one no longer has.
    pub removed_stacks: Vec<String>,
}

/// The files each step applies, with their bytes, by step id.
fn step_inputs<'t>(c: &Compiled, tree: &'t Tree) -> HashMap<String, BTreeMap<&'t str, &'t str>> {
    let mut by_kind: HashMap<StepKind, BTreeMap<&str, &str>> = HashMap::new();
    let owners = emit::Owners::new(&c.deployment);
    for (path, a) in tree {
        if let Some(kind) = owners.of(path) {
            by_kind.entry(kind).or_default().insert(path, &a.content);
        }
    }
    c.plan
        .steps()
        .map(|s| (s.id.clone(), by_kind.remove(&s.kind).unwrap_or_default()))
        .collect()
}

fn kind_of(p: &Plan, id: &str) -> Option<StepKind> {
    p.steps().find(|s| s.id == id).map(|s| s.kind)
}

/// Compares two compiled specs and lists the steps to run again.
pub fn plan_change(old: &Compiled, new: &Compiled) -> ChangePlan {
    // The two trees are rendered at the same time, each on threads of its own.
    let (old_tree, new_tree) = std::thread::scope(|scope| {
        let old_tree = scope.spawn(|| old.emit());
        let new_tree = new.emit();
        let old_tree = old_tree
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (old_tree, new_tree)
    });
    let old_inputs = step_inputs(old, &old_tree);
    let new_inputs = step_inputs(new, &new_tree);
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |id: &str, why: String| reasons.entry(id.to_string()).or_default().push(why);

    for step in new.plan.steps() {
        let Some(before) = old_inputs.get(&step.id) else {
            add(&step.id, "new step".to_string());
            continue;
        };
        let now = &new_inputs[&step.id];
        let changed: BTreeSet<&str> = now
            .iter()
            .filter(|(p, c)| before.get(*p) != Some(*c))
            .map(|(p, _)| *p)
            .chain(before.keys().copied().filter(|p| !now.contains_key(p)))
            .collect();
        if !changed.is_empty() {
            let files: Vec<&str> = changed.into_iter().collect();
            add(&step.id, format!("changed: {}", files.join(", ")));
        }
    }
    let new_stacks: HashSet<&str> = new
        .deployment
        .sites
        .iter()
        .map(|s| s.stack.as_str())
        .collect();
    let old_steps: HashSet<&str> = old.plan.steps().map(|s| s.id.as_str()).collect();
    let removed_stacks: Vec<String> = old
        .deployment
        .sites
        .iter()
        .map(|s| s.stack.to_string())
        .filter(|s| !new_stacks.contains(s.as_str()))
        .collect();
    // A central compute stack that is gone: reported, but it held no store.
    let removed_compute = (old.deployment.central_compute.iter())
        .map(|s| s.stack.to_string())
        .filter(|s| {
            new.deployment
                .central_compute
                .as_ref()
                .is_none_or(|n| n.stack.as_str() != s)
        });

    // Consequences along the graph, in order.
    let by_heat = new.deployment.target.multistore_by_heat;
    let steps: Vec<_> = new.plan.steps().collect();
    let has = |reasons: &BTreeMap<String, Vec<String>>, id: &str| reasons.contains_key(id);
    let gather = steps.iter().find(|s| s.kind == StepKind::GatherEdgeClients);
    let update = steps.iter().find(|s| s.kind == StepKind::UpdateCentral);
    let configure: HashMap<usize, &crate::graph::Step> = (steps.iter())
        .filter_map(|s| match s.kind {
            StepKind::ConfigureEdge(i) => Some((i, *s)),
            _ => None,
        })
        .collect();
    for s in &steps {
        let StepKind::DeployEdge(i) = s.kind else {
            continue;
        };
        let is_new = !old_steps.contains(s.id.as_str());
        if !by_heat && !is_new && has(&reasons, &s.id) {
            if let Some(conf) = configure.get(&i) {
                let why = format!("deploying {} reverts its out-of-band edits", s.id);
                reasons.entry(conf.id.clone()).or_default().push(why);
            }
        }
        if is_new {
            if let Some(g) = gather {
                let why = format!("new edge from {}", s.id);
                reasons.entry(g.id.clone()).or_default().push(why);
            }
        }
    }
    if !removed_stacks.is_empty() {
        if let Some(u) = update {
            let why = format!("edge stores removed: {}", removed_stacks.join(", "));
            reasons.entry(u.id.clone()).or_default().push(why);
        }
    }
    // The keyring an edge's glance-key.sh makes is what the gather step installs.
    if let Some(g) = gather {
        for s in steps
            .iter()
            .filter(|s| matches!(s.kind, StepKind::MakeEdgeKey(_)))
        {
            if has(&reasons, &s.id) {
                let why = format!("needs the output of {}", s.id);
                reasons.entry(g.id.clone()).or_default().push(why);
            }
        }
    }
    if let (Some(g), Some(u)) = (gather, update) {
        if has(&reasons, &g.id) {
            let why = format!("needs the output of {}", g.id);
            reasons.entry(u.id.clone()).or_default().push(why);
        }
    }
    // The stacks on an external central cluster read the key file external-ceph.sh writes: a new
    // key source means a new key to deploy.
    if let Some(ext) = steps.iter().find(|s| s.kind == StepKind::ExternalCeph) {
        if has(&reasons, &ext.id) && old_steps.contains(ext.id.as_str()) {
            for s in (steps.iter())
                .filter(|s| matches!(s.kind, StepKind::DeployCentral | StepKind::DeployCompute))
            {
                let why = format!("reads the key that {} writes", ext.id);
                reasons.entry(s.id.clone()).or_default().push(why);
            }
        }
    }
    // Central with edges is only ever deployed with its edge stores: with heat, a change to its
    // files means `deploy.sh update`; without heat, the deploy reverts configure.sh's edits.
    let deploy_central = steps.iter().find(|s| s.kind == StepKind::DeployCentral);
    if let (Some(d), Some(u)) = (deploy_central, update) {
        if kind_of(&old.plan, &d.id).is_some() {
            if let Some(why) = reasons.get(&d.id).cloned() {
                let u_reasons = reasons.entry(u.id.clone()).or_default();
                if by_heat {
                    u_reasons.extend(why);
                    reasons.remove(&d.id);
                } else {
                    u_reasons.push(format!("deploying {} reverts configure.sh's edits", d.id));
                }
            }
        }
    }

    // RHOSO: the pre-Ceph step applies a site's node set without its Ceph secret, which the
    // post-Ceph step adds again; new or changed computes are discovered, then put in their zone.
    let find = |k: StepKind| steps.iter().find(|s| s.kind == k);
    for s in &steps {
        match s.kind {
            StepKind::PreCeph(i) if has(&reasons, &s.id) && old_steps.contains(s.id.as_str()) => {
                if let Some(post) = find(StepKind::PostCeph(i)) {
                    let why = format!(
                        "re-applies the node set with its Ceph secret after {}",
                        s.id
                    );
                    reasons.entry(post.id.clone()).or_default().push(why);
                }
            }
            _ => {}
        }
    }
    for s in &steps {
        if let StepKind::PostCeph(i) = s.kind {
            if !has(&reasons, &s.id) {
                continue;
            }
            if let Some(disc) = find(StepKind::DiscoverHosts) {
                let why = format!("computes from {}", s.id);
                reasons.entry(disc.id.clone()).or_default().push(why);
            }
            if let Some(agg) = find(StepKind::Aggregate(i)) {
                let why = format!("the zone's hosts after {}", s.id);
                reasons.entry(agg.id.clone()).or_default().push(why);
            }
        }
    }

    let mut run = Vec::new();
    let mut unchanged = Vec::new();
    for s in steps {
        match reasons.remove(&s.id) {
            Some(r) => run.push(Rerun {
                step: s.id.clone(),
                command: s.command.clone(),
                reasons: r,
            }),
            None => unchanged.push(s.id.clone()),
        }
    }
    ChangePlan {
        run,
        unchanged,
        removed_stacks: removed_stacks.into_iter().chain(removed_compute).collect(),
    }
}

/// The plan as text for people.
pub fn render(p: &ChangePlan) -> String {
    let mut s = String::new();
    if p.run.is_empty() && p.removed_stacks.is_empty() {
        s.push_str("nothing to do: every step is unchanged\n");
        return s;
    }
    let total = p.run.len() + p.unchanged.len();
    s.push_str(&format!(
        "{} of {total} steps to run, in this order:\n",
        p.run.len()
    ));
    let width = p.run.iter().map(|r| r.step.len()).max().unwrap_or(0);
    for (i, r) in p.run.iter().enumerate() {
        s.push_str(&format!(
            "{:>3}. {:<width$}  {}\n",
            i + 1,
            r.step,
            r.command
        ));
        for why in &r.reasons {
            s.push_str(&format!("     {:<width$}  - {why}\n", ""));
        }
    }
    if !p.unchanged.is_empty() {
        // the first few and a count: `--format json` lists every one
        s.push_str(&format!(
            "unchanged: {}\n",
            crate::diag::name_list(&p.unchanged)
        ));
    }
    for stack in &p.removed_stacks {
        s.push_str(&format!(
            "removed: stack {stack} is no longer in the spec; delete it yourself (`openstack overcloud delete {stack}`) after the steps above\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_lists_a_few_unchanged_steps_and_counts_the_rest() {
        let p = ChangePlan {
            run: vec![Rerun {
                step: "deploy-dcn3".into(),
                command: "stacks/dcn3/deploy.sh".into(),
                reasons: vec!["changed: stacks/dcn3/nova.conf".into()],
            }],
            unchanged: (0..1000).map(|i| format!("deploy-dcn{i}")).collect(),
            removed_stacks: vec![],
        };
        let text = render(&p);
        assert!(text.starts_with("1 of 1001 steps to run"), "{text}");
        assert!(
            text.contains(
                "unchanged: deploy-dcn0, deploy-dcn1, deploy-dcn2, deploy-dcn3, deploy-dcn4, \
                 deploy-dcn5, deploy-dcn6, deploy-dcn7 and 992 more\n"
            ),
            "{text}"
        );
    }
}
