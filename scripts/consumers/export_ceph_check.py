#!/usr/bin/env python3
"""Run the generated export scripts' `openstack overcloud export ceph` through the
real python-tripleoclient code (not only its parser), against the files a real
deploy leaves, and check what it wrote.

Usage:
  export_ceph_check.py --client DIR [--self-test] [-v] NAME=TREE...
  export_ceph_check.py --shim ARG...        (the `openstack` on the scripts' PATH)

DIR is an unpacked python-tripleoclient sdist (check-tripleoclient.sh --fetch);
TREE a directory written by `dcnc build` for a target of that release.

For each TREE, in a scratch directory with its own HOME, DCNC_WORK_DIR and
TMPDIR, every stack with its own Ceph cluster (stacks/S/env/ceph.yaml:
CephClusterName, CephClusterFSID, no CephExternalMonHost; mons from
ceph/<cluster>.conf) gets the files `export ceph` reads, where a real deploy
of that stack leaves them: its playbook directory is CONFIG_DOWNLOAD/S
(CONFIG_DOWNLOAD as stacks/S/deploy.sh sets it; when every deploy.sh falls
back to playbooks straight in CONFIG_DOWNLOAD, as ussuri's `overcloud config
download` ones do, that layout is checked too), holding global_vars.yaml
(service_net_map.ceph_mon_network: storage) and, by the Ceph tooling the stack
deploys with (its deploy.sh),
  ceph-ansible: ceph-ansible/inventory.yml (mons -> hosts with storage_ip) and
                ceph-ansible/group_vars/all.yml (cluster, fsid, keys)
  cephadm:      cephadm/ceph_client.yml (THT's ceph-client.yaml) and
                $HOME/overcloud-deploy/S/ceph_client.yml (what `openstack
                overcloud ceph deploy --stack S` writes in its working dir)
with a made-up client.openstack key per stack (and a client.radosgw decoy).
An edge stack whose deploy.sh makes central Glance's own user (CephExtraKeys:
glance.client_user other than openstack) first runs that deploy.sh twice with
no phase (DCNC_STEPS=none): its deploy-time key file and the CephExtraKeys env
it writes must be mode 0600 and the same key both times; those keys join the
stack's keys as the deploy makes them (ceph-ansible: in group_vars' keys, THT
14.3.0 deployment/ceph-ansible/ceph-base.yaml:580-591; cephadm: in the export
of the overcloud deploy, at CephClientConfigVars, default the playbook
directory's cephadm/ceph_client.yml, THT 18.0.0 deployment/cephadm/
ceph-base.yaml:270-271 -- not in the one `overcloud ceph deploy` wrote before).
Then stacks/<central>/export.sh and export-edges.sh run with bash (the latter
only when it calls `openstack overcloud export ceph`, not when it writes the
keys of the spec itself).  The `openstack` first on their PATH is this file
(--shim): `overcloud export ceph` goes to a server process that has imported
DIR's tripleoclient (the modules in tripleoclient_check.STUBBED stubbed when
not installed: none of them is used by export ceph) and forks for each call a
worker that does what the openstack CLI (cliff) does: the class of the
setup.cfg entry point, instantiated with a minimal app, its own get_parser(),
parse_args, run() (-> take_action) in the caller's cwd and environment.  Any
other `openstack` command is only recorded (exit 0).

Checked: $WORK/edge-ceph-export.yaml has one CephExternalMultiConfig entry per
edge stack with its own cluster (cluster, fsid, mon IPs, the key of the user
central's glance-multistore.yaml reads that cluster with (CephClientUserName;
client.openstack or central Glance's own) and only that key, keyring path), $WORK/central-ceph-export.yaml the
central stack's, both mode 0600.  When the real code fails, the report names
the stack and the paths it read or tried (resolved through the scripts'
links).  --self-test also runs the first tree with one edge's files laid out
where the real code does not look, and fails unless that is reported.

Prints one line per tree; exit 1 if any check failed.
"""

import json
import os
import socket
import sys

SOCKET_ENV = "DCNC_EXPORT_CEPH_SOCKET"
CALLS_ENV = "DCNC_EXPORT_CEPH_CALLS"
COMMAND = ["overcloud", "export", "ceph"]


