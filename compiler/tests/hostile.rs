//! Hostile strings in every string field of the spec (issue #14, item 1).
//!
//! For every hostile string (quotes, `$(…)`, backticks, newlines, `\r`, `]`, `#`, `: `, `*`, `&`,
//! `!`, heredoc delimiters, ANSI escapes, DEL, unicode...) and every string field, the spec with
//! that value is either refused with an error located at the value, or accepted. A spec holding
//! the hostile string in every field that accepts it is then compiled, written and RUN:
//! `deploy-all.sh` runs every generated script in order, with recording stubs for `openstack`,
//! `ceph`, `crudini`, `ansible-playbook`, ... on PATH. Then:
//! - no injected command ran (the hostile strings try to `touch` a canary file);
//! - every script exited 0;
//! - the arguments every stub received, every YAML file (read by PyYAML, which heat uses) and
//!   every INI file (read by rust-ini without quote or escape handling, as oslo.config and
//!   crudini read them), generated or written by the scripts, are exactly those of a baseline
//!   run whose fields hold benign tokens, with the hostile text in place of the tokens of the
//!   fields that took it: nothing was split, joined, folded, expanded or dropped.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The benign token field `i` holds in the baseline: all of one length, so none is part of
/// another.
fn token(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("zq{}{}", letter(i / 26), letter(i))
}
/// Replaced by the canary path in the hostile strings.
const CANARY: &str = "@CANARY@";
const KEY: &str = "AQBvaBFZAAAAABAA9VHgwCg3rWn8fMaX8KL01A==";

/// Hostile text; `@CANARY@` becomes a path that must never be created.
const HOSTILE: &[&str] = &[
    "$(touch @CANARY@)",
    "`touch @CANARY@`",
    "$(touch${IFS}@CANARY@)",
    "x`touch${IFS}@CANARY@`",
    "x'; touch @CANARY@; '",
    "x\"; touch @CANARY@; \"",
    "x\ntouch @CANARY@\n",
    "x\rINI\rtouch @CANARY@",
    "x\n[DEFAULT]\ndebug = True",
    "]\n[DEFAULT]\ntransport_url = rabbit://evil",
    "x\r[DEFAULT]\rdebug = True",
    "a # not a comment",
    "a;b",
    "key: value",
    "*alias",
    "&anchor",
    "!tag",
    "- item",
    "{a: b}",
    "[x]",
    "x\\",
    "x}",
    "${X:-$(touch @CANARY@)}",
    "$HOME",
    "ünïcødé ☃ ﷽ 𝄞",
    "\u{202e}evil",
    "\u{1b}[31mred\u{1b}[0m",
    "x\u{7f}y",
    "x\u{85}y\u{2028}z",
    "  padded  ",
    "yes",
    "0777",
    "1e20",
    "INI",
    "CONF",
    "YAML",
    "STEPS",
    "x\ty",
];

/// What a spec is compiled as: a target, in the multistore or the glance-cache topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Wallaby,
    UssuriPoc,
    Tht18,
    /// wallaby, glance-cache topology.
    Cache,
    /// wallaby, an external central cluster (`external-ceph.sh`) and a central compute stack.
    External,
    /// rhoso-18: the kustomize tree, its deploy.sh and secrets.sh ([`RHOSO_TEMPLATE`]).
    Rhoso,
}

const VARIANTS: [Variant; 6] = [
    Variant::Wallaby,
    Variant::UssuriPoc,
    Variant::Tht18,
    Variant::Cache,
    Variant::External,
    Variant::Rhoso,
];

