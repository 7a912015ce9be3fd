//! Unit tests of reading a deployment: paths, the effective parameters in `-e` order, roles,
//! here-documents and the errors that stop an import.

use serde_json::Value as Json;

use super::*;
use crate::import::source::{Kind, SourceFile, Sources};

fn dir(files: &[(&str, &str)]) -> Sources {
    let mut s = Sources::default();
    for (p, t) in files {
        let kind = if p.ends_with(".sh") {
            Kind::Script
        } else {
            Kind::Yaml
        };
        s.add(SourceFile {
            path: p.to_string(),
            text: t.to_string(),
            kind,
            written_by: None,
        });
    }
    s
}

#[test]
fn paths_resolve_as_the_undercloud_sees_them() {
    assert_eq!(absolute("~/x", "/h"), "/h/~/x");
    assert_eq!(
        absolute("../a/./b.yaml", "/home/stack/dcn0"),
        "/home/stack/a/b.yaml"
    );
    let s = dir(&[
        ("dcn0/deploy.sh", "openstack overcloud deploy --stack dcn0 --templates \\\n -e /usr/share/openstack-tripleo-heat-templates/environments/dcn-hci.yaml \\\n -e ~/dcn0/glance.yaml -e az.yaml -e /opt/templates/dcn0/ceph.yaml -e ~/control-plane-export.yaml -e ~/nope.yaml\nopenstack overcloud export --stack control-plane --output-file ~/control-plane-export.yaml\n"),
        ("dcn0/glance.yaml", "parameter_defaults:\n  GlanceBackend: rbd\n"),
        ("dcn0/az.yaml", "parameter_defaults: {NovaComputeAvailabilityZone: dcn0}\n"),
        ("dcn0/ceph.yaml", "parameter_defaults: {CephClusterName: dcn0}\n"),
    ]);
    let r = read(s, Options::default()).unwrap();
    let d = &r.deploys[0];
    assert_eq!(d.stack, "dcn0");
    let res: Vec<&Res> = d.envs.iter().map(|e| &e.res).collect();
    assert_eq!(res[0], &Res::Tht("environments/dcn-hci.yaml".into()));
    assert!(matches!(res[1], Res::File(_)));
    assert!(matches!(res[2], Res::File(_)));
    assert!(matches!(res[3], Res::File(_)), "suffix match");
    assert!(matches!(res[4], Res::Export { ceph: false, .. }));
    assert_eq!(res[5], &Res::Missing);
}

#[test]
fn effective_parameters_follow_the_e_order() {
    let s = dir(&[
        ("deploy.sh", "openstack overcloud deploy --stack dcn0 --ntp-server a.ntp -e ${THT}/environments/dcn-hci.yaml -e one.yaml -e two.yaml\n"),
        ("one.yaml", "parameter_defaults:\n  CinderVolumeCluster: dcn0\n  NtpServer: b.ntp\n  M: {a: 1}\n"),
        ("two.yaml", "parameter_merge_strategies:\n  M: merge\nparameter_defaults:\n  CinderVolumeCluster: dcn1\n  M: {b: 2}\n  X: null\n"),
    ]);
    let r = read(s, Options::default()).unwrap();
    let eff = r.effective(&r.deploys[0], "12.7.0");
    let c = &eff["CinderVolumeCluster"];
    assert_eq!(c.value, Json::String("dcn1".into()));
    assert_eq!(c.replaced.len(), 2, "THT's dcn-hci.yaml, then one.yaml");
    assert_eq!(
        c.replaced[0].0,
        Origin::Tht("environments/dcn-hci.yaml".into())
    );
    assert_eq!(eff["NtpServer"].value, Json::String("b.ntp".into()));
    assert!(matches!(eff["NtpServer"].replaced[0].0, Origin::Cli(_)));
    assert_eq!(eff["M"].value, serde_json::json!({"a": 1, "b": 2}));
    assert!(!eff.contains_key("X"));
    assert_eq!(eff["NovaCrossAZAttach"].value, Json::Bool(false));
}