def recv_json(sock):
    """Reads a socket to its end and decodes one JSON document."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data.decode())


def shim(argv):
    """`openstack ARG...`: export ceph -> the server; anything else: recorded."""
    if argv[:3] != COMMAND:
        with open(os.environ[CALLS_ENV], "a", encoding="utf-8") as f:
            f.write(json.dumps(argv) + "\n")
        return 0
    umask = os.umask(0o077)
    os.umask(umask)
    req = json.dumps({"argv": argv[3:], "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.environ[SOCKET_ENV])
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    reply = recv_json(s)
    sys.stdout.write(reply["stdout"])
    sys.stderr.write(reply["stderr"])
    return reply["rc"]


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--shim":
    sys.exit(shim(sys.argv[2:]))

# ---------------------------------------------------------------- the rest: heavier imports
import argparse  # noqa: E402
import base64  # noqa: E402
import copy  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402

import yaml  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tripleoclient_check as tc  # noqa: E402

# a cephx key as ceph-validate takes it (tht_check.py's CEPHX_KEY)
CEPHX_KEY = re.compile(r"^[a-zA-Z0-9+/]{38}==$")
CAPS = {"mgr": "allow *", "mon": "profile rbd",
        "osd": "profile rbd pool=vms, profile rbd pool=volumes, profile rbd pool=images"}


class Fail(Exception):
    pass


# ---------------------------------------------------------------- server (real tripleoclient)

class App:
    """The little of cliff's App that a command may touch."""

    def __init__(self):
        self.stdin, self.stdout, self.stderr = sys.stdin, sys.stdout, sys.stderr
        self.options = argparse.Namespace(debug=False, verbose_level=1)
        self.client_manager = None
        # the `openstack` CLI's CommandManager namespace (cliff looks up command hooks under it)
        self.command_manager = argparse.Namespace(namespace="openstack.cli")


def load_command(client):
    """Imports DIR's tripleoclient; returns (release, class) of `overcloud export ceph`."""
    cmds = tc.tripleoclient_commands(client)
    target = cmds.get(" ".join(COMMAND))
    if target is None:
        raise SystemExit("export_ceph_check.py: %s/setup.cfg has no `overcloud export ceph`" % client)
    sys.path.insert(0, client)
    finder = tc._StubFinder()
    sys.meta_path.append(finder)
    import tripleoclient
    if not os.path.abspath(tripleoclient.__file__).startswith(client + os.sep):
        raise SystemExit("export_ceph_check.py: imported %s, not the one in %s" % (tripleoclient.__file__, client))
    cls = tc.load_class(target)
    return cls, target, finder


def serve(sock_path, client, release):
    """Forked server: one forked worker per request, each with the imports already done."""
    cls, target, finder = load_command(client)
    export = sys.modules["tripleoclient.export"]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)
    os.write(1, b"ready\n")
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    parent = os.getppid()
    srv.settimeout(1)
    while True:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            if os.getppid() != parent:      # the checker is gone
                os._exit(0)
            continue
        conn.settimeout(None)
        pid = os.fork()
        if pid == 0:
            srv.close()
            try:
                worker(conn, cls, target, export, release)
            finally:
                os._exit(0)
        conn.close()
        os.waitpid(pid, 0)


def worker(conn, cls, target, export, release):
    req = recv_json(conn)
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    os.umask(req["umask"])      # the caller's: the scripts set umask 077 before exporting
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    trace = []          # (stack, event, path as given, path resolved)
    current = [None]

    def hook(event, args):
        if event == "open" and isinstance(args[0], str):
            mode = args[1] or "r"
            kind = "write" if any(c in mode for c in "wax+") else "read"
        elif event == "os.listdir" and isinstance(args[0], str):
            kind = "list"
        else:
            return
        if current[0] is None or args[0].endswith((".py", ".pyc")):
            return      # imports, tracebacks: only the data export_ceph(stack) touches
        path = os.path.abspath(args[0])
        trace.append((current[0], kind, path, os.path.realpath(path)))

    real_export_ceph = export.export_ceph

    def traced_export_ceph(stack, *a, **kw):
        current[0] = stack
        return real_export_ceph(stack, *a, **kw)

    export.export_ceph = traced_export_ceph
    sys.addaudithook(hook)
    rc, failure = 0, None
    try:
        cmd = cls(App(), None, cmd_name=" ".join(COMMAND))
        parser = cmd.get_parser("openstack " + " ".join(COMMAND))
        parsed = parser.parse_args(req["argv"])
        current[0] = None
        rc = cmd.run(parsed) or 0
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 2
    except BaseException as e:  # the real code failed: say where it looked
        rc = 1
        tb = (traceback.extract_tb(e.__traceback__) or [None])[-1]
        failure = {"stack": current[0], "error": "%s: %s" % (type(e).__name__, e),
                   "filename": getattr(e, "filename", None),
                   "real": os.path.realpath(e.filename) if isinstance(getattr(e, "filename", None), str) else None,
                   "where": "%s:%d" % (os.path.relpath(tb.filename, os.path.dirname(os.path.dirname(tb.filename))),
                                       tb.lineno) if tb else "?"}
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    stderr = err.getvalue()
    report = {"argv": req["argv"], "rc": rc, "trace": trace, "failure": failure, "release": release,
              "target": target}
    log = req["env"].get(CALLS_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(COMMAND + req["argv"]) + "\n")
        with open(log + ".real", "a", encoding="utf-8") as f:
            f.write(json.dumps(report) + "\n")
    if failure:
        stderr += "%s `openstack overcloud export ceph` failed for stack %s: %s\n" % (
            release, failure["stack"] or "(none yet)", failure["error"])
    conn.sendall(json.dumps({"rc": rc, "stdout": out.getvalue(), "stderr": stderr}).encode())
    conn.close()


