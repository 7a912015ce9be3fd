//! A site's Glance store: its id (the one id two Glances must agree on, and why the spec's is not
//! the original's), backend and description, and the other stores an edge's Glance has.

use serde_json::{json, Value as Json};

use super::{loc_of, Mapper, SiteView, Stack};
use crate::diag::Code;
use crate::import::report::{Change, Item, OnPurpose, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};
use crate::kinds::SiteKind;

/// The explanation of two ids of one store: DCN042 when one is TripleO's default.
fn id_code(a: &str, b: &str) -> Code {
    if a == "default_backend" || b == "default_backend" {
        Code::DefaultStoreId
    } else {
        Code::DiffersOnPurpose
    }
}

/// A store id and where it was written.
type Named = (String, Option<Loc>);

/// The entries of a stack's GlanceMultistoreConfig: store id, cluster and where.
fn multistore_entries(s: &Stack) -> Vec<(String, String, Option<Loc>)> {
    match s.get("GlanceMultistoreConfig") {
        Some(v) => match &v.value {
            Json::Object(m) => m
                .iter()
                .map(|(k, e)| {
                    let c = e
                        .get("CephClusterName")
                        .and_then(Json::as_str)
                        .unwrap_or("ceph")
                        .to_string();
                    (k.clone(), c, loc_of(&v.origin))
                })
                .collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

impl Mapper<'_> {
    /// The store: its id and description, and (edges) the other stores its Glance has.
    pub(super) fn store(
        &mut self,
        s: &mut Stack,
        f: &mut MapBuilder,
        central: &[SiteView],
        cluster: &str,
    ) {
        if self.cache {
            self.cache_store(s);
            return;
        }
        let (id, id_loc, central_name) = self.store_id(s, cluster);
        s.claimed.insert("GlanceBackendID".into());
        s.claimed.insert("GlanceBackend".into());
        self.backend(s);
        self.store_field(s, f, (&id, id_loc), central_name.as_ref(), cluster);
        // The other stores of this Glance.
        s.claimed.insert("GlanceMultistoreConfig".into());
        s.claimed.insert("CephExternalMultiConfig".into());
        s.claimed.insert("CephClientUserName".into());
        if s.kind == SiteKind::Edge {
            self.edge_stores(s, f, central);
        }
    }

    /// The glance-cache topology: Glance keeps images on swift, no site's Ceph is a store.
    fn cache_store(&mut self, s: &mut Stack) {
        for k in [
            "GlanceBackendID",
            "GlanceBackend",
            "GlanceStoreDescription",
            "GlanceMultistoreConfig",
            "CephExternalMultiConfig",
            "CephClientUserName",
        ] {
            s.claimed.insert(k.into());
        }
        if let Some((b, l)) = s.own_str("GlanceBackend").filter(|(b, _)| b != "swift") {
            self.report.add(
                Section::Refused,
                Item::opt(l, format!("{}: GlanceBackend `{b}`", s.name)).detail(
                    "in the glance-cache topology every Glance keeps images on central's swift",
                ),
            );
        }
    }

    /// The store id, where it was written, and how central's multistore config names this edge's
    /// store (if it does); when two Glances disagree, central's id, reported.
    fn store_id(&mut self, s: &Stack, cluster: &str) -> (String, Option<Loc>, Option<Named>) {
        let mut out_of_band = None;
        let own_id = s.own_str("GlanceBackendID").or_else(|| {
            let (v, l) = self.out_of_band(&s.name, "glance_store", &["default_backend"])?;
            self.report.add(
                Section::Note,
                Item::at(l, format!("{}: store id `{v}` from an edit outside TripleO", s.name))
                    .detail("heat's GlanceBackendID is not set; the deployed glance-api.conf says `default_backend` is this"),
            );
            out_of_band = Some(l);
            Some((v, Some(l)))
        });
        // How central's multistore config names this edge's store, if it does.
        let central_name = if s.kind == SiteKind::Edge {
            self.central_entry_for(cluster)
        } else {
            None
        };
        let (id, id_loc) = match (&own_id, &central_name) {
            (Some((own, l)), Some((c, cl))) if own != c => {
                self.report.add(
                    Section::Problem,
                    Item::opt(*l, format!("{}: the store of cluster `{cluster}` is `{own}` here, `{c}` in central's GlanceMultistoreConfig", s.name))
                        .detail(format!("an image's locations carry the store id, shared through the one Glance database: the two Glances disagree on which store holds it. The spec uses central's `{c}`"))
                        .also(*cl),
                );
                (c.clone(), *cl)
            }
            (None, Some((c, cl))) => {
                self.report.add(
                    Section::Problem,
                    Item::at(s.loc, format!("{}: GlanceBackendID is not set, so this Glance calls its store `default_backend`; central's GlanceMultistoreConfig calls it `{c}`", s.name))
                        .detail(format!("image locations carry the store id: the two Glances disagree on which store holds an image. The spec uses `{c}` (what central calls it)"))
                        .also(*cl),
                );
                (c.clone(), *cl)
            }
            (Some((own, l)), _) => (own.clone(), *l),
            (None, None) => {
                if s.kind == SiteKind::Central {
                    self.report.add(
                        Section::Problem,
                        Item::at(s.loc, format!("{}: GlanceBackendID is not set: TripleO calls the store `default_backend`", s.name))
                            .detail("the spec keeps `default_backend` (changing the id of a store with images would orphan their locations); see DCN042 in the findings"),
                    );
                }
                ("default_backend".to_string(), Some(s.loc))
            }
        };
        self.store_id_on_purpose(s, &id, own_id.as_ref(), central_name.as_ref(), out_of_band);
        (id, id_loc, central_name)
    }

    /// A GlanceBackend that is not the site's rbd (or central's swift) is refused.
    fn backend(&mut self, s: &Stack) {
        if let Some(b) = s.own_str("GlanceBackend") {
            let wanted = if s.get("GlanceCacheEnabled").is_some()
                || (s.kind == SiteKind::Central && b.0 == "swift")
            {
                "swift"
            } else {
                "rbd"
            };
            if b.0 != wanted {
                self.report.add(
                Section::Refused,
                Item::opt(b.1, format!("{}: GlanceBackend `{}`", s.name, b.0))
                    .detail(format!("dcnc makes every site's Ceph cluster a Glance rbd store; this stack's Glance would be `{wanted}`")),
            );
            }
        }
    }

    /// `store:` (`id` and `description` where not the defaults); the description is the store's
    /// own Glance's, else what central's multistore config says.
    fn store_field(
        &mut self,
        s: &mut Stack,
        f: &mut MapBuilder,
        (id, id_loc): (&str, Option<Loc>),
        central_name: Option<&Named>,
        cluster: &str,
    ) {
        let desc = s.own_str("GlanceStoreDescription").or_else(|| {
            let (key, loc) = central_name?;
            let v = self.central_desc(key)?;
            Some((v, *loc))
        });
        s.claimed.insert("GlanceStoreDescription".into());
        let mut store = MapBuilder::default();
        let id_default = cluster.to_string();
        if id != id_default {
            store.field("id", Doc::str(id, id_loc));
        }
        match &desc {
            Some((d, l)) if *d != format!("{id} rbd glance store") => {
                store.field("description", Doc::str(d, *l));
            }
            Some(_) => {}
            None => {
                store.field(
                    "description",
                    Doc::str("Default glance store backend.", None),
                );
            }
        }
        if !store.is_empty() {
            f.field("store", store.build());
        }
    }

    /// `stores:` of an edge: the other stores its Glance has (only central's), where not the
    /// target's default; central's store under another id is reported and marked on purpose.
    fn edge_stores(&mut self, s: &Stack, f: &mut MapBuilder, central: &[SiteView]) {
        let listed = multistore_entries(s);
        let c = central.first();
        let mut stores = Vec::new();
        for (key, clu, loc) in &listed {
            match c {
                Some(cv) if *clu == cv.cluster => {
                    if *key != cv.store {
                        self.report.add(
                            Section::Problem,
                            Item::opt(*loc, format!("{}: calls central's store `{key}`; central's own Glance calls it `{}`", s.name, cv.store))
                                .detail("an image's location names its store: this Glance cannot find the images central keeps. The spec uses central's id"),
                        );
                        self.report.on_purpose(OnPurpose {
                            stack: s.name.clone(),
                            param: "GlanceMultistoreConfig".into(),
                            change: Change::Key {
                                from: key.clone(),
                                to: cv.store.clone(),
                            },
                            why: format!(
                                "this Glance calls central's store `{key}`, central's own Glance calls it `{}`: the Glances share one database, whose image locations carry the store id, so this one could not find central's images; dcnc gives a store one id, central's",
                                cv.store
                            ),
                            code: id_code(key, &cv.store),
                            loc: *loc,
                        });
                    }
                    stores.push(cv.store.clone());
                }
                _ => {
                    self.report.add(
                        Section::Refused,
                        Item::opt(*loc, format!("{}: store `{key}` of cluster `{clu}`", s.name))
                            .detail("an edge may hold only its own and the central store in dcnc (another edge's store would ship that edge's key here)"),
                    );
                }
            }
        }
        let default = if self.target.edges_get_central_store {
            c.map(|v| vec![v.store.clone()]).unwrap_or_default()
        } else {
            Vec::new()
        };
        if stores != default {
            f.field(
                "stores",
                Doc::Flow(stores.iter().map(|x| json!(x)).collect(), None),
            );
        }
    }

    /// Records why the spec's store id `id` is not the GlanceBackendID heat gets in the original:
    /// two Glances disagree on the id of the store (`own` here, `central` in central's
    /// GlanceMultistoreConfig), or the original set it outside heat (`out_of_band`).
    fn store_id_on_purpose(
        &mut self,
        s: &Stack,
        id: &str,
        own: Option<&(String, Option<Loc>)>,
        central: Option<&(String, Option<Loc>)>,
        out_of_band: Option<Loc>,
    ) {
        let heat = s.get("GlanceBackendID").map(|x| x.value.clone());
        let heat_id = match &heat {
            Some(Json::String(v)) => v.clone(),
            Some(other) => other.to_string(),
            None => "default_backend".into(),
        };
        if heat_id == id {
            return;
        }
        let show = |l: Option<Loc>| l.map_or("not written".into(), |l| self.read.sources.show(l));
        let own_id = own.map_or("default_backend", |(o, _)| o.as_str());
        let (why, code, loc) = match central {
            Some((c, cl)) if own_id != c => (
                format!(
                    "the original's Glances call this store by two ids, `{own_id}` here and `{c}` in central's GlanceMultistoreConfig ({}): they share one database, whose image locations carry the store id, so each misreads the other's; dcnc gives a store one id, central's",
                    show(*cl)
                ),
                id_code(own_id, c),
                own.and_then(|(_, l)| *l).or(Some(s.loc)),
            ),
            _ => match out_of_band {
                Some(l) => (
                    format!(
                        "the original leaves heat's GlanceBackendID unset and sets the store id `{id}` outside heat ({}), which the next deploy undoes (THT's common/container-puppet.sh writes glance-api.conf afresh at every deploy); dcnc sets it in heat",
                        show(Some(l))
                    ),
                    Code::DiffersOnPurpose,
                    Some(l),
                ),
                None => return,
            },
        };
        self.report.on_purpose(OnPurpose {
            stack: s.name.clone(),
            param: "GlanceBackendID".into(),
            change: Change::Value {
                original: heat,
                dcnc: json!(id),
            },
            why,
            code,
            loc,
        });
    }

    /// The description central's GlanceMultistoreConfig gives store `key`.
    fn central_desc(&self, key: &str) -> Option<String> {
        for d in &self.read.deploys {
            let eff = self.read.effective(d, self.target.tht_version);
            let Some(v) = eff.get("GlanceMultistoreConfig") else {
                continue;
            };
            if let Some(t) = v
                .value
                .get(key)
                .and_then(|e| e.get("GlanceStoreDescription"))
                .and_then(Json::as_str)
            {
                return Some(t.to_string());
            }
        }
        None
    }

    /// The id central's GlanceMultistoreConfig gives the store of cluster `cluster`.
    fn central_entry_for(&self, cluster: &str) -> Option<(String, Option<Loc>)> {
        for d in &self.read.deploys {
            let eff = self.read.effective(d, self.target.tht_version);
            let Some(v) = eff.get("GlanceMultistoreConfig") else {
                continue;
            };
            let Json::Object(m) = &v.value else { continue };
            // only central's config names edge stores: skip a stack's own edge config
            if eff.get("CephClusterName").and_then(|c| c.value.as_str()) == Some(cluster) {
                continue;
            }
            for (k, e) in m {
                if e.get("CephClusterName").and_then(Json::as_str) == Some(cluster) {
                    return Some((k.clone(), loc_of(&v.origin)));
                }
            }
        }
        None
    }
}
