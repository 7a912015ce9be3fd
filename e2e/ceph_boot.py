#!/usr/bin/python3
"""Monitor-side steps of ceph-cluster.sh, through librados in one process each
(the `ceph` CLI costs about 0.4 s per call, which dominated cluster start).

  ceph_boot.py prep CONF NAME OSD_UUID OSD_KEY POOL...   wait for the mon, `osd new`,
                                                           create the pools; prints the osd id
  ceph_boot.py finish CONF NAME POOL...                  wait until osd.0 is up, `rbd pool init`
  ceph_boot.py user CONF NAME USER POOL...                `auth get-or-create client.USER
                                                           mon 'profile rbd' osd 'profile rbd
                                                           pool=P, ...'`; prints the key

Run with /usr/bin/python3 (Debian's python3-rados / python3-rbd).
"""
import json
import sys
import time

import rados
import rbd

PG_NUM = 8


def connect(conf, name, deadline_s=30.0):
    deadline = time.monotonic() + deadline_s
    while True:
        cluster = rados.Rados(conffile=conf, clustername=name, rados_id="admin")
        try:
            cluster.connect(timeout=2)
            return cluster
        except rados.Error as e:
            cluster.shutdown()
            if time.monotonic() > deadline:
                sys.exit(f"ceph_boot: {name}: mon did not answer: {e}")
            time.sleep(0.1)


def mon(cluster, inbuf=b"", **cmd):
    ret, out, err = cluster.mon_command(json.dumps(cmd), inbuf)
    if ret != 0:
        sys.exit(f"ceph_boot: {cmd['prefix']} failed ({ret}): {err}")
    return out


def prep(conf, name, uuid, key, pools):
    cluster = connect(conf, name)
    secret = json.dumps({"cephx_secret": key}).encode()
    out = mon(cluster, secret, prefix="osd new", uuid=uuid, format="json")
    osd_id = json.loads(out)["osdid"]
    for pool in pools:
        mon(cluster, prefix="osd pool create", pool=pool, pg_num=PG_NUM, pgp_num=PG_NUM)
    cluster.shutdown()
    print(osd_id)


def finish(conf, name, pools):
    cluster = connect(conf, name)
    deadline = time.monotonic() + 30
    while True:
        osds = json.loads(mon(cluster, prefix="osd dump", format="json"))["osds"]
        if osds and osds[0]["up"] == 1:
            break
        if time.monotonic() > deadline:
            sys.exit(f"ceph_boot: {name}: osd.0 is not up")
        time.sleep(0.1)
    for pool in pools:
        with cluster.open_ioctx(pool) as ioctx:
            rbd.RBD().pool_init(ioctx, False)
    cluster.shutdown()


def user(conf, name, user_name, pools):
    cluster = connect(conf, name)
    osd_caps = ", ".join(f"profile rbd pool={p}" for p in pools)
    out = mon(cluster, prefix="auth get-or-create", entity=f"client.{user_name}",
              caps=["mon", "profile rbd", "osd", osd_caps], format="json")
    cluster.shutdown()
    print(json.loads(out)[0]["key"])


def main(argv):
    if len(argv) >= 5 and argv[0] == "prep":
        prep(argv[1], argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) >= 5 and argv[0] == "user":
        user(argv[1], argv[2], argv[3], argv[4:])
    elif len(argv) >= 3 and argv[0] == "finish":
        finish(argv[1], argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
