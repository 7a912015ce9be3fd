//! The Glance stores each site's Glance sees, whatever the platform: its own store first, then
//! the other sites' it uses (`Site::remote_stores`), each with the cephx user it reads them as.

use serde::Serialize;

use crate::model::{Deployment, Site, SiteKind};

/// A Glance store as one consumer (a site's Glance) sees it.
#[derive(Serialize)]
pub struct StoreRef<'a> {
    pub id: &'a str,
    pub description: &'a str,
    pub cluster: &'a str,
    /// The cephx user this consumer uses on the store's cluster.
    pub user: String,
}

/// The stores `consumer`'s Glance has: its own first, then the others in site order.
pub fn stores_of<'a>(d: &'a Deployment, consumer: &'a Site) -> Vec<StoreRef<'a>> {
    let store = |s: &'a Site| StoreRef {
        id: s.store.as_str(),
        description: &s.store_description,
        cluster: s.cluster.as_str(),
        user: match (consumer.kind, s.kind) {
            (SiteKind::Central, SiteKind::Edge) => d.client_user(s),
            _ => "openstack".to_string(),
        },
    };
    std::iter::once(store(consumer))
        .chain(consumer.remote_stores.iter().map(|&i| store(&d.sites[i])))
        .collect()
}
