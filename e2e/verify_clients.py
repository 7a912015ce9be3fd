#!/usr/bin/python3
"""Check the Ceph client files a Glance will use, as glance_store will use them, before the
Glance starts: a wrong fsid, mon address, user, keyring or pool in what dcnc generated is
reported here, naming the file, instead of as a late HTTP error.

  verify_clients.py CLUSTERS_TSV GLANCE_CONF...

For every rbd store enabled in each GLANCE_CONF (rbd_store_ceph_conf, rbd_store_user,
rbd_store_pool), against CLUSTERS_TSV (the clusters that really run):
  - the conf's file name is a running cluster's name (librados takes the cluster name from it);
  - its `fsid` (as ceph-conf reads it) is that cluster's fsid;
  - the keyring it leads to for client.USER exists with mode 0600;
  - the ceph CLI with it as USER gets that fsid from the mons and logs nothing on stderr (a mon
    address with the wrong protocol, e.g. a v1 port without `v1:`, which Ceph reads as msgr2,
    logs "is using msgr V1 protocol");
  - connecting with it as USER (rados.Rados(conffile, rados_id), as glance_store does) works,
    and the cluster that answers has that fsid;
  - USER can list the rbd images of the pool.
Prints `ok verify-clients: ...` or `FAIL verify-clients: why` (exit 1).
Run with /usr/bin/python3 (Debian's python3-rados / python3-rbd).
"""
import os
import stat
import subprocess
import sys

import rados
import rbd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conf_query  # noqa: E402


class Fail(Exception):
    pass


def clusters(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, fsid = line.split()[:2]
                rows[name] = fsid
    return rows


def lookup(conf, key, name=None):
    cmd = ["ceph-conf", "-c", conf, "--lookup", key] + (["--name", name] if name else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Fail(f"{conf}: `{' '.join(cmd)}` found no {key}: {p.stderr.strip()}")
    return p.stdout.strip()


def verify(known, sid, user, conf, pool):
    where = f"store {sid} (user {user}, {conf})"
    if not os.path.isfile(conf):
        raise Fail(f"{where}: {conf} does not exist")
    cluster = os.path.basename(conf)[: -len(".conf")] if conf.endswith(".conf") else None
    if cluster not in known:
        raise Fail(f"{where}: no running cluster is named {cluster!r} (file name of the conf)")
    fsid = lookup(conf, "fsid")
    if fsid != known[cluster]:
        raise Fail(f"{where}: fsid {fsid} in {conf}, but cluster {cluster} has fsid {known[cluster]}")
    keyring = lookup(conf, "keyring", f"client.{user}")
    try:
        mode = stat.S_IMODE(os.stat(keyring).st_mode)
    except OSError as e:
        raise Fail(f"{where}: keyring {keyring}: {e.strerror}")
    if mode != 0o600:
        raise Fail(f"{where}: keyring {keyring} has mode {mode:04o}, want 0600")
    cmd = ["ceph", "--conf", conf, "--id", user, "fsid"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise Fail(f"{where}: `{' '.join(cmd)}` did not answer in 60 s")
    logged = [line.strip() for line in p.stderr.splitlines() if line.strip()]
    if p.returncode != 0:
        raise Fail(f"{where}: `{' '.join(cmd)}` exited {p.returncode}: {' '.join(logged)[:300]}")
    if logged:
        raise Fail(f"{where}: `{' '.join(cmd)}` logged on stderr (check mon host in {conf}): {logged[0][:300]}")
    if p.stdout.strip() != fsid:
        raise Fail(f"{where}: the mons in {conf} answer for fsid {p.stdout.strip()}, the conf says {fsid}")
    conn = rados.Rados(conffile=conf, rados_id=user)
    try:
        try:
            conn.connect(timeout=10)
        except rados.Error as e:
            raise Fail(f"{where}: cannot connect as client.{user}: {e}")
        live = conn.get_fsid()
        if live != fsid:
            raise Fail(f"{where}: the mons in {conf} answer for fsid {live}, the conf says {fsid}")
        if not conn.pool_exists(pool):
            raise Fail(f"{where}: pool {pool!r} does not exist in cluster {cluster}")
        try:
            with conn.open_ioctx(pool) as ioctx:
                rbd.RBD().list(ioctx)
        except (rados.Error, rbd.Error) as e:
            raise Fail(f"{where}: client.{user} cannot list rbd images in pool {pool}: {e}")
    finally:
        conn.shutdown()
    return f"{sid}={cluster}/{pool} as {user}"


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    known = clusters(argv[0])
    done = {}
    try:
        for gconf in argv[1:]:
            for sid, user, conf, pool in conf_query.stores(gconf):
                key = (user, conf, pool)
                if key not in done:
                    done[key] = verify(known, sid, user, conf, pool)
    except Fail as e:
        print(f"FAIL verify-clients: {e}", flush=True)
        return 1
    print(f"ok verify-clients: {len(done)} client(s): {'; '.join(done.values())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
