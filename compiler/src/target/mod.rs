//! Release targets as data: what each TripleO release offers (environment files, roles, how keys
//! reach central Glance), and what RHOSO 18's operators deploy (`Operators`). Emitters and checks
//! consult these tables instead of branching on names.

use crate::kinds::{Platform, SiteKind, TargetName};

mod releases;
pub use releases::{RHOSO_18, THT_18, USSURI, USSURI_POC, WALLABY};

/// A TripleO role dcnc knows, and what it runs.
#[derive(Debug, serde::Serialize)]
pub struct RoleInfo {
    pub name: &'static str,
    /// The role runs a Glance API at an edge site (GlanceApiEdge).
    pub edge_glance: bool,
    /// The role fits the central (control plane) stack.
    pub central: bool,
    /// The role fits an edge stack.
    pub edge: bool,
    /// The role runs Ceph OSDs (CephOSD), so its site's cluster is deployed by TripleO.
    pub ceph_osd: bool,
    /// The role runs HAproxyEdge, through which its Nova reaches the site's edge Glance.
    pub edge_haproxy: bool,
    /// The role runs Nova compute: on RHOSO 18 its nodes are the site's data plane node set
    /// (the others are OpenShift's control plane, or Ceph nodes outside the operators).
    pub compute: bool,
    /// Its networks in THT's roles file (`networks:`, by network `name`), which its nodes get
    /// ports on where the stack names a `network_data` (`baremetal.yaml`'s `networks`).
    pub networks: &'static [&'static str],
    /// Its `default_route_networks` in THT's roles file; none: the control plane (ctlplane).
    pub default_route_networks: &'static [&'static str],
}

/// The `name_lower` of a network (its Neutron name, which `baremetal.yaml` names it by): THT's
/// own for the networks of `network_data_default.yaml` (14.3.0 and 18.0.0; 12.7.0's
/// `network_data.yaml`), else the name in lower case, as THT's templates default it
/// (`network.name_lower|default(network.name|lower)`, 14.3.0 network/networks.j2.yaml).
pub fn name_lower(network: &str) -> String {
    match network {
        "InternalApi" => "internal_api".into(),
        "StorageMgmt" => "storage_mgmt".into(),
        other => other.to_lowercase(),
    }
}

/// How a stack goes from nodes to a deployed overcloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeployFlow {
    /// Heat places nodes by flavor and scheduler hints (`Overcloud<Role>Flavor`,
    /// `<Role>SchedulerHints`), Ceph is deployed inside `openstack overcloud deploy`, and
    /// `openstack overcloud config download` fetches the playbooks. No release target uses it:
    /// it needs the undercloud's Nova, which the default undercloud of every client dcnc
    /// targets lacks (13.7.0 config/undercloud.py:78, 16.5.0 :79: `nova=False`;
    /// `scripts/consumers/testdata/flow/` keeps such trees as the flow check's bad cases).
    /// `dcnc import` still reads deployments made this way.
    Classic,
    /// Nodes are provisioned first (`node provision` from a baremetal deployment file, which
    /// sets `<Role>Count`; VIPs by `network vip provision` where the client has it), then
    /// `overcloud deploy --deployed-server --stack-only`, then `ansible-playbook` runs the
    /// playbooks: where the deploy writes them with their inventory (16.5.0, 20.0.0:
    /// `~/overcloud-deploy/<stack>/config-download/<stack>/`, v1/overcloud_deploy.py:1291-1330),
    /// or as `openstack overcloud config download` and `tripleo-ansible-inventory` fetch them
    /// from the undercloud's Heat (13.7.0). No step needs the undercloud's Nova, and only 13.7.0's
    /// steps its Heat (the default undercloud of 16.x and 20.x has none: config/undercloud.py
    /// `heat=False`, 16.5.0 :75-79). [`Client`] says what differs between releases.
    Provisioned,
}

/// The tool that deploys a stack's own Ceph cluster, which decides how the spec's OSD disks and
/// pool size reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CephTool {
    /// ceph-ansible inside `openstack overcloud deploy`: `CephAnsibleDisksConfig`,
    /// `CephPoolDefaultSize`. Tied to the client on wallaby: THT 14.3.0 has no `DeployedCeph`,
    /// and 16.x's `export ceph` reads ceph-ansible's files only (16.5.0
    /// tripleoclient/export.py:135,153-172).
    CephAnsible,
    /// cephadm through `openstack overcloud ceph deploy` before the stack: `--osd-spec` (an OSD
    /// service spec's `data_devices`) and `--config` (a ceph.conf the new cluster assimilates;
    /// `CephPoolDefaultSize` is deprecated and unused in 18.0.0).
    Cephadm,
}

