//! The glance-api.conf and nova.conf a stack gets (TripleO renders them from the env files, or
//! `configure.sh` applies them), and an edge's `configure.sh` (where the target has no edge Glance
//! services: no current table).
//! The options themselves are the shared ones: `common/glance.j2`, `common/nova.j2`.

use minijinja::context;

use super::super::nova::nova_image;
use super::super::templates::{render, v};
use super::super::Tree;
use super::stack::Stack;
use crate::model::{SiteKind, Topology};
use crate::target::RoleInfo;

/// The rendered confs of a stack, before they are put into the tree.
pub(super) struct Confs {
    pub glance: String,
    /// Edges only.
    pub nova: Option<String>,
}

/// Renders the stack's glance-api.conf and (edges) nova.conf and puts them into the tree;
/// `configured`: a configure step applies them.
pub(super) fn emit_confs(s: &Stack, configured: bool, tree: &mut Tree) -> Confs {
    let applied_by = if configured {
        "configure.sh applies it."
    } else {
        "TripleO renders this from the env files; it is here for review and validation."
    };
    let rbd = s.d.topology == Topology::Multistore;
    let image_import = s.d.target.image_import(&s.site.parameters, rbd);
    let glance = render(
        "tripleo/glance-api.conf.j2",
        context! {
            stores => v(&s.stores),
            applied_by => applied_by,
            image_import => v(&image_import),
            staging_dir => super::hiera::staging_dir(s),
            glance_direct => s.d.glance.import_methods.iter().any(|m| m == "glance-direct"),
            ..s.ctx.clone()
        },
    );
    // Central's swift store in the glance-cache topology is TripleO's alone.
    if !(s.site.kind == SiteKind::Central && s.f.cache_topology) {
        s.put_file(tree, "glance-api.conf", glance.clone());
    }
    // The compute stack's Nova is pointed at its Glance by THT's GlanceApiEdge, at an address
    // only TripleO knows; edges name theirs in the spec (`glance_api`, optional where the edge
    // services point Nova at each node's own Glance: then there is no nova.conf to review).
    let image = (s.site.kind == SiteKind::Edge)
        .then(|| nova_image(s.d, s.site))
        .flatten();
    let nova = image.map(|image| {
        let target = s.d.target;
        let with = |has: fn(&RoleInfo) -> bool| -> Vec<String> {
            (s.site.roles.iter())
                .filter(|r| r.count > 0 && target.role(r.tht_role()).is_some_and(has))
                .map(|r| r.name.clone())
                .collect()
        };
        render(
            "tripleo/nova.conf.j2",
            context! {
                applied_by => applied_by,
                edge_services => target.edge_services,
                glance_roles => with(|r| r.edge_glance),
                haproxy_roles => with(|r| r.edge_haproxy),
                nova_image => v(&image),
                ..s.ctx.clone()
            },
        )
    });
    if let Some(n) = &nova {
        s.put_file(tree, "nova.conf", n.clone());
    }
    Confs { glance, nova }
}

/// An edge's `configure.sh`: merges the confs into the deployed ones.
pub(super) fn configure_edge(s: &Stack, confs: &Confs, tree: &mut Tree) {
    let ctx = context! {
        glance_fragment => strip_comments(&confs.glance),
        nova_fragment => strip_comments(confs.nova.as_deref().unwrap_or_default()),
        ..s.ctx.clone()
    };
    s.put_file(
        tree,
        "configure.sh",
        render("tripleo/configure-edge.sh.j2", ctx),
    );
}

/// An INI fragment without its comment lines, for embedding in a script; the blank lines a
/// removed comment block leaves are one blank line.
pub(super) fn strip_comments(ini: &str) -> String {
    let mut out = String::with_capacity(ini.len());
    let mut blank = false;
    for line in ini.lines().filter(|l| !l.starts_with('#')) {
        let is_blank = line.trim().is_empty();
        if is_blank && blank {
            continue;
        }
        blank = is_blank;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn strip_comments_leaves_one_blank_line_where_a_comment_block_was() {
        let ini = "# head\n[a]\nx = 1\n\n# about b\n# more\n\n[b]\ny = 2\n";
        assert_eq!(strip_comments(ini), "[a]\nx = 1\n\n[b]\ny = 2\n");
        // a value that starts with '#' after '=' is not a comment line
        assert_eq!(strip_comments("[a]\nx = #1\n"), "[a]\nx = #1\n");
    }
}
