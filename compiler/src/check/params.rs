//! Pass-through heat parameters (`parameters`, `edge_defaults.parameters`): names heat can take,
//! none that dcnc derives itself (`OWNED_PARAMETERS`, role counts, flavors and hints), and the
//! edge values that would break a DCN site, and every name and value against the target's
//! parameter index (`params.rs`). Owns DCN025 (owned parameter), DCN019 (volume cluster), DCN020
//! (cross-AZ attach), DCN061 (`CephAnsibleDisksConfig`, with `ceph`), DCN003 (wrong type) for
//! parameter names and `GlanceNodeStagingUri`, DCN039 (unknown parameter),
//! DCN040 (a value heat rejects) and DCN041 (deprecated parameter); `values` checks the values
//! as data (exact in YAML, bounded, no key), once for `edge_defaults`.

use std::collections::BTreeMap;

use super::{values, Checker};
use crate::diag::Code;
use crate::model::{AbsPath, SiteKind};
use crate::params::{self, Fit};
use crate::spec::{self, Located};
use crate::target::Target;

/// Heat parameters dcnc derives from the spec; setting them under `parameters` would fight it.
/// Each maps to the spec field that sets it.
const OWNED_PARAMETERS: &[(&str, &str)] = &[
    ("GlanceBackend", "(always `rbd`)"),
    ("GlanceBackendID", "`store.id`"),
    ("GlanceStoreDescription", "`store.description`"),
    ("GlanceMultistoreConfig", "`stores` and the edge list"),
    ("GlanceEnabledImportMethods", "`glance.import_methods`"),
    (
        "GlanceShowMultipleLocations",
        "`glance.show_multiple_locations`",
    ),
    ("CephClusterName", "`cluster`"),
    ("CephClientUserName", "`glance.client_user`"),
    (
        "CephExternalMultiConfig",
        "the edge list (keys come from `openstack overcloud export ceph`)",
    ),
    ("CephPoolDefaultSize", "`ceph.pool_default_size`"),
    ("NovaComputeAvailabilityZone", "`az`"),
    ("CinderStorageAvailabilityZone", "`az`"),
    ("NtpServer", "`central.ntp`"),
    ("GlanceStagingNfsShare", "`glance.staging_nfs_share`"),
    ("CephClusterFSID", "`fsid`"),
    (
        "CephExternalMonHost",
        "`central.mons` (with `central.external`)",
    ),
    (
        "CephClientKey",
        "`central.external.key` (a reference; never the key itself)",
    ),
    ("GlanceCacheEnabled", "`topology: glance-cache`"),
    ("GlanceImageCacheDir", "`glance.cache.dir`"),
    ("GlanceImageCacheMaxSize", "`glance.cache.max_size`"),
    ("GlanceImageCacheStallTime", "`glance.cache.stall_time`"),
    (
        "GlanceImagePrefetcherInterval",
        "`glance.cache.prefetcher_interval`",
    ),
    (
        "CephClientConfigVars",
        "the cluster (dcnc writes the deploy's client export where `openstack overcloud export ceph` reads it)",
    ),
    (
        "NovaDisableImageDownloadToRbd",
        "`topology` (dcnc turns it off for glance-cache edges)",
    ),
];

/// The spec field that sets `key`, when dcnc generates that heat parameter itself.
pub fn owned_parameter(key: &str) -> Option<&'static str> {
    OWNED_PARAMETERS
        .iter()
        .find(|(p, _)| *p == key)
        .map(|(_, f)| *f)
}

/// What a stack's parameters are checked against: the target (its parameter index) and the
/// stack's own role names (for `<Role>...` parameters of roles the release does not ship).
pub(super) struct Stack<'a> {
    pub name: &'a str,
    pub kind: SiteKind,
    pub target: &'a Target,
    pub roles: Vec<&'a str>,
}

/// Hiera that dcnc writes into a stack's `ExtraConfig` (emit's `tripleo::hiera`), by key path:
/// a spec's own `ExtraConfig` or `<Role>ExtraConfig` may not set them. Each maps to what sets it.
pub(crate) const OWNED_HIERA: &[(&[&str], &str)] = &[
    (
        &["nova::workarounds::never_download_image_if_on_rbd"],
        "the topology (dcnc turns Nova's download guard on where THT has no parameter for it)",
    ),
    (
        &[
            "glance::config::glance_api_config",
            "os_glance_staging_store/filesystem_store_datadir",
        ],
        "`glance.staging_nfs_share` (dcnc points Glance's staging store at the share)",
    ),
];

