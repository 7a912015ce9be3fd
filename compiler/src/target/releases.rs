//! The release tables: one `Target` per release dcnc compiles for, the role facts they share
//! (`ROLES`) and the python-tripleoclient each TripleO target runs. A new fact about a release is an
//! edit here; what the facts mean, and the code that reads them, is `super`.

use super::{CephTool, Client, DeployFlow, Operators, RoleInfo, Target};
use crate::kinds::{Platform, TargetName};

/// Role facts, in table order: (name, edge glance, central, edge, Ceph OSDs, edge HAProxy,
/// compute).
const fn role(
    (name, edge_glance, central, edge, ceph_osd, edge_haproxy, compute): (
        &'static str,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    ),
) -> RoleInfo {
    RoleInfo {
        name,
        edge_glance,
        central,
        edge,
        ceph_osd,
        edge_haproxy,
        compute,
        networks: &[],
        default_route_networks: &[],
    }
}

/// The networks of a role in THT's `roles/<Role>.yaml` (`networks:`, each on the subnet
/// `<name_lower>_subnet`; the same in 12.7.0, 14.3.0 and 18.0.0), and its
/// `default_route_networks` where it has them (Controller: `['External']`).
const fn on(
    mut r: RoleInfo,
    networks: &'static [&'static str],
    default_route: &'static [&'static str],
) -> RoleInfo {
    r.networks = networks;
    r.default_route_networks = default_route;
    r
}

/// The networks of THT's compute roles (`roles/Compute.yaml`, `DistributedCompute.yaml`,
/// `DistributedComputeScaleOut.yaml`).
const COMPUTE_NETS: &[&str] = &["InternalApi", "Tenant", "Storage"];
/// The HCI roles' (`ComputeHCI.yaml`, `DistributedComputeHCI.yaml`,
/// `DistributedComputeHCIScaleOut.yaml`): the compute networks and Ceph's StorageMgmt.
const HCI_NETS: &[&str] = &["InternalApi", "Tenant", "Storage", "StorageMgmt"];
/// The Ceph roles' (`CephStorage.yaml`, `CephAll.yaml`).
const CEPH_NETS: &[&str] = &["Storage", "StorageMgmt"];

/// Roles of tripleo-heat-templates `roles/` that a DCN deployment uses (same in 12.x, 14.x and
/// 18.x, networks included: `scripts/check-targets.sh` compares them with each release).
const ROLES: &[RoleInfo] = &[
    on(
        role(("Controller", false, true, false, false, false, false)),
        &[
            "External",
            "InternalApi",
            "Storage",
            "StorageMgmt",
            "Tenant",
        ],
        &["External"],
    ),
    on(
        role(("Compute", false, true, false, false, false, true)),
        COMPUTE_NETS,
        &[],
    ),
    on(
        role(("ComputeHCI", false, true, false, true, false, true)),
        HCI_NETS,
        &[],
    ),
    on(
        role(("CephStorage", false, true, false, true, false, false)),
        CEPH_NETS,
        &[],
    ),
    on(
        role(("CephAll", false, true, true, true, false, false)),
        CEPH_NETS,
        &[],
    ),
    on(
        role(("DistributedCompute", true, false, true, false, false, true)),
        COMPUTE_NETS,
        &[],
    ),
    on(
        role((
            "DistributedComputeHCI",
            true,
            false,
            true,
            true,
            false,
            true,
        )),
        HCI_NETS,
        &[],
    ),
    on(
        role((
            "DistributedComputeScaleOut",
            false,
            false,
            true,
            false,
            true,
            true,
        )),
        COMPUTE_NETS,
        &[],
    ),
    on(
        role((
            "DistributedComputeHCIScaleOut",
            false,
            false,
            true,
            true,
            true,
            true,
        )),
        HCI_NETS,
        &[],
    ),
];

