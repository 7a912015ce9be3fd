#!/usr/bin/env python3
"""TripleO's part for verify-addresses.sh: the export file `openstack overcloud export ceph` writes
after a deploy (parameter_defaults: CephExternalMultiConfig, one entry per cluster with cluster,
fsid and external_cluster_mon_ips: the mons' IPs joined by ','), made from the running clusters'
own mon maps (`ceph mon dump`), so the IPs are the deployed ones, not the spec's. No keys.

  ceph_export.py OUT ADMIN_CONF CLUSTER [ADMIN_CONF CLUSTER ...]

Python stdlib only; writes OUT mode 0600 (as the deploy's export files are).
"""
import json
import os
import subprocess
import sys


def mon_ips(admin_conf):
    p = subprocess.run(["ceph", "-c", admin_conf, "--id", "admin", "mon", "dump", "--format",
                        "json"], capture_output=True, text=True, timeout=60, check=True)
    doc = json.loads(p.stdout[p.stdout.index("{"):])
    ips = []
    for mon in doc["mons"]:
        for a in mon["public_addrs"]["addrvec"]:
            ip = a["addr"].rsplit(":", 1)[0].strip("[]")
            if ip not in ips:
                ips.append(ip)
    return doc["fsid"], ips


def main(argv):
    if len(argv) < 3 or len(argv) % 2 != 1:
        sys.exit(__doc__)
    out, pairs = argv[0], list(zip(argv[1::2], argv[2::2]))
    lines = ["parameter_defaults:", "  CephExternalMultiConfig:"]
    for conf, cluster in pairs:
        fsid, ips = mon_ips(conf)
        lines += [f"  - cluster: {cluster}", f"    fsid: {fsid}",
                  f"    external_cluster_mon_ips: {','.join(ips)}"]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}: " + "; ".join(f"{c} mons {','.join(mon_ips(a)[1])}" for a, c in pairs))


if __name__ == "__main__":
    main(sys.argv[1:])
