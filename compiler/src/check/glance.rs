//! Glance settings shared by every site: the pool, import methods, the cephx user and caps of
//! central Glance on the edges, the staging share and image locations (the edge cache is
//! `cache`). Owns DCN030 (pool), DCN024 (unknown import method), DCN031 (copy-image missing),
//! DCN017 (client user), DCN066 (a user per cluster where one export names one user), DCN018
//! (malformed or unused caps), DCN064 (caps wider than Glance needs), DCN065 (caps without the
//! images pool), DCN034 (staging), DCN038 (not in target) for
//! `show_multiple_locations`, and DCN053/DCN012 for the names of `distribute_images`.

use super::text::{check_text, Kind};
use super::{or_default, Checker};
use crate::diag::{did_you_mean, Code, Span};
use crate::model::*;
use crate::spec::{self, defaults, Located, Spec};
use crate::target::Target;

/// Import methods Glance knows.
const IMPORT_METHODS: &[&str] = &[
    "glance-direct",
    "web-download",
    "copy-image",
    "glance-download",
];

pub(super) fn check_glance(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
) -> Option<GlanceSettings> {
    let g = &spec.glance;
    let (pool, pool_span) = or_default(&g.pool, defaults::pool().to_string());
    let pool = c.name(
        &pool,
        pool_span,
        "pool name",
        Code::BadPool,
        PoolName::parse,
        PoolName::RULE,
    );
    let import_methods = check_import_methods(c, g);
    let client_user = check_client_user(c, g, target);
    let (caps_mon, caps_osd) = check_caps(c, g, pool.as_ref(), own_user(target, &client_user));
    let staging_nfs_share = g.staging_nfs_share.as_ref().map(|s| check_nfs_share(c, s));
    let show = g.show_multiple_locations.as_ref().is_none_or(|l| l.value);
    if let (Some(l), false) = (&g.show_multiple_locations, target.show_locations_parameter) {
        c.warning(
            Code::NotInTarget,
            l.span,
            format!("`show_multiple_locations` has no effect in target `{}`", target.id),
        )
        .help = Some("its internal Glance API (GlanceApiInternal) shows image locations to Nova and Cinder; remove the setting".into());
    }
    let copy_image_by = g
        .copy_image_by
        .as_ref()
        .map_or(defaults::copy_image_by(), |l| l.value);
    let distribute_images = check_image_names(c, &g.distribute_images);
    Some(GlanceSettings {
        pool: pool?,
        import_methods,
        show_multiple_locations: show,
        client_user,
        caps_mon,
        caps_osd,
        staging_nfs_share,
        cache: super::cache::check_cache(c, spec),
        copy_image_by,
        distribute_images,
        raw_images_only: g
            .raw_images_only
            .as_ref()
            .map_or(defaults::raw_images_only(), |l| l.value),
    })
}

/// Image names for `distribute-images.sh`: what a Glance image name can be (up to 255
/// characters), printable, each once. The script quotes them; a name is never code.
fn check_image_names(c: &mut Checker, names: &[Located<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let v = &n.value;
        if !check_text(
            c,
            v,
            Some(n.span),
            "glance.distribute_images",
            Kind::ImageName,
        ) {
            continue;
        }
        if v.trim().is_empty() || v.chars().count() > 255 {
            c.error(
                Code::BadImageName,
                n.span,
                format!("invalid image name `{}`", v.escape_debug()),
            )
            .help = Some("an image name is 1 to 255 printable characters".into());
        } else if out.contains(v) {
            c.error(
                Code::Duplicate,
                n.span,
                format!("image `{v}` is listed twice"),
            );
        } else {
            out.push(v.clone());
        }
    }
    out
}

fn check_import_methods(c: &mut Checker, g: &spec::Glance) -> Vec<String> {
    let Some(list) = &g.import_methods else {
        return defaults::IMPORT_METHODS.map(String::from).to_vec();
    };
    let mut import_methods = Vec::new();
    for m in &list.value {
        if IMPORT_METHODS.contains(&m.value.as_str()) {
            import_methods.push(m.value.clone());
        } else {
            let d = c.error(
                Code::UnknownImportMethod,
                m.span,
                format!("unknown import method `{}`", m.value),
            );
            d.help = Some(
                match did_you_mean(&m.value, IMPORT_METHODS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("glance knows {}", IMPORT_METHODS.join(", ")),
                },
            );
        }
    }
    if !list.value.iter().any(|m| m.value == "copy-image") {
        c.warning(
            Code::CopyImageMissing,
            list.span,
            "`copy-image` is not enabled".into(),
        )
        .help = Some(
            "without it an image cannot be copied from central to an edge store; add `copy-image`"
                .into(),
        );
    }
    import_methods
}

