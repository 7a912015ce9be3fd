//! The TripleO commands of a deploy script: `openstack overcloud deploy` and the commands around
//! it (`roles generate`, `export`, `export ceph`, `node provision`, `ceph deploy`, node tagging
//! with `openstack baremetal node set`, `crudini` edits of glance-api.conf / nova.conf, a `sed`
//! that sets a network's subnet in a roles file, `openstack tripleo container image prepare
//! default`).
//!
//! Options and their arity are python-tripleoclient's (`overcloud_deploy.py` get_parser of
//! 13.x-20.x): `--templates` takes an optional directory; every other option below takes one
//! value or none. An option import does not know is reported and read as a flag.

use super::bash::{Command, Word};
use super::source::{FileId, Loc};

/// `openstack overcloud deploy`.
#[derive(Clone, Debug, Default)]
pub struct Deploy {
    pub loc: Option<Loc>,
    pub file: Option<FileId>,
    pub stack: Option<Word>,
    /// `--templates` (with its directory, if one was given).
    pub templates: Option<Word>,
    pub roles_file: Option<Word>,
    pub networks_file: Option<Word>,
    /// `-e` files, in order.
    pub env_files: Vec<Word>,
    pub env_dirs: Vec<Word>,
    pub ntp_server: Option<Word>,
    pub baremetal_deployment: Option<Word>,
    /// Flags and options that do not change the heat parameters (`--stack-only`, `-t 240`...).
    pub other: Vec<Word>,
    /// Options python-tripleoclient does not have.
    pub unknown: Vec<Word>,
    /// Positional words (tripleoclient takes none).
    pub stray: Vec<Word>,
}

#[derive(Clone, Debug, Default)]
pub struct RolesGenerate {
    pub loc: Option<Loc>,
    pub output: Option<Word>,
    pub roles_path: Option<Word>,
    /// `Role` or `Role:NewName`.
    pub roles: Vec<Word>,
}

/// `openstack overcloud export` (`ceph: false`) or `openstack overcloud export ceph`.
#[derive(Clone, Debug, Default)]
pub struct Export {
    pub loc: Option<Loc>,
    pub ceph: bool,
    /// `--stack` (a comma-separated list for `export ceph`).
    pub stacks: Vec<String>,
    pub output: Option<Word>,
    pub cephx_user: Option<Word>,
}

/// `openstack overcloud node provision` or `openstack overcloud ceph deploy`.
#[derive(Clone, Debug, Default)]
pub struct Provision {
    pub loc: Option<Loc>,
    pub ceph: bool,
    pub stack: Option<Word>,
    /// The baremetal deployment file (node provision) or the deployed-metal file (ceph deploy).
    pub input: Option<Word>,
    pub output: Option<Word>,
    pub cluster: Option<Word>,
    /// `ceph deploy --osd-spec`: the OSD service spec (`data_devices`).
    pub osd_spec: Option<Word>,
    /// `ceph deploy --config`: the ceph.conf the new cluster assimilates.
    pub config: Option<Word>,
    /// `node provision --network-config`: apply the baremetal file's `network_config` to the
    /// nodes (python-tripleoclient 16.5.0 v2/overcloud_node.py:266-268, 20.0.0 :271-273).
    pub network_config: bool,
}

/// `openstack baremetal node set NODE --property capabilities=node:TAG,...`.
#[derive(Clone, Debug)]
pub struct NodeTag {
    pub loc: Loc,
    pub node: Word,
    pub tag: String,
}

/// `crudini --set FILE SECTION KEY VALUE`.
#[derive(Clone, Debug)]
pub struct Crudini {
    pub loc: Loc,
    pub file: Word,
    pub section: String,
    pub key: String,
    pub value: Option<Word>,
}

/// `sed -i '/^    InternalApi:$/{n;s/^      subnet: .*$/      subnet: internal_api_dcn0/}' FILE`:
/// the subnet of a network in a roles file (what dcnc's deploy.sh writes into the roles file
/// `roles generate` made, as upstream's spine-leaf roles have it).
#[derive(Clone, Debug)]
pub struct SubnetEdit {
    pub loc: Loc,
    pub file: Word,
    /// The THT network name (`InternalApi`).
    pub network: String,
    pub subnet: String,
}

