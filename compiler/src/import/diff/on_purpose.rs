//! Why dcnc differs from the original on purpose: a change the import recorded
//! (`Report::on_purpose`), dcnc's own hiera in `ExtraConfig`, a value the original sets only in
//! its update, the deploy's client export where `export ceph` reads it, or an fsid pinned to
//! what the cluster already has.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::values::equal;
use crate::import::deployment::{Origin, Setting};
use crate::import::report::{Change, OnPurpose};
use crate::import::source::FileId;
use crate::import::Imported;
use crate::params::ParamType;

/// Why dcnc gives heat `bv` for parameter `k` of `stack` where the original gives `av`, when it
/// does so on purpose: a change the import recorded (`Report::on_purpose`), dcnc's own hiera in
/// `ExtraConfig`, or (`later`: the original's parameters after its update, in the comparison of
/// a first deploy) a value the original sets only in its update. `None`: a loss.
#[allow(clippy::too_many_arguments)]
pub(super) fn on_purpose(
    imp: &Imported,
    stack: &str,
    k: &str,
    av: Option<&Json>,
    bv: Option<&Json>,
    ty: Option<ParamType>,
    default: Option<&Json>,
    later: Option<&BTreeMap<String, Setting>>,
) -> Option<String> {
    let recorded: Vec<&OnPurpose> = (imp.report.on_purpose.iter())
        .filter(|o| o.stack == stack && o.param == k)
        .collect();
    for o in &recorded {
        if let Change::Value { original, dcnc } = &o.change {
            if equal(k, av, original.as_ref().or(default), ty) && equal(k, bv, Some(dcnc), ty) {
                return Some(o.mark());
            }
        }
    }
    let renames: Vec<&&OnPurpose> = (recorded.iter())
        .filter(|o| matches!(o.change, Change::Key { .. }))
        .collect();
    if let (false, Some(Json::Object(m))) = (renames.is_empty(), av) {
        let mut renamed = m.clone();
        for o in &renames {
            if let Change::Key { from, to } = &o.change {
                if let Some(v) = renamed.remove(from) {
                    renamed.insert(to.clone(), v);
                }
            }
        }
        if equal(k, Some(&Json::Object(renamed)), bv, ty) {
            let why: Vec<String> = renames.iter().map(|o| o.mark()).collect();
            return Some(why.join("; "));
        }
    }
    if k == "ExtraConfig" {
        if let Some(why) = own_hiera(k, av, bv, ty) {
            return Some(why);
        }
    }
    if k == "CephClientConfigVars" && (av.is_none() || av == default) {
        if let Some(why) = client_export(bv) {
            return Some(why);
        }
    }
    let after = later?;
    only_in_update(imp, k, (av, bv), ty, default, after)
}

/// dcnc's own hiera in `ExtraConfig`, where the original does not set it, and nothing else
/// differs.
fn own_hiera(
    k: &str,
    av: Option<&Json>,
    bv: Option<&Json>,
    ty: Option<ParamType>,
) -> Option<String> {
    let mut ours = bv
        .cloned()
        .unwrap_or_else(|| Json::Object(Default::default()));
    let mut added = Vec::new();
    for (path, _) in crate::check::OWNED_HIERA {
        let theirs = av.and_then(|a| path.iter().try_fold(a, |v, p| v.get(*p)));
        if theirs.is_some() {
            continue;
        }
        if remove_path(&mut ours, path) {
            added.push(path.join(" / "));
        }
    }
    let empty = |v: Option<&Json>| v.is_none_or(|v| v.as_object().is_some_and(|o| o.is_empty()));
    let same = (empty(av) && empty(Some(&ours))) || equal(k, av, Some(&ours), ty);
    (same && !added.is_empty()).then(|| {
        format!(
            "dcnc turns Nova's download guard on ({}) where THT has no parameter for it, so a boot at the edge of an image not yet in its store is refused instead of downloading the image and uploading it flat, not copy-on-write, on every boot, dcnc explain DCN050",
            added.join(", ")
        )
    })
}

/// dcnc's `CephClientConfigVars` where the original leaves THT's default: the deploy's export of
/// the cluster's client keys goes where `openstack overcloud export ceph` reads it.
fn client_export(bv: Option<&Json>) -> Option<String> {
    (bv?.as_str()? == crate::target::CEPH_CLIENT_EXPORT).then(|| {
        "the deploy exports its cluster's client keys to ~/overcloud-deploy/<stack>/ceph_client.yml, where `openstack overcloud export ceph` reads them, not to THT's default in the playbook directory, where `overcloud ceph deploy` without pools writes none, dcnc explain DCN095".to_string()
    })
}

/// A value the original sets only in its update (`after`: its parameters after the update),
/// which dcnc's first deploy already sets.
fn only_in_update(
    imp: &Imported,
    k: &str,
    (av, bv): (Option<&Json>, Option<&Json>),
    ty: Option<ParamType>,
    default: Option<&Json>,
    after: &BTreeMap<String, Setting>,
) -> Option<String> {
    let l = after.get(k);
    let lv = l.map(|s| &s.value).or(default);
    if equal(k, bv, lv, ty) && !equal(k, av, lv, ty) {
        let at = match l.map(|s| &s.origin) {
            Some(Origin::File { value, .. }) => format!(" ({})", imp.read.sources.show(*value)),
            _ => String::new(),
        };
        Some(format!(
            "the original sets it only in its update{at}; dcnc's first deploy already sets what the update leaves, and the update compares the same, dcnc explain DCN095"
        ))
    } else {
        None
    }
}

/// Removes the leaf at `path` (and the maps it leaves empty); whether there was one.
fn remove_path(v: &mut Json, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Some(m) = v.as_object_mut() else {
        return false;
    };
    if rest.is_empty() {
        return m.remove(*first).is_some();
    }
    let Some(child) = m.get_mut(*first) else {
        return false;
    };
    let removed = remove_path(child, rest);
    if removed && child.as_object().is_some_and(|o| o.is_empty()) {
        m.remove(*first);
    }
    removed
}

/// Where the deployment's files name fsid `fsid` of a cluster (a CephExternalMultiConfig entry).
pub(super) fn known_fsid(imp: &Imported, fsid: &str) -> Option<crate::import::source::Loc> {
    let mut ids: Vec<&FileId> = imp.read.envs.keys().collect();
    ids.sort();
    for id in ids {
        let env = &imp.read.envs[id];
        for p in env
            .params
            .iter()
            .filter(|p| p.key == "CephExternalMultiConfig")
        {
            for item in p.value.items() {
                if let Some(f) = item.get("fsid") {
                    if f.as_str() == Some(fsid) {
                        return Some(crate::import::source::Loc::new(*id, f.span));
                    }
                }
            }
        }
    }
    None
}
