//! The files a deploy command reads: heat environment files (`parameter_defaults`,
//! `resource_registry`, merge strategies), roles files, baremetal deployment files and Ironic
//! node files, and the INI fragments (glance-api.conf, nova.conf) a proof of concept edits.
//! Each keeps where every value was written.

use super::source::{FileId, ImportError, Kind, Loc, Sources};
use super::yaml::{self, Node, Value};

/// One `key: value` of an environment section, where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub value: Node,
    pub value_loc: Loc,
}

/// A heat environment file.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `parameter_defaults`, then `parameters` entries, in file order (repeated keys kept: heat
    /// takes the last).
    pub params: Vec<Entry>,
    /// Entries of the top-level `parameters:` section (heat gives them to the top template only).
    pub top_params: Vec<Entry>,
    pub registry: Vec<Entry>,
    /// `parameter_merge_strategies`: parameter (or `default`) -> overwrite, merge, deep_merge.
    pub merge: Vec<Entry>,
    /// Sections heat does not know (heat rejects the file), and where.
    pub unknown_sections: Vec<(String, Loc)>,
}

/// Sections heat accepts in an environment (heat/common/environment_format.py).
const SECTIONS: &[&str] = &[
    "parameters",
    "parameter_defaults",
    "resource_registry",
    "encrypted_param_names",
    "event_sinks",
    "parameter_merge_strategies",
];

/// Parses a YAML (or JSON) file of the sources into a tree, or a located error.
pub fn parse_yaml(sources: &Sources, id: FileId) -> Result<Node, ImportError> {
    let f = sources.get(id);
    yaml::parse(&f.text).map_err(|e| {
        // serde-saphyr says "error: line L column C: what": the pointer says where
        let what = e.message.trim_start_matches("error: ");
        let what = match what.split_once(": ") {
            Some((at, rest)) if at.starts_with("line ") => rest,
            _ => what,
        };
        let err = ImportError::new(&f.path, format!("is not valid YAML: {what}"))
            .syntax()
            .help("heat (PyYAML) cannot read it either; fix the syntax at the place shown");
        match e.span {
            Some(span) => err.at(span, &f.text),
            None => err,
        }
    })
}

/// The entries of a mapping node with their locations.
fn entries(file: FileId, node: &Node) -> Vec<Entry> {
    node.entries()
        .iter()
        .map(|(k, v)| Entry {
            key: k.scalar_text().unwrap_or_default(),
            key_loc: Loc::new(file, k.span),
            value: v.clone(),
            value_loc: Loc::new(file, v.span),
        })
        .collect()
}

/// Reads an environment file. `Ok(None)` when the file is YAML but not an environment (a list,
/// say: a roles file passed with `-e` by mistake).
pub fn read_env(sources: &Sources, id: FileId) -> Result<Env, ImportError> {
    let root = parse_yaml(sources, id)?;
    let f = sources.get(id);
    let mut env = Env::default();
    match &root.value {
        Value::Null => return Ok(env),
        Value::Map(_) => {}
        _ => {
            return Err(ImportError::new(&f.path, "is not a heat environment")
                .at(root.span, &f.text)
                .help("an environment is a mapping with `parameter_defaults:` and/or `resource_registry:`"))
        }
    }
    for (k, v) in root.entries() {
        let name = k.scalar_text().unwrap_or_default();
        let loc = Loc::new(id, k.span);
        match name.as_str() {
            "parameter_defaults" => env.params.extend(entries(id, v)),
            "parameters" => env.top_params.extend(entries(id, v)),
            "resource_registry" => env.registry.extend(entries(id, v)),
            "parameter_merge_strategies" => env.merge.extend(entries(id, v)),
            s if SECTIONS.contains(&s) => {}
            _ => env.unknown_sections.push((name, loc)),
        }
    }
    Ok(env)
}

/// A role of a roles file.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleDef {
    pub name: String,
    pub loc: Loc,
    pub count_default: Option<u32>,
    /// `OS::TripleO::Services::X` names, without the prefix.
    pub services: Vec<String>,
    /// Its `networks:` (THT network name, the `subnet:` given, where), when it lists them: a
    /// list (`- InternalApi`, THT 12.x) or a map (`InternalApi: {subnet: internal_api_subnet}`).
    pub networks: Option<Vec<RoleNet>>,
    /// Its `default_route_networks` (THT network names) and where, when it has them.
    pub default_route: Option<(Vec<String>, Loc)>,
}