/// What RHOSO 18's operators deploy, where the tree depends on it. `scripts/check-rhoso.sh`
/// validates every rhoso tree against the CRDs of `crds` and its service configs with the options
/// of the `services` versions, which it compares with the pins it installs.
#[derive(Debug, serde::Serialize)]
pub struct Operators {
    /// The OpenStack release the services are built from.
    pub openstack: &'static str,
    /// The service packages (and versions) of that release whose options the configs are
    /// checked against (`scripts/consumers/rhoso/constraints-antelope.txt` pins them).
    pub services: &'static [(&'static str, &'static str)],
    /// The openstack-operator commit of the CRDs in `scripts/consumers/rhoso-crds/`.
    pub crds: &'static str,
    /// The data plane services a site's node set runs before its Ceph cluster exists (its
    /// pre-Ceph deployment), in order (architecture `examples/dt/dcn`, ci-framework
    /// `ci_dcn_site`); `ceph-hci-pre` (the firewall ports of Ceph) only where the node set runs
    /// Ceph OSDs.
    pub pre_ceph_services: &'static [&'static str],
    /// The services of its post-Ceph deployment, in order; `{cell}` is the site's Nova cell and
    /// `{az}` its zone (the site's own neutron-metadata and nova services, which dcnc writes).
    pub post_ceph_services: &'static [&'static str],
    /// Replicas of the central GlanceAPI (type `split`: an internal and an external
    /// StatefulSet) and of each edge one (type `edge`: internal only), as the DT deploys them.
    pub glance_replicas: (u32, u32),
    /// The longest availability zone of central and of an edge. The zone is the key of the
    /// site's GlanceAPI and cinder-volume, which name StatefulSets: `glance-<az>-external-api`
    /// and `glance-<az>-internal-api` for central's `split` API, `glance-<az>-edge-api` for an
    /// edge's (glance-operator `internal/glanceapi/statefulset.go`: `<GlanceAPI name>-api`),
    /// `cinder-volume-<az>` for both. Kubernetes labels each pod `controller-revision-hash:
    /// <StatefulSet>-<hash of up to 10 digits>`, a label value of at most 63, so a StatefulSet
    /// name takes 52: central's zone 52 - 20 = 32, an edge's 52 - 16 = 36 (cinder's 38 is
    /// looser). The webhooks check less (glance-operator `GetCrMaxLengthCorrection` counts the
    /// type, `split`, not `-external-api`: 39 and 40; cinder-operator's is 38), so a longer
    /// zone is admitted and its pods are never created.
    pub max_az_len: (usize, usize),
}