# ---------------------------------------------------------------- the deploy's files

def read_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def mon_ip(addr):
    """'[fd00::1]:6789' -> ('fd00::1', '6789'); '10.0.0.1:3300' -> ('10.0.0.1', '3300')."""
    addr = addr.strip()
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", addr)
    if m:
        return m.group(1), m.group(2)
    m = re.fullmatch(r"([0-9.]+)(?::(\d+))?", addr)
    if m:
        return m.group(1), m.group(2)
    return addr, None


def conf_value(path, key):
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, sep, v = line.partition("=")
            if sep and k.strip() == key:
                return v.strip()
    raise Fail("%s has no `%s`" % (path, key))


def fake_key(tree, stack, user):
    raw = b"\x01\x00" + hashlib.sha256(("%s/%s/%s" % (tree, stack, user)).encode()).digest()[:26]
    return base64.b64encode(raw).decode()


class Stack:
    def __init__(self, tree, name):
        self.name = name
        d = os.path.join(tree, "stacks", name)
        with open(os.path.join(d, "deploy.sh"), encoding="utf-8") as f:
            self.deploy = f.read()
        m = re.search(r'^CONFIG_DOWNLOAD="([^"]+)"$', self.deploy, re.M)
        self.config_download = m.group(1) if m else None
        if "overcloud ceph deploy" in self.deploy or "environments/cephadm/" in self.deploy:
            self.tool = "cephadm"
        elif "environments/ceph-ansible/" in self.deploy:
            self.tool = "ceph-ansible"
        else:
            self.tool = None
        self.cluster = None
        env = os.path.join(d, "env", "ceph.yaml")
        if os.path.exists(env):
            pd = (read_yaml(env) or {}).get("parameter_defaults") or {}
            if "CephClusterName" in pd and "CephExternalMonHost" not in pd:
                self.cluster = pd["CephClusterName"]
                conf = os.path.join(tree, "ceph", self.cluster + ".conf")
                self.fsid = conf_value(conf, "fsid")
                if self.fsid != pd.get("CephClusterFSID"):
                    raise Fail("%s: fsid %s, but stacks/%s/env/ceph.yaml says %s" % (
                        conf, self.fsid, name, pd.get("CephClusterFSID")))
                self.mons = [mon_ip(a) for a in conf_value(conf, "mon host").split(",")]
                self.key = fake_key(tree, name, "openstack")
                self.decoy = fake_key(tree, name, "radosgw")
                self.client_vars = pd.get("CephClientConfigVars")
        # the user central Glance reads this cluster with (set by check_tree from central's
        # glance-multistore.yaml) and the CephExtraKeys its deploy.sh makes (make_extra_keys)
        self.user = "openstack"
        self.extra_keys = []

    def expand(self, home, work):
        s = self.config_download
        for var, val in (("HOME", home), ("WORK", work), ("STACK", self.name)):
            s = s.replace("${%s}" % var, val).replace("$%s" % var, val)
        if "$" in s:
            raise Fail("stacks/%s/deploy.sh: cannot expand CONFIG_DOWNLOAD=%s" % (self.name, self.config_download))
        return s

    def keys(self, extra=True):
        """The stack's keys; extra: with its CephExtraKeys (made by the overcloud deploy)."""
        return [
            {"name": "client.openstack", "key": self.key, "mode": "0600", "caps": dict(CAPS)},
            {"name": "client.radosgw", "key": self.decoy, "mode": "0600",
             "caps": {"mgr": "allow *", "mon": "allow rw", "osd": "allow rwx"}},
        ] + (copy.deepcopy(self.extra_keys) if extra else [])

    def user_key(self):
        """The key of client.<user> this stack's deploy makes."""
        if self.user == "openstack":
            return self.key
        for k in self.extra_keys:
            if k.get("name") == "client." + self.user:
                return k.get("key")
        raise Fail("stack %s: central reads it as client.%s, but its deploy makes no such key (CephExtraKeys: %s)" % (
            self.name, self.user, [k.get("name") for k in self.extra_keys]))

    def client_vars_path(self, playbooks):
        """Where the overcloud deploy's cephadm export goes (CephClientConfigVars), or None for
        the default (the playbook directory's cephadm/ceph_client.yml)."""
        if not self.client_vars:
            return None
        return os.path.normpath(self.client_vars.replace("{{ playbook_dir }}", playbooks))


