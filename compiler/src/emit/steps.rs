//! The step graph as generated files show it, whatever the platform: each step with where it
//! runs, its command (also as shell words) and the steps it needs.

use serde::Serialize;

use super::filters;
use crate::graph::Plan;

/// A step as the top-level script and README show it.
#[derive(Serialize, Clone, Debug)]
pub struct StepView {
    pub id: String,
    pub host: String,
    pub command: String,
    /// The command as bash words, the script relative to `$HERE`.
    pub command_words: String,
    /// The ids of the steps it needs, in backticks, sorted.
    pub needs: Vec<String>,
}

/// Every step of `p`, in order.
pub fn step_views(p: &Plan) -> Vec<StepView> {
    p.order
        .iter()
        .map(|&n| {
            let s = &p.graph[n];
            let mut words = s.command.split(' ');
            let script = words.next().unwrap_or_default();
            let args: Vec<&str> = words.collect();
            let mut needs: Vec<String> = p
                .graph
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .map(|m| format!("`{}`", p.graph[m].id))
                .collect();
            needs.sort();
            StepView {
                id: s.id.clone(),
                host: s.host.clone(),
                command: s.command.clone(),
                command_words: std::iter::once(format!("\"$HERE/{script}\""))
                    .chain(args.iter().map(|a| filters::sh(a)))
                    .collect::<Vec<_>>()
                    .join(" "),
                needs,
            }
        })
        .collect()
}