/// `openstack tripleo container image prepare default ... --output-env-file FILE`: the
/// ContainerImagePrepare environment of the release's defaults.
#[derive(Clone, Debug)]
pub struct ContainerPrepare {
    pub loc: Loc,
    pub output: Option<Word>,
    /// `--local-push-destination`: the images go into the undercloud's registry.
    pub local_push: bool,
}

#[derive(Clone, Debug)]
pub enum Op {
    SubnetEdit(SubnetEdit),
    ContainerPrepare(ContainerPrepare),
    Deploy(Box<Deploy>),
    RolesGenerate(RolesGenerate),
    Export(Export),
    Provision(Provision),
    NodeTag(NodeTag),
    Crudini(Crudini),
}

/// `overcloud deploy` options that take a value, as python-tripleoclient declares them.
const DEPLOY_WITH_VALUE: &[&str] = &[
    "--stack",
    "--timeout",
    "-t",
    "--libvirt-type",
    "--ntp-server",
    "--no-proxy",
    "--overcloud-ssh-user",
    "--overcloud-ssh-key",
    "--overcloud-ssh-network",
    "--overcloud-ssh-enable-timeout",
    "--overcloud-ssh-port-timeout",
    "--environment-file",
    "-e",
    "--environment-directory",
    "--roles-file",
    "-r",
    "--networks-file",
    "-n",
    "--vip-file",
    "--plan-environment-file",
    "-p",
    "--answers-file",
    "--config-download-timeout",
    "--deployment-python-interpreter",
    "--limit",
    "--tags",
    "--skip-tags",
    "--ansible-forks",
    "--output-dir",
    "--heat-type",
    "--heat-container-api-image",
    "--heat-container-engine-image",
    "--config-dir",
    "--config-type",
    "--working-dir",
    "--override-ansible-cfg",
    "--log-file",
    "--baremetal-deployment",
];

/// `overcloud deploy` flags.
const DEPLOY_FLAGS: &[&str] = &[
    "--no-cleanup",
    "--update-plan-only",
    "--validation-errors-nonfatal",
    "--validation-warnings-fatal",
    "--disable-validations",
    "--inflight-validations",
    "--dry-run",
    "--run-validations",
    "--skip-postconfig",
    "--force-postconfig",
    "--skip-deploy-identifier",
    "--stack-only",
    "--config-download-only",
    "--setup-only",
    "--no-config-download",
    "--config-download",
    "--disable-password-generation",
    "--deployed-server",
    "--disable-container-prepare",
    "--network-config",
    "--network-ports",
    "--provision-nodes",
    "--yes",
    "-y",
    "--verbose",
    "-v",
    "-vv",
    "-vvv",
    "--debug",
    "--disable-protected-resource-types",
    "--skip-nodes-and-networks",
    "--rm-heat",
    "--skip-heat-pull",
    "--ephemeral-heat",
    "--heat-native",
];

/// openstack's global options that take a value (`openstack --os-cloud undercloud overcloud ...`).
fn global_takes_value(opt: &str) -> bool {
    opt.starts_with("--os-") || matches!(opt, "--log-file")
}

/// The words after `openstack [global options]`, or `None` for other commands.
fn openstack_args(c: &Command) -> Option<&[Word]> {
    let first = c.words.first()?;
    if first.text != "openstack" && !first.text.ends_with("/openstack") {
        return None;
    }
    let mut i = 1;
    while let Some(w) = c.words.get(i) {
        if !w.text.starts_with('-') {
            break;
        }
        i += if !w.text.contains('=') && global_takes_value(&w.text) {
            2
        } else {
            1
        };
    }
    c.words.get(i..)
}

/// Splits `--opt=value` into the option and its value.
fn split_opt(w: &Word) -> (String, Option<Word>) {
    match w.text.split_once('=') {
        Some((o, v)) if o.starts_with("--") => (
            o.to_string(),
            Some(Word {
                text: v.to_string(),
                span: w.span,
                exact: w.exact,
            }),
        ),
        _ => (w.text.clone(), None),
    }
}

