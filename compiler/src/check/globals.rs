//! Settings of the whole deployment: `region`, `tht`, `work_dir`, `ceph.conf_dir` and
//! `ceph.client_mount_timeout`. Owns DCN003 (wrong type) for these paths and DCN037 (bad
//! quantity) for the timeout.

use super::{or_default, Checker};
use crate::diag::Code;
use crate::model::{parse_duration, AbsPath};
use crate::spec::{defaults, Spec};

/// The checked settings, with defaults applied.
pub(super) struct Globals {
    pub region: String,
    pub tht: String,
    pub work_dir: String,
    pub ceph_conf_dir: String,
    pub client_mount_timeout: Option<u64>,
}

pub(super) fn check_globals(c: &mut Checker, spec: &Spec) -> Globals {
    let (region, _) = or_default(&spec.region, defaults::region().to_string());
    let (tht, _) = or_default(&spec.tht, defaults::tht().to_string());
    let (work_dir, _) = or_default(&spec.work_dir, defaults::work_dir().to_string());
    let (ceph_conf_dir, conf_dir_span) =
        or_default(&spec.ceph.conf_dir, defaults::conf_dir().to_string());
    c.name(
        &ceph_conf_dir,
        conf_dir_span,
        "path",
        Code::WrongType,
        AbsPath::parse,
        AbsPath::RULE,
    );
    for (v, what) in [(&spec.tht, "tht"), (&spec.work_dir, "work_dir")] {
        if let Some(v) = v {
            if v.value.is_empty() || v.value.contains(['\'', '"', '\n', '`']) {
                c.error(
                    Code::WrongType,
                    v.span,
                    format!("`{what}` must be a path without quotes or backticks"),
                );
            }
        }
    }
    let client_mount_timeout = spec.ceph.client_mount_timeout.as_ref().and_then(|t| {
        let secs = parse_duration(&t.value.0).filter(|s| *s > 0);
        if secs.is_none() {
            c.error(
                Code::BadQuantity,
                t.span,
                format!("`{}` is not a timeout", t.value.0),
            )
            .help = Some("write seconds or a number with a unit: `30`, `30s`, `2m`".into());
        }
        secs
    });
    Globals {
        region,
        tht,
        work_dir,
        ceph_conf_dir,
        client_mount_timeout,
    }
}
