//! Ceph client configuration, whatever the platform: a site's mons as one list, and the client
//! conf (`<cluster>.conf`) every Glance that uses the site's cluster reads.

use minijinja::context;

use super::templates::{render, v};
use crate::model::{Deployment, Site};

/// A site's mons as `CephExternalMonHost` and `external_cluster_mon_ips` take them: `a,b,c`.
pub fn mon_list(site: &Site) -> String {
    let mons: Vec<String> = site.mons.iter().map(ToString::to_string).collect();
    mons.join(",")
}

/// The Ceph client conf of `site`'s cluster (`common/ceph.conf.j2`), as installed in
/// `ceph.conf_dir` under the cluster's name.
pub fn client_conf(d: &Deployment, site: &Site) -> String {
    render(
        "common/ceph.conf.j2",
        context! {
            c => v(site),
            conf_dir => &d.ceph_conf_dir,
            client_mount_timeout => d.client_mount_timeout,
        },
    )
}