/// The TripleO operation a command is, if it is one.
pub fn recognize(c: &Command, file: FileId) -> Option<Op> {
    let loc = Loc::new(file, c.span());
    if c.words.first().is_some_and(|w| w.text == "crudini") {
        let t = c.texts();
        if t.get(1) == Some(&"--set") && t.len() >= 5 {
            return Some(Op::Crudini(Crudini {
                loc,
                file: c.words[2].clone(),
                section: t[3].to_string(),
                key: t[4].to_string(),
                value: c.words.get(5).cloned(),
            }));
        }
        return None;
    }
    if c.words.first().is_some_and(|w| w.text == "sed") {
        return subnet_edit(c, loc).map(Op::SubnetEdit);
    }
    let args = openstack_args(c)?;
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    match texts.as_slice() {
        ["tripleo", "container", "image", "prepare", "default", ..] => {
            let rest = &args[5..];
            let mut output = None;
            let mut i = 0;
            while i < rest.len() {
                let (opt, inline) = split_opt(&rest[i]);
                if opt == "--output-env-file" {
                    output = inline.or_else(|| rest.get(i + 1).cloned());
                    i += 1;
                }
                i += 1;
            }
            Some(Op::ContainerPrepare(ContainerPrepare {
                loc,
                output,
                local_push: texts.contains(&"--local-push-destination"),
            }))
        }
        ["overcloud", "deploy", ..] => Some(Op::Deploy(Box::new(deploy(&args[2..], loc)))),
        ["overcloud", "roles", "generate", ..] => {
            Some(Op::RolesGenerate(roles_generate(&args[3..], loc)))
        }
        ["overcloud", "export", "ceph", ..] => Some(Op::Export(export(&args[3..], loc, true))),
        ["overcloud", "export", ..] => Some(Op::Export(export(&args[2..], loc, false))),
        ["overcloud", "node", "provision", ..] => {
            Some(Op::Provision(provision(&args[3..], loc, false)))
        }
        ["overcloud", "ceph", "deploy", ..] => {
            Some(Op::Provision(provision(&args[3..], loc, true)))
        }
        ["baremetal", "node", "set", ..] => node_tag(&args[3..], loc).map(Op::NodeTag),
        _ => None,
    }
}

/// `sed -i EXPR FILE` whose one expression sets the `subnet:` under a network of a roles file:
/// `/^ +NAME:$/{n;s/^ +subnet: .*$/ +subnet: SUBNET/}` (the line after the network's line).
fn subnet_edit(c: &Command, loc: Loc) -> Option<SubnetEdit> {
    let words: Vec<&Word> = c.words[1..].iter().collect();
    let [i, expr, file] = words.as_slice() else {
        return None;
    };
    if i.text != "-i" {
        return None;
    }
    let (head, tail) = expr.text.strip_prefix('/')?.split_once("/{n;s/")?;
    let network = head
        .trim_start_matches('^')
        .trim_end_matches('$')
        .trim()
        .strip_suffix(':')?;
    let mut parts = tail.split('/');
    let (pattern, replacement, end) = (parts.next()?, parts.next()?, parts.next()?);
    if end != "}"
        || parts.next().is_some()
        || !pattern
            .trim_start_matches('^')
            .trim()
            .starts_with("subnet:")
    {
        return None;
    }
    let subnet = replacement.trim().strip_prefix("subnet:")?.trim();
    let name = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    (name(network) && name(subnet)).then(|| SubnetEdit {
        loc,
        file: (*file).clone(),
        network: network.to_string(),
        subnet: subnet.to_string(),
    })
}

fn deploy(args: &[Word], loc: Loc) -> Deploy {
    let mut d = Deploy {
        loc: Some(loc),
        file: Some(loc.file),
        ..Deploy::default()
    };
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let (opt, inline) = split_opt(w);
        if !opt.starts_with('-') {
            d.stray.push(w.clone());
            i += 1;
            continue;
        }
        if opt == "--templates" {
            // nargs='?': takes the next word unless it is an option
            let value = inline.or_else(|| {
                args.get(i + 1)
                    .filter(|n| !n.text.starts_with('-'))
                    .cloned()
                    .inspect(|_| i += 1)
            });
            d.templates = Some(value.unwrap_or_else(|| w.clone()));
            i += 1;
            continue;
        }
        if DEPLOY_WITH_VALUE.contains(&opt.as_str()) {
            let value = match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).cloned()
                }
            };
            if let Some(v) = value {
                match opt.as_str() {
                    "--stack" => d.stack = Some(v),
                    "-e" | "--environment-file" => d.env_files.push(v),
                    "--environment-directory" => d.env_dirs.push(v),
                    "-r" | "--roles-file" => d.roles_file = Some(v),
                    "-n" | "--networks-file" => d.networks_file = Some(v),
                    "--ntp-server" => d.ntp_server = Some(v),
                    "--baremetal-deployment" => d.baremetal_deployment = Some(v),
                    _ => {
                        d.other.push(w.clone());
                        d.other.push(v);
                    }
                }
            }
            i += 1;
            continue;
        }
        if DEPLOY_FLAGS.contains(&opt.as_str()) {
            d.other.push(w.clone());
        } else {
            d.unknown.push(w.clone());
        }
        i += 1;
    }
    d
}