def make_extra_keys(tree, st, env, work):
    """Runs stacks/S/deploy.sh with no phase, twice, when it makes CephExtraKeys: the key file
    and the env it writes (mode 0600, the same key both times) give st.extra_keys."""
    path = os.path.join(tree, "stacks", st.name, "deploy.sh")
    if "CephExtraKeys" not in st.deploy:
        return
    got = []
    for _ in range(2):
        p = subprocess.run(["bash", path], cwd=os.path.dirname(work), env=dict(env, DCNC_STEPS="none"),
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise Fail("stacks/%s/deploy.sh (DCNC_STEPS=none, making its CephExtraKeys): exit %d: %s" % (
                st.name, p.returncode, (p.stderr.strip().splitlines() or ["(no output)"])[-1]))
        envf = os.path.join(work, st.name, "ceph-extra-keys.yaml")
        if not os.path.exists(envf):
            raise Fail("stacks/%s/deploy.sh wrote no $WORK/%s/ceph-extra-keys.yaml" % (st.name, st.name))
        for f in [envf] + [os.path.join(work, st.name, n) for n in os.listdir(os.path.join(work, st.name))
                           if n.endswith(".key")]:
            mode = stat.S_IMODE(os.stat(f).st_mode)
            if mode != 0o600:
                raise Fail("stacks/%s/deploy.sh: $WORK/%s/%s is mode %o, want 600" % (
                    st.name, st.name, os.path.basename(f), mode))
        keys = ((read_yaml(envf) or {}).get("parameter_defaults") or {}).get("CephExtraKeys")
        if not isinstance(keys, list) or not keys:
            raise Fail("stacks/%s/deploy.sh: $WORK/%s/ceph-extra-keys.yaml has no CephExtraKeys list" % (st.name, st.name))
        got.append(keys)
    if got[0] != got[1]:
        raise Fail("stacks/%s/deploy.sh made another CephExtraKeys on its rerun: %s, then %s" % (
            st.name, [k.get("key") for k in got[0]], [k.get("key") for k in got[1]]))
    for k in got[0]:
        if not (isinstance(k, dict) and isinstance(k.get("key"), str) and CEPHX_KEY.match(k["key"])):
            raise Fail("stacks/%s/deploy.sh: CephExtraKeys entry %s has no cephx key" % (st.name, k.get("name")))
    st.extra_keys = got[0]


def glance_users(tree, central):
    """cluster -> the user central's Glance reads it with (glance-multistore.yaml)."""
    path = os.path.join(tree, "stacks", central, "env", "glance-multistore.yaml")
    if not os.path.exists(path):
        return {}
    ms = ((read_yaml(path) or {}).get("parameter_defaults") or {}).get("GlanceMultistoreConfig") or {}
    return {v.get("CephClusterName"): v.get("CephClientUserName", "openstack")
            for v in ms.values() if isinstance(v, dict)}


def write_yaml(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, default_flow_style=False)


def lay_out(st, home, work, broken=False, flat=False):
    """Writes what a real deploy of stack st leaves; broken: somewhere the real code does not look;
    flat: the playbooks in CONFIG_DOWNLOAD itself (deploy.sh's fallback), not in CONFIG_DOWNLOAD/<stack>."""
    cd = st.expand(home, work)
    playbooks = cd if flat else os.path.join(cd, st.name)
    os.makedirs(playbooks, exist_ok=True)
    with open(os.path.join(playbooks, "deploy_steps_playbook.yaml"), "w", encoding="utf-8") as f:
        f.write("- hosts: all\n  tasks: []\n")
    write_yaml(os.path.join(playbooks, "global_vars.yaml"),
               {"stack_name": st.name, "service_net_map": {"ceph_mon_network": "storage"}})
    if st.tool == "ceph-ansible":
        # broken: ceph-ansible/ next to the stack's playbook directory, not in it
        base = os.path.join(cd if broken else playbooks, "ceph-ansible")
        hosts = {"%s-controller-%d" % (st.name, i): {"storage_ip": ip, "ctlplane_ip": "192.168.24.%d" % (10 + i)}
                 for i, (ip, _) in enumerate(st.mons)}
        write_yaml(os.path.join(base, "inventory.yml"), {
            "all": {"vars": {"ceph_cluster": st.cluster}},
            "mons": {"children": {"Controller": {}}},
            "clients": {"children": {"Compute": {}}},
            "Controller": {"hosts": hosts},
            "Compute": {"hosts": {}},
        })
        write_yaml(os.path.join(base, "group_vars", "all.yml"), {
            "cluster": st.cluster, "fsid": st.fsid, "keys": st.keys(),
            "ceph_conf_overrides": {"global": {"osd_pool_default_size": 3}},
        })
    elif st.tool == "cephadm":
        def client(extra):
            return {
                "tripleo_ceph_client_fsid": st.fsid,
                "tripleo_ceph_client_cluster": st.cluster,
                "external_cluster_mon_ips": ",".join(ip for ip, _ in st.mons),
                "keys": [{k: v for k, v in key.items() if k != "mode"} for key in st.keys(extra)],
            }
        # broken: cephadm/ next to the stack's playbook directory, not in it
        base = os.path.join(cd if broken else playbooks, "cephadm")
        # `overcloud ceph deploy` (before the stack: no CephExtraKeys yet) into its working dir
        write_yaml(os.path.join(home, "overcloud-deploy", st.name, "ceph_client.yml"), client(False))
        # the overcloud deploy's own export (tripleo_cephadm export.yaml, with the extra keys)
        write_yaml(st.client_vars_path(playbooks) or os.path.join(base, "ceph_client.yml"), client(True))
        write_yaml(os.path.join(base, "ceph_spec.yaml"), {"service_type": "mon"})
    else:
        raise Fail("stacks/%s/deploy.sh deploys Ceph with neither ceph-ansible nor cephadm" % st.name)


# ---------------------------------------------------------------- checking one tree

def expected_entry(st):
    return {
        "cluster": st.cluster,
        "fsid": st.fsid,
        "external_cluster_mon_ips": ",".join(ip for ip, _ in st.mons),
        "ceph_conf_overrides": {"client": {"keyring": "/etc/ceph/%s.client.%s.keyring" % (st.cluster, st.user)}},
        "dashboard_enabled": False,
    }


def entry_problems(got, st):
    want = expected_entry(st)
    problems = []
    for k in ("cluster", "fsid", "external_cluster_mon_ips", "ceph_conf_overrides"):
        if got.get(k) != want[k]:
            problems.append("%s is %r, want %r" % (k, got.get(k), want[k]))
    keys = got.get("keys") or []
    name = "client." + st.user
    if [k.get("name") for k in keys] != [name]:
        problems.append("keys are %s, want only %s" % ([k.get("name") for k in keys], name))
    elif keys[0].get("key") != st.user_key():
        problems.append("%s key %s is not stack %s's (%s)" % (name, keys[0].get("key"), st.name, st.user_key()))
    return problems


def pretty(path, home, work):
    """Short form of a path for the report: ~/..., $WORK/..., $EXPORT_DIR/... (the scripts' mktemp -d)."""
    tmp = os.path.join(os.path.dirname(home), "tmp")
    m = re.match(re.escape(tmp) + r"/tmp\.[^/]+", path)
    if m:
        return "$EXPORT_DIR" + path[m.end():]
    for prefix, name in ((home, "~"), (work, "$WORK")):
        if path == prefix or path.startswith(prefix + "/"):
            return name + path[len(prefix):]
    return path


def describe_reads(reports, home, work):
    out = []
    for r in reports:
        seen = []
        for stack, kind, path, real in r["trace"]:
            if kind == "write":
                continue
            shown = pretty(real, home, work)
            item = "%s %s" % ("listed" if kind == "list" else "read", shown)
            if item not in seen:
                seen.append(item)
        out.append("; ".join(seen))
    return out


def failure_text(r, home, work):
    f = r["failure"]
    tried = [t for t in r["trace"] if t[0] == f["stack"]] or r["trace"]
    parts = []
    for stack, kind, path, real in tried:
        if kind == "write":
            continue
        ok = os.path.exists(real)
        if kind == "list":
            try:
                listing = sorted(os.listdir(real))
            except OSError:
                listing = "absent"
            parts.append("listed %s (-> %s: %s)" % (pretty(path, home, work), pretty(real, home, work), listing))
        else:
            parts.append("read %s (-> %s%s)" % (pretty(path, home, work), pretty(real, home, work),
                                                "" if ok else ": absent"))
    if f["filename"] and not any(f["filename"] in p for p in parts):
        parts.append("tried %s (-> %s)" % (pretty(f["filename"], home, work), pretty(f["real"], home, work)))
    error = f["error"].replace(f["filename"], pretty(f["filename"], home, work)) if f["filename"] else f["error"]
    return "stack %s: the real code (%s, %s) failed: %s; %s" % (
        f["stack"] or "(none yet)", r["release"], f["where"], error, "; ".join(parts) or "it read nothing")


def flat_fallback(tree):
    """Whether every deploy.sh of the tree also runs playbooks written straight into CONFIG_DOWNLOAD."""
    stacks = os.listdir(os.path.join(tree, "stacks"))
    return all('"$CONFIG_DOWNLOAD/deploy_steps_playbook.yaml"' in Stack(tree, n).deploy for n in stacks)


def check_tree(name, tree, release, sock, shim_dir, verbose, broken_stack=None, flat=False):
    """Returns (ok, lines)."""
    lines = []
    scratch = tempfile.mkdtemp(prefix="dcnc-export-ceph.")
    try:
        home, work, tmp = (os.path.join(scratch, d) for d in ("home", "work", "tmp"))
        for d in (home, work, tmp):
            os.makedirs(d)
        names = sorted(os.listdir(os.path.join(tree, "stacks")))
        stacks = {n: Stack(tree, n) for n in names}
        central = [n for n in names if os.path.exists(os.path.join(tree, "stacks", n, "export.sh"))]
        if len(central) != 1:
            raise Fail("%d stacks have an export.sh: %s" % (len(central), central))
        central = central[0]
        calls = os.path.join(scratch, "calls.jsonl")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "OVERCLOUD_"))}
        env.update({"HOME": home, "DCNC_WORK_DIR": work, "TMPDIR": tmp,
                    "PATH": shim_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
                    SOCKET_ENV: sock, CALLS_ENV: calls})
        users = glance_users(tree, central)
        edges_sh = os.path.join(tree, "stacks", central, "export-edges.sh")
        exports_edges = False
        if os.path.exists(edges_sh):
            with open(edges_sh, encoding="utf-8") as f:
                exports_edges = bool(re.search(r"^openstack overcloud export ceph", f.read(), re.M))
        for st in stacks.values():
            if st.cluster:
                if st.name != central:
                    st.user = users.get(st.cluster, "openstack")
                if exports_edges:
                    make_extra_keys(tree, st, env, work)
                lay_out(st, home, work, broken=(st.name == broken_stack), flat=flat)
        # the control plane's export as python-tripleoclient 16.x's `overcloud deploy` writes it
        # (v1/overcloud_deploy.py:1462-1474, mode 0600), which wallaby's export.sh copies
        write_yaml(os.path.join(home, "overcloud-deploy", central, "%s-export.yaml" % central),
                   {"parameter_defaults": {"EndpointMapOverride": {}, "ExtraHostFileEntries": []}})
        os.chmod(os.path.join(home, "overcloud-deploy", central, "%s-export.yaml" % central), 0o600)
        d = os.path.join(tree, "stacks", central)
        scripts = ["export.sh"]
        edges_sh = os.path.join(d, "export-edges.sh")
        if os.path.exists(edges_sh):
            with open(edges_sh, encoding="utf-8") as f:
                src = f.read()
            if re.search(r"^openstack overcloud export ceph", src, re.M):
                scripts.append("export-edges.sh")
            else:
                lines.append("  export-edges.sh: not run (it writes the spec's keys itself, no `export ceph`)")
        failed = False
        for script in scripts:
            before = 0
            if os.path.exists(calls + ".real"):
                with open(calls + ".real", encoding="utf-8") as f:
                    before = len(f.readlines())
            p = subprocess.run(["bash", os.path.join(d, script)], cwd=scratch, env=env,
                               capture_output=True, text=True, timeout=120)
            reports = []
            if os.path.exists(calls + ".real"):
                with open(calls + ".real", encoding="utf-8") as f:
                    reports = [json.loads(x) for x in f.readlines()[before:]]
            for r in reports:
                if r["failure"]:
                    lines.append("  %s: %s" % (script, failure_text(r, home, work)))
            if p.returncode != 0:
                failed = True
                if not any(r["failure"] for r in reports):
                    msg = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
                    lines.append("  %s: exit %d: %s" % (script, p.returncode, msg))
                continue
            if verbose:
                for r, reads in zip(reports, describe_reads(reports, home, work)):
                    argv = " ".join(pretty(a, home, work) for a in r["argv"])
                    lines.append("  %s: export ceph %s: %s" % (script, argv, reads))
        if not failed:
            expect = {"central-ceph-export.yaml": None, "edge-ceph-export.yaml": None}
            with open(os.path.join(d, "export.sh"), encoding="utf-8") as f:
                if "central-ceph-export.yaml" in f.read():
                    if not stacks[central].cluster:
                        raise Fail("export.sh exports the ceph of %s, which has no cluster of its own" % central)
                    expect["central-ceph-export.yaml"] = [stacks[central]]
            if "export-edges.sh" in scripts:
                expect["edge-ceph-export.yaml"] = [st for n, st in stacks.items() if st.cluster and n != central]
            for fname, want in expect.items():
                if want is None:
                    continue
                path = os.path.join(work, fname)
                if not os.path.exists(path):
                    failed = True
                    lines.append("  %s: not written" % fname)
                    continue
                mode = stat.S_IMODE(os.stat(path).st_mode)
                if mode != 0o600:
                    failed = True
                    lines.append("  %s: mode %o, want 600" % (fname, mode))
                got = ((read_yaml(path) or {}).get("parameter_defaults") or {}).get("CephExternalMultiConfig")
                if not isinstance(got, list):
                    failed = True
                    lines.append("  %s: no CephExternalMultiConfig list" % fname)
                    continue
                by_cluster = {e.get("cluster"): e for e in got if isinstance(e, dict)}
                if len(got) != len(want) or set(by_cluster) != {st.cluster for st in want}:
                    failed = True
                    lines.append("  %s: clusters %s, want %s" % (
                        fname, [e.get("cluster") for e in got], [st.cluster for st in want]))
                for st in want:
                    if st.cluster in by_cluster:
                        for prob in entry_problems(by_cluster[st.cluster], st):
                            failed = True
                            lines.append("  %s: stack %s (cluster %s): %s" % (fname, st.name, st.cluster, prob))
                ported = ["%s: %s" % (st.name, ("[%s]:%s" if ":" in ip else "%s:%s") % (ip, port)) for st in want for ip, port in st.mons
                          if port not in (None, "6789", "3300")]
                if ported:
                    lines.append("  note: %s: mon ports of the spec not in CephExternalMultiConfig (export ceph "
                                 "carries bare IPs): %s" % (fname, ", ".join(ported)))
            if not failed:
                summary = ", ".join("%s [%s]" % (f, " ".join(st.cluster for st in w))
                                    for f, w in expect.items() if w)
                lines.insert(0, "%s: %s" % (name, "wrote " + summary if summary else "no `export ceph` to run"))
        if failed:
            lines.insert(0, "%s: FAILED" % name)
        return not failed, lines
    except Fail as e:
        return False, ["%s: FAILED: %s" % (name, e)] + lines
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client", required=True, help="unpacked python-tripleoclient sdist")
    ap.add_argument("--self-test", action="store_true",
                    help="also check that a layout the real code does not read is reported")
    ap.add_argument("-v", "--verbose", action="store_true", help="print what the real code read")
    ap.add_argument("trees", nargs="+", metavar="NAME=TREE")
    args = ap.parse_args()
    client = os.path.abspath(args.client)
    version = "?"
    with open(os.path.join(client, "PKG-INFO"), encoding="utf-8") as f:
        for ln in f:
            if ln.startswith("Version:"):
                version = ln.split(":", 1)[1].strip()
                break
    release = "python-tripleoclient %s" % version

    run = tempfile.mkdtemp(prefix="dcnc-export-ceph-run.")
    sock = os.path.join(run, "sock")
    shim_dir = os.path.join(run, "bin")
    os.makedirs(shim_dir)
    with open(os.path.join(shim_dir, "openstack"), "w", encoding="utf-8") as f:
        f.write('#!/bin/sh\nexec %s %s --shim "$@"\n' % (sys.executable, os.path.abspath(__file__)))
    os.chmod(os.path.join(shim_dir, "openstack"), 0o755)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        os.dup2(wfd, 1)
        try:
            serve(sock, client, release)
        except BaseException:
            traceback.print_exc()
        os._exit(1)
    os.close(wfd)
    ready = os.read(rfd, 64)
    os.close(rfd)
    ok = True
    try:
        if ready != b"ready\n":
            raise SystemExit("export_ceph_check.py: the %s server did not start: %s" % (release, ready.decode()))
        for spec in args.trees:
            name, _, tree = spec.partition("=")
            good, lines = check_tree(name, os.path.abspath(tree), release, sock, shim_dir, args.verbose)
            ok &= good
            print("\n".join(lines))
            if flat_fallback(tree):
                good, lines = check_tree(name + " (playbooks flat in CONFIG_DOWNLOAD)", os.path.abspath(tree),
                                         release, sock, shim_dir, args.verbose, flat=True)
                ok &= good
                print("\n".join(lines))
        if args.self_test:
            ok &= self_test(args.trees, release, sock, shim_dir)
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        shutil.rmtree(run, ignore_errors=True)
    sys.stdout.flush()
    print("export_ceph_check: %s: %d trees, %s" % (release, len(args.trees), "ok" if ok else "FAILED"),
          file=sys.stderr)
    return 0 if ok else 1