pub static WALLABY: Target = Target {
    name: TargetName::Wallaby,
    platform: Platform::TripleO,
    id: "wallaby",
    heat: true,
    rbd_converts_to_raw: false,
    operators: None,
    tht_version: "14.3.0",
    base_environments: &["environments/podman.yaml"],
    // ceph-ansible, tied to THT 14.3.0 with python-tripleoclient 16.5.0 (the 16.x tags): their
    // `export ceph` reads only ceph-ansible's group_vars/all.yml and inventory.yml
    // (16.5.0 tripleoclient/export.py:135,153-172; 16.4.0 :144,162-172), and 14.3.0 has no
    // DeployedCeph. stable/wallaby's later client also reads cephadm (fc3ff58d, 2022-05): that
    // pairing is not this target.
    ceph_environment: "environments/ceph-ansible/ceph-ansible.yaml",
    dcn_environment: "environments/dcn-storage.yaml",
    roles: ROLES,
    multistore_by_heat: true,
    edges_get_central_store: true,
    default_client_user: "openstack",
    config_download_dir: "$HOME/overcloud-deploy/$STACK/config-download",
    nova_glance_option: "endpoint_override",
    nova_download_guard: true,
    nova_download_guard_by_hiera: false,
    nova_copies_to_store: true,
    sparse_upload_forces_conversion: true,
    show_locations_parameter: true,
    edge_glance_port: 9292,
    external_ceph_environment: "environments/ceph-ansible/ceph-ansible-external.yaml",
    edge_services: true,
    flow: DeployFlow::Provisioned,
    ceph_tool: CephTool::CephAnsible,
    ceph_ansible_default_devices: &[],
    client: Some(Client {
        version: "16.5.0",
        deployed_server: true,
        provision_yes: false,
        export_from_deploy: true,
        network_commands: true,
        deployed_server_environment: false,
        disable_validations: false,
        stack_only_writes_playbooks: true,
        undercloud_heat: false,
        // 16.5.0 v2/overcloud_node.py:243-244
        ssh_user: "heat-admin",
        key_dir: "$HOME/config-download",
    }),
};

/// python-tripleoclient 13.7.0, the last ussuri release. Its default undercloud has Heat, Swift,
/// Ironic and Neutron but no Nova and no Glance (config/undercloud.py:73-83: `nova=False`; THT
/// 12.7.0 environments/undercloud-enable-nova.yaml is what would add NovaApi and GlanceApi), so
/// flavors and scheduler hints place nothing: the flow is [`DeployFlow::Provisioned`] as 13.7.0
/// has it. `node provision` (v2/overcloud_node.py:219-290, the cli-overcloud-node-provision.yaml
/// playbook: Ironic and Neutron) writes the deployed-server environment; `overcloud deploy
/// --deployed-server --disable-validations -e deployed-server-environment.yaml -e <that output>
/// --stack-only` (v1/overcloud_deploy.py:58-64 asks for no Nova with --deployed-server, :622-626)
/// makes the plan in the undercloud's Swift and the stack in its Heat
/// (workflows/plan_management.py:172-192, workflows/deployment.py:34-68); `overcloud config
/// download` and `tripleo-ansible-inventory --stack` read them back; `ansible-playbook` runs the
/// playbooks as `heat-admin`, whom node provision made (v2/overcloud_node.py:238-241).
const CLIENT_13_7: Client = Client {
    version: "13.7.0",
    deployed_server: true,
    provision_yes: false,
    export_from_deploy: false,
    network_commands: false,
    deployed_server_environment: true,
    disable_validations: true,
    stack_only_writes_playbooks: false,
    undercloud_heat: true,
    ssh_user: "heat-admin",
    key_dir: "$HOME/config-download",
};

