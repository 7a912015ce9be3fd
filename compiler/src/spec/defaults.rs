//! The spec's defaults, in one place: the schema shows them (`#[schemars(default = ...)]` in
//! `spec`) and `check` applies them, both from these functions.
//!
//! Defaults that depend on the release target (the cephx user, the edge Glance port) live in the
//! target tables (`target`); defaults that are another field's value (an edge's stack, cluster and
//! zone default to its name) are applied where that field is checked.

use crate::kinds::{CopyImageBy, TargetName, Topology};

/// The import methods of TripleO's DCN environments: copy-image moves images to the edges.
pub const IMPORT_METHODS: [&str; 2] = ["web-download", "copy-image"];

/// Roles and node counts of a central stack without `roles`.
pub const CENTRAL_ROLES: &[(&str, u32)] = &[("Controller", 3), ("ComputeHCI", 3)];
/// Roles and node counts of an edge stack without `roles` (nor `edge_defaults.roles`).
pub const EDGE_ROLES: &[(&str, u32)] = &[("DistributedComputeHCI", 3)];
/// Roles and node counts of the central compute stack without `roles`.
pub const COMPUTE_ROLES: &[(&str, u32)] = &[("DistributedCompute", 3)];

pub fn target() -> TargetName {
    TargetName::Wallaby
}
pub(crate) fn topology() -> Topology {
    Topology::Multistore
}
pub(crate) fn region() -> &'static str {
    "regionOne"
}
pub(crate) fn tht() -> &'static str {
    "/usr/share/openstack-tripleo-heat-templates"
}
pub(crate) fn work_dir() -> &'static str {
    "$HOME/dcnc-work"
}
/// `container_images`: generate the release's default `ContainerImagePrepare` once
/// (`openstack tripleo container image prepare default --local-push-destination`).
pub(crate) fn container_images() -> &'static str {
    "prepare"
}
pub(crate) fn pool() -> &'static str {
    "images"
}
pub(crate) fn import_methods() -> Vec<&'static str> {
    IMPORT_METHODS.to_vec()
}
pub(crate) fn show_multiple_locations() -> bool {
    true
}
pub(crate) fn mon_caps() -> &'static str {
    "profile rbd"
}
pub(crate) fn cache_dir() -> &'static str {
    "/var/lib/glance/image-cache"
}
pub(crate) fn cache_size() -> &'static str {
    "10GiB"
}
pub(crate) fn stall_time() -> &'static str {
    "1d"
}
pub(crate) fn prefetch() -> &'static str {
    "5m"
}
pub(crate) fn conf_dir() -> &'static str {
    "/etc/ceph"
}
pub(crate) fn flavor() -> &'static str {
    "baremetal"
}
pub(crate) fn central_stack() -> &'static str {
    "control-plane"
}
pub(crate) fn central_cluster() -> &'static str {
    "central"
}
pub(crate) fn copy_image_by() -> CopyImageBy {
    CopyImageBy::Admin
}
pub(crate) fn raw_images_only() -> bool {
    false
}
pub(crate) fn private_endpoints() -> bool {
    false
}
pub(crate) fn rhoso_namespace() -> &'static str {
    "openstack"
}
pub(crate) fn rhoso_control_plane() -> &'static str {
    "controlplane"
}
pub(crate) fn rhoso_secret() -> &'static str {
    "osp-secret"
}
pub(crate) fn rhoso_storage_class() -> &'static str {
    "local-storage"
}
pub(crate) fn rhoso_ssh_key_secret() -> &'static str {
    "dataplane-ansible-ssh-private-key-secret"
}
pub(crate) fn rhoso_ansible_user() -> &'static str {
    "cloud-admin"
}
pub(crate) fn rhoso_timeout() -> &'static str {
    "60m"
}

/// The os-net-config template of a stack with `network_data`: tripleo-ansible's
/// `tripleo_network_config` role template that gives every network of the node an address on a
/// VLAN of nic1 (6.0.0 `roles/tripleo_network_config/templates/single_nic_vlans/
/// single_nic_vlans.j2`; THT names it for such roles in `environments/net-single-nic-with-vlans.j2.yaml`,
/// 14.3.0 line 24, 18.0.0 line 20). Every variable it reads is in
/// the inventory `node provision` makes from the nodes' ports (tripleo-common 18.0.0
/// inventory.py:550-628), unlike `multiple_nics.j2`'s `role_tags`.
pub fn network_config_template() -> &'static str {
    "templates/single_nic_vlans/single_nic_vlans.j2"
}
