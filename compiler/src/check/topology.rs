//! Settings of one topology written in the other, and what the central compute stack needs.
//! Owns DCN036 (wrong topology) and DCN038 (not in target) for `central.compute`.

use super::Checker;
use crate::diag::Code;
use crate::model::Topology;
use crate::spec::Spec;
use crate::target::Target;

/// Settings of one topology written in the other, and `central.compute` without what it needs.
pub(super) fn check_topology(c: &mut Checker, spec: &Spec, topology: Topology, target: &Target) {
    if let (Some(compute), None) = (&spec.central.compute, &spec.central.external) {
        c.error(Code::WrongTopology, compute.span, "`central.compute` needs `central.external`".into())
            .help = Some("the central compute stack is a client of an external central cluster; add `external: {key: ...}` under `central`, or remove `compute`".into());
    }
    if let (Some(compute), false, true) = (&spec.central.compute, target.edge_services, target.heat)
    {
        c.error(Code::NotInTarget, compute.span, format!("target `{}` has no edge Glance services for `central.compute`", target.id))
            .help = Some("its local Glance and Nova need GlanceApiEdge and HAproxyEdge: use a target that has them (`wallaby`, `tht-18` or `ussuri`), or remove `compute`".into());
    }
    match topology {
        Topology::Multistore => {
            if let Some(cache) = &spec.glance.cache {
                c.error(Code::WrongTopology, cache.span, "`glance.cache` needs `topology: glance-cache`".into())
                    .help = Some("multistore edges have their own store; remove `glance.cache`, or set `topology: glance-cache`".into());
            }
        }
        Topology::GlanceCache => {
            for e in &spec.edges {
                if let Some(first) = e.stores.as_ref().and_then(|s| s.first()) {
                    c.error(
                        Code::WrongTopology,
                        first.span,
                        format!(
                            "edge `{}` lists `stores`, which needs `topology: multistore`",
                            e.name.value
                        ),
                    )
                    .help = Some(
                        "in the glance-cache topology edges have no stores; remove `stores`".into(),
                    );
                }
                if let Some(k) = &e.key {
                    c.error(Code::WrongTopology, k.span, format!("edge `{}` has a `key`, which needs `topology: multistore`", e.name.value))
                        .help = Some("central Glance uses no edge cluster in the glance-cache topology; remove `key`".into());
                }
            }
            if let Some(ext) = &spec.central.external {
                c.error(Code::WrongTopology, ext.span, "`central.external` needs `topology: multistore`".into())
                    .help = Some("in the glance-cache topology central Glance keeps images on swift; remove `external`".into());
            }
        }
    }
}