/// The cephx user template of central Glance on the edges (`{cluster}` is its one placeholder).
fn check_client_user(c: &mut Checker, g: &spec::Glance, target: &Target) -> String {
    let (client_user, user_span) =
        or_default(&g.client_user, target.default_client_user.to_string());
    let probe = client_user.replace("{cluster}", "x");
    let user_ok = if client_user.matches('{').count() != client_user.matches("{cluster}").count() {
        c.error(
            Code::BadClientUser,
            user_span,
            format!("invalid cephx user `{client_user}`"),
        )
        .help = Some("the only placeholder is `{cluster}`".into());
        false
    } else if CephUser::parse(&probe).is_none() {
        let help = if probe.starts_with("client.") {
            format!(
                "drop the `client.` prefix: `{}`",
                client_user.trim_start_matches("client.")
            )
        } else {
            format!("a cephx user is {}", CephUser::RULE)
        };
        c.error(
            Code::BadClientUser,
            user_span,
            format!("invalid cephx user `{client_user}`"),
        )
        .help = Some(help);
        false
    } else {
        true
    };
    if user_ok && target.multistore_by_heat {
        if client_user.contains("{cluster}") {
            // One `export ceph --cephx-key-client-name` names the user of every edge stack
            // (python-tripleoclient 16.5.0 and 20.0.0 v1/overcloud_export_ceph.py:49-53, 106).
            c.error(
                Code::ClientUserPerCluster,
                user_span,
                format!("target `{}` exports one cephx user for every edge, not one per cluster", target.id),
            )
            .help = Some(format!(
                "`openstack overcloud export ceph --cephx-key-client-name` takes one name for every stack it exports; name one user, e.g. `{}`",
                client_user.replace("{cluster}.", "").replace(".{cluster}", "").replace("{cluster}", "glance")
            ));
        } else if TRIPLEO_USERS.contains(&client_user.as_str()) {
            c.error(
                Code::BadClientUser,
                user_span,
                format!("`{client_user}` is a cephx user TripleO makes for another service"),
            )
            .help = Some("CephExtraKeys would make a second key of that name with other caps; name a user of Glance's own, e.g. `glance`".into());
        }
    }
    client_user
}

/// Users TripleO's Ceph deploy makes itself besides `openstack` (THT 12.7.0 ceph-base.yaml
/// CephKeyVars, 14.3.0 and 18.0.0 `ceph_keys`: manila, radosgw), and the admin.
const TRIPLEO_USERS: &[&str] = &["admin", "manila", "radosgw"];

/// Central Glance reads the edges with a user of its own: the caps are the key's. Else (heat
/// targets with `openstack`) TripleO gives that user its own caps.
fn own_user(target: &Target, client_user: &str) -> bool {
    !target.multistore_by_heat || client_user != "openstack"
}

/// The mon and osd caps of that user, with defaults: `(mon, osd)`. `used`: the user is central
/// Glance's own (else the caps are unused: DCN018).
fn check_caps(
    c: &mut Checker,
    g: &spec::Glance,
    pool: Option<&PoolName>,
    used: bool,
) -> (String, String) {
    let (caps_mon, mon_span) = or_default(&g.caps.mon, defaults::mon_caps().to_string());
    let default_osd = format!(
        "profile rbd pool={}",
        pool.map_or(defaults::pool(), |p| p.as_str())
    );
    let (caps_osd, osd_span) = or_default(&g.caps.osd, default_osd);
    let mut well_formed = true;
    for (caps, span, kind) in [(&caps_mon, mon_span, "mon"), (&caps_osd, osd_span, "osd")] {
        well_formed &= check_caps_string(c, caps, span, kind);
    }
    if !used {
        if g.caps.mon.is_some() || g.caps.osd.is_some() {
            c.warning(
                Code::BadCaps,
                osd_span.or(mon_span),
                "`glance.caps` are not used by the `openstack` user".into(),
            )
            .help = Some(
                "TripleO creates the `openstack` user with its own caps; remove `glance.caps`, or give central Glance a user of its own (`glance.client_user`)".into(),
            );
        }
    } else if let (Some(pool), true) = (pool, well_formed) {
        if g.caps.mon.is_some() {
            check_mon_width(c, &caps_mon, mon_span);
        }
        if g.caps.osd.is_some() {
            check_osd_width(c, &caps_osd, osd_span, pool);
        }
    }
    (caps_mon, caps_osd)
}

/// DCN064 for the mon caps: Glance's rbd store needs `profile rbd` (read the maps, blocklist a
/// dead client), nothing that writes the cluster's state.
fn check_mon_width(c: &mut Checker, caps: &str, span: Option<Span>) {
    for clause in caps.split(',').map(str::trim) {
        let words: Vec<&str> = clause.split_whitespace().collect();
        let wide = match words.as_slice() {
            ["profile", p] => !["rbd", "rbd-read-only"].contains(p),
            ["allow", perms] => perms.contains(['*', 'w', 'x']),
            _ => clause.contains('*'),
        };
        if wide {
            c.warning(
                Code::CapsTooWide,
                span,
                format!("mon caps `{clause}` grant more than Glance needs"),
            )
            .help = Some("Glance's rbd store needs `profile rbd` on the mons".into());
        }
    }
}