impl Variant {
    fn target(self) -> &'static str {
        match self {
            Variant::Wallaby | Variant::Cache | Variant::External => "wallaby",
            Variant::UssuriPoc => "ussuri-poc",
            Variant::Tht18 => "tht-18",
            Variant::Rhoso => "rhoso-18",
        }
    }

    /// Whether the [`TEMPLATE`] lines marked `@MARK@` are in this variant's spec.
    fn has(self, mark: &str) -> bool {
        match mark {
            // edge keys by reference (targets whose heat carries them; not with glance-cache)
            "KEYS" => matches!(self, Variant::Wallaby | Variant::Tht18 | Variant::External),
            "CACHE" => self == Variant::Cache,
            "MULTI" => self != Variant::Cache,
            "EXT" => self == Variant::External,
            // a cephx user of one's own for central Glance (the others take `openstack`): made at
            // each edge by glance-key.sh (ussuri-poc) or by CephExtraKeys from deploy.sh (tht-18)
            "POC" => matches!(self, Variant::UssuriPoc | Variant::Tht18),
            // renamed roles (`roles generate Base:Name`): the targets that generate roles files
            "RENAMED" => matches!(self, Variant::Wallaby | Variant::Tht18 | Variant::External),
            _ => panic!("unknown mark {mark}"),
        }
    }

    /// The spec template of this variant: [`TEMPLATE`] with the marked lines it has, unmarked.
    fn template(self) -> String {
        let mut out = String::new();
        let template = if self == Variant::Rhoso {
            RHOSO_TEMPLATE
        } else {
            TEMPLATE
        };
        for line in template.lines() {
            let line = match line.strip_prefix('@').and_then(|l| l.split_once('@')) {
                Some((mark, rest)) if self.has(mark) => rest,
                Some(_) => continue,
                None => line,
            };
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// A spec field that takes a string, and how to put a value there.
struct Field {
    name: &'static str,
    /// The placeholder in [`TEMPLATE`] the value replaces; the field is in the variants whose
    /// template has it.
    slot: &'static str,
    /// What comes before the injected text (an absolute path under the test root, for paths).
    prefix: &'static str,
    /// The baseline's value, before `@ROOT@` is replaced by the test root.
    default: &'static str,
}

impl Field {
    fn in_variant(&self, v: Variant) -> bool {
        v.template().contains(&format!("{{{}}}", self.slot))
    }
}

const fn field(
    name: &'static str,
    slot: &'static str,
    prefix: &'static str,
    default: &'static str,
) -> Field {
    Field {
        name,
        slot,
        prefix,
        default,
    }
}

const FIELDS: &[Field] = &[
    field("region", "REGION", "", "regionOne"),
    field("tht", "THT", "@ROOT@/tht/", "@ROOT@/tht/base"),
    field("work_dir", "WORK", "@ROOT@/work/", "@ROOT@/work/base"),
    field(
        "container_images",
        "CONTAINERS",
        "@ROOT@/containers/",
        "@ROOT@/containers/containers-prepare-parameter.yaml",
    ),
    field(
        "ceph.conf_dir",
        "CONF_DIR",
        "@ROOT@/ceph/",
        "@ROOT@/ceph/base",
    ),
    field(
        "central.store.description",
        "CENTRAL_DESC",
        "",
        "central store",
    ),
    field("edge store.description", "EDGE_DESC", "", "edge store"),
    field("ceph.osd_devices", "OSD_DEV", "/dev/", "/dev/sdb"),
    field("central.ntp", "NTP", "", "pool.ntp.org"),
    field("edge az", "AZ", "", "dcn0"),
    field("role hint", "HINT", "", "dcn0-hci-%index%"),
    field("role flavor", "FLAVOR", "", "baremetal"),
    field("glance.caps.mon", "CAPS_MON", "", "profile rbd"),
    field(
        "glance.caps.osd",
        "CAPS_OSD",
        "profile rbd pool=images ",
        "profile rbd pool=images",
    ),
    field("glance.pool", "POOL", "", "images"),
    field("glance.client_user", "CLIENT_USER", "", "glance"),
    field(
        "central.environment_files",
        "ENV_FILE",
        "@ROOT@/env/",
        "@ROOT@/env/extra.yaml",
    ),
    field(
        "central.network_data",
        "NETWORK_DATA",
        "@ROOT@/net/",
        "@ROOT@/net/network_data.yaml",
    ),
    field(
        "central.network_config_template",
        "NET_TEMPLATE",
        "",
        "templates/single_nic_vlans/base.j2",
    ),
    field(
        "central.roles_file",
        "ROLES_FILE",
        "@ROOT@/roles/",
        "@ROOT@/roles/roles_data.yaml",
    ),
    field("edge parameter value", "PARAM", "", "text"),
    field("edge nested parameter value", "PARAM_NESTED", "", "nested"),
    field(
        "edge key file",
        "KEY_FILE",
        "@ROOT@/keys/",
        "@ROOT@/keys/dcn0.key",
    ),
    field("edge key env", "KEY_ENV", "", "DCN1_KEY"),
    field("edge stack", "STACK", "", "dcn1"),
    field("edge cluster", "CLUSTER", "", "dcn1"),
    field("edge store id", "STORE_ID", "", "dcn1"),
    field(
        "renamed role name",
        "ROLE_NAME",
        "DistributedComputeHCI",
        "DistributedComputeHCIEdge",
    ),
    field(
        "glance.staging_nfs_share",
        "SHARE",
        "192.168.24.1:/export/",
        "192.168.24.1:/export/staging",
    ),
    field("glance.distribute_images", "IMAGE", "", "cirros"),
    field(
        "glance.cache.dir",
        "CACHE_DIR",
        "@ROOT@/cache/",
        "@ROOT@/cache/base",
    ),
    field(
        "central.external.key file",
        "CENTRAL_KEY_FILE",
        "@ROOT@/keys/",
        "@ROOT@/keys/central.key",
    ),
    // prefixed, so that they never equal the edge's stack and zone (which must be unique)
    field("compute stack", "COMPUTE_STACK", "c", "central-compute"),
    field("compute az", "COMPUTE_AZ", "c", "central"),
    field(
        "compute environment_files",
        "COMPUTE_ENV",
        "@ROOT@/env/",
        "@ROOT@/env/compute.yaml",
    ),
    field("compute parameter value", "COMPUTE_PARAM", "", "text"),
    // rhoso-18's own (RHOSO_TEMPLATE)
    // prefixed, so that it never equals the edge's zone
    field("central.az", "CENTRAL_AZ", "c", "central"),
    field(
        "compute node hostname",
        "NODE_HOST",
        "",
        "central-compute-0",
    ),
    field("rhoso.namespace", "NAMESPACE", "", "openstack"),
    field("rhoso.control_plane", "CONTROL_PLANE", "", "controlplane"),
    field("rhoso.secret", "SECRET", "", "osp-secret"),
    field("rhoso.storage_class", "STORAGE_CLASS", "", "local-storage"),
    field(
        "rhoso.ssh_key_secret",
        "SSH_SECRET",
        "",
        "dataplane-ansible-ssh-private-key-secret",
    ),
    field("rhoso.ansible_user", "ANSIBLE_USER", "", "cloud-admin"),
];

/// The spec; `{SLOT}` placeholders take YAML values; a line marked `@MARK@` is in the variants
/// that have that mark ([`Variant::has`]).
const TEMPLATE: &str = r#"target: {TARGET}
topology: {TOPOLOGY}
region: {REGION}
tht: {THT}
work_dir: {WORK}
container_images: {CONTAINERS}
glance:
  import_methods: [web-download, copy-image]
  distribute_images: [{IMAGE}]
  staging_nfs_share: {SHARE}
  pool: {POOL}
@POC@  client_user: {CLIENT_USER}
  caps:
    mon: {CAPS_MON}
    osd: {CAPS_OSD}
@CACHE@  cache:
@CACHE@    dir: {CACHE_DIR}
ceph:
  conf_dir: {CONF_DIR}
  pool_default_size: 1
  osd_devices: [{OSD_DEV}]
central:
  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60
  mons: [10.0.0.1]
  ntp: [{NTP}]
  store:
    description: {CENTRAL_DESC}
  environment_files: [{ENV_FILE}]
  network_data: {NETWORK_DATA}
  network_config_template: {NET_TEMPLATE}
  roles_file: {ROLES_FILE}
@EXT@  external:
@EXT@    key: {file: {CENTRAL_KEY_FILE}}
@EXT@  compute:
@EXT@    stack: {COMPUTE_STACK}
@EXT@    az: {COMPUTE_AZ}
@EXT@    roles:
@EXT@      - {name: DistributedCompute, count: 2}
@EXT@    environment_files: [{COMPUTE_ENV}]
@EXT@    parameters:
@EXT@      ExtraText: {COMPUTE_PARAM}
edges:
  - name: dcn0
    fsid: 7b0d8f63-3c20-4f1b-8d66-2e304b5c6d71
    mons: [10.0.1.1]
    glance_api: 10.0.1.200
    az: {AZ}
    store:
      description: {EDGE_DESC}
    roles:
      - {name: DistributedComputeHCI, count: 2, hint: {HINT}, flavor: {FLAVOR}}
    parameters:
      ExtraText: {PARAM}
      ExtraMap: {"k": [1, {PARAM_NESTED}]}
@KEYS@    key: {file: {KEY_FILE}}
  - name: dcn1
@MULTI@    stack: {STACK}
@MULTI@    cluster: {CLUSTER}
@MULTI@    store: {id: {STORE_ID}}
    fsid: 8c1e9a74-4d31-4a2c-9e77-3f415c6d7e82
    mons: [10.0.2.1]
    glance_api: 10.0.2.200
@RENAMED@    roles:
@RENAMED@      - {name: {ROLE_NAME}, base: DistributedComputeHCI, count: 1}
@KEYS@    key: {env: {KEY_ENV}}
"#;

/// The spec of [`Variant::Rhoso`]: what rhoso-18 takes (each compute role's nodes, `rhoso:`),
/// without the TripleO-only fields it refuses or ignores. Addresses are fixed: they are checked as
/// addresses.
const RHOSO_TEMPLATE: &str = r#"target: rhoso-18
region: {REGION}
work_dir: {WORK}
glance:
  import_methods: [glance-direct, web-download, copy-image]
  distribute_images: [{IMAGE}]
  pool: {POOL}
edge_defaults:
  pool_default_size: 1
central:
  stack: control-plane
  cluster: central
  az: {CENTRAL_AZ}
  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60
  mons: [10.0.0.1]
  store:
    description: {CENTRAL_DESC}
  roles:
    - {name: Controller, count: 3}
    - {name: CephStorage, count: 3}
    - name: Compute
      count: 1
      nodes:
        - {hostname: {NODE_HOST}, ctlplane_ip: 192.168.122.100}
edges:
  - name: dcn0
    fsid: 7b0d8f63-3c20-4f1b-8d66-2e304b5c6d71
    mons: [10.0.1.1]
    glance_api: 10.0.1.200
    az: {AZ}
    store:
      description: {EDGE_DESC}
    roles:
      - name: DistributedComputeHCI
        count: 1
        nodes:
          - {hostname: dcn0-compute-0, ctlplane_ip: 192.168.133.100}
  - name: dcn1
    stack: {STACK}
    cluster: {CLUSTER}
    store: {id: {STORE_ID}}
    fsid: 8c1e9a74-4d31-4a2c-9e77-3f415c6d7e82
    mons: [10.0.2.1]
    glance_api: 10.0.2.200
    roles:
      - name: DistributedComputeHCI
        count: 1
        nodes:
          - {hostname: dcn1-compute-0, ctlplane_ip: 192.168.144.100}
rhoso:
  namespace: {NAMESPACE}
  control_plane: {CONTROL_PLANE}
  secret: {SECRET}
  storage_class: {STORAGE_CLASS}
  ssh_key_secret: {SSH_SECRET}
  ansible_user: {ANSIBLE_USER}
  central_glance_api: 172.17.0.80
  sshd_allowed_ranges: [192.168.122.0/24]
"#;

/// A YAML double-quoted scalar holding exactly `s`: every character outside printable ASCII as
/// an escape, so the spec text itself is plain ASCII.
fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The value of field `slot` in a run with `values` (by slot, without their prefix): its
/// prefix and value, or its default; `@ROOT@` replaced by the test root.
fn value_of(slot: &str, values: &BTreeMap<&str, String>, root: &Path) -> String {
    let f = FIELDS.iter().find(|f| f.slot == slot).expect("a field");
    let v = match values.get(slot) {
        Some(v) => format!("{}{v}", f.prefix),
        None => f.default.to_string(),
    };
    v.replace("@ROOT@", &root.display().to_string())
}

/// The spec text for `variant`, with `values` (by slot, without their prefix) in their fields.
fn spec_text(variant: Variant, values: &BTreeMap<&str, String>, root: &Path) -> String {
    let mut text = variant.template();
    text = text.replace("{TARGET}", variant.target());
    let topology = if variant == Variant::Cache {
        "glance-cache"
    } else {
        "multistore"
    };
    text = text.replace("{TOPOLOGY}", topology);
    for f in FIELDS {
        let v = yq(&value_of(f.slot, values, root));
        text = text.replace(&format!("{{{}}}", f.slot), &v);
    }
    text
}

/// The line of `f`'s value in `variant`'s spec text.
fn line_of(variant: Variant, f: &Field) -> usize {
    variant
        .template()
        .lines()
        .position(|l| l.contains(&format!("{{{}}}", f.slot)))
        .expect("the slot is in the template")
        + 1
}

/// The stubs: each appends its name and arguments (NUL-separated, then a `\x1e` record end) to
/// `$DCNC_STUB_LOG`; `crudini --merge` keeps what it was given; `openstack` and `ceph` answer
/// what the scripts ask.
const STUB: &str = r#"#!/bin/bash
name="$(basename "$0")"
# `oc create ... | oc apply -f -` (secrets.sh): the reader logs after the writer, always
if [ "$name" = oc ] && [[ " $* " == *" -f - "* ]]; then cat >/dev/null; fi
{ printf '%s\0' "$name" "$@"; printf '\036\0'; } >>"$DCNC_STUB_LOG"
case "$name" in
  openstack)
    if [ "${1:-} ${2:-}" = "stack show" ]; then echo CREATE_COMPLETE; fi
    prev="" stack=""
    for a in "$@"; do
      if [ "$prev" = --output-file ] || [ "$prev" = --output-env-file ]; then printf 'parameter_defaults: {}\n' >"$a"; fi
      if [ "$prev" = --stack ]; then stack="$a"; fi
      prev="$a"
    done
    # python-tripleoclient 16's deploy writes the stack's export itself
    if [ "${1:-} ${2:-}" = "overcloud deploy" ] && [ -n "$stack" ]; then
      mkdir -p "$HOME/overcloud-deploy/$stack"
      printf 'parameter_defaults: {}\n' >"$HOME/overcloud-deploy/$stack/$stack-export.yaml"
    fi
    ;;
  crudini)
    if [ "${1:-}" = --merge ]; then
      n=$(find "$DCNC_STUB_OUT" -name 'crudini-*' | wc -l)
      cat >"$DCNC_STUB_OUT/crudini-$n.ini"
    fi
    ;;
  ceph)
    conf="" out="" prev=""
    for a in "$@"; do
      case "$prev" in --conf) conf="$a" ;; -o) out="$a" ;; esac
      prev="$a"
    done
    if [ -n "$out" ]; then printf '[client.x]\n\tkey = %s\n' "$DCNC_STUB_KEY" >"$out"; fi
    # `auth get-or-create ENTITY ...` prints ENTITY's keyring (glance-key.sh at an edge)
    want=""
    for a in "$@"; do
      if [ "$want" = 1 ]; then printf '[%s]\n\tkey = %s\n' "$a" "$DCNC_STUB_KEY"; break; fi
      if [ "$a" = get-or-create ]; then want=1; fi
    done
    if [ "$prev" = fsid ]; then sed -n 's/^fsid = //p' "$conf"; fi
    ;;
  rbd)
    # the images `create` made, for `ls`; `rm` takes them away (options' values skipped)
    state="$DCNC_STUB_OUT/rbd-images" op="" arg="" skip=""
    for a in "$@"; do
      if [ -n "$skip" ]; then skip=""; continue; fi
      case "$a" in
        --conf | --id | --pool | --size | -c | -p) skip=1 ;;
        --*) ;;
        *) if [ -z "$op" ]; then op="$a"; else arg="$a"; fi ;;
      esac
    done
    touch "$state"
    case "$op" in
      create) printf '%s\n' "$arg" >>"$state" ;;
      ls) cat "$state" ;;
      rm) grep -vxF -- "$arg" "$state" >"$state.new" || true; mv "$state.new" "$state" ;;
    esac
    ;;
  oc)
    # what deploy.sh asks: a generation, the NetConfig's subnets, a secret's keys, the hosts
    case "$*" in
      *jsonpath=\{.metadata.generation\}*) echo 1 ;;
      *netconfigs*)
        for net in ctlplane internalapi storage tenant storagemgmt; do
          printf '%s subnet1 subnet2 subnet3 subnet4\n' "$net"
        done ;;
      *jsonpath=\{.data\}*)
        for c in $DCNC_STUB_CLUSTERS; do printf '"%s.conf" "%s.client.openstack.keyring" ' "$c" "$c"; done ;;
      *"compute service list"*) printf '%s\n' $DCNC_STUB_HOSTS ;;
    esac
    ;;
  glance)
    case "${1:-}" in
      image-list) printf '| ID | Name |\n| 11111111-2222-4333-8444-555555555555 | x |\n' ;;
      image-show) printf '| status | active |\n| disk_format | raw |\n| stores | %s |\n' "$DCNC_STUB_STORES" ;;
    esac
    ;;