/// A network of a role in a roles file.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleNet {
    pub name: String,
    pub subnet: Option<String>,
    pub loc: Loc,
}

/// The `networks:` of a role of a roles file.
fn role_networks(file: FileId, item: &Node) -> Option<Vec<RoleNet>> {
    let n = item.get("networks")?;
    let out = match &n.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| {
                Some(RoleNet {
                    name: i.scalar_text()?,
                    subnet: None,
                    loc: Loc::new(file, i.span),
                })
            })
            .collect(),
        Value::Map(_) => n
            .entries()
            .iter()
            .map(|(k, v)| {
                let sub = v.get("subnet");
                RoleNet {
                    name: k.scalar_text().unwrap_or_default(),
                    subnet: sub.and_then(Node::scalar_text),
                    loc: Loc::new(file, sub.map_or(k.span, |x| x.span)),
                }
            })
            .collect(),
        _ => return None,
    };
    Some(out)
}

impl RoleDef {
    pub fn runs(&self, service: &str) -> bool {
        self.services.iter().any(|s| s == service)
    }
}

/// Reads a roles file (`roles_data.yaml`): a list of roles.
pub fn read_roles(sources: &Sources, id: FileId) -> Result<Vec<RoleDef>, ImportError> {
    let root = parse_yaml(sources, id)?;
    let f = sources.get(id);
    let Value::Seq(items) = &root.value else {
        return Err(ImportError::new(&f.path, "is not a roles file")
            .at(root.span, &f.text)
            .help(
                "a roles file is a YAML list of roles, each with `name:` and `ServicesDefault:`",
            ));
    };
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.get("name") else {
            return Err(ImportError::new(&f.path, "a role without `name`")
                .at(item.span, &f.text)
                .help("every role of a roles file needs `name:`"));
        };
        let count_default = match item.get("CountDefault").map(|n| &n.value) {
            Some(Value::Int(i)) => u32::try_from(*i).ok(),
            _ => None,
        };
        let services = item
            .get("ServicesDefault")
            .map(|s| {
                s.items()
                    .iter()
                    .filter_map(|n| n.as_str())
                    .map(|s| s.trim_start_matches("OS::TripleO::Services::").to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push(RoleDef {
            name: name.scalar_text().unwrap_or_default(),
            loc: Loc::new(id, name.span),
            count_default,
            services,
            networks: role_networks(id, item),
            default_route: item.get("default_route_networks").map(|d| {
                let names = d.items().iter().filter_map(Node::scalar_text).collect();
                (names, Loc::new(id, d.span))
            }),
        });
    }
    Ok(out)
}

/// A role of a baremetal deployment file (`openstack overcloud node provision`).
#[derive(Clone, Debug, PartialEq)]
pub struct BaremetalRole {
    pub name: String,
    pub loc: Loc,
    pub count: Option<(u32, Loc)>,
    /// The `node:` capability of each instance that has one.
    pub tags: Vec<(String, Loc)>,
    /// The ports of its nodes besides ctlplane (`defaults.networks`, where it is written).
    pub networks: Option<(Vec<PortNet>, Loc)>,
    /// Instances with `networks` of their own (merged over the defaults by tripleo-ansible
    /// 6.0.0 baremetal_deploy.py:369-385): their ports besides ctlplane and where.
    pub instance_networks: Vec<(Vec<PortNet>, Loc)>,
    /// `network_config.template` of the defaults, then of each instance that sets one.
    pub templates: Vec<(String, Loc)>,
    /// `network_config.default_route_network` of the defaults (Neutron network names), where.
    pub default_route: Option<(Vec<String>, Loc)>,
    /// Instances with a `default_route_network` of their own (tripleo-ansible 6.0.0
    /// baremetal_deploy.py:358-366 merges `network_config` over the defaults key by key).
    pub instance_default_routes: Vec<(Vec<String>, Loc)>,
    /// Instances with a fixed ctlplane address: host name (if given), address, where.
    pub nodes: Vec<(Option<String>, String, Loc)>,
}

/// A port of a baremetal deployment file: the Neutron network name (`internal_api`) and subnet.
#[derive(Clone, Debug, PartialEq)]
pub struct PortNet {
    pub network: String,
    pub subnet: Option<String>,
    pub loc: Loc,
}

/// The `networks:` of a baremetal `defaults` or instance, without ctlplane.
fn ports(file: FileId, n: &Node) -> Option<(Vec<PortNet>, Loc)> {
    let list = n.get("networks")?;
    let out = list
        .items()
        .iter()
        .filter_map(|p| {
            let network = p.get("network")?.scalar_text()?;
            (network != "ctlplane").then(|| PortNet {
                network,
                subnet: p.get("subnet").and_then(Node::scalar_text),
                loc: Loc::new(file, p.span),
            })
        })
        .collect();
    Some((out, Loc::new(file, list.span)))
}

/// The host name and fixed ctlplane address of a baremetal instance that has one.
fn fixed_ip(file: FileId, n: &Node) -> Option<(Option<String>, String, Loc)> {
    let ctl = (n.get("networks")?.items().iter())
        .find(|p| p.get("network").and_then(Node::scalar_text).as_deref() == Some("ctlplane"))?;
    let ip = ctl.get("fixed_ip")?;
    let host = n.get("hostname").and_then(Node::scalar_text);
    Some((host, ip.scalar_text()?, Loc::new(file, ip.span)))
}

/// `network_config.template` of a baremetal `defaults` or instance.
fn template(file: FileId, n: &Node) -> Option<(String, Loc)> {
    let t = n.get("network_config")?.get("template")?;
    Some((t.scalar_text()?, Loc::new(file, t.span)))
}

/// `network_config.default_route_network` of a baremetal `defaults` or instance: a list (a
/// string is one network, as tripleo-ansible's `in` test reads it).
fn default_route(file: FileId, n: &Node) -> Option<(Vec<String>, Loc)> {
    let d = n.get("network_config")?.get("default_route_network")?;
    let names = match &d.value {
        Value::Seq(_) => d.items().iter().filter_map(Node::scalar_text).collect(),
        _ => vec![d.scalar_text()?],
    };
    Some((names, Loc::new(file, d.span)))
}

/// Reads a baremetal deployment file: a list of `{name, count, instances: [...]}`.
pub fn read_baremetal(sources: &Sources, id: FileId) -> Result<Vec<BaremetalRole>, ImportError> {
    let root = parse_yaml(sources, id)?;
    let f = sources.get(id);
    let Value::Seq(items) = &root.value else {
        return Err(ImportError::new(&f.path, "is not a baremetal deployment file")
            .at(root.span, &f.text)
            .help("`openstack overcloud node provision` takes a YAML list of roles with `name` and `count`"));
    };
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.get("name") else {
            continue;
        };
        let count = item.get("count").and_then(|c| match c.value {
            Value::Int(i) => u32::try_from(i).ok().map(|n| (n, Loc::new(id, c.span))),
            _ => None,
        });
        let tag_of = |n: &Node| {
            let caps = n.get("capabilities")?;
            let tag = caps.get("node")?;
            Some((tag.scalar_text()?, Loc::new(id, tag.span)))
        };
        let mut tags: Vec<(String, Loc)> = item
            .get("instances")
            .map(|i| i.items().iter().filter_map(tag_of).collect())
            .unwrap_or_default();
        if tags.is_empty() {
            tags.extend(item.get("defaults").and_then(tag_of));
        }
        let defaults = item.get("defaults");
        let instances = item.get("instances").map_or(&[][..], |i| i.items());
        let templates = (defaults.into_iter().chain(instances))
            .filter_map(|n| template(id, n))
            .collect();
        out.push(BaremetalRole {
            name: name.scalar_text().unwrap_or_default(),
            loc: Loc::new(id, name.span),
            count,
            tags,
            networks: defaults.and_then(|d| ports(id, d)),
            // an instance's ctlplane only keeps the defaults' other ports
            instance_networks: (instances.iter())
                .filter_map(|i| ports(id, i))
                .filter(|(p, _)| !p.is_empty())
                .collect(),
            templates,
            default_route: defaults.and_then(|d| default_route(id, d)),
            instance_default_routes: (instances.iter())
                .filter_map(|i| default_route(id, i))
                .collect(),
            nodes: instances.iter().filter_map(|i| fixed_ip(id, i)).collect(),
        });
    }
    Ok(out)
}

/// What `openstack overcloud node provision` of a baremetal deployment file gives heat, as the
/// round trip compares it on both sides: each role's `<Role>Count` (1 when the role names none,
/// tripleo-ansible's default) and, when its nodes' `node:` tags follow one `%index%` pattern,
/// the `<Role>SchedulerHints` the classic flow would give for the same placement. Each with the
/// place in the file it comes from.
pub fn provisioned_params(roles: &[BaremetalRole]) -> Vec<(String, serde_json::Value, Loc)> {
    let mut out = Vec::new();
    for r in roles {
        let (count, at) = r.count.unwrap_or((1, r.loc));
        out.push((format!("{}Count", r.name), count.into(), at));
        if let Some(hint) = index_hint(&r.tags) {
            let hints = serde_json::json!({ "capabilities:node": hint });
            out.push((format!("{}SchedulerHints", r.name), hints, r.tags[0].1));
        }
    }
    out
}

/// The hint whose `%index%` expansion gives the tags of a role's nodes in order, if any.
fn index_hint(tags: &[(String, Loc)]) -> Option<String> {
    let first = &tags.first()?.0;
    let at = first.rfind('0')?;
    let hint = format!("{}%index%{}", &first[..at], &first[at + 1..]);
    let all =
        (tags.iter().enumerate()).all(|(i, (t, _))| *t == hint.replace("%index%", &i.to_string()));
    all.then_some(hint)
}

/// Ironic nodes with a `node:` capability (`instackenv.json`, `nodes.yaml`): name and tag.
pub fn read_node_tags(root: &Node, file: FileId) -> Vec<(String, String, Loc)> {
    let nodes = root.get("nodes").map_or(&[][..], |n| n.items());
    let mut out = Vec::new();
    for n in nodes {
        let name = n
            .get("name")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let caps = n
            .get("capabilities")
            .or_else(|| n.get("properties").and_then(|p| p.get("capabilities")));
        let Some(caps) = caps else { continue };
        let text = match &caps.value {
            Value::Str(s) => s.clone(),
            Value::Map(_) => caps
                .get("node")
                .and_then(Node::scalar_text)
                .map(|t| format!("node:{t}"))
                .unwrap_or_default(),
            _ => continue,
        };
        for cap in text.split(',') {
            if let Some(tag) = cap.trim().strip_prefix("node:") {
                out.push((name.clone(), tag.to_string(), Loc::new(file, caps.span)));
            }
        }
    }
    out
}

/// An option of an INI file, where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct IniOption {
    pub section: String,
    pub key: String,
    pub value: String,
    pub loc: Loc,
}