/// Glance policies dcnc writes into `GlanceApiPolicies` (`glance.copy_image_by`).
pub(crate) const OWNED_POLICIES: &[&str] = &["copy_image"];

/// The owned hiera paths an `ExtraConfig`-style parameter value sets.
fn owned_hiera_in(value: &serde_json::Value) -> Vec<(String, &'static str)> {
    OWNED_HIERA
        .iter()
        .filter(|(path, _)| {
            path.iter()
                .try_fold(value, |v, k| v.as_object().and_then(|o| o.get(*k)))
                .is_some()
        })
        .map(|(path, field)| (path.join(" / "), *field))
        .collect()
}

/// Checks `params` of `stack` into `out`, later ones over earlier ones.
pub(super) fn check_parameters(
    c: &mut Checker,
    params: &spec::Parameters,
    stack: &Stack,
    out: &mut BTreeMap<String, serde_json::Value>,
) {
    for (k, v) in params {
        if check_entry(c, k, v, stack) && values::check_value(c, &k.value, v) {
            out.insert(k.value.clone(), v.value.clone());
        }
    }
}

/// Parameters every edge takes (`edge_defaults.parameters`) whose values passed their checks,
/// which run once; [`apply_shared`] runs the checks that depend on the edge.
pub(super) type Shared<'a> = Vec<(&'a Located<String>, &'a Located<serde_json::Value>)>;

pub(super) fn check_shared<'a>(c: &mut Checker, params: &'a spec::Parameters) -> Shared<'a> {
    (params.iter())
        .filter(|(k, v)| values::check_value(c, &k.value, v))
        .collect()
}

/// The shared parameters at the edge `stack`, into `out`.
pub(super) fn apply_shared(
    c: &mut Checker,
    shared: &Shared,
    stack: &Stack,
    out: &mut BTreeMap<String, serde_json::Value>,
) {
    for (k, v) in shared {
        if check_entry(c, k, v, stack) {
            out.insert(k.value.clone(), v.value.clone());
        }
    }
}

/// A parameter `stack` may set: a name heat takes and dcnc does not set, nothing dcnc owns in
/// its value, what a DCN site needs, and what the release's index says of it.
fn check_entry(
    c: &mut Checker,
    k: &Located<String>,
    v: &Located<serde_json::Value>,
    stack: &Stack,
) -> bool {
    if !check_name(c, k)
        || !check_owned_inside(c, &k.value, v)
        || !check_site_rule(c, &k.value, v, stack)
    {
        return false;
    }
    check_known(c, k, v, stack);
    true
}

/// A name heat takes that dcnc does not set itself.
fn check_name(c: &mut Checker, k: &Located<String>) -> bool {
    let key = k.value.as_str();
    if let Some((_, field)) = OWNED_PARAMETERS.iter().find(|(p, _)| *p == key) {
        c.error(
            Code::OwnedParameter,
            k.span,
            format!("`{key}` is generated by dcnc"),
        )
        .help = Some(format!("set {field} in the spec instead"));
        return false;
    }
    if key.ends_with("Count")
        || key.ends_with("SchedulerHints")
        || (key.starts_with("Overcloud") && key.ends_with("Flavor"))
    {
        c.error(
            Code::OwnedParameter,
            k.span,
            format!("`{key}` is generated by dcnc from `roles`"),
        )
        .help = Some("set `count`, `hint` or `flavor` of the role instead".into());
        return false;
    }
    if key.is_empty()
        || !key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
    {
        c.error(
            Code::WrongType,
            k.span,
            format!("`{key}` is not a heat parameter name"),
        );
        return false;
    }
    true
}

/// Nothing dcnc generates inside the value: a `GlanceApiPolicies` entry or `ExtraConfig` hiera.
fn check_owned_inside(c: &mut Checker, key: &str, v: &Located<serde_json::Value>) -> bool {
    if key == "GlanceApiPolicies" {
        let owned = v.value.as_object().into_iter().flatten().find(|(_, e)| {
            OWNED_POLICIES.contains(&e.get("key").and_then(|k| k.as_str()).unwrap_or_default())
        });
        if let Some((name, _)) = owned {
            c.error(
                Code::OwnedParameter,
                v.span,
                format!("`GlanceApiPolicies` entry `{name}` sets the copy_image policy, which dcnc generates"),
            )
            .help = Some("set `glance.copy_image_by: member` (or leave Glance's admin-only default)".into());
            return false;
        }
    }
    if key.ends_with("ExtraConfig") {
        if !v.value.is_object() {
            c.error(
                Code::WrongType,
                v.span,
                format!("`{key}` must be a map of hiera keys to values"),
            );
            return false;
        }
        let owned = owned_hiera_in(&v.value);
        if !owned.is_empty() {
            for (path, field) in owned {
                c.error(
                    Code::OwnedParameter,
                    v.span,
                    format!("`{path}` in `{key}` is generated by dcnc"),
                )
                .help = Some(format!("it follows {field}; remove it from `{key}`"));
            }
            return false;
        }
    }
    true
}

