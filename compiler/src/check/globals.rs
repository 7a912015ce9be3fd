//! Settings of the whole deployment: `region`, `tht`, `work_dir`, `container_images`,
//! `ceph.conf_dir` and `ceph.client_mount_timeout` and `ceph.pool_default_size`. Owns DCN003
//! (wrong type) for `ceph.conf_dir`, DCN037 (bad quantity) for the timeout, DCN081 (too large)
//! for the timeout and the pool size, DCN090 (`container_images` neither `prepare` nor an
//! absolute file path) and DCN038 (not in target) for `container_images` on a target without
//! TripleO's container images; `text` checks the characters of the others.

use super::text::{check_abs_path, check_text, Kind};
use super::{or_default, Checker};
use crate::diag::Code;
use crate::model::{parse_duration, AbsPath, ContainerImages};
use crate::spec::{bounds, defaults, Spec};
use crate::target::Target;

/// The checked settings, with defaults applied.
pub(super) struct Globals {
    pub region: String,
    pub tht: String,
    pub work_dir: String,
    pub ceph_conf_dir: String,
    pub client_mount_timeout: Option<u64>,
}

pub(super) fn check_globals(c: &mut Checker, spec: &Spec) -> Globals {
    let (region, region_span) = or_default(&spec.region, defaults::region().to_string());
    check_text(c, &region, region_span, "region", Kind::Region);
    let (tht, _) = or_default(&spec.tht, defaults::tht().to_string());
    let (work_dir, _) = or_default(&spec.work_dir, defaults::work_dir().to_string());
    let (ceph_conf_dir, conf_dir_span) =
        or_default(&spec.ceph.conf_dir, defaults::conf_dir().to_string());
    let conf_dir = (ceph_conf_dir.as_str(), conf_dir_span);
    check_abs_path(c, conf_dir, "ceph.conf_dir", "path", Code::WrongType);
    for (v, what) in [(&spec.tht, "tht"), (&spec.work_dir, "work_dir")] {
        if let Some(v) = v {
            check_text(c, &v.value, Some(v.span), what, Kind::ShellDefault);
        }
    }
    let client_mount_timeout = spec.ceph.client_mount_timeout.as_ref().and_then(|t| {
        let secs = parse_duration(&t.value.0).filter(|s| *s > 0);
        match secs {
            None => {
                c.error(
                    Code::BadQuantity,
                    t.span,
                    format!("`{}` is not a timeout", t.value.0),
                )
                .help = Some("write seconds or a number with a unit: `30`, `30s`, `2m`".into());
            }
            Some(s) if s > bounds::MOUNT_TIMEOUT_SECONDS => {
                c.error(
                    Code::TooLarge,
                    t.span,
                    format!(
                        "a client mount timeout of `{}` is more than an hour",
                        t.value.0
                    ),
                )
                .help = Some(
                    "a client waits for an unreachable cluster that long; write at most `1h`"
                        .into(),
                );
            }
            Some(_) => {}
        }
        secs.filter(|s| *s <= bounds::MOUNT_TIMEOUT_SECONDS)
    });
    check_pool_size(c, spec);
    Globals {
        region,
        tht,
        work_dir,
        ceph_conf_dir,
        client_mount_timeout,
    }
}

/// `ceph.pool_default_size`: a replica count Ceph takes.
fn check_pool_size(c: &mut Checker, spec: &Spec) {
    if let Some(size) = &spec.ceph.pool_default_size {
        if size.value == 0 || size.value > bounds::POOL_SIZE {
            let d = c.error(
                Code::TooLarge,
                size.span,
                format!("a pool size of {} is not one Ceph takes", size.value),
            );
            d.help = Some(format!("Ceph keeps 1 to {} replicas", bounds::POOL_SIZE));
        }
    }
}

/// `container_images`: `prepare`, or the absolute path of a file on the undercloud that every
/// stack's deploy passes with `-e` (quoted: no `~` or `$` expands). `None` after an error.
pub(super) fn check_container_images(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
) -> Option<ContainerImages> {
    let Some(v) = &spec.container_images else {
        return Some(ContainerImages::Prepare);
    };
    if target.client.is_none() {
        c.warning(
            Code::NotInTarget,
            Some(v.span),
            format!("`container_images` has no effect in target `{}`", target.id),
        )
        .help = Some(
            "its operators take their images from the OpenStackVersion resource; remove the setting or keep it for the TripleO targets".into(),
        );
    }
    let value = v.value.as_str();
    if value == defaults::container_images() {
        return Some(ContainerImages::Prepare);
    }
    if !check_text(c, value, Some(v.span), "container_images", Kind::AbsPath) {
        return None;
    }
    let help = if value.starts_with('~') {
        "deploy.sh passes the path quoted, so `~` is not expanded: write the home directory out, e.g. `/home/stack/containers-prepare-parameter.yaml`"
    } else if value.is_empty() || value.ends_with('/') {
        "name the file, e.g. `/home/stack/containers-prepare-parameter.yaml`, or write `prepare`"
    } else {
        "write `prepare` (dcnc generates the file), or the absolute path of your containers-prepare-parameter.yaml on the undercloud: every stack's deploy.sh passes it, from whatever directory it runs in"
    };
    match AbsPath::parse(value).filter(|_| !value.ends_with('/')) {
        Some(p) => Some(ContainerImages::File(p)),
        None => {
            c.error(
                Code::ContainerImages,
                Some(v.span),
                format!("`container_images: {value}` is neither `prepare` nor the absolute path of a file"),
            )
            .help = Some(help.into());
            None
        }
    }
}
