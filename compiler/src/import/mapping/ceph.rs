//! The Ceph side of a deployment: the `CephExternalMultiConfig` entries (fsids and mons of the
//! clusters stacks are clients of, and the keys they must not hold), the Ceph client confs of the
//! directory (`ceph:`'s client settings, a cluster's fsid and mons), the mons of predictable IPs,
//! a stack's OSD disks and pool size, and the external central cluster's key reference.

use serde_json::{json, Value as Json};

use super::{heat_number, loc_of, Mapper, MultiEntry, Stack};
use crate::import::deployment::Origin;
use crate::import::heat;
use crate::import::report::{Item, Section};
use crate::import::source::{self, FileId, Loc};
use crate::import::spec_out::{Doc, Field, MapBuilder};
use crate::kinds::SiteKind;
use crate::spec::defaults;

/// What a Ceph client conf of the directory says of its cluster.
struct CephConf {
    fsid: Option<(String, Loc)>,
    mons: Option<(Vec<String>, Loc)>,
}

/// THT roles that run CephMon (roles/*.yaml of 12.x-18.x), for roles whose file import has not.
const MON_ROLES: &[&str] = &[
    "Controller",
    "ControllerStorageDashboard",
    "ControllerStorageNfs",
    "CephAll",
    "DistributedComputeHCI",
    "DistributedComputeHCIDashboard",
    "HciCephAll",
    "HciCephMon",
    "Standalone",
];

/// The mons of a stack's own cluster from predictable IPs: the storage IPs (`<Role>IPs:
/// {storage: [...]}`) of its roles that run CephMon, which is what `openstack overcloud export
/// ceph` gives as `external_cluster_mon_ips`.
fn mon_ips(s: &Stack) -> Option<(Vec<String>, Loc)> {
    let mut list = Vec::new();
    let mut at = None;
    for r in &s.roles {
        let runs_mon = match &r.services {
            Some(svc) => svc.iter().any(|x| x == "CephMon"),
            None => MON_ROLES.contains(&r.base.as_deref().unwrap_or(&r.name)),
        };
        if !runs_mon {
            continue;
        }
        let Some(ips) = s.get(&format!("{}IPs", r.name)) else {
            continue;
        };
        let Some(storage) = ips.value.get("storage").and_then(Json::as_array) else {
            continue;
        };
        list.extend(storage.iter().filter_map(|v| v.as_str().map(String::from)));
        at = at.or(loc_of(&ips.origin));
    }
    Some((list, at?)).filter(|(l, _)| !l.is_empty())
}