/// The proof of concept's flow on THT 12.7.0: central Glance learns the edge stores from generated
/// scripts (`ceph-clients.sh`, `configure.sh`) and each edge makes central's least-privilege key on
/// its own cluster (`glance-key.sh`), as the seed did. The edge itself is TripleO's, as on `USSURI`:
/// 12.7.0's `environments/dcn-hci.yaml:46-47` registers GlanceApiEdge and HAproxyEdge,
/// `roles/DistributedComputeHCI.yaml:43` (and `DistributedCompute.yaml:33`) run GlanceApiEdge,
/// and `deployment/glance/glance-api-edge-container-puppet.yaml:83` sets
/// `nova::glance_endpoint_override` to the node's own Glance (`haproxy-edge-container-puppet.yaml:142`
/// on nodes without one). 12.7.0 never sets Nova's `[glance] api_servers`, which Nova prefers
/// over `endpoint_override`: the seed's single-address `api_servers` edit would override the
/// per-node endpoint (audit finding 10), so no step edits an edge's confs.
pub static USSURI_POC: Target = Target {
    name: TargetName::UssuriPoc,
    platform: Platform::TripleO,
    id: "ussuri-poc",
    heat: true,
    rbd_converts_to_raw: false,
    operators: None,
    tht_version: "12.7.0",
    base_environments: &["environments/podman.yaml"],
    ceph_environment: "environments/ceph-ansible/ceph-ansible.yaml",
    dcn_environment: "environments/dcn-hci.yaml",
    roles: ROLES,
    multistore_by_heat: false,
    edges_get_central_store: false,
    default_client_user: "{cluster}.glance",
    config_download_dir: "$WORK/$STACK/config-download",
    nova_glance_option: "endpoint_override",
    nova_download_guard: false,
    nova_download_guard_by_hiera: true,
    nova_copies_to_store: false,
    sparse_upload_forces_conversion: false,
    show_locations_parameter: true,
    edge_glance_port: 9292,
    external_ceph_environment: "environments/ceph-ansible/ceph-ansible-external.yaml",
    edge_services: true,
    // node provision and the deploy as python-tripleoclient 13.7.0 has them (CLIENT_13_7)
    flow: DeployFlow::Provisioned,
    ceph_tool: CephTool::CephAnsible,
    ceph_ansible_default_devices: &["/dev/vdb"],
    client: Some(CLIENT_13_7),
};

/// Stable/ussuri through heat alone: `GlanceMultistoreConfig` and `CephExternalMultiConfig` (12.x),
/// and the late ussuri client's `openstack overcloud export ceph` (13.7.0), as wallaby does it.
pub static USSURI: Target = Target {
    name: TargetName::Ussuri,
    platform: Platform::TripleO,
    id: "ussuri",
    heat: true,
    rbd_converts_to_raw: false,
    operators: None,
    tht_version: "12.7.0",
    base_environments: USSURI_POC.base_environments,
    ceph_environment: USSURI_POC.ceph_environment,
    dcn_environment: USSURI_POC.dcn_environment,
    roles: ROLES,
    multistore_by_heat: true,
    edges_get_central_store: true,
    default_client_user: "openstack",
    config_download_dir: "$WORK/$STACK/config-download",
    nova_glance_option: "endpoint_override",
    nova_download_guard: false,
    nova_download_guard_by_hiera: true,
    nova_copies_to_store: false,
    sparse_upload_forces_conversion: false,
    show_locations_parameter: true,
    edge_glance_port: 9292,
    external_ceph_environment: "environments/ceph-ansible/ceph-ansible-external.yaml",
    edge_services: true,
    // as USSURI_POC (CLIENT_13_7)
    flow: DeployFlow::Provisioned,
    ceph_tool: CephTool::CephAnsible,
    ceph_ansible_default_devices: USSURI_POC.ceph_ansible_default_devices,
    client: Some(CLIENT_13_7),
};