def self_test(trees, release, sock, shim_dir):
    """The first tree whose export-edges.sh runs `export ceph`, with its last edge's files elsewhere."""
    for spec in trees:
        name, _, tree = spec.partition("=")
        tree = os.path.abspath(tree)
        stacks = sorted(os.listdir(os.path.join(tree, "stacks")))
        central = [n for n in stacks if os.path.exists(os.path.join(tree, "stacks", n, "export-edges.sh"))]
        if not central:
            continue
        with open(os.path.join(tree, "stacks", central[0], "export-edges.sh"), encoding="utf-8") as f:
            if not re.search(r"^openstack overcloud export ceph", f.read(), re.M):
                continue
        edges = [n for n in stacks if n != central[0] and Stack(tree, n).cluster]
        if edges:
            break
    else:
        print("self-test FAILED: no tree whose export-edges.sh runs `openstack overcloud export ceph`")
        return False
    victim = edges[-1]
    good, lines = check_tree(name, tree, release, sock, shim_dir, False, broken_stack=victim)
    text = "\n".join(lines)
    if good or ("stack %s:" % victim) not in text or ("tried " not in text and "listed " not in text):
        print("self-test FAILED: %s with stack %s's files where the real code does not look was not "
              "reported (naming the stack and the path it tried):\n%s" % (name, victim, text))
        return False
    print("self-test ok: %s with stack %s's Ceph files beside its playbook directory is reported:" % (name, victim))
    print("\n".join("  | " + ln.strip() for ln in lines if "stack %s:" % victim in ln))
    return self_test_own_user(trees, release, sock, shim_dir)