/// What the python-tripleoclient release of a target does, where the scripts depend on it. Each
/// field names the client source lines it rests on; `scripts/check-flow.sh` runs every tree's
/// steps through that client's own code.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Client {
    /// The python-tripleoclient release (and its tripleo-common) the target is checked with.
    pub version: &'static str,
    /// `overcloud deploy` is given `--deployed-server`. 16.x assumes it anyway when the
    /// undercloud has no Nova (16.5.0 v1/overcloud_deploy.py:58-68), but asks the catalog first.
    pub deployed_server: bool,
    /// `overcloud node provision` takes `-y` (20.0.0 v2/overcloud_node.py:240; 16.5.0 has no
    /// such option and overwrites its output).
    pub provision_yes: bool,
    /// The control plane's export is the one `overcloud deploy` writes itself,
    /// `~/overcloud-deploy/<stack>/<stack>-export.yaml` (16.5.0 v1/overcloud_deploy.py:1462-1474,
    /// through the ephemeral heat while it still runs): 16.x's `overcloud export` asks the
    /// undercloud's heat (16.5.0 v1/overcloud_export.py:89-90), which is not there. 20.0.0's
    /// reads the working directory (v1/overcloud_export.py take_action, export.py:69-110).
    pub export_from_deploy: bool,
    /// The client has `overcloud network provision` and `overcloud network vip provision`, and
    /// its `node provision` takes `--templates` and `--network-config` (16.5.0 setup.cfg,
    /// v2/overcloud_node.py ProvisionNode). 13.7.0 has neither command (setup.cfg) and its
    /// `node provision` only `--stack`, `-o`, `--overcloud-ssh-user`, `--overcloud-ssh-key`,
    /// `--concurrency` and `--timeout` (v2/overcloud_node.py:224-255): its networks and VIPs
    /// are heat's.
    pub network_commands: bool,
    /// `deploy.sh` passes THT's `environments/deployed-server-environment.yaml` itself
    /// (`OS::TripleO::Server: deployed-server.yaml`; without it every role's server is an
    /// `OS::Nova::Server`, THT 12.7.0 overcloud-resource-registry-puppet.j2.yaml:33-35): 13.7.0's
    /// deploy does not add it (tripleo-docs `provisioning/baremetal_provision.rst`, "Deploying
    /// the Overcloud"); 16.5.0's adds it with `--deployed-server` (v1/overcloud_deploy.py:313-317).
    pub deployed_server_environment: bool,
    /// `overcloud deploy` refuses `--deployed-server` without `--disable-validations` (13.7.0
    /// v1/overcloud_deploy.py:622-626).
    pub disable_validations: bool,
    /// `overcloud deploy --stack-only` writes the playbooks and their inventory itself, into
    /// `config_download_dir/<stack>/` (16.5.0 v1/overcloud_deploy.py:1291-1330). 13.7.0's creates
    /// the stack only (`--stack-only` is `config_download = False`, :915-923, :1055): the
    /// playbooks come from `openstack overcloud config download` (v1/overcloud_config.py, the
    /// cli-config-download-export.yaml playbook, from the undercloud's heat) and the inventory
    /// from `tripleo-ansible-inventory --stack`.
    pub stack_only_writes_playbooks: bool,
    /// The undercloud runs a Heat of its own, which keeps the stacks between commands, with the
    /// plans in its Swift (13.7.0: no `enable_heat` option, `enable_swift` true;
    /// workflows/plan_management.py create_plan_from_templates). 16.x and 20.x have none
    /// (config/undercloud.py `heat=False`): the deploy runs an ephemeral one.
    pub undercloud_heat: bool,
    /// The user `node provision` makes on every node with the stack user's key, whom the
    /// playbooks log in as: `--overcloud-ssh-user`'s default, `heat-admin` in 13.7.0
    /// (v2/overcloud_node.py:238-241, as tripleo-ansible-inventory's default) and 16.5.0
    /// (:243-244), `tripleo-admin` in 20.0.0 (:248-249). No flow needs `openstack overcloud
    /// admin authorize`: `--stack-only` skips the deploy's ssh admin setup
    /// (`get_hosts_and_enable_ssh_admin` only with `--setup-only` or a full deploy: 16.5.0
    /// v1/overcloud_deploy.py:1269-1282,1366-1375, 20.0.0 :1072-1077,1181-1190; 13.7.0 only with
    /// config download, :1055-1064), but node provision already made this user with the stack
    /// user's key (the client's `ssh_user_name` and `ssh_public_keys`, 13.7.0
    /// v2/overcloud_node.py:264-276, 16.5.0 :306-320, 20.0.0 :323-333; tripleo-ansible 6.0.0
    /// cli-overcloud-node-provision.yaml:101-108), and the playbooks' inventory logs in as the same
    /// default user (16.5.0 `--overcloud-ssh-user` of the deploy, :780-781, into the inventory
    /// `--stack-only` writes, :1305-1315; 20.0.0 :609-610; 13.7.0's tripleo-ansible-inventory,
    /// tripleo-validations ussuri-eol scripts/tripleo-ansible-inventory:61-62).
    pub ssh_user: &'static str,
    /// The directory of the stack's own key pair, the first place `utils.get_key(stack,
    /// needs_pair=True)` looks (`<dir>/<stack>/ssh_private_key` and its `.pub`; then
    /// `~/.ssh/id_rsa_tripleo`, `~/.ssh/id_rsa`, `~/config-download/.ssh/tripleo-admin-rsa`):
    /// `constants.DEFAULT_WORK_DIR`, `$HOME/config-download`, in 13.7.0 (utils.py:1506) and
    /// 16.5.0 (:1652); `get_default_working_dir(stack)`, `~/overcloud-deploy/<stack>`, in 20.0.0
    /// (utils.py:1653, :2778-2781). `node provision` gives that pair's public half to the nodes
    /// (`get_key_pair`, command.py:73-94 in 13.7.0 and 16.5.0, :39-59 in 20.0.0) and fails
    /// without one; `deploy.sh` checks for it before its first step.
    pub key_dir: &'static str,
}

