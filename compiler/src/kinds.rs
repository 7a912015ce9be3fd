//! Small closed sets of kinds that every layer names: release targets, topologies, site kinds and
//! platforms. They sit at the bottom (only `diag` is as low) so `target`, `spec` and `model` can
//! all use them without importing each other.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A release target: a TripleO release, or RHOSO 18 (TripleO's successor on OpenShift).
#[derive(
    Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum TargetName {
    /// Stable/wallaby (tripleo-heat-templates 14.x): pure heat parameters.
    Wallaby,
    /// Stable/ussuri (tripleo-heat-templates 12.x) with the proof of concept's out-of-band steps.
    UssuriPoc,
    /// Stable/ussuri (tripleo-heat-templates 12.x) through heat parameters alone, as `wallaby`
    /// does it, with ceph-ansible.
    Ussuri,
    /// tripleo-heat-templates 18.0.0, the last release (after zed): cephadm, and the internal
    /// Glance API (GlanceApiInternal, port 9293) shows image locations.
    #[serde(rename = "tht-18")]
    Tht18,
    /// Red Hat OpenStack Services on OpenShift 18.0 (the openstack-k8s-operators, OpenStack
    /// 2023.1): a kustomize tree of custom resources, a GlanceAPI and a data plane node set per
    /// availability zone.
    #[serde(rename = "rhoso-18")]
    Rhoso18,
}

/// How edge sites get their images.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// One Glance store per site's Ceph cluster; images are copied to edges.
    Multistore,
    /// Central Glance on swift; an image cache in each edge's Glance.
    GlanceCache,
}

/// Who may copy an image into a Glance store (`copy-image`, Glance's `copy_image` policy).
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CopyImageBy {
    /// Glance's default (`role:admin`): a member's boot of an image not yet at the edge fails
    /// where Nova asks the edge Glance to copy it; copy images to the edges beforehand.
    Admin,
    /// Members too (`GlanceApiPolicies`: `copy_image: role:admin or role:member`), so Nova's
    /// copy at boot works for any user who may boot the image.
    Member,
}

/// What a site of the deployment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteKind {
    Central,
    Edge,
    /// A compute stack at the central site, a client of the external central cluster.
    Compute,
}

/// The deployment tooling a target's output tree is made for; `emit` picks its emitter by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// TripleO: heat environment files and `openstack overcloud` scripts per stack.
    TripleO,
    /// RHOSO 18 (openstack-k8s-operators): custom resources applied with `oc`, one availability
    /// zone per site.
    Rhoso,
}