#[test]
fn roles_from_generate_lines_and_files() {
    let s = dir(&[
        ("dcn0/deploy.sh", "openstack overcloud roles generate DistributedComputeHCI DistributedCompute:DistributedComputeEdge -o ~/dcn0/roles.yaml\nopenstack overcloud deploy --stack dcn0 -r ~/dcn0/roles.yaml\nopenstack overcloud deploy --stack dcn1 -r ~/dcn1/roles_data.yaml\n"),
        ("dcn1/roles_data.yaml", "- name: EdgeCompute\n  ServicesDefault: [OS::TripleO::Services::GlanceApiEdge]\n"),
    ]);
    let r = read(s, Options::default()).unwrap();
    let (roles, src) = r.roles(&r.deploys[0]);
    assert!(matches!(src, RolesSource::Generated(_)));
    assert_eq!(roles[1].name, "DistributedComputeEdge");
    assert_eq!(roles[1].base.as_deref(), Some("DistributedCompute"));
    let (roles, src) = r.roles(&r.deploys[1]);
    assert!(matches!(src, RolesSource::File(_)));
    assert_eq!(roles[0].services.as_ref().unwrap()[0], "GlanceApiEdge");
}

#[test]
fn heredocs_are_files_and_yaml_errors_stop() {
    let s = dir(&[(
        "deploy.sh",
        "cat > ~/az.yaml <<EOF\nparameter_defaults:\n  NovaComputeAvailabilityZone: dcn0\nEOF\nopenstack overcloud deploy --stack dcn0 -e ~/az.yaml\n",
    )]);
    let r = read(s, Options::default()).unwrap();
    let eff = r.effective(&r.deploys[0], "14.3.0");
    let Origin::File { value, .. } = eff["NovaComputeAvailabilityZone"].origin else {
        panic!()
    };
    assert_eq!(value.span.line, 3, "located at the script's line");
    let s = dir(&[
        (
            "deploy.sh",
            "openstack overcloud deploy --stack x -e a.yaml\n",
        ),
        ("a.yaml", "parameter_defaults:\n  A: [1\n"),
    ]);
    let e = read(s, Options::default()).err().unwrap();
    assert_eq!(e[0].path, "a.yaml");
    assert!(e[0].span.is_some());
}

#[test]
fn no_deploy_is_an_error() {
    let s = dir(&[("x.sh", "echo hi\n")]);
    let e = read(s, Options::default()).err().unwrap();
    assert!(e[0].message.contains("no `openstack overcloud deploy`"));
    let e = read(dir(&[("a.yaml", "x: 1\n")]), Options::default())
        .err()
        .unwrap();
    assert!(e[0].message.contains("no deploy script"));
}

#[test]
fn where_nodes_are_provisioned_and_with_network_config() {
    let s = dir(&[
        ("dcn0/deploy.sh", "openstack overcloud node provision --stack dcn0 -o ~/metal-dcn0.yaml ~/dcn0/baremetal.yaml\nopenstack overcloud deploy --stack dcn0 --templates -e ~/metal-dcn0.yaml\n"),
        ("dcn1/deploy.sh", "openstack overcloud deploy --stack dcn1 --templates --baremetal-deployment ~/dcn1/baremetal.yaml --network-config\n"),
        ("dcn2/deploy.sh", "openstack overcloud deploy --stack dcn2 --templates --baremetal-deployment ~/dcn2/baremetal.yaml\n"),
        ("dcn0/baremetal.yaml", "- name: DistributedComputeHCI\n"),
        ("dcn1/baremetal.yaml", "- name: DistributedComputeHCI\n"),
        ("dcn2/baremetal.yaml", "- name: DistributedComputeHCI\n"),
    ]);
    let r = read(s, Options::default()).unwrap();
    let of = |stack: &str| {
        let d = r.deploys.iter().find(|d| d.stack == stack).unwrap();
        let (at, with) = r.node_provision(d).unwrap();
        (r.sources.path(at.file).to_string(), at.span.line, with)
    };
    assert_eq!(of("dcn0"), ("dcn0/deploy.sh".into(), 1, false));
    assert_eq!(of("dcn1"), ("dcn1/deploy.sh".into(), 1, true));
    assert_eq!(of("dcn2"), ("dcn2/deploy.sh".into(), 1, false));
}
