//! What an edge's Nova needs for images, whatever the platform: the Glance it asks (its own
//! site's, never central's) and how its release's nova.conf names it; rendered by
//! `common/nova.j2`.

use serde::Serialize;

use crate::model::{Deployment, Site};

/// The nova.conf settings that point an edge's Nova at its local Glance.
#[derive(Serialize, Clone, Debug)]
pub struct NovaImage<'a> {
    /// The `[glance]` option that names the endpoint (`endpoint_override`, or `api_servers`).
    pub option: &'static str,
    /// The site's local Glance API.
    pub endpoint: &'a str,
    /// The Keystone region.
    pub region: &'a str,
    /// `[cinder] cross_az_attach`: false at a DCN site, so volumes stay in the site's zone.
    pub cross_az_attach: bool,
}

/// The settings of `site`'s Nova; `None` for a site whose endpoint dcnc does not know (central,
/// and the central compute stack, whose Glance address only TripleO knows).
pub fn nova_image<'a>(d: &'a Deployment, site: &'a Site) -> Option<NovaImage<'a>> {
    Some(NovaImage {
        option: d.target.nova_glance_option,
        endpoint: &site.glance_endpoint.as_ref()?.url,
        region: &d.region,
        cross_az_attach: false,
    })
}