/// Everything dcnc needs to know about one release target. `dcnc targets --format json` prints
/// the tables; `scripts/check-targets.sh` verifies the TripleO ones against the real
/// tripleo-heat-templates. The fields from `tht_version` to `flow` are TripleO's: empty or
/// unused on another platform.
#[derive(Debug, serde::Serialize)]
pub struct Target {
    pub name: TargetName,
    /// The tooling the output tree is for, which picks the emitter (`emit::emit`) and the step
    /// graph (`graph::plan`).
    pub platform: Platform,
    /// The spec spelling, e.g. `wallaby`.
    pub id: &'static str,
    /// The sites are heat stacks: the spec's `parameters`, `environment_files`, `roles_file`,
    /// `network_data`, `ntp` and key references are theirs, checked against `tht_version`.
    /// Otherwise (rhoso-18) those TripleO inputs are not used.
    pub heat: bool,
    /// Glance converts every imported image to raw where its store is rbd, whatever the spec
    /// says (glance-operator `templates/common/config/00-config.conf`: `image_import_plugins =
    /// ['image_conversion']`, `output_format = raw` when a Ceph backend is configured).
    pub rbd_converts_to_raw: bool,
    /// RHOSO's operators, for a target of that platform.
    pub operators: Option<Operators>,
    /// The tripleo-heat-templates release series this target is checked against.
    pub tht_version: &'static str,
    /// THT environment files every stack starts with, in `-e` order (relative to THT).
    pub base_environments: &'static [&'static str],
    /// The THT environment file that deploys a stack's own Ceph cluster.
    pub ceph_environment: &'static str,
    /// The THT environment file that makes an edge stack a DCN site (availability zone, edge
    /// services, Cinder at the edge).
    pub dcn_environment: &'static str,
    pub roles: &'static [RoleInfo],
    /// Central Glance learns the edge stores from heat (`GlanceMultistoreConfig`) and their keys
    /// from `openstack overcloud export ceph`; otherwise generated scripts do it after deploy.
    pub multistore_by_heat: bool,
    /// Edges carry the central store too (needs central's key, exported to the edges).
    pub edges_get_central_store: bool,
    /// The default cephx user central Glance uses on edge clusters; `{cluster}` is replaced.
    pub default_client_user: &'static str,
    /// Where a stack's config download goes (shell, with `$WORK` and `$STACK` set).
    pub config_download_dir: &'static str,
    /// The nova.conf `[glance]` option that points an edge's Nova at its Glance: what puppet-nova
    /// writes for GlanceApiEdge's `nova::glance_endpoint_override` (`endpoint_override`; THT
    /// 12.7.0 `deployment/glance/glance-api-edge-container-puppet.yaml:83`), or `api_servers`,
    /// which Nova prefers where both are set. Where THT sets the endpoint override,
    /// `scripts/check-targets.sh` fails on `api_servers`: it would override the per-node endpoint.
    pub nova_glance_option: &'static str,
    /// The edge environment sets `NovaDisableImageDownloadToRbd: true`, which the glance-cache
    /// topology (images not in the site's Ceph) must turn off.
    pub nova_download_guard: bool,
    /// THT has no `NovaDisableImageDownloadToRbd` (12.7.0): dcnc turns the same guard on with
    /// `ExtraConfig` hiera (`nova::workarounds::never_download_image_if_on_rbd`, puppet-nova's
    /// `manifests/workarounds.pp` since ussuri), so an image not in the edge's store is refused
    /// instead of downloaded and uploaded flat on every boot.
    pub nova_download_guard_by_hiera: bool,
    /// THT sets `[libvirt] images_rbd_glance_store_name` to `GlanceBackendID`
    /// (`nova-compute-container-puppet.yaml`: 14.3.0 line 1104, 18.0.0 line 1135; 12.7.0 has no
    /// such setting), so Nova asks its edge Glance to copy an image that is not in the site's store
    /// before it clones it (Victoria and later), with the booting user's token.
    pub nova_copies_to_store: bool,
    /// `GlanceSparseUploadEnabled` also forces the image_conversion plugin (the
    /// `force_image_conversion_plugin` condition of 14.3.0 and 18.0.0; not in 12.7.0).
    pub sparse_upload_forces_conversion: bool,
    /// `GlanceShowMultipleLocations` still works. In 18.0.0 it is deprecated and without effect:
    /// the internal Glance API (GlanceApiInternal) shows locations, the public one never does.
    pub show_locations_parameter: bool,
    /// The port an edge's Nova reaches its local Glance on: the GlanceApiEdge service's port
    /// (9292), or the internal Glance API's (9293) where GlanceApiEdge wraps it (18.0.0).
    pub edge_glance_port: u16,
    /// The THT environment file that makes a stack a client of a Ceph cluster deployed outside
    /// TripleO (`CephExternalMonHost`, `CephClientKey`), for an external central cluster. In
    /// 14.3.0 `environments/external-ceph.yaml` points at `../../deployment/...`, outside the
    /// templates, so wallaby uses the ceph-ansible one.
    pub external_ceph_environment: &'static str,
    /// The edge environment registers the edge services GlanceApiEdge and HAproxyEdge, so THT
    /// points every edge node's Nova at the site's Glance (through HAproxyEdge on nodes without
    /// one); `scripts/check-targets.sh` fails where this disagrees with the THT release, either
    /// way. Otherwise a generated configure step per edge does it by hand (no current table: THT
    /// 12.7.0 has them too, so `ussuri-poc` keeps only the proof of concept's central steps).
    pub edge_services: bool,
    pub flow: DeployFlow,
    pub ceph_tool: CephTool,
    /// The `devices` of THT's default `CephAnsibleDisksConfig` (deployment/ceph-ansible/
    /// ceph-osd.yaml), which OSD nodes get when the spec names none: `/dev/vdb` in 12.7.0, none
    /// at all in 14.3.0 (so no OSD is made). Empty for cephadm, which takes every available disk.
    pub ceph_ansible_default_devices: &'static [&'static str],
    /// The python-tripleoclient that runs the TripleO scripts; none for RHOSO (its scripts run
    /// `oc`, the operators do the rest).
    pub client: Option<Client>,
}