/// Reads an INI file (glance-api.conf, nova.conf fragments) with rust-ini, oslo.config's way:
/// `#` and `;` comments, `key = value`; then finds each option's line for locations.
pub fn read_ini(sources: &Sources, id: FileId) -> Result<Vec<IniOption>, ImportError> {
    let f = sources.get(id);
    let parsed = ini::Ini::load_from_str_opt(
        &f.text,
        ini::ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            ..ini::ParseOption::default()
        },
    )
    .map_err(|e| {
        let span = crate::diag::Span::new(e.line as u32, e.col as u32, 1);
        ImportError::new(&f.path, format!("is not an INI file: {}", e.msg))
            .at(span, &f.text)
            .help("glance-api.conf and nova.conf are `[section]` headers and `key = value` lines")
    })?;
    let mut out = Vec::new();
    for (section, props) in parsed.iter() {
        let section = section.unwrap_or("DEFAULT").to_string();
        for (key, value) in props.iter() {
            out.push(IniOption {
                loc: ini_loc(id, &f.text, &section, key),
                section: section.clone(),
                key: key.to_string(),
                value: value.to_string(),
            });
        }
    }
    Ok(out)
}

/// Where `key` of `section` is written: the line of the last such option in that section.
fn ini_loc(id: FileId, text: &str, section: &str, key: &str) -> Loc {
    let mut current = "DEFAULT".to_string();
    let mut found = crate::diag::Span::new(1, 1, 0);
    for (no, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            current = s.trim().to_string();
            continue;
        }
        if current != section {
            continue;
        }
        if let Some((k, _)) = t.split_once(['=', ':']) {
            if k.trim() == key {
                let col = line.find(k.trim()).unwrap_or(0) as u32 + 1;
                found = crate::diag::Span::new(no as u32 + 1, col, key.chars().count() as u32);
            }
        }
    }
    Loc::new(id, found)
}