/// DCN064 and DCN065 for the osd caps: every clause limited to a pool, the images pool among
/// them, no other pool (central Glance's store on an edge is that one pool).
fn check_osd_width(c: &mut Checker, caps: &str, span: Option<Span>, pool: &PoolName) {
    let mut grants_pool = false;
    for clause in caps.split(',').map(str::trim) {
        let pools: Vec<&str> = clause
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("pool="))
            .collect();
        if clause.contains('*') || pools.is_empty() {
            c.warning(
                Code::CapsTooWide,
                span,
                format!("osd caps `{clause}` reach every pool of the cluster"),
            )
            .help = Some(format!(
                "limit it to the images pool: `profile rbd pool={pool}`"
            ));
            grants_pool = true;
        }
        for p in pools {
            if p == pool.as_str() {
                grants_pool = true;
            } else {
                c.warning(
                    Code::CapsTooWide,
                    span,
                    format!("osd caps grant pool `{p}`, which no Glance store uses"),
                )
                .help = Some(format!(
                    "central Glance's store on an edge is its pool `{pool}`; drop `{clause}`"
                ));
            }
        }
    }
    if !grants_pool {
        c.warning(
            Code::CapsMissPool,
            span,
            format!("osd caps do not grant the images pool `{pool}`"),
        )
        .help = Some(format!(
            "central Glance stores images there: add `profile rbd pool={pool}`"
        ));
    }
}

/// Whether the caps are well formed (else an error, DCN018).
fn check_caps_string(c: &mut Checker, caps: &str, span: Option<Span>, kind: &str) -> bool {
    let trimmed = caps.trim_start();
    if let Some(prefix) = ["mon:", "osd:", "mgr:"]
        .iter()
        .find(|p| trimmed.starts_with(**p))
    {
        c.error(
            Code::BadCaps,
            span,
            format!("{kind} caps start with a stray `{prefix}`"),
        )
        .help = Some(format!(
            "write only the capability, e.g. `{}`",
            trimmed[prefix.len()..].trim()
        ));
        false
    } else if trimmed.is_empty() {
        c.error(Code::BadCaps, span, format!("{kind} caps are empty"))
            .help = Some("e.g. `profile rbd pool=images`".into());
        false
    } else {
        check_text(c, caps, span, &format!("glance.caps.{kind}"), Kind::Caps)
    }
}

/// `host:/path`, the path being one scripts can carry like any other absolute path.
fn check_nfs_share(c: &mut Checker, share: &Located<String>) -> String {
    let ok = share.value.split_once(":/").is_some_and(|(host, path)| {
        !host.is_empty()
            && host
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-._[]:".contains(ch))
            && AbsPath::parse(&format!("/{path}")).is_some()
    });
    if !ok {
        c.error(
            Code::SharedStaging,
            share.span,
            format!("`{}` is not an NFS share", share.value),
        )
        .help = Some("write it as `host:/path`, e.g. `192.168.24.1:/export/glance-staging`".into());
    }
    share.value.clone()
}

/// glance-direct stages an upload on the glance-api that received it; with several central
/// controllers, the import may run on another one unless the staging area is shared.
pub(super) fn check_staging(
    c: &mut Checker,
    spec: &Spec,
    central: Option<&Site>,
    glance: Option<&GlanceSettings>,
    target: &Target,
) {
    let (Some(central), Some(glance)) = (central, glance) else {
        return;
    };
    let apis: u64 = central
        .roles
        .iter()
        .filter(|r| r.name == "Controller")
        .map(|r| u64::from(r.count))
        .sum();
    if apis > 1
        && glance.staging_nfs_share.is_none()
        && glance.import_methods.iter().any(|m| m == "glance-direct")
    {
        let span = spec
            .glance
            .import_methods
            .as_ref()
            .and_then(|l| l.value.iter().find(|m| m.value == "glance-direct"))
            .map(|m| m.span);
        c.warning(
            Code::SharedStaging,
            span,
            format!("glance-direct with {apis} central glance-api nodes needs a shared staging area"),
        )
        .help = Some(format!(
            "set `glance.staging_nfs_share: host:/path`: THT mounts it (GlanceStagingNfsShare) and dcnc points Glance's staging store at it, which THT {} does not do{}; or import with web-download or copy-image only",
            target.tht_version,
            if target.show_locations_parameter {
                ""
            } else {
                " (its worker_self_reference_url is the internal VIP on every node, so Glance does not forward an import to the controller that staged it)"
            }
        ));
    }
}