fn roles_generate(args: &[Word], loc: Loc) -> RolesGenerate {
    let mut r = RolesGenerate {
        loc: Some(loc),
        ..RolesGenerate::default()
    };
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = split_opt(&args[i]);
        match opt.as_str() {
            "-o" | "--output-file" | "--roles-path" => {
                let v = inline.or_else(|| {
                    i += 1;
                    args.get(i).cloned()
                });
                if opt == "--roles-path" {
                    r.roles_path = v;
                } else {
                    r.output = v;
                }
            }
            o if o.starts_with('-') => {}
            _ => r.roles.push(args[i].clone()),
        }
        i += 1;
    }
    r
}

fn export(args: &[Word], loc: Loc, ceph: bool) -> Export {
    let mut e = Export {
        loc: Some(loc),
        ceph,
        ..Export::default()
    };
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = split_opt(&args[i]);
        let takes = matches!(
            opt.as_str(),
            "--stack"
                | "-o"
                | "--output-file"
                | "--cephx-key-client-name"
                | "-k"
                | "--config-download-dir"
                | "--working-dir"
        );
        if takes {
            let v = inline.or_else(|| {
                i += 1;
                args.get(i).cloned()
            });
            if let Some(v) = v {
                match opt.as_str() {
                    "--stack" => {
                        e.stacks = v
                            .text
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    }
                    "-o" | "--output-file" => e.output = Some(v),
                    "-k" | "--cephx-key-client-name" => e.cephx_user = Some(v),
                    _ => {}
                }
            }
        }
        i += 1;
    }
    e
}

fn provision(args: &[Word], loc: Loc, ceph: bool) -> Provision {
    let mut p = Provision {
        loc: Some(loc),
        ceph,
        ..Provision::default()
    };
    let mut i = 0;
    while i < args.len() {
        let (opt, inline) = split_opt(&args[i]);
        let with_value = [
            "--stack",
            "-o",
            "--output",
            "--cluster",
            "--roles-data",
            "--network-data",
            "--templates",
            "--ansible-extra-vars",
            "--working-dir",
            "--config",
            "--container-image-prepare",
            "--ceph-spec",
            "--osd-spec",
            "--crush-hierarchy",
            "--ceph-vip",
            "--timeout",
            "--concurrency",
            "--cephadm-ssh-user",
        ];
        if with_value.contains(&opt.as_str()) {
            let v = inline.or_else(|| {
                i += 1;
                args.get(i).cloned()
            });
            match opt.as_str() {
                "--stack" => p.stack = v,
                "-o" | "--output" => p.output = v,
                "--cluster" => p.cluster = v,
                "--osd-spec" if ceph => p.osd_spec = v,
                "--config" if ceph => p.config = v,
                _ => {}
            }
        } else if opt == "--network-config" && !ceph {
            p.network_config = true;
        } else if !opt.starts_with('-') && p.input.is_none() {
            p.input = Some(args[i].clone());
        }
        i += 1;
    }
    p
}

