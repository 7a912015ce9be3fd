//! What an edge's Nova needs for images, whatever the platform: the Glance it asks (its own
//! site's, never central's) and how its release's nova.conf names it, and where it puts instance
//! disks (the site's own Ceph, as clones of the images there); rendered by `common/nova.j2`.

use serde::Serialize;

use crate::model::{Deployment, Site, Topology};

/// The nova.conf settings that point an edge's Nova at its local Glance and its local Ceph.
#[derive(Serialize, Clone, Debug)]
pub struct NovaImage<'a> {
    /// The `[glance]` option that names the endpoint (`endpoint_override`, or `api_servers`).
    pub option: &'static str,
    /// The site's local Glance API.
    pub endpoint: String,
    /// `[glance] valid_interfaces`, where the endpoint is an internal service (RHOSO).
    pub valid_interfaces: Option<&'static str>,
    /// `[cinder] catalog_info`, where Cinder is reached on its internal endpoint (RHOSO).
    pub cinder_catalog_info: Option<&'static str>,
    /// The Keystone region.
    pub region: &'a str,
    /// `[cinder] cross_az_attach`: false at a DCN site, so volumes stay in the site's zone.
    pub cross_az_attach: bool,
    /// `[libvirt]`: instance disks in the site's cluster; `None` when Nova keeps them on local
    /// disk (`NovaEnableRbdBackend: false` passed through).
    pub rbd: Option<NovaRbd<'a>>,
    /// `[workarounds] never_download_image_if_on_rbd`: refuse a boot that would download the
    /// image and upload it flat instead of cloning it. `None`: not set (Nova's default, false).
    pub never_download: Option<bool>,
}

/// `[libvirt]` of an rbd-backed Nova: what `is_cloneable` compares an image location with.
#[derive(Serialize, Clone, Debug)]
pub struct NovaRbd<'a> {
    /// `images_rbd_pool`: `NovaRbdPoolName` (default `vms`).
    pub pool: String,
    /// `images_rbd_ceph_conf`: the site's cluster conf (`<conf dir>/<CephClusterName>.conf`).
    pub ceph_conf: String,
    /// `rbd_user`: `CephClientUserName` (dcnc leaves THT's default `openstack`).
    pub user: &'static str,
    /// `rbd_secret_uuid`: `CephClusterFSID`, the fsid of the site's cluster (libvirt's secret).
    pub secret_uuid: &'a str,
    /// `images_rbd_glance_store_name` and the copy poll interval and timeout: the store Nova
    /// asks its Glance to copy a missing image into, on releases that do (see
    /// `Target::nova_copies_to_store`).
    pub copy_to_store: Option<CopyToStore>,
}

/// Nova's copy of a missing image into the site's store.
#[derive(Serialize, Clone, Debug)]
pub struct CopyToStore {
    /// `GlanceBackendID` of the site (THT's default `default_backend` when dcnc sets none).
    pub store: String,
    /// `NovaGlanceRbdCopyPollInterval` (default 15 s).
    pub poll_interval: serde_json::Value,
    /// `NovaGlanceRbdCopyTimeout` (default 600 s).
    pub timeout: serde_json::Value,
}

/// A pass-through heat parameter of `site`, or `default`.
fn param(site: &Site, name: &str, default: serde_json::Value) -> serde_json::Value {
    site.parameters.get(name).cloned().unwrap_or(default)
}

/// The settings of `site`'s Nova; `None` for a site whose endpoint dcnc does not know (central,
/// and the central compute stack, whose Glance address only TripleO knows).
pub fn nova_image<'a>(d: &'a Deployment, site: &'a Site) -> Option<NovaImage<'a>> {
    let endpoint = &site.glance_endpoint.as_ref()?.url;
    Some(nova_image_at(d, site, endpoint, &d.ceph_conf_dir))
}

/// The settings of `site`'s Nova when it asks the Glance at `endpoint` and finds the Ceph client
/// confs in `conf_dir`.
pub fn nova_image_at<'a>(
    d: &'a Deployment,
    site: &'a Site,
    endpoint: &str,
    conf_dir: &str,
) -> NovaImage<'a> {
    let t = d.target;
    // Every stack's Ceph environment sets NovaEnableRbdBackend: true (ceph-ansible.yaml line 15
    // in 12.7.0 and 14.3.0, cephadm-rbd-only.yaml line 12 in 18.0.0).
    let rbd = param(site, "NovaEnableRbdBackend", true.into()) != serde_json::Value::Bool(false);
    let multistore = d.topology == Topology::Multistore;
    let store = if multistore {
        site.store.as_str().to_string()
    } else {
        // glance-cache edges set no GlanceBackendID: THT's default is what Nova is told.
        "default_backend".to_string()
    };
    let rbd = rbd.then(|| NovaRbd {
        pool: match param(site, "NovaRbdPoolName", "vms".into()) {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        },
        ceph_conf: format!("{conf_dir}/{}.conf", site.cluster),
        user: "openstack",
        secret_uuid: site.fsid.as_str(),
        copy_to_store: t.nova_copies_to_store.then(|| CopyToStore {
            store,
            poll_interval: param(site, "NovaGlanceRbdCopyPollInterval", 15.into()),
            timeout: param(site, "NovaGlanceRbdCopyTimeout", 600.into()),
        }),
    });
    // The guard: dcn-storage.yaml's NovaDisableImageDownloadToRbd (off for glance-cache edges,
    // whose images are not in the site's Ceph), or dcnc's own hiera where THT has no parameter.
    let never_download = if t.nova_download_guard {
        Some(multistore)
    } else if t.nova_download_guard_by_hiera && multistore {
        Some(true)
    } else {
        None
    };
    NovaImage {
        option: t.nova_glance_option,
        endpoint: endpoint.to_string(),
        valid_interfaces: None,
        cinder_catalog_info: None,
        region: &d.region,
        cross_az_attach: false,
        rbd,
        never_download,
    }
}