esac
exit 0
"#;

const STUBS: &[&str] = &[
    "openstack",
    "glance",
    "crudini",
    "ceph",
    "rbd",
    "ansible-playbook",
    "tripleo-ansible-inventory",
    "podman",
    "ssh",
    "systemctl",
    "oc",
];

/// Reads every YAML file (PyYAML, as heat reads them) into JSON: `{path: value}`, or
/// `{path: {"!error": message}}`.
const YAML_READER: &str = r#"
import json, sys, yaml
out = {}
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            out[path] = yaml.safe_load(f)
    except Exception as e:
        out[path] = {"!error": str(e)}
json.dump(out, sys.stdout, default=str)
"#;

/// What one run left: stub calls, and every YAML and INI file, by path relative to the root.
#[derive(Debug, PartialEq)]
struct Outcome {
    calls: Vec<Vec<String>>,
    files: BTreeMap<String, Value>,
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() && !path.is_symlink() {
            files_under(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

/// An INI file as rust-ini reads it without quote or escape handling (as oslo.config and
/// crudini do): `{section: {key: value}}`, in order.
fn read_ini(text: &str) -> Value {
    let opt = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    };
    match ini::Ini::load_from_str_opt(text, opt) {
        Ok(conf) => {
            let mut sections = serde_json::Map::new();
            for (section, props) in conf.iter() {
                let mut keys = serde_json::Map::new();
                for (k, v) in props.iter() {
                    keys.insert(k.to_string(), Value::String(v.to_string()));
                }
                sections.insert(section.unwrap_or("").to_string(), Value::Object(keys));
            }
            Value::Object(sections)
        }
        Err(e) => serde_json::json!({"!error": e.to_string()}),
    }
}

/// Runs `deploy-all.sh` of the tree in `root/out` with the stubs, and reads what it left.
fn run(root: &Path, names: &[&str], values: &BTreeMap<&str, String>) -> Result<Outcome, String> {
    // dcn1's key is in the variable the spec names; the stub Glance reports the image in every
    // store (dcn1's by its id)
    let stores = format!("central,dcn0,{}", value_of("STORE_ID", values, root));
    let clusters = format!("central dcn0 {}", value_of("CLUSTER", values, root));
    let hosts = format!(
        "{} dcn0-compute-0 dcn1-compute-0",
        value_of("NODE_HOST", values, root)
    );
    let env = [
        (value_of("KEY_ENV", values, root), KEY.to_string()),
        ("DCNC_STUB_STORES".into(), stores),
        ("DCNC_STUB_CLUSTERS".into(), clusters),
        ("DCNC_STUB_HOSTS".into(), hosts),
    ];
    let stubs = root.join("stubs");
    let stub_out = root.join("stub-out");
    for d in [&stubs, &stub_out, &root.join("home"), &root.join("tmp")] {
        fs::create_dir_all(d).unwrap();
    }
    for name in STUBS {
        let path = stubs.join(name);
        fs::write(&path, STUB).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The stack user's ssh key pair, as the undercloud install makes it (THT 14.3.0
    // extraconfig/post_deploy/undercloud_post.sh:45-47): deploy.sh's playbooks log in with it.
    let ssh = root.join("home/.ssh");
    fs::create_dir_all(&ssh).unwrap();
    fs::write(ssh.join("id_rsa"), "PRIVATE\n").unwrap();
    fs::write(ssh.join("id_rsa.pub"), "ssh-ed25519 AAAA dcnc-hostile\n").unwrap();
    let etc = root.join("etc");
    fs::create_dir_all(&etc).unwrap();
    fs::write(etc.join("glance-api.conf"), "").unwrap();
    fs::write(etc.join("nova.conf"), "").unwrap();
    let log = root.join("stub.log");
    run_script(root, "deploy-all.sh", &stubs, &log, &env)?;
    // Not a step: the operator runs it once images exist.
    if root.join("out/distribute-images.sh").exists() {
        run_script(root, "distribute-images.sh", &stubs, &log, &env)?;
    }
    read_outcome(root, names, &log)
}

/// Runs one script of the tree with the stubs first on PATH and the environment the scripts
/// read, and `env`.
fn run_script(
    root: &Path,
    script: &str,
    stubs: &Path,
    log: &Path,
    env: &[(String, String)],
) -> Result<(), String> {
    let etc = root.join("etc");
    let stub_out = root.join("stub-out");
    // A script that waits for something the stubs never give fails the case instead of
    // hanging the test.
    let out = Command::new("timeout")
        .args(["300", "bash"])
        .arg(root.join("out").join(script))
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", stubs.display()))
        .env("HOME", root.join("home"))
        .env("TMPDIR", root.join("tmp"))
        .env("DCNC_STUB_LOG", log)
        .env("DCNC_STUB_OUT", &stub_out)
        .env("DCNC_STUB_KEY", KEY)
        .envs(env.iter().cloned())
        .env("DCNC_GLANCE_API_CONF", etc.join("glance-api.conf"))
        .env("DCNC_NOVA_CONF", etc.join("nova.conf"))
        .env("DCNC_RESTART", "true")
        .env("DCNC_GLANCE_RESTART", "true")
        // rhoso-18's step ceph checks cephadm's files in the work directory, not a cluster
        .env("DCNC_CEPH_OFFLINE", "1")
        .output()
        .expect("bash runs");
    if !out.status.success() {
        return Err(format!(
            "{script} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// ceph-clients.sh's write check names its image by the shell's pid (`dcnc-write-check.$$`):
/// the same call in every run once the pid is `<pid>`.
fn normalize_pid(a: &str) -> String {
    match a.strip_prefix("dcnc-write-check.") {
        Some(pid) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => {
            "dcnc-write-check.<pid>".to_string()
        }
        _ => a.to_string(),
    }
}

/// The stub calls and the YAML and INI files under `root`, with paths relative to it and each
/// of `names` (the values of the fields) in them as `<V>` (so runs compare file by file).
fn read_outcome(root: &Path, names: &[&str], log: &Path) -> Result<Outcome, String> {
    let raw = fs::read(log).unwrap_or_default();
    let text = String::from_utf8(raw).map_err(|e| e.to_string())?;
    let tmp = format!("{}/", root.join("tmp").display());
    let calls: Vec<Vec<String>> = text
        .split("\u{1e}\0")
        .filter(|r| !r.is_empty())
        .map(|r| {
            let r = r.strip_suffix('\0').unwrap_or(r);
            r.split('\0')
                .map(|a| normalize_pid(&normalize_tmp(a, &tmp)))
                .collect()
        })
        .collect();
    let mut paths = Vec::new();
    files_under(root, &mut paths);
    let rel = |p: &Path| {
        let r = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        names.iter().fold(r, |r, n| r.replace(n, "<V>"))
    };
    let mut files = BTreeMap::new();
    let yaml: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    let parsed = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(YAML_READER)
        .args(&yaml)
        .output()
        .expect("/usr/bin/python3 runs (Debian's python3 with python3-yaml; .ci/run installs it)");
    assert!(
        parsed.status.success(),
        "PyYAML reads the files: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let parsed: BTreeMap<String, Value> = serde_json::from_slice(&parsed.stdout).unwrap();
    for (path, value) in parsed {
        files.insert(rel(Path::new(&path)), value);
    }
    for p in &paths {
        let ini = p.extension().is_some_and(|e| e == "conf" || e == "ini");
        if ini {
            let text = fs::read_to_string(p).map_err(|e| e.to_string())?;
            files.insert(rel(p), read_ini(&text));
        }
    }
    Ok(Outcome { calls, files })
}

/// `mktemp` names differ from run to run: in `$TMPDIR`, and the keyrings ceph-clients.sh makes.
fn normalize_tmp(arg: &str, tmp: &str) -> String {
    let mut arg = match arg.find(tmp) {
        Some(i) => {
            let rest = &arg[i + tmp.len()..];
            let end = rest.find('/').unwrap_or(rest.len());
            format!("{}<tmp>{}", &arg[..i], &rest[end..])
        }
        None => arg.to_string(),
    };
    let mark = ".dcnc-keyring.";
    if let Some(i) = arg.find(mark) {
        let start = i + mark.len();
        let end = (start + 6).min(arg.len());
        arg.replace_range(start..end, "XXXXXX");
    }
    arg
}

/// `v` with every `(from, to)` swapped in every string and key.
fn substitute(v: &Value, swaps: &[(&str, &str)]) -> Value {
    match v {
        Value::String(s) => Value::String(swap(s, swaps)),
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, swaps)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| (swap(k, swaps), substitute(i, swaps)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Compiles and writes `text` into `root/out`; `Err` holds the diagnostics' lines (error ones).
fn build(text: &str, root: &Path) -> Result<(), Vec<(u32, String)>> {
    match dcnc::compile(text, None) {
        Ok(c) => {
            let out = root.join("out");
            dcnc::write::write_tree(&c.emit(), &out, false).expect("the tree writes");
            Ok(())
        }
        Err(diags) => Err(diags
            .iter()
            .filter(|d| d.severity == dcnc::diag::Severity::Error)
            .map(|d| {
                (
                    d.span.map_or(0, |s| s.line),
                    format!("{}: {}", d.code, d.message),
                )
            })
            .collect()),
    }
}

/// Writes what the scripts read from outside the tree: the key files the spec names, central's
/// own cluster conf (which TripleO writes) in the conf directory. No edge's admin conf: the
/// edges' glance-key.sh make the keys, and central's ceph-clients.sh needs none.
fn prepare(root: &Path, values: &BTreeMap<&str, String>, variant: Variant) {
    for slot in ["KEY_FILE", "CENTRAL_KEY_FILE"] {
        let key_file = PathBuf::from(value_of(slot, values, root));
        fs::create_dir_all(key_file.parent().unwrap()).unwrap();
        fs::write(&key_file, KEY).unwrap();
    }
    let conf_dir = PathBuf::from(value_of("CONF_DIR", values, root));
    fs::create_dir_all(&conf_dir).unwrap();
    fs::write(conf_dir.join("central.conf"), "[global]\n").unwrap();
    if variant != Variant::Rhoso {
        return;
    }
    // What cephadm leaves in the work directory for rhoso-18's steps ceph and secrets (where
    // `$HOME` in work_dir expands to when they run).
    let home = root.join("home").display().to_string();
    let work = PathBuf::from(value_of("WORK", values, root).replace("$HOME", &home));
    fs::create_dir_all(&work).unwrap();
    let fsids = [
        (
            "central".to_string(),
            "6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60",
        ),
        ("dcn0".to_string(), "7b0d8f63-3c20-4f1b-8d66-2e304b5c6d71"),
        (
            value_of("CLUSTER", values, root),
            "8c1e9a74-4d31-4a2c-9e77-3f415c6d7e82",
        ),
    ];
    for (cluster, fsid) in fsids {
        let conf = format!("[global]\nfsid = {fsid}\nmon host = 10.0.0.1\n");
        fs::write(work.join(format!("{cluster}.conf")), conf).unwrap();
        let keyring = work.join(format!("{cluster}.client.openstack.keyring"));
        fs::write(&keyring, format!("[client.openstack]\n\tkey = {KEY}\n")).unwrap();
        fs::set_permissions(&keyring, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn fresh(root: &Path) {
    let _ = fs::remove_dir_all(root);
    fs::create_dir_all(root).unwrap();
}

/// What happened to one variant: hostile values carried (runs) and refused, and failures.
#[derive(Default)]
struct Tally {
    carried: usize,
    refused: usize,
    runs: usize,
    failures: Vec<String>,
}

/// The baseline of `variant`, then each hostile string: refused field by field, or carried by
/// one run with the string in every field that took it.
fn variant_run(variant: Variant, root: &Path) -> Tally {
    let mut t = Tally::default();
    let fields: Vec<(usize, &Field)> = (FIELDS.iter().enumerate())
        .filter(|(_, f)| f.in_variant(variant))
        .collect();
    let tokens: BTreeMap<&str, String> = fields.iter().map(|(i, f)| (f.slot, token(*i))).collect();
    fresh(root);
    let text = spec_text(variant, &tokens, root);
    if let Err(d) = build(&text, root) {
        t.failures
            .push(format!("{variant:?}: the baseline is refused: {d:?}"));
        return t;
    }
    prepare(root, &tokens, variant);
    let all_tokens: Vec<&str> = tokens.values().map(|s| s.as_str()).collect();
    let baseline = match run(root, &all_tokens, &tokens) {
        Ok(o) => o,
        Err(e) => {
            t.failures.push(format!("{variant:?}: baseline: {e}"));
            return t;
        }
    };
    let canary = root.join("PWNED");
    for h in HOSTILE {
        let hostile = h.replace(CANARY, &canary.display().to_string());
        let mut values = tokens.clone();
        let mut took = Vec::new();
        for (_, f) in &fields {
            let mut one = tokens.clone();
            one.insert(f.slot, hostile.clone());
            let case = format!("{} = {hostile:?} on {variant:?}", f.name);
            match dcnc::compile(&spec_text(variant, &one, root), None) {
                Ok(_) => {
                    t.carried += 1;
                    values.insert(f.slot, hostile.clone());
                    took.push(f.slot);
                }
                Err(diags) => {
                    t.refused += 1;
                    let line = line_of(variant, f) as u32;
                    let located = diags.iter().any(|d| {
                        d.severity == dcnc::diag::Severity::Error
                            && d.span.is_some_and(|s| s.line == line)
                    });
                    if !located {
                        let codes: Vec<String> = diags
                            .iter()
                            .map(|d| {
                                format!("{} at {:?}: {}", d.code, d.span.map(|s| s.line), d.message)
                            })
                            .collect();
                        t.failures.push(format!(
                            "{case}: refused, but not at line {line}: {codes:?}"
                        ));
                    }
                }
            }
        }
        if took.is_empty() {
            continue;
        }
        let case = format!("{hostile:?} in {took:?} on {variant:?}");
        fresh(root);
        if let Err(d) = build(&spec_text(variant, &values, root), root) {
            t.failures.push(format!(
                "{case}: each field takes it, all together not: {d:?}"
            ));
            continue;
        }
        prepare(root, &values, variant);
        t.runs += 1;
        let home_value = hostile.replace("$HOME", &root.join("home").display().to_string());
        let mut names: Vec<&str> = values.values().map(|s| s.as_str()).collect();
        names.push(&hostile);
        // `work_dir: .../$HOME` makes `.../work//<home>`, which the file system reads as one `/`.
        names.push(home_value.trim_start_matches('/'));
        names.push(&home_value);
        let outcome = run(root, &names, &values);
        if canary.exists() {
            t.failures.push(format!("{case}: AN INJECTED COMMAND RAN"));
        }
        // Host names hold the role name in lower case.
        let role = "distributedcomputehci";
        let lower_role = took.contains(&"ROLE_NAME").then(|| {
            (
                format!("{role}{}", tokens["ROLE_NAME"]),
                format!("{role}{}", hostile.to_lowercase()),
            )
        });
        // `$NAME` in `tht` and `work_dir` expands when the scripts run, as documented.
        let swaps: Vec<(&str, &str)> = (lower_role.iter())
            .map(|(from, to)| (from.as_str(), to.as_str()))
            .chain(took.iter().map(|s| {
                let to = if ["THT", "WORK"].contains(s) {
                    &home_value
                } else {
                    &hostile
                };
                (tokens[s].as_str(), to.as_str())
            }))
            .collect();
        match outcome {
            Err(e) => t.failures.push(format!("{case}: {e}")),
            Ok(o) => compare(&case, &baseline, &o, &swaps, &mut t.failures),
        }
    }
    t
}

/// `s` with every `(from, to)` swapped.
fn swap(s: &str, swaps: &[(&str, &str)]) -> String {
    swaps
        .iter()
        .fold(s.to_string(), |s, (from, to)| s.replace(from, to))
}

fn compare(
    case: &str,
    baseline: &Outcome,
    got: &Outcome,
    swaps: &[(&str, &str)],
    failures: &mut Vec<String>,
) {
    let want_calls: Vec<Vec<String>> = (baseline.calls.iter())
        .map(|c| c.iter().map(|a| swap(a, swaps)).collect())
        .collect();
    if got.calls != want_calls {
        let first = (got.calls.iter().zip(&want_calls)).find(|(g, w)| g != w);
        failures.push(format!(
            "{case}: the commands differ ({} vs {} calls); first: {first:?}",
            got.calls.len(),
            want_calls.len()
        ));
    }
    let names = |o: &Outcome| o.files.keys().cloned().collect::<Vec<_>>();
    if names(got) != names(baseline) {
        failures.push(format!(
            "{case}: other files: {:?} vs {:?}",
            names(got),
            names(baseline)
        ));
        return;
    }
    for (path, want) in &baseline.files {
        let want = substitute(want, swaps);
        if got.files[path] != want {
            failures.push(format!(
                "{case}: {path} reads back as\n  {}\nnot\n  {}",
                got.files[path], want
            ));
        }
    }
}

#[test]
fn hostile_strings_are_refused_or_carried_exactly() {
    let python = Command::new("/usr/bin/python3")
        .args(["-c", "import yaml"])
        .status();
    assert!(
        python.is_ok_and(|s| s.success()),
        "this test reads YAML as heat does, with PyYAML: install python3-yaml (.ci/run does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let tallies: Vec<(Variant, Tally)> = std::thread::scope(|s| {
        let handles: Vec<_> = (VARIANTS.iter())
            .map(|&v| {
                let root = tmp.path().join(format!("{v:?}"));
                s.spawn(move || {
                    let start = std::time::Instant::now();
                    let t = variant_run(v, &root);
                    println!("{v:?}: {:.1} s", start.elapsed().as_secs_f64());
                    (v, t)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut failures = Vec::new();
    let (mut carried, mut refused) = (0, 0);
    for (v, t) in &tallies {
        println!(
            "{v:?}: {} field values carried in {} runs, {} refused",
            t.carried, t.runs, t.refused
        );
        carried += t.carried;
        refused += t.refused;
        failures.extend(t.failures.iter().cloned());
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Neither side is empty: scripts ran with hostile values, and the checks refused others.
    assert!(carried >= 200, "{carried} hostile values carried");
    assert!(refused >= 300, "{refused} hostile values refused");
}