fn node_tag(args: &[Word], loc: Loc) -> Option<NodeTag> {
    let node = args.first().filter(|w| !w.text.starts_with('-'))?.clone();
    let mut i = 1;
    while i < args.len() {
        let (opt, inline) = split_opt(&args[i]);
        if opt == "--property" {
            let v = inline.or_else(|| {
                i += 1;
                args.get(i).cloned()
            })?;
            if let Some(caps) = v.text.strip_prefix("capabilities=") {
                let caps = caps.trim_matches(|c| c == '\'' || c == '"');
                for cap in caps.split(',') {
                    if let Some(tag) = cap.trim().strip_prefix("node:") {
                        return Some(NodeTag {
                            loc,
                            node,
                            tag: tag.to_string(),
                        });
                    }
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::bash;

    fn ops(text: &str) -> Vec<Op> {
        let s = bash::parse(text, &Default::default());
        s.commands
            .iter()
            .filter_map(|c| recognize(c, FileId(0)))
            .collect()
    }

    #[test]
    fn deploy_options_as_tripleoclient_reads_them() {
        let o = ops("openstack --os-cloud uc overcloud deploy --templates -r roles.yaml --stack=dcn0 \\\n -e a.yaml --environment-file b.yaml --stack-only --bogus -t 90 --ntp-server pool.ntp.org\n");
        let Op::Deploy(d) = &o[0] else { panic!() };
        assert_eq!(d.stack.as_ref().unwrap().text, "dcn0");
        assert_eq!(d.templates.as_ref().unwrap().text, "--templates");
        assert_eq!(d.roles_file.as_ref().unwrap().text, "roles.yaml");
        let env: Vec<&str> = d.env_files.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(env, ["a.yaml", "b.yaml"]);
        assert_eq!(d.unknown[0].text, "--bogus");
        assert_eq!(d.ntp_server.as_ref().unwrap().text, "pool.ntp.org");
        let o = ops("openstack overcloud deploy --templates /usr/share/openstack-tripleo-heat-templates/ -e x\n");
        let Op::Deploy(d) = &o[0] else { panic!() };
        assert!(d.templates.as_ref().unwrap().text.starts_with("/usr/share"));
    }

    #[test]
    fn the_commands_around_deploy() {
        let o = ops(
            "openstack overcloud roles generate DistributedComputeHCI DistributedCompute:DistributedComputeEdge -o ~/dcn0/roles.yaml\n\
             openstack overcloud export ceph --stack dcn0,dcn1 --output-file ~/dcn_ceph.yaml\n\
             openstack overcloud export --stack control-plane -o cp-export.yaml\n\
             openstack baremetal node set oc0-ceph-4 --property capabilities='node:0-dcn-hci-0,boot_option:local'\n\
             crudini --set /etc/glance/glance-api.conf glance_store default_backend dcn0\n",
        );
        let Op::RolesGenerate(r) = &o[0] else {
            panic!()
        };
        assert_eq!(r.roles.len(), 2);
        assert!(r.output.is_some());
        let Op::Export(e) = &o[1] else { panic!() };
        assert!(e.ceph);
        assert_eq!(e.stacks, ["dcn0", "dcn1"]);
        let Op::Export(e) = &o[2] else { panic!() };
        assert!(!e.ceph);
        let Op::NodeTag(t) = &o[3] else { panic!() };
        assert_eq!(t.tag, "0-dcn-hci-0");
        let Op::Crudini(c) = &o[4] else { panic!() };
        assert_eq!(
            (c.section.as_str(), c.key.as_str()),
            ("glance_store", "default_backend")
        );
    }

    #[test]
    fn node_provision_with_and_without_network_config() {
        let o = ops(
            "openstack overcloud node provision --stack dcn0 --network-config -o out.yaml bm.yaml\n\
             openstack overcloud node provision --stack dcn1 -o out.yaml bm.yaml\n",
        );
        let Op::Provision(p) = &o[0] else { panic!() };
        assert!(p.network_config);
        assert_eq!(p.input.as_ref().map(|w| w.text.as_str()), Some("bm.yaml"));
        let Op::Provision(p) = &o[1] else { panic!() };
        assert!(!p.network_config);
    }

    #[test]
    fn subnet_edits_and_the_container_images_file() {
        let o = ops(
            "sed -i '/^    InternalApi:$/{n;s/^      subnet: .*$/      subnet: internal_api_dcn1/}' \"$R\"\n\
             sed -i 's/foo/bar/' roles.yaml\n\
             sed -i '/^    Storage:$/{n;s/^      vip: .*$/      vip: true/}' roles.yaml\n\
             openstack tripleo container image prepare default --local-push-destination --output-env-file ~/c.yaml\n\
             openstack tripleo container image prepare default --output-env-file=c2.yaml\n",
        );
        assert_eq!(o.len(), 3, "{o:?}");
        let Op::SubnetEdit(e) = &o[0] else { panic!() };
        assert_eq!(
            (e.network.as_str(), e.subnet.as_str()),
            ("InternalApi", "internal_api_dcn1")
        );
        let Op::ContainerPrepare(c) = &o[1] else {
            panic!()
        };
        assert!(c.local_push);
        assert!(c.output.as_ref().unwrap().text.ends_with("/c.yaml"));
        let Op::ContainerPrepare(c) = &o[2] else {
            panic!()
        };
        assert!(!c.local_push);
        assert_eq!(c.output.as_ref().unwrap().text, "c2.yaml");
    }
}
