#!/usr/bin/env python3
"""Checks what external-ceph.sh wrote into DCNC_WORK_DIR for an external central cluster.

Usage: external_check.py WORK_DIR CLUSTER FSID KEY
Both files must be mode 0600 and valid YAML: <CLUSTER>-external-ceph.yaml holds CephClientKey =
KEY; <CLUSTER>-ceph-export.yaml holds one CephExternalMultiConfig entry for CLUSTER with FSID and
client.openstack's KEY. Prints one line per file; exits 1 naming the file on any problem.
"""
import os
import stat
import sys

import yaml


def main():
    work, cluster, fsid, key = sys.argv[1:5]
    problems = []

    def load(name):
        path = os.path.join(work, name)
        if not os.path.isfile(path):
            problems.append(f"{path}: missing")
            return None
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode != 0o600:
            problems.append(f"{path}: mode {mode:o}, want 600")
        try:
            with open(path) as f:
                return yaml.safe_load(f)
        except yaml.YAMLError as e:
            problems.append(f"{path}: not YAML: {e}")
            return None

    client = load(f"{cluster}-external-ceph.yaml")
    if client is not None:
        got = (client.get("parameter_defaults") or {}).get("CephClientKey")
        if got != key:
            problems.append(f"{cluster}-external-ceph.yaml: CephClientKey is not client.openstack's key")
        else:
            print(f"ok {cluster}-external-ceph.yaml: CephClientKey, mode 600")
    export = load(f"{cluster}-ceph-export.yaml")
    if export is not None:
        items = (export.get("parameter_defaults") or {}).get("CephExternalMultiConfig") or []
        item = items[0] if len(items) == 1 else {}
        keys = item.get("keys") or [{}]
        if item.get("cluster") != cluster or item.get("fsid") != fsid:
            problems.append(f"{cluster}-ceph-export.yaml: want one entry for cluster {cluster}, fsid {fsid}; got {items}")
        elif keys[0].get("name") != "client.openstack" or keys[0].get("key") != key:
            problems.append(f"{cluster}-ceph-export.yaml: the entry's key is not client.openstack's")
        else:
            print(f"ok {cluster}-ceph-export.yaml: CephExternalMultiConfig for {cluster} ({fsid}), mode 600")
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
