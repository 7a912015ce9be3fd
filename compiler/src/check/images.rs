//! What happens to images at the edges, across the whole deployment: how an image reaches an
//! edge's store before a boot there, whether it is stored raw so Nova can clone it, and who sees
//! where it is stored. Owns DCN050 (a boot of an image not yet at the edge fails), DCN051 (the
//! public Glance API shows image locations) and DCN052 (images not stored raw).

use super::Checker;
use crate::diag::name_list;
use crate::diag::{Code, Span};
use crate::model::{CopyImageBy, GlanceSettings, Site, SiteKind, Topology};
use crate::spec::Spec;
use crate::target::Target;

pub(super) fn check_images(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    topology: Topology,
    sites: &[Site],
    glance: &GlanceSettings,
) {
    if topology != Topology::Multistore || sites.len() < 2 {
        return;
    }
    check_copy_on_boot(c, spec, target, glance);
    check_public_locations(c, spec, target, sites);
    check_raw(c, spec, target, sites, glance);
}

/// Where `param` of `site` was written: its own parameters, or (edges) `edge_defaults`.
fn param_span(spec: &Spec, site: &Site, param: &str) -> Option<Span> {
    let find = |p: &crate::spec::Parameters| p.keys().find(|k| k.value == param).map(|k| k.span);
    match site.kind {
        SiteKind::Central => find(&spec.central.parameters),
        _ => spec
            .edges
            .iter()
            .find(|e| e.name.value == site.name.as_str())
            .and_then(|e| find(&e.parameters))
            .or_else(|| find(&spec.edge_defaults.parameters)),
    }
}

/// DCN051 (OSSN-0090): on releases with one Glance API per site, the public one shows image
/// locations, which copy-on-write needs: THT's `glance_multiple_locations` condition is true for
/// rbd with NovaEnableRbdBackend whatever GlanceShowMultipleLocations says.
fn check_public_locations(c: &mut Checker, spec: &Spec, target: &Target, sites: &[Site]) {
    if !target.show_locations_parameter {
        return; // 18.0.0: only the internal API (GlanceApiInternal) shows them
    }
    if spec
        .glance
        .private_endpoints
        .as_ref()
        .is_some_and(|l| l.value)
    {
        return;
    }
    let stacks: Vec<&str> = sites.iter().map(|s| s.stack.as_str()).collect();
    let span = spec.glance.show_multiple_locations.as_ref().map(|l| l.span);
    c.warning(
        Code::PublicLocations,
        span,
        format!(
            "the public Glance API of {} shows image locations (OSSN-0090)",
            name_list(&stacks)
        ),
    )
    .help = Some(format!(
        "THT {} has no internal-only Glance API: keep every Glance endpoint off untrusted networks and say so with `glance.private_endpoints: true`, or use target `tht-18` (GlanceApiInternal); `dcnc explain DCN051`",
        target.tht_version
    ));
}

/// DCN052: a stack's Glance does not store images raw, while an rbd-backed Nova boots what it
/// stores: its own stack's, and for central every edge's (images are copied from central).
fn check_raw(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    sites: &[Site],
    glance: &GlanceSettings,
) {
    // An edge's Nova: rbd unless passed NovaEnableRbdBackend false; the download guard is on in
    // every multistore edge (dcn-storage.yaml, or dcnc's hiera on 12.7.0).
    let nova_rbd = |s: &Site| {
        s.parameters.get("NovaEnableRbdBackend") != Some(&serde_json::Value::Bool(false))
    };
    let guard = target.nova_download_guard || target.nova_download_guard_by_hiera;
    for site in sites {
        let import = target.image_import(&site.parameters, true);
        if import.converts_to_raw() {
            continue;
        }
        let novas: Vec<&Site> = match site.kind {
            SiteKind::Central => sites.iter().filter(|s| s.kind == SiteKind::Edge).collect(),
            _ => vec![site],
        };
        let booting: Vec<&str> = (novas.iter())
            .filter(|s| nova_rbd(s))
            .map(|s| s.stack.as_str())
            .collect();
        if booting.is_empty() || glance.raw_images_only {
            continue;
        }
        let span = param_span(spec, site, "GlanceImageImportPlugins")
            .or_else(|| param_span(spec, site, "GlanceImageConversionOutputFormat"))
            .or_else(|| param_span(spec, site, "NovaEnableRbdBackend"));
        let stores = if import.plugins.iter().any(|p| p == "image_conversion") {
            format!("converts uploads to {}", import.output_format)
        } else {
            format!(
                "stores uploads as they are (import plugins [{}])",
                import.plugins.join(",")
            )
        };
        let what = format!(
            "Glance of stack `{}` {stores}, but Nova on rbd at {} clones only raw images",
            site.stack,
            name_list(&booting)
        );
        let help = "keep THT's default GlanceImageImportPlugins (or include image_conversion with output format raw), or upload only raw images and set `glance.raw_images_only: true`; `dcnc explain DCN052`".to_string();
        if guard {
            c.error(
                Code::NotRaw,
                span,
                format!("{what}, and refuses to download: boots of non-raw images fail"),
            )
            .help = Some(help);
        } else {
            c.warning(
                Code::NotRaw,
                span,
                format!("{what}: boots of non-raw images download them flat"),
            )
            .help = Some(help);
        }
    }
}

/// DCN050: nothing brings images to the edges before a member boots them there.
fn check_copy_on_boot(c: &mut Checker, spec: &Spec, target: &Target, glance: &GlanceSettings) {
    if !glance.distribute_images.is_empty() {
        return;
    }
    let span = spec.glance.copy_image_by.as_ref().map(|l| l.span);
    if target.nova_copies_to_store && !target.heat {
        // RHOSO: the glance-operator writes Glance's policy, so only an admin's copy brings images.
        c.warning(
            Code::CopyOnBoot,
            span,
            "a member's boot at an edge of an image not yet in the edge's store fails".into(),
        )
        .help = Some(format!(
            "in target `{}` Nova asks the edge Glance to copy the image with the user's token, and Glance's copy_image policy is admin-only: list the images in `glance.distribute_images` and run distribute-images.sh after each upload",
            target.id
        ));
    } else if target.nova_copies_to_store {
        if glance.copy_image_by == CopyImageBy::Member {
            return;
        }
        c.warning(
            Code::CopyOnBoot,
            span,
            "a member's boot at an edge of an image not yet in the edge's store fails".into(),
        )
        .help = Some(format!(
            "in target `{}` Nova asks the edge Glance to copy the image with the user's token, and Glance's copy_image policy is admin-only: set `glance.copy_image_by: member`, or list the images in `glance.distribute_images` and run distribute-images.sh after each upload",
            target.id
        ));
    } else {
        c.warning(
            Code::CopyOnBoot,
            span,
            "a boot at an edge of an image not yet in the edge's store fails".into(),
        )
        .help = Some(format!(
            "Nova of target `{}` (THT {}) cannot ask Glance to copy an image, and dcnc keeps it from downloading one flat: list the images in `glance.distribute_images` and run distribute-images.sh after each upload",
            target.id, target.tht_version
        ));
    }
}