impl Mapper<'_> {
    /// A site's `cluster` (reported when TripleO's `ceph` is left), where it is not the
    /// default; the cluster name.
    pub(super) fn cluster(&mut self, s: &mut Stack, f: &mut MapBuilder, site: &str) -> String {
        let edge = s.kind == SiteKind::Edge;
        let (cluster, cluster_loc) = match s.own_str("CephClusterName") {
            Some((c, l)) => (c, l),
            None => {
                self.report.add(
                    Section::Note,
                    Item::at(
                        s.loc,
                        format!(
                            "{}: CephClusterName is not set: TripleO names the cluster `ceph`",
                            s.name
                        ),
                    )
                    .detail("every site needs a cluster name of its own; the spec keeps `ceph`"),
                );
                ("ceph".to_string(), None)
            }
        };
        s.claimed.insert("CephClusterName".into());
        let cluster_default = if edge {
            site.to_string()
        } else {
            defaults::central_cluster().to_string()
        };
        if cluster != cluster_default {
            f.field("cluster", Doc::str(&cluster, cluster_loc));
        }
        cluster
    }

    /// A site's `fsid`: the stack's own, what another stack reads of its cluster, or its client
    /// conf's; else asked for.
    pub(super) fn fsid(&mut self, s: &mut Stack, f: &mut MapBuilder, cluster: &str) {
        let entry = self.multi.iter().find(|m| m.cluster == cluster).cloned();
        let fsid = s.own_str("CephClusterFSID").or_else(|| {
            entry
                .as_ref()
                .and_then(|e| e.fsid.clone())
                .map(|(v, l)| (v, Some(l)))
        });
        s.claimed.insert("CephClusterFSID".into());
        // dcnc's own export of the cluster's client keys (a tree dcnc built); any other value is
        // refused as an owned parameter import cannot map.
        if s.own_str("CephClientConfigVars")
            .is_some_and(|(v, _)| v == crate::target::CEPH_CLIENT_EXPORT)
        {
            s.claimed.insert("CephClientConfigVars".into());
        }
        let fsid = fsid.or_else(|| {
            let c = self.ceph_conf(cluster)?;
            c.fsid.map(|(v, l)| (v, Some(l)))
        });
        match fsid {
            Some((v, l)) => {
                f.field("fsid", Doc::str(v, l));
            }
            None => {
                self.report.add(
                Section::Input,
                Item::at(s.loc, format!("{}: the fsid of Ceph cluster `{cluster}`", s.name))
                    .detail("no CephClusterFSID, and no CephExternalMultiConfig entry of this cluster: run `ceph fsid` at the site and write it as `fsid`"),
            );
                f.field("fsid", Doc::str("", None));
            }
        }
    }

    /// A site's `mons`: what another stack reads of its cluster, the stack's external mon host,
    /// its mons' predictable IPs, or its client conf's; else asked for.
    pub(super) fn mons(&mut self, s: &mut Stack, f: &mut MapBuilder, cluster: &str) {
        let entry = self.multi.iter().find(|m| m.cluster == cluster).cloned();
        let mons = entry.as_ref().and_then(|e| e.mons.clone()).or_else(|| {
            let host = s.own_str("CephExternalMonHost")?;
            let list = host
                .0
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect();
            Some((list, host.1?))
        });
        let mons = mons.or_else(|| mon_ips(s));
        let mons = mons.or_else(|| self.ceph_conf(cluster).and_then(|c| c.mons));
        s.claimed.insert("CephExternalMonHost".into());
        match mons {
            Some((list, l)) => {
                f.field(
                    "mons",
                    Doc::Flow(list.iter().map(|m| json!(m)).collect(), Some(l)),
                );
            }
            None => {
                self.report.add(
                Section::Input,
                Item::at(s.loc, format!("{}: the mon addresses of Ceph cluster `{cluster}`", s.name))
                    .detail("no CephExternalMultiConfig entry of this cluster names them: list the storage IPs of its mons (`ceph mon dump`) as `mons`"),
            );
                f.field("mons", Doc::Flow(Vec::new(), None));
            }
        }
    }

    /// Every `CephExternalMultiConfig` entry any stack reads: where fsids and mons come from.
    pub(super) fn collect_multi_config(&mut self, stacks: &[Stack]) {
        for s in stacks {
            let Some(set) = s.get("CephExternalMultiConfig") else {
                continue;
            };
            let Some(loc) = loc_of(&set.origin) else {
                continue;
            };
            let entries = self.multi_entries(loc);
            for e in entries {
                if !self.multi.iter().any(|m| m.cluster == e.cluster) {
                    self.multi.push(e);
                }
            }
        }
    }

    /// The entries of the `CephExternalMultiConfig` list at `loc`, read again from its file with
    /// the place of every value.
    fn multi_entries(&mut self, loc: Loc) -> Vec<MultiEntry> {
        let Some(env) = self.read.envs.get(&loc.file) else {
            return Vec::new();
        };
        let Some(entry) = env
            .params
            .iter()
            .rev()
            .find(|p| p.key == "CephExternalMultiConfig")
        else {
            return Vec::new();
        };
        let file = loc.file;
        let mut out = Vec::new();
        for item in entry.value.items() {
            let Some(cluster) = item.get("cluster").and_then(|c| c.scalar_text()) else {
                continue;
            };
            let fsid = item
                .get("fsid")
                .and_then(|f| Some((f.scalar_text()?, Loc::new(file, f.span))));
            let mons = item.get("external_cluster_mon_ips").and_then(|m| {
                let text = m.scalar_text()?;
                let list: Vec<String> = text
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                Some((list, Loc::new(file, m.span)))
            });
            let key_in = item.get("keys").and_then(|keys| {
                keys.items().iter().find_map(|k| {
                    let key = k.get("key")?;
                    let text = key.scalar_text()?;
                    (!text.starts_with('$') && !text.is_empty()).then(|| Loc::new(file, key.span))
                })
            });
            if let Some(l) = key_in {
                self.report.add(
                    Section::Secret,
                    Item::at(l, format!("a cephx key of cluster `{cluster}`"))
                        .detail("dcnc never writes a key into the spec or the tree: it gets keys from `openstack overcloud export ceph` when the deploy runs. Keep this file out of the repository"),
                );
            }
            out.push(MultiEntry {
                cluster,
                fsid,
                mons,
            });
        }
        out
    }

    pub(super) fn ceph(&mut self) -> MapBuilder {
        let mut c = MapBuilder::default();
        // Client settings of the Ceph client confs the deployment keeps (`[client]` of a conf
        // with a `[global] fsid`): where keyrings are, and how long a client waits.
        let confs: Vec<FileId> = (self.read.sources.ids())
            .filter(|&id| self.read.sources.get(id).kind == source::Kind::Ini)
            .collect();
        for id in confs {
            let Ok(opts) = heat::read_ini(&self.read.sources, id) else {
                continue;
            };
            if !opts
                .iter()
                .any(|o| o.section == "global" && o.key == "fsid")
            {
                continue;
            }
            let client = |k: &str| {
                opts.iter()
                    .find(|o| o.section == "client" && o.key.replace(' ', "_") == k)
            };
            if let Some(o) = client("keyring") {
                if let Some((dir, _)) = o.value.trim().rsplit_once('/') {
                    if dir != defaults::conf_dir() && !dir.is_empty() {
                        c.field("conf_dir", Doc::str(dir, Some(o.loc)));
                    }
                }
            }
            if let Some(o) = client("client_mount_timeout") {
                c.field(
                    "client_mount_timeout",
                    Doc::str(o.value.trim(), Some(o.loc)),
                );
            }
            break;
        }
        c
    }

    /// `external.key` of a central cluster TripleO does not deploy: a reference to where the
    /// deploy reads `client.openstack`'s key (never the key).
    pub(super) fn external_key(&mut self, s: &mut Stack) -> Field {
        s.claimed.insert("CephClientKey".into());
        let key = s.get("CephClientKey").map(|k| k.origin.clone());
        if let Some(Origin::File { key, .. }) = key {
            self.report.add(
                Section::Secret,
                Item::at(key, format!("{}: CephClientKey holds the key of the external cluster", s.name))
                    .detail("dcnc reads it at deploy time from $CENTRAL_CEPH_KEY (external-ceph.sh writes it, 0600, outside the tree): export it there, and keep the key out of the repository"),
            );
        }
        self.report.add(
            Section::Input,
            Item::at(s.loc, format!("{}: where the key of the external cluster is", s.name))
                .detail("the spec says `external.key: {env: CENTRAL_CEPH_KEY}`; change it to the variable or file (`{file: /path}`) that holds it when the scripts run"),
        );
        let mut k = MapBuilder::default();
        k.field("env", Doc::str("CENTRAL_CEPH_KEY", None));
        let mut e = MapBuilder::default();
        e.field("key", k.build());
        Field {
            key: "external".into(),
            value: e.build(),
            comment: None,
            key_origin: None,
        }
    }

    /// The OSD disks and pool size of a stack that deploys its own cluster: `CephPoolDefaultSize`
    /// and a `CephAnsibleDisksConfig` of plain `devices` (with at most THT's `osd_scenario: lvm`
    /// and `osd_objectstore: bluestore`; any other stays a pass-through parameter), or what its
    /// `openstack overcloud ceph deploy` reads: the `--osd-spec`'s `data_devices: {paths}` and
    /// the `--config`'s `osd_pool_default_size`.
    pub(super) fn osds(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        let (spec, conf) = self.read.ceph_deploy_files(&s.name);
        let mut size = s.get("CephPoolDefaultSize").and_then(|v| {
            let n = heat_number(&v.value).filter(|n| n.fract() == 0.0 && *n >= 1.0)?;
            Some((n as u64, loc_of(&v.origin)))
        });
        if size.is_some() {
            s.claimed.insert("CephPoolDefaultSize".into());
        }
        if let Some(id) = conf {
            let opts = heat::read_ini(&self.read.sources, id).unwrap_or_default();
            let o = opts.iter().find(|o| {
                o.section == "global" && o.key.replace(' ', "_") == "osd_pool_default_size"
            });
            if let Some(n) = o.and_then(|o| o.value.trim().parse::<u64>().ok()) {
                size = Some((n, o.map(|o| o.loc)));
            }
        }
        let mut devices = s.get("CephAnsibleDisksConfig").and_then(|v| {
            let m = v.value.as_object()?;
            let plain = m.iter().all(|(k, x)| match k.as_str() {
                "devices" => true,
                "osd_scenario" => x == "lvm",
                "osd_objectstore" => x == "bluestore",
                _ => false,
            });
            let list = m.get("devices")?.as_array()?;
            (plain && !list.is_empty() && list.iter().all(Json::is_string))
                .then(|| (list.clone(), loc_of(&v.origin)))
        });
        if devices.is_some() {
            s.claimed.insert("CephAnsibleDisksConfig".into());
        }
        if let Some(id) = spec {
            if let Ok(root) = heat::parse_yaml(&self.read.sources, id) {
                let paths = (root.get("data_devices"))
                    .filter(|d| d.entries().len() == 1)
                    .and_then(|d| d.get("paths"));
                if let Some(p) = paths {
                    let list: Vec<Json> = (p.items().iter())
                        .filter_map(|n| n.as_str().map(|t| json!(t)))
                        .collect();
                    if !list.is_empty() && list.len() == p.items().len() {
                        devices = Some((list, Some(Loc::new(id, p.span))));
                    }
                }
            }
        }
        if let Some((list, loc)) = devices {
            f.field("osd_devices", Doc::Flow(list, loc));
        }
        if let Some((n, loc)) = size {
            f.field("pool_default_size", Doc::Value(json!(n), loc));
        }
    }

    /// A Ceph client conf of cluster `cluster` in the directory (`<cluster>.conf`, as TripleO and
    /// dcnc name them): its `[global]` fsid and mon host.
    fn ceph_conf(&mut self, cluster: &str) -> Option<CephConf> {
        let name = format!("{cluster}.conf");
        let id = self.read.sources.ids().find(|&id| {
            let p = self.read.sources.path(id);
            p == name || p.ends_with(&format!("/{name}"))
        })?;
        let opts = heat::read_ini(&self.read.sources, id).ok()?;
        let get = |k: &str| {
            opts.iter()
                .find(|o| o.section == "global" && o.key.replace('_', " ") == k)
        };
        let fsid = get("fsid").map(|o| (o.value.trim().to_string(), o.loc));
        let mons = get("mon host").map(|o| {
            let list = o
                .value
                .split([',', ' '])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect();
            (list, o.loc)
        });
        (fsid.is_some() || mons.is_some()).then_some(CephConf { fsid, mons })
    }
}