/// tripleo-heat-templates 18.0.0, the last release on PyPI (after zed): cephadm only, and the
/// internal Glance API (port 9293) is the one that shows image locations.
pub static THT_18: Target = Target {
    name: TargetName::Tht18,
    platform: Platform::TripleO,
    id: "tht-18",
    heat: true,
    rbd_converts_to_raw: false,
    operators: None,
    tht_version: "18.0.0",
    base_environments: WALLABY.base_environments,
    ceph_environment: "environments/cephadm/cephadm-rbd-only.yaml",
    dcn_environment: WALLABY.dcn_environment,
    roles: ROLES,
    multistore_by_heat: true,
    edges_get_central_store: true,
    default_client_user: "openstack",
    config_download_dir: "$HOME/overcloud-deploy/$STACK/config-download",
    nova_glance_option: "endpoint_override",
    nova_download_guard: true,
    nova_download_guard_by_hiera: false,
    nova_copies_to_store: true,
    sparse_upload_forces_conversion: true,
    show_locations_parameter: false,
    edge_glance_port: 9293,
    external_ceph_environment: "environments/external-ceph.yaml",
    edge_services: true,
    flow: DeployFlow::Provisioned,
    ceph_tool: CephTool::Cephadm,
    ceph_ansible_default_devices: &[],
    client: Some(Client {
        version: "20.0.0",
        deployed_server: false,
        provision_yes: true,
        export_from_deploy: false,
        network_commands: true,
        deployed_server_environment: false,
        disable_validations: false,
        stack_only_writes_playbooks: true,
        undercloud_heat: false,
        // 20.0.0 v2/overcloud_node.py:248-249
        ssh_user: "tripleo-admin",
        // 20.0.0 utils.py:1653: get_default_working_dir(stack)
        key_dir: "$HOME/overcloud-deploy",
    }),
};

/// RHOSO 18.0: OpenStack 2023.1 (Antelope) services run by the openstack-k8s-operators; Ceph
/// stays outside them (cephadm), as the architecture DT and ci-framework's DCN scenario deploy it.
/// The TripleO fields hold what the same concepts are here where checks read them: Nova (27.x)
/// asks its Glance to copy a missing image into its store (`images_rbd_glance_store_name`), dcnc's
/// `03-ceph-nova.conf` sets the download guard, the glance-operator shows image locations on the
/// internal and edge APIs only, and each edge's Glance has the central store too.
pub static RHOSO_18: Target = Target {
    name: TargetName::Rhoso18,
    platform: Platform::Rhoso,
    id: "rhoso-18",
    heat: false,
    rbd_converts_to_raw: true,
    operators: Some(Operators {
        openstack: "2023.1",
        services: &[
            ("glance", "26.1.0"),
            ("glance-store", "4.3.3"),
            ("nova", "27.5.1"),
            ("cinder", "22.3.0"),
        ],
        crds: "84322c772e2ecca5377edfd798711cbfd74827f6",
        pre_ceph_services: &[
            "bootstrap",
            "configure-network",
            "validate-network",
            "install-os",
            "ceph-hci-pre",
            "configure-os",
            "ssh-known-hosts",
            "run-os",
            "reboot-os",
        ],
        post_ceph_services: &[
            "install-certs",
            "ceph-client",
            "ovn",
            "neutron-metadata-{cell}",
            "libvirt",
            "nova-custom-ceph-{az}",
        ],
        glance_replicas: (3, 1),
        max_az_len: (32, 36),
    }),
    tht_version: "",
    base_environments: &[],
    ceph_environment: "",
    dcn_environment: "",
    roles: ROLES,
    multistore_by_heat: false,
    edges_get_central_store: true,
    default_client_user: "openstack",
    config_download_dir: "",
    nova_glance_option: "endpoint_override",
    nova_download_guard: true,
    nova_download_guard_by_hiera: false,
    nova_copies_to_store: true,
    sparse_upload_forces_conversion: false,
    show_locations_parameter: false,
    edge_glance_port: 9292,
    external_ceph_environment: "",
    edge_services: false,
    flow: DeployFlow::Provisioned,
    // The sites' clusters are cephadm's, deployed by you between the pre-Ceph and post-Ceph
    // steps (the OSD disks and pool size are yours to give it; DCN060 still counts OSD hosts).
    ceph_tool: CephTool::Cephadm,
    ceph_ansible_default_devices: &[],
    client: None,
};