/// Glance's image import plugins and conversion format as a release renders them for one stack
/// (`glance::api::image_import_plugins` and `image_conversion_output_format`, which puppet-glance
/// writes to glance-image-import.conf).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageImport {
    pub plugins: Vec<String>,
    pub output_format: String,
    /// THT added `image_conversion` by itself (`force_image_conversion_plugin`).
    pub forced: bool,
    /// `GlanceImageImportPlugins` came from the spec's parameters, not THT's default.
    pub passed_through: bool,
}

impl ImageImport {
    /// Imported images end up raw, which Nova needs to clone them.
    pub fn converts_to_raw(&self) -> bool {
        self.plugins.iter().any(|p| p == "image_conversion") && self.output_format == "raw"
    }
}

/// A heat `comma_delimited_list` value: a list, or one comma-separated string.
fn comma_list(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
        serde_json::Value::String(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        other => vec![other.to_string()],
    }
}

/// A heat boolean parameter as heat reads it (`true`, `"true"`, `"yes"`, `1`, ...).
fn heat_bool(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_i64() == Some(1),
        serde_json::Value::String(s) => {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "true" | "t" | "yes" | "y" | "on" | "1"
            )
        }
        _ => false,
    }
}

/// `CephClientConfigVars` of a cephadm stack that deploys its own cluster: the deploy's export of
/// the cluster's client keys goes to `~/overcloud-deploy/<stack>/ceph_client.yml` (the playbook
/// directory is `~/overcloud-deploy/<stack>/config-download/<stack>`), where `openstack overcloud
/// export ceph` reads it (python-tripleoclient 20.0.0 export.py:212-218). THT's default,
/// `{{ playbook_dir }}/cephadm/ceph_client.yml` (18.0.0 deployment/cephadm/ceph-base.yaml:270-271),
/// is not read, and `overcloud ceph deploy` writes no export without pools (tripleo-ansible 6.0.0
/// cli-deployed-ceph.yaml:239-247).
pub const CEPH_CLIENT_EXPORT: &str = "{{ playbook_dir }}/../../ceph_client.yml";

/// Every target, in the order `dcnc targets` lists them.
pub static ALL: [&Target; 5] = [&WALLABY, &USSURI_POC, &USSURI, &THT_18, &RHOSO_18];