def broken_copy(tree, edits):
    """A copy of tree with edits: [(relative path, old, new)], each of which must apply."""
    copy_dir = tempfile.mkdtemp(prefix="dcnc-export-ceph-broken.")
    dst = os.path.join(copy_dir, "tree")
    shutil.copytree(tree, dst, symlinks=True)
    for rel, old, new in edits:
        path = os.path.join(dst, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if old not in text:
            shutil.rmtree(copy_dir)
            return None
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
    return copy_dir


def self_test_own_user(trees, release, sock, shim_dir):
    """For a tree whose edges make central Glance's own user: exporting client.openstack instead
    must fail, and so must (cephadm) the deploy's export left in the playbook directory, and a
    deploy.sh that makes a new key on every run."""
    for spec in trees:
        name, _, tree = spec.partition("=")
        tree = os.path.abspath(tree)
        stacks = sorted(os.listdir(os.path.join(tree, "stacks")))
        central = [n for n in stacks if os.path.exists(os.path.join(tree, "stacks", n, "export-edges.sh"))]
        if not central:
            continue
        rel = os.path.join("stacks", central[0], "export-edges.sh")
        with open(os.path.join(tree, rel), encoding="utf-8") as f:
            m = re.search(r"^openstack overcloud export ceph .*--cephx-key-client-name (\S+)", f.read(), re.M)
        if m and m.group(1) != "openstack":
            break
    else:
        print("self-test (own user): no tree whose export-edges.sh exports a user other than openstack")
        return True
    user = m.group(1)
    edges = [n for n in stacks if n != central[0] and Stack(tree, n).cluster]
    victim = edges[0]
    cases = [("`export ceph -k openstack` where central reads client.%s" % user,
              [(rel, "--cephx-key-client-name %s" % user, "--cephx-key-client-name openstack")],
              "want only client.%s" % user),
             ("stack %s's deploy.sh making a new key on every run" % victim,
              [(os.path.join("stacks", victim, "deploy.sh"), 'if [ ! -s "$EXTRA_KEY_FILE" ]; then', "if true; then")],
              "made another CephExtraKeys on its rerun")]
    if Stack(tree, victim).tool == "cephadm":
        cases.append(("stack %s's deploy export left in its playbook directory (no CephClientConfigVars)" % victim,
                      [(os.path.join("stacks", victim, "env", "ceph.yaml"), "CephClientConfigVars:", "NotCephClientConfigVars:")],
                      "stack %s" % victim))
    ok = True
    for what, edits, expect in cases:
        copy_dir = broken_copy(tree, edits)
        if copy_dir is None:
            print("self-test FAILED: %s: cannot make the case (%s)" % (name, what))
            ok = False
            continue
        try:
            good, lines = check_tree(name, os.path.join(copy_dir, "tree"), release, sock, shim_dir, False)
        finally:
            shutil.rmtree(copy_dir, ignore_errors=True)
        text = "\n".join(lines)
        if good or expect not in text:
            print("self-test FAILED: %s with %s was not reported (%r):\n%s" % (name, what, expect, text))
            ok = False
        else:
            print("self-test ok: %s with %s is reported:" % (name, what))
            print("\n".join("  | " + ln.strip() for ln in lines[:3]))
    return ok


if __name__ == "__main__":
    sys.exit(main())
