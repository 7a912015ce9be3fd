//! The fields every site has: the Ceph cluster name, fsid and mons, the Glance store id and
//! description; and the paths and NTP servers stacks pass on. Owns DCN010 (cluster name),
//! DCN013 (fsid), DCN014 (mon), DCN022 (store id) and DCN042 (`default_backend` store id);
//! `text` checks the characters of descriptions, paths and NTP servers.

use super::text::{check_text, Kind};
use super::{Checker, SiteSpans};
use crate::diag::{Code, Span};
use crate::model::*;
use crate::spec::{self, Located};

/// The checked common fields of a site; `None` where a value was invalid (reported).
pub(super) struct Common {
    pub cluster: Option<ClusterName>,
    pub fsid: Option<Fsid>,
    pub mons: Vec<MonAddr>,
    pub store: Option<StoreId>,
    pub description: String,
}

/// Checks the common fields of a site; `cluster` is the cluster name or its default, with where
/// it was written. Records the spans in `spans`.
pub(super) fn check_common(
    c: &mut Checker,
    cluster: (String, Option<Span>),
    fsid: &Located<String>,
    mons: &Located<Vec<Located<String>>>,
    store: &spec::Store,
    spans: &mut SiteSpans,
) -> Common {
    spans.cluster = cluster.1;
    let cluster_name = check_cluster(c, &cluster, spans.name);
    spans.fsid = Some(fsid.span);
    let fsid_v = check_fsid(c, fsid);
    let mon_addrs = check_mons(c, mons, spans);
    let (id, id_span) = match (&store.id, &cluster_name) {
        (Some(l), _) => (l.value.clone(), Some(l.span)),
        (None, Some(n)) => (n.to_string(), cluster.1),
        (None, None) => (String::new(), None),
    };
    spans.store = id_span.or(spans.cluster).or(spans.name);
    let store_id = if id.is_empty() {
        None
    } else {
        check_store_id(c, &id, id_span)
    };
    let description = match &store.description {
        Some(d) => {
            let field = "store.description";
            check_text(c, &d.value, Some(d.span), field, Kind::Description);
            d.value.clone()
        }
        None => format!("{id} rbd glance store"),
    };
    Common {
        cluster: cluster_name,
        fsid: fsid_v,
        mons: mon_addrs,
        store: store_id,
        description,
    }
}

fn check_cluster(
    c: &mut Checker,
    (name, span): &(String, Option<Span>),
    site_span: Option<Span>,
) -> Option<ClusterName> {
    let parsed = ClusterName::parse(name);
    if parsed.is_none() {
        let d = c.error(
            Code::BadClusterName,
            span.or(site_span),
            format!("invalid ceph cluster name `{name}`"),
        );
        d.help = Some(if span.is_none() {
            "the cluster name defaults to the site name, which must then be letters and digits only; set `cluster:` explicitly".into()
        } else {
            format!("TripleO's CephClusterName allows {}", ClusterName::RULE)
        });
    }
    parsed
}

fn check_fsid(c: &mut Checker, fsid: &Located<String>) -> Option<Fsid> {
    let parsed = Fsid::parse(&fsid.value);
    if parsed.is_none() {
        let d = c.error(
            Code::BadFsid,
            fsid.span,
            format!("fsid `{}` is not a UUID", fsid.value),
        );
        d.help = Some(if Fsid::parse(&fsid.value.to_lowercase()).is_some() {
            format!("write it in lower case: `{}`", fsid.value.to_lowercase())
        } else {
            format!("an fsid is {} (see `ceph fsid`)", Fsid::RULE)
        });
    }
    parsed
}

/// The mons that parse, each with its span recorded in `spans.mons`.
fn check_mons(
    c: &mut Checker,
    mons: &Located<Vec<Located<String>>>,
    spans: &mut SiteSpans,
) -> Vec<MonAddr> {
    let mut mon_addrs = Vec::new();
    if mons.value.is_empty() {
        c.error(Code::BadMon, mons.span, "no ceph mon address".into())
            .help =
            Some("list the cluster's monitor IPs, e.g. `[172.16.11.1, 172.16.11.2]`".into());
    }
    for m in &mons.value {
        match MonAddr::parse(m.value.trim()) {
            Some(a) => {
                mon_addrs.push(a);
                spans.mons.push(m.span);
            }
            None => {
                c.error(Code::BadMon, m.span, format!("mon address `{}` is not an IP address", m.value))
                    .help = Some("write an IPv4 or IPv6 address, optionally with a port and a `v1:`/`v2:` prefix: `172.16.11.1`, `172.16.11.1:6789`, `[fd00::1]:3300`, `v1:172.16.11.1:16789`".into());
            }
        }
    }
    mon_addrs
}

fn check_store_id(c: &mut Checker, id: &str, span: Option<Span>) -> Option<StoreId> {
    let parsed = StoreId::parse(id);
    if id == "default_backend" {
        c.warning(Code::DefaultStoreId, span, "store id `default_backend` is TripleO's default".into())
            .help = Some("every Glance that sets no GlanceBackendID calls its own store `default_backend`, so the id says nothing about the site and clashes with any site left at the default; name the store after its site (for a store that holds images, plan the rename: image locations carry the id)".into());
    }
    if parsed.is_none() {
        let d = c.error(Code::BadStoreId, span, format!("invalid store id `{id}`"));
        d.help = Some(if id.starts_with("os_glance_") {
            "ids starting with `os_glance_` are reserved by glance; choose another".into()
        } else {
            format!("a store id is {}", StoreId::RULE)
        });
    }
    parsed
}

/// A path a stack passes to `openstack overcloud deploy` (roles, network data, environments).
pub(super) fn check_path(c: &mut Checker, p: &Located<String>, field: &str) -> String {
    check_text(c, &p.value, Some(p.span), field, Kind::ShellWord);
    p.value.clone()
}

/// An NTP server name or address (`NtpServer`).
pub(super) fn check_ntp(c: &mut Checker, n: &Located<String>) -> String {
    check_text(c, &n.value, Some(n.span), "central.ntp", Kind::Ntp);
    n.value.clone()
}
