//! `glance:` from central's parameters: the import methods, multiple locations, pool, staging
//! share, the user central Glance reads edge stores as, who may copy images, and (glance-cache)
//! the edge image cache, `glance.cache`; an edge that differs from central is reported.

use serde_json::{json, Value as Json};

use super::{heat_bool, key_loc, loc_of, Mapper, Stack};
use crate::import::report::{Item, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};
use crate::kinds::SiteKind;
use crate::spec::defaults;

impl Mapper<'_> {
    pub(super) fn topology(&mut self, stacks: &[Stack]) -> crate::kinds::Topology {
        let cache = stacks.iter().any(|s| {
            s.get("GlanceCacheEnabled")
                .is_some_and(|v| v.value == json!(true))
        });
        if cache {
            crate::kinds::Topology::GlanceCache
        } else {
            crate::kinds::Topology::Multistore
        }
    }

    /// `glance:` from central's parameters; an edge that differs is reported.
    pub(super) fn glance(&mut self, stacks: &mut [Stack]) -> MapBuilder {
        let mut g = MapBuilder::default();
        self.import_methods(stacks, &mut g);
        self.show_locations(stacks, &mut g);
        self.pool_and_user(stacks, &mut g);
        self.copy_image_by(stacks, &mut g);
        if self.cache {
            let cache = self.cache_settings(stacks);
            if !cache.is_empty() {
                g.field("cache", cache.build());
            }
        }
        g
    }

    /// `glance.import_methods`: central's, where they are not dcnc's default; an edge whose
    /// methods differ is reported.
    fn import_methods(&mut self, stacks: &mut [Stack], g: &mut MapBuilder) {
        let central = &stacks[0];
        // Import methods: a comma list or a list.
        let methods_of = |s: &Stack| {
            s.get("GlanceEnabledImportMethods").map(|v| {
                let list: Vec<String> = match &v.value {
                    Json::String(t) => t.split(',').map(|x| x.trim().to_string()).collect(),
                    Json::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                };
                (list, v.origin.clone())
            })
        };
        let central_methods = methods_of(central);
        let wanted: Vec<String> = match &central_methods {
            Some((l, _)) => l.clone(),
            None => vec!["web-download".into()],
        };
        let default: Vec<String> = defaults::IMPORT_METHODS
            .iter()
            .map(|s| s.to_string())
            .collect();
        if wanted != default {
            let loc = central_methods.as_ref().and_then(|(_, o)| loc_of(o));
            g.field(
                "import_methods",
                Doc::Flow(wanted.iter().map(|s| json!(s)).collect(), loc),
            );
            if central_methods.is_none() {
                self.report.add(
                    Section::Note,
                    Item::stack(&central.name, "GlanceEnabledImportMethods is not set: TripleO's default `web-download` only")
                        .detail("so `copy-image` cannot copy images to the edges (DCN031); the spec keeps what the deployment has"),
                );
            }
        }
        for s in stacks.iter_mut() {
            s.claimed.insert("GlanceEnabledImportMethods".into());
            if s.kind == SiteKind::Central {
                continue;
            }
            if let Some((l, o)) = methods_of(s) {
                if l != wanted {
                    self.report.add(
                        Section::Differs,
                        Item::opt(
                            key_loc(&o),
                            format!("{}: GlanceEnabledImportMethods is {}", s.name, l.join(",")),
                        )
                        .detail(format!(
                            "dcnc gives every site central's ({})",
                            wanted.join(",")
                        )),
                    );
                }
            }
        }
    }

    /// `glance.show_multiple_locations`, where the release still has the parameter.
    fn show_locations(&mut self, stacks: &mut [Stack], g: &mut MapBuilder) {
        let central = &stacks[0];
        if let Some(v) = central.get("GlanceShowMultipleLocations") {
            let b = heat_bool(&v.value);
            if b == Some(false) || !self.target.show_locations_parameter {
                if let Some(b) = b {
                    g.field(
                        "show_multiple_locations",
                        Doc::Value(json!(b), loc_of(&v.origin)),
                    );
                }
            }
        } else if self.target.show_locations_parameter {
            // TripleO's default is false; dcnc's is true.
            g.field("show_multiple_locations", Doc::Value(json!(false), None));
            self.report.add(
                Section::Note,
                Item::stack(&central.name, "GlanceShowMultipleLocations is not set: TripleO's default false")
                    .detail("without locations, edges cannot boot images copy-on-write from their local store; the spec keeps false: set `glance.show_multiple_locations: true` (dcnc's default) to fix it"),
            );
        }
        for s in stacks.iter_mut() {
            s.claimed.insert("GlanceShowMultipleLocations".into());
        }
    }

    /// `glance.pool`, `staging_nfs_share` and `client_user` (the user central Glance reads edge
    /// stores with).
    fn pool_and_user(&mut self, stacks: &mut [Stack], g: &mut MapBuilder) {
        let central = &stacks[0];
        if let Some((pool, loc)) = central.own_str("GlanceRbdPoolName") {
            if pool != defaults::pool() {
                g.field("pool", Doc::str(pool, loc));
            }
        }
        if let Some((share, loc)) = central.own_str("GlanceStagingNfsShare") {
            if !share.is_empty() {
                g.field("staging_nfs_share", Doc::str(share, loc));
            }
        }
        // The user central Glance reads edge stores with.
        let mut user: Option<(String, Option<Loc>)> = None;
        if let Some(ms) = central.get("GlanceMultistoreConfig") {
            if let Json::Object(m) = &ms.value {
                for v in m.values() {
                    if let Some(u) = v.get("CephClientUserName").and_then(Json::as_str) {
                        user = Some((u.to_string(), loc_of(&ms.origin)));
                    }
                }
            }
        }
        if let Some((u, loc)) = user.filter(|(u, _)| u != self.target.default_client_user) {
            g.field("client_user", Doc::str(u, loc));
        }
        for s in stacks.iter_mut() {
            for k in ["GlanceRbdPoolName", "GlanceStagingNfsShare"] {
                s.claimed.insert(k.into());
            }
        }
    }

    /// `glance.copy_image_by`: members may copy images (a `copy_image` policy granting
    /// `role:member`).
    fn copy_image_by(&mut self, stacks: &[Stack], g: &mut MapBuilder) {
        let policy = stacks.iter().find_map(|s| {
            let v = s.get("GlanceApiPolicies")?;
            v.value.as_object()?.values().find_map(|e| {
                (e.get("key")?.as_str()? == "copy_image").then(|| {
                    (
                        e.get("value").and_then(Json::as_str).map(String::from),
                        loc_of(&v.origin),
                    )
                })
            })
        });
        if let Some((Some(rule), loc)) = policy {
            if rule.contains("role:member") {
                g.field("copy_image_by", Doc::str("member", loc));
            } else if !rule.trim().eq("role:admin") {
                self.report.add(
                    Section::Refused,
                    Item::opt(loc, format!("GlanceApiPolicies copy_image: {rule}"))
                        .detail("dcnc writes Glance's admin-only default or `role:admin or role:member` (`glance.copy_image_by`)"),
                );
            }
        }
    }

    /// `glance.cache` from the first edge with an image cache (TripleO's GlanceImageCache*);
    /// an edge whose cache differs is reported.
    fn cache_settings(&mut self, stacks: &mut [Stack]) -> MapBuilder {
        // (parameter, spec field, dcnc's default)
        let fields: [(&str, &str, Json); 4] = [
            ("GlanceImageCacheDir", "dir", json!(defaults::cache_dir())),
            (
                "GlanceImageCacheMaxSize",
                "max_size",
                json!(10u64 * 1024 * 1024 * 1024),
            ),
            ("GlanceImageCacheStallTime", "stall_time", json!(86400)),
            (
                "GlanceImagePrefetcherInterval",
                "prefetcher_interval",
                json!(300),
            ),
        ];
        let mut c = MapBuilder::default();
        let first = stacks
            .iter()
            .position(|s| s.get("GlanceCacheEnabled").is_some());
        for (param, field, default) in &fields {
            let Some(i) = first else { break };
            let v = stacks[i]
                .get(param)
                .map(|v| (v.value.clone(), loc_of(&v.origin)));
            let value = v.as_ref().map(|(v, _)| match v {
                Json::String(s) => s.parse::<u64>().map_or(v.clone(), |n| json!(n)),
                other => other.clone(),
            });
            if let (Some(value), Some((_, loc))) = (&value, &v) {
                if value != default {
                    c.field(field, Doc::Value(value.clone(), *loc));
                }
            }
            for s in stacks.iter().filter(|s| s.kind != SiteKind::Central) {
                let theirs = s.get(param).map(|x| x.value.clone());
                if theirs.is_some() && theirs != v.as_ref().map(|(x, _)| x.clone()) {
                    self.report.add(
                        Section::Differs,
                        Item::opt(
                            s.get(param).and_then(|x| key_loc(&x.origin)),
                            format!("{}: {param} differs from {}'s", s.name, stacks[i].name),
                        )
                        .detail("dcnc gives every edge one image cache (`glance.cache`)"),
                    );
                }
            }
        }
        for s in stacks.iter_mut() {
            for k in ["GlanceCacheEnabled", "NovaDisableImageDownloadToRbd"]
                .into_iter()
                .chain(fields.iter().map(|(p, _, _)| *p))
            {
                s.claimed.insert(k.into());
            }
        }
        c
    }
}