/// The edge values that would break a DCN site.
fn check_site_rule(
    c: &mut Checker,
    key: &str,
    v: &Located<serde_json::Value>,
    stack: &Stack,
) -> bool {
    let (site, kind) = (stack.name, stack.kind);
    match (key, kind) {
        ("CinderVolumeCluster", SiteKind::Edge) if v.value.as_str() != Some(site) => {
            c.error(Code::VolumeCluster, v.span, format!("CinderVolumeCluster must be the site name `{site}`"))
                .help = Some("otherwise volumes and images made from them land at another site; remove this parameter, dcnc sets it".into());
            return false;
        }
        ("CephAnsibleDisksConfig", _) if !super::ceph::check_disks_config(c, v) => return false,
        ("GlanceNodeStagingUri", _)
            if v.value
                .as_str()
                .and_then(|u| u.strip_prefix("file://"))
                .and_then(AbsPath::parse)
                .is_none() =>
        {
            c.error(
                Code::WrongType,
                v.span,
                "`GlanceNodeStagingUri` must be `file://` and an absolute path".into(),
            )
            .help = Some("e.g. `file:///var/lib/glance/staging`; THT mounts GlanceStagingNfsShare at its path".into());
            return false;
        }
        ("NovaCrossAZAttach", SiteKind::Edge) if v.value != serde_json::Value::Bool(false) => {
            c.error(Code::CrossAzAttach, v.span, "NovaCrossAZAttach must be false at an edge site".into())
                .help = Some("with cross-AZ attach, boot-from-volume builds the volume at central and the boot fails; remove this parameter, dcnc sets it to false".into());
            return false;
        }
        _ => {}
    }
    true
}

/// The name against the release's parameters (heat silently ignores a name no template
/// declares), and the value against heat's type and constraints of the parameter.
fn check_known(
    c: &mut Checker,
    k: &Located<String>,
    v: &Located<serde_json::Value>,
    stack: &Stack,
) {
    let Some(index) = params::index(stack.target.tht_version) else {
        return;
    };
    let key = k.value.as_str();
    let Some(decls) = index.lookup(key, &stack.roles) else {
        let ignored = "heat ignores a parameter no template declares, so this one does nothing";
        c.warning(
            Code::UnknownParameter,
            k.span,
            format!(
                "`{key}` is no parameter of tripleo-heat-templates {}",
                index.version
            ),
        )
        .help = Some(match index.suggest(key) {
            Some(s) => match OWNED_PARAMETERS.iter().find(|(p, _)| *p == s) {
                Some((_, field)) => {
                    format!("did you mean `{s}`? dcnc sets it from {field}; {ignored}")
                }
                None => format!("did you mean `{s}`? {ignored}"),
            },
            None => format!("{ignored}; check its spelling"),
        });
        return;
    };
    match params::fit(decls, &v.value) {
        Fit::Wrong(reasons) => {
            let d = &decls[0];
            c.error(
                Code::ParameterValue,
                v.span,
                format!("`{key}`: {}", reasons.join("; ")),
            )
            .help = Some(format!(
                "tripleo-heat-templates {} declares `{key}` as {}{}",
                index.version,
                d.ty.as_str(),
                d.describe_constraints()
            ));
        }
        Fit::Fits { deprecated, notes } => {
            if deprecated {
                c.warning(
                    Code::DeprecatedParameter,
                    k.span,
                    format!(
                        "`{key}` is deprecated in tripleo-heat-templates {}",
                        index.version
                    ),
                )
                .help = Some(
                    "its templates list it in a `deprecated` parameter group: it may do nothing, or go away in the next release; see its release notes".into(),
                );
            }
            for n in notes {
                c.warning(Code::ParameterValue, v.span, format!("`{key}`: {n}"));
            }
        }
    }
}