impl Target {
    pub fn get(name: TargetName) -> &'static Target {
        match name {
            TargetName::Wallaby => &WALLABY,
            TargetName::UssuriPoc => &USSURI_POC,
            TargetName::Ussuri => &USSURI,
            TargetName::Tht18 => &THT_18,
            TargetName::Rhoso18 => &RHOSO_18,
        }
    }

    /// THT environment files of a stack of `kind`, in `-e` order. A stack on an external
    /// cluster (`external`: `!Deployment::deploys_own_cluster`; the compute stack always) gets
    /// `external_ceph_environment`, its client; every other stack `ceph_environment`.
    pub fn environments(&self, kind: SiteKind, external: bool) -> Vec<&'static str> {
        let mut files = self.base_environments.to_vec();
        files.push(if external || kind == SiteKind::Compute {
            self.external_ceph_environment
        } else {
            self.ceph_environment
        });
        if kind != SiteKind::Central {
            files.push(self.dcn_environment);
        }
        files
    }

    /// The import plugins of a stack's Glance, by THT's rule (`deployment/glance/
    /// glance-api-container-puppet.yaml`: the `force_image_conversion_plugin` condition at
    /// 12.7.0 lines 312-316, 14.3.0 lines 389-395, 18.0.0 lines 403-409, applied at 12.7.0 lines
    /// 430-437, 14.3.0 lines 500-507, 18.0.0 lines 534-541): `image_conversion` is added to
    /// `GlanceImageImportPlugins` when that is left at its default `['no_op']`, the backend is
    /// rbd and `NovaEnableRbdBackend` is true (which the Ceph environments set), or (14.3.0,
    /// 18.0.0) when `GlanceSparseUploadEnabled`. `params`: the stack's pass-through parameters;
    /// `rbd`: its GlanceBackend is rbd.
    pub fn image_import(
        &self,
        params: &std::collections::BTreeMap<String, serde_json::Value>,
        rbd: bool,
    ) -> ImageImport {
        if self.rbd_converts_to_raw && rbd {
            return ImageImport {
                plugins: vec!["image_conversion".into()],
                output_format: "raw".into(),
                forced: true,
                passed_through: false,
            };
        }
        let empty = std::collections::BTreeMap::new();
        let params = if self.heat { params } else { &empty };
        let given = params.get("GlanceImageImportPlugins");
        let mut plugins = given.map_or_else(|| vec!["no_op".to_string()], comma_list);
        let nova_rbd = params.get("NovaEnableRbdBackend").is_none_or(heat_bool);
        let sparse = self.sparse_upload_forces_conversion
            && params
                .get("GlanceSparseUploadEnabled")
                .is_some_and(heat_bool);
        let forced = (rbd && plugins == ["no_op"] && nova_rbd) || sparse;
        if forced && !plugins.iter().any(|p| p == "image_conversion") {
            plugins.push("image_conversion".into());
        }
        let output_format = match params.get("GlanceImageConversionOutputFormat") {
            Some(serde_json::Value::String(f)) => f.clone(),
            Some(other) => other.to_string(),
            None => "raw".into(),
        };
        ImageImport {
            plugins,
            output_format,
            forced,
            passed_through: given.is_some(),
        }
    }

    pub fn role(&self, name: &str) -> Option<&'static RoleInfo> {
        self.roles.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn params(kv: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
        kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn tht_adds_image_conversion_only_to_the_default_plugins() {
        let default = WALLABY.image_import(&params(&[]), true);
        assert_eq!(default.plugins, ["no_op", "image_conversion"]);
        assert!(default.forced && default.converts_to_raw());
        // Not rbd (glance-cache's swift): THT's default no_op only.
        assert!(!WALLABY.image_import(&params(&[]), false).converts_to_raw());
        // Any pass-through turns the rule off, even one that names no_op among others.
        for v in [
            json!(["inject_metadata"]),
            json!([]),
            json!(""),
            json!("no_op,inject_metadata"),
        ] {
            let i = USSURI.image_import(&params(&[("GlanceImageImportPlugins", v.clone())]), true);
            assert!(!i.converts_to_raw(), "{v}");
            assert!(i.passed_through);
        }
        let off = WALLABY.image_import(&params(&[("NovaEnableRbdBackend", json!(false))]), true);
        assert!(!off.converts_to_raw());
        let qcow = WALLABY.image_import(
            &params(&[("GlanceImageConversionOutputFormat", json!("qcow2"))]),
            true,
        );
        assert!(qcow.forced && !qcow.converts_to_raw());
        // Sparse upload forces it in 14.3.0 and 18.0.0, not in 12.7.0.
        let sparse = &[
            ("GlanceImageImportPlugins", json!(["inject_metadata"])),
            ("GlanceSparseUploadEnabled", json!(true)),
        ];
        assert_eq!(
            THT_18.image_import(&params(sparse), true).plugins,
            ["inject_metadata", "image_conversion"]
        );
        assert!(!USSURI.image_import(&params(sparse), true).converts_to_raw());
    }
}