/// Whether a file looks like a heat environment (its top-level keys are environment sections).
pub fn looks_like_env(sources: &Sources, id: FileId) -> bool {
    let f = sources.get(id);
    if !matches!(f.kind, Kind::Yaml) {
        return false;
    }
    f.text.lines().any(|l| {
        let t = l.trim_end();
        SECTIONS
            .iter()
            .any(|s| t.strip_prefix(s).is_some_and(|r| r.starts_with(':')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::SourceFile;

    fn one(path: &str, text: &str) -> (Sources, FileId) {
        let mut s = Sources::default();
        let kind = if path.ends_with(".conf") {
            Kind::Ini
        } else {
            Kind::Yaml
        };
        let id = s.add(SourceFile {
            path: path.into(),
            text: text.into(),
            kind,
            written_by: None,
        });
        (s, id)
    }

    #[test]
    fn env_entries_are_located() {
        let (s, id) = one(
            "dcn0/glance.yaml",
            "resource_registry:\n  OS::TripleO::Services::X: x.yaml\nparameter_defaults:\n  GlanceBackend: rbd\n  GlanceBackend: swift\nparamter_defaults: {}\n",
        );
        let e = read_env(&s, id).unwrap();
        assert_eq!(e.params.len(), 2);
        assert_eq!(e.params[1].value_loc.span.line, 5);
        assert_eq!(e.registry[0].key, "OS::TripleO::Services::X");
        assert_eq!(e.unknown_sections[0].0, "paramter_defaults");
    }

    #[test]
    fn a_list_is_not_an_env() {
        let (s, id) = one("x.yaml", "- a\n- b\n");
        let e = read_env(&s, id).unwrap_err();
        assert_eq!(e.span.map(|s| s.line), Some(1));
    }

    #[test]
    fn roles_and_baremetal() {
        let (s, id) = one(
            "roles.yaml",
            "- name: DistributedComputeHCI\n  CountDefault: 1\n  ServicesDefault:\n    - OS::TripleO::Services::GlanceApiEdge\n    - OS::TripleO::Services::CephOSD\n",
        );
        let r = read_roles(&s, id).unwrap();
        assert!(r[0].runs("GlanceApiEdge") && r[0].runs("CephOSD"));
        assert_eq!(r[0].count_default, Some(1));
        let (s, id) = one(
            "baremetal.yaml",
            "- name: Controller\n  count: 3\n  instances:\n    - hostname: c-0\n      capabilities:\n        node: 0-controller-0\n",
        );
        let b = read_baremetal(&s, id).unwrap();
        assert_eq!(b[0].count.unwrap().0, 3);
        assert_eq!(b[0].tags[0].0, "0-controller-0");
    }

    #[test]
    fn default_routes_of_roles_and_baremetal() {
        let (s, id) = one(
            "roles.yaml",
            "- name: Controller\n  default_route_networks: ['External']\n  networks:\n    External: {subnet: external_subnet}\n",
        );
        let r = read_roles(&s, id).unwrap();
        assert_eq!(r[0].default_route.as_ref().unwrap().0, ["External"]);
        let (s, id) = one(
            "baremetal.yaml",
            "- name: Controller\n  defaults:\n    network_config:\n      default_route_network: [external]\n  instances:\n    - hostname: c-0\n      network_config:\n        default_route_network: ctlplane\n    - hostname: c-1\n",
        );
        let b = read_baremetal(&s, id).unwrap();
        let (d, l) = b[0].default_route.as_ref().unwrap();
        assert_eq!(
            (d.as_slice(), l.span.line),
            (&["external".to_string()][..], 4)
        );
        assert_eq!(b[0].instance_default_routes.len(), 1);
        assert_eq!(b[0].instance_default_routes[0].0, ["ctlplane"]);
    }

    #[test]
    fn ini_options_are_located() {
        let (s, id) = one(
            "dcn0/nova.conf",
            "# edited by hand\n[glance]\napi_servers = http://172.16.13.212:9292\n",
        );
        let o = read_ini(&s, id).unwrap();
        assert_eq!(o[0].section, "glance");
        assert_eq!(o[0].value, "http://172.16.13.212:9292");
        assert_eq!(o[0].loc.span.line, 3);
    }

    #[test]
    fn node_tags() {
        let n = yaml::parse("nodes:\n  - name: oc0-ceph-4\n    capabilities: 'node:0-dcn-hci-0,boot_option:local'\n").unwrap();
        let t = read_node_tags(&n, FileId(0));
        assert_eq!(t[0].1, "0-dcn-hci-0");
    }
}
