#!/usr/bin/env python3
"""Run a generated tree's steps in order, with the real bash, every `openstack ...` through the
real python-tripleoclient of its release (its take_action, not only its parser), on the undercloud
that release installs by default, and fail when a step needs a service that undercloud lacks or
reads a file that no earlier step wrote.

Usage:
  flow_check.py --client DIR --common DIR --tht DIR [--inputs DIR] [-v] NAME=TREE...
  flow_check.py --shim PROG ARG...            (what the scripts call instead of PROG)

--inputs DIR: the spec's own input files (a stack's `network_data`, a path relative to where
deploy-all.sh runs), operator prerequisites like the keys: DIR's files are copied into the directory
deploy-all.sh runs in (check-flow.sh passes fixtures/inputs/).

DIR: an unpacked python-tripleoclient sdist (check-tripleoclient.sh --fetch), the tripleo-common
sdist of the same series (--fetch-common: the client's take_action calls it: roles, passwords,
container image parameters) and the tripleo-heat-templates tree of the release (fetch-tht.sh).  TREE: `dcnc build` output.

The undercloud.  Its services are the release's own defaults: the `enable_*` options of
tripleoclient/config/undercloud.py (UndercloudConfig().get_undercloud_service_opts(), imported
from DIR), applied as undercloud_config.py applies them (the environment files of ENABLE_ENVS),
over THT's roles/Undercloud.yaml, overcloud-resource-registry-puppet.j2.yaml and
environments/undercloud.yaml: a service is there when roles/Undercloud.yaml lists it and the
last mapping is not OS::Heat::None.  The keystone catalog holds the types of those services
(CATALOG).  Besides the services, the undercloud install leaves the stack user's ssh key pair
(~/.ssh/id_rsa, as `openstack undercloud install` makes it) and the templates (THT=DIR):
PREREQUISITES, the only files a fresh HOME holds.

The steps.  deploy-all.sh runs with bash in a scratch directory (its own HOME, DCNC_WORK_DIR,
TMPDIR), so its order, the scripts' variables, conditions and files are the real ones.  A
BASH_ENV file defines `openstack`, `ansible-playbook` and `tripleo-ansible-inventory` as shell
functions that hand the command line, with the script and line that ran it, to this file
(--shim), which passes it to a server process that has imported DIR's tripleoclient once and
forks a worker per command:
  openstack ...    the command class of setup.cfg's entry point (python-heatclient's for
                   `openstack stack ...`), its get_parser(), parse_args, run() -> take_action,
                   in the caller's cwd and environment, with
     - app.client_manager: the undercloud's catalog.  Asking for a service it lacks raises
       keystoneauth1's EndpointNotFound, as a real client manager does; the real code decides
       what follows (16.x catches it for Nova and assumes --deployed-server).  The services
       are fakes that record what is asked of them: heat keeps stacks (the undercloud's own
       heat, or the ephemeral heat a deploy launches, which exists only while that command
       runs and keeps its database in the stack's working directory);
     - utils.run_ansible_playbook: not run; PLAYBOOKS says, for each tripleo-ansible playbook
       the client runs, which services it needs and which files it writes (with the sources);
     - subprocess: not run, except THT's tools/process-templates.py, which the deploy renders
       its templates with (cached per input);
     - the file system: real, in the scratch directory; reads and writes are recorded (audit
       hooks); a write outside the scratch directory is refused.
  ansible-playbook, tripleo-ansible-inventory: not the client: MODELLED says what they need.
Each step's record (services asked, files read and written, playbooks) goes to a log.  A step
whose real code fails is a problem, named with the script, line, the client's source line and
the missing service or file; so is a deploy that takes the --deployed-server path with no
provisioned nodes (flavors and scheduler hints then place nothing).  The scripts continue after
a problem only as far as their own `set -e` lets them.

Prints the problems (`SCRIPT:LINE: COMMAND: problem`) and with -v every step's record; the last
line per tree says ok or FAILED.  Exit 1 if any tree failed.
"""

import json
import os
import socket
import sys

SOCKET_ENV = "DCNC_FLOW_SOCKET"


def recv_json(sock):
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data.decode())


def shim(argv):
    """PROG LOC ARG...: hands the command to the server; prints its output; returns its status."""
    prog, loc, args = argv[0], argv[1], argv[2:]
    umask = os.umask(0o077)
    os.umask(umask)
    req = json.dumps({"prog": prog, "loc": loc, "argv": args, "cwd": os.getcwd(),
                      "env": dict(os.environ), "umask": umask}).encode()
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
import copy  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402

import yaml  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tripleoclient_check as tc  # noqa: E402
import export_ceph_check as ec  # noqa: E402

# Imports of tripleo-common that are not installed in the checker's venv and whose code the
# checked steps do not run (they talk to nodes or registries): inert stubs, as tripleoclient_check's
# STUBBED (which are stubbed here too).
# tripleo_common.utils.safe_import (eventlet-patched GitPython, for config download's git
# repository) is replaced by a module whose `git` is a stub: eventlet would monkey-patch os.
FLOW_STUBBED = {"paramiko", "docker", "keystoneclient", "novaclient", "swiftclient", "mistral_lib", "oslo_rootwrap"}

# ---------------------------------------------------------------- the undercloud

# undercloud_config.py: which THT environment file each `enable_*` option adds, when it has the
# value given (python-tripleoclient 13.7.0 v1/undercloud_config.py:596-640, 16.5.0 :609-682,
# 20.0.0 likewise); checked against the release's undercloud_config.py source before use.
ENABLE_ENVS = [
    ("enable_ironic", True, "environments/services/ironic.yaml"),
    ("enable_ironic_inspector", True, "environments/services/ironic-inspector.yaml"),
    ("enable_nova", True, "environments/undercloud-enable-nova.yaml"),
    ("enable_mistral", True, "environments/services/mistral.yaml"),
    ("enable_zaqar", True, "environments/services/zaqar-swift-backend.yaml"),
    ("enable_neutron", False, "environments/disable-neutron.yaml"),
    ("enable_heat", False, "environments/disable-heat.yaml"),
    ("enable_swift", True, "environments/undercloud-enable-swift.yaml"),
]

# keystone catalog type -> the THT service that serves it (and what the report calls it)
CATALOG = {
    "identity": ("Keystone", "keystone"),
    "orchestration": ("HeatApi", "heat"),
    "object-store": ("SwiftProxy", "swift"),
    "compute": ("NovaApi", "nova"),
    "image": ("GlanceApi", "glance"),
    "network": ("NeutronApi", "neutron"),
    "baremetal": ("IronicApi", "ironic"),
    "baremetal-introspection": ("IronicInspector", "ironic-inspector"),
    "workflowv2": ("MistralApi", "mistral"),
    "messaging-websocket": ("Zaqar", "zaqar"),
}


def release_of(client):
    with open(os.path.join(client, "PKG-INFO"), encoding="utf-8") as f:
        for ln in f:
            if ln.startswith("Version:"):
                return ln.split(":", 1)[1].strip()
    return "?"


def line_of(path, pattern, base):
    """'relpath:LINE' of the first line of path matching pattern (for the report's sources)."""
    with open(path, encoding="utf-8") as f:
        for n, ln in enumerate(f, 1):
            if re.search(pattern, ln):
                return "%s:%d" % (os.path.relpath(path, base), n)
    return os.path.relpath(path, base)


def registry_lines(path):
    """OS::TripleO::Services::X: VALUE lines of a registry file (also of a .j2.yaml)."""
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for ln in f:
                m = re.match(r"\s+OS::TripleO::Services::(\w+):\s*(\S+)", ln)
                if m:
                    out[m.group(1)] = m.group(2)
    return out


def undercloud(client, tht):
    """The default undercloud of the release: {catalog type: (present, why)} and the options."""
    import tripleoclient.config.undercloud as ucfg
    conf_py = os.path.join(client, "tripleoclient", "config", "undercloud.py")
    opts = {o.name: o.default for o in ucfg.UndercloudConfig().get_undercloud_service_opts()}
    uc_src = os.path.join(client, "tripleoclient", "v1", "undercloud_config.py")
    with open(uc_src, encoding="utf-8") as f:
        src = f.read()
    envs = ["environments/undercloud.yaml"]
    why_env = {}
    for opt, value, env in ENABLE_ENVS:
        if opt not in opts:
            continue
        if opt not in src:
            raise SystemExit("flow_check.py: ENABLE_ENVS is out of date: %s does not read %s" % (uc_src, opt))
        if env not in src:
            continue    # the option is there but adds nothing (20.0.0: "deprecated ... no longer installed")
        if bool(opts[opt]) == value:
            envs.append(env)
        why_env[opt] = "%s = %s (%s)" % (opt, opts[opt], line_of(conf_py, r"\b%s=" % opt[len("enable_"):], client))
    with open(os.path.join(tht, "roles", "Undercloud.yaml"), encoding="utf-8") as f:
        role = yaml.safe_load(f)[0]
    listed = {s.rsplit("::", 1)[-1] for s in role.get("ServicesDefault", [])}
    registry = registry_lines(os.path.join(tht, "overcloud-resource-registry-puppet.j2.yaml"))
    mapped_by = {}
    for env in envs:
        for svc, val in registry_lines(os.path.join(tht, env)).items():
            registry[svc] = val
            mapped_by[svc] = env
    catalog = {}
    for ctype, (svc, name) in CATALOG.items():
        if svc not in listed:
            present, why = False, "not in THT roles/Undercloud.yaml"
        elif registry.get(svc, "OS::Heat::None") == "OS::Heat::None":
            present = False
            why = "OS::TripleO::Services::%s: OS::Heat::None (%s)" % (svc, mapped_by.get(
                svc, "overcloud-resource-registry-puppet.j2.yaml"))
        else:
            present, why = True, "OS::TripleO::Services::%s: %s" % (svc, registry[svc])
        opt = {"compute": "enable_nova", "image": "enable_nova", "orchestration": "enable_heat",
               "object-store": "enable_swift", "network": "enable_neutron", "baremetal": "enable_ironic",
               "baremetal-introspection": "enable_ironic_inspector", "workflowv2": "enable_mistral",
               "messaging-websocket": "enable_zaqar"}.get(ctype)
        if opt in why_env:
            why = "%s; %s" % (why_env[opt], why)
        catalog[ctype] = {"present": present, "why": why, "name": name}
    return {"catalog": catalog, "options": {k: v for k, v in opts.items()}}


# ---------------------------------------------------------------- playbooks and other programs

# What each tripleo-ansible playbook the client runs needs and writes (it is not run here).
# needs: catalog types (metalsmith: baremetal + network; tripleo_config_download: heat, the
# ephemeral one while a deploy runs it, else the undercloud's); nodes: it logs into the stack's
# nodes.  Sources: openstack-archive/tripleo-ansible tripleo_ansible/playbooks/<name>.
PLAYBOOKS = {
    "cli-overcloud-node-provision.yaml": {"needs": ["baremetal", "network"]},
    "cli-overcloud-network-vip-provision.yaml": {"needs": ["network"]},
    # the deploy unprovisions what baremetal.yaml (its working-dir copy) no longer lists
    "cli-overcloud-node-unprovision.yaml": {"needs": ["baremetal", "network"]},
    "cli-overcloud-network-provision.yaml": {"needs": ["network"]},
    "cli-config-download.yaml": {"needs": ["orchestration"]},
    # the plan in the undercloud's Swift (13.7.0 workflows/plan_management.py:67-115,134-165,
    # workflows/deployment.py:34-68): the playbooks' tripleo-common modules read and write the
    # plan's container (tripleo_passwords_rotate asks heat for a stack's passwords,
    # tripleo_plan_deploy makes the stack from the plan)
    "cli-create-deployment-plan.yaml": {"needs": ["object-store", "orchestration"]},
    "cli-update-deployment-plan.yaml": {"needs": ["object-store", "orchestration"]},
    "cli-deploy-deployment-plan.yaml": {"needs": ["object-store", "orchestration"]},
    # tripleo_plan_parameters_update: the deploy's parameters into plan-environment.yaml
    # (13.7.0 v1/overcloud_deploy.py:307-323)
    "cli-update-params.yaml": {"needs": ["object-store", "orchestration"]},
    "cli-config-download-export.yaml": {"needs": ["orchestration"]},
    "cli-enable-ssh-admin.yaml": {"needs": [], "nodes": True},
    "cli-grant-local-access.yaml": {"needs": []},
    "cli-undercloud-get-horizon-url.yaml": {"needs": []},
    "cli-generate-overcloudrc.yaml": {"needs": []},
    "cli-deployed-ceph.yaml": {"needs": [], "nodes": True},
    "cli-overcloud-node-growvols.yaml": {"needs": [], "nodes": True},
    "cli-hosts-file-config.yaml": {"needs": [], "nodes": True},
    "cli-container-registry-config.yaml": {"needs": [], "nodes": True},
    "cli-overcloud-node-network-config.yaml": {"needs": [], "nodes": True},
    "deploy_steps_playbook.yaml": {"needs": [], "nodes": True},
}


class Problem(Exception):
    pass


# ---------------------------------------------------------------- fakes of the undercloud's services

class State:
    """What the undercloud holds between steps (a JSON file in the scratch directory)."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.d = json.load(f)

    def save(self):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.d, f, indent=1, sort_keys=True)


class Recorder:
    """One step's record."""

    def __init__(self):
        self.services = []      # [type, present, by]
        self.playbooks = []
        self.problems = []
        self.notes = []
        self.heat = None        # "ephemeral" while a deploy's ephemeral heat runs

    def service(self, ctype, present, by):
        item = [ctype, present, by]
        if item not in self.services:
            self.services.append(item)


REC = Recorder()
STATE = None
UNDERCLOUD = None


def endpoint_not_found(ctype):
    from keystoneauth1 import exceptions as ka_exc
    info = UNDERCLOUD["catalog"][ctype]
    return ka_exc.EndpointNotFound(
        "the undercloud has no %s endpoint (%s): %s" % (ctype, info["name"], info["why"]))


def need(ctype, by):
    """The step needs catalog type ctype: raises EndpointNotFound when the undercloud lacks it."""
    if ctype == "orchestration" and REC.heat == "ephemeral":
        REC.service(ctype, True, by + " (the deploy's ephemeral heat)")
        return
    present = UNDERCLOUD["catalog"][ctype]["present"]
    REC.service(ctype, present, by)
    if not present:
        raise endpoint_not_found(ctype)


class FakeStack:
    def __init__(self, d):
        self.d = d
        self.stack_name = d["name"]
        self.id = d["name"]
        self.stack_status = d["status"]
        self.outputs = d["outputs"]

    def get(self):
        return self

    def environment(self):
        return {"parameter_defaults": dict(self.d.get("parameters", {}), AdminPassword="x"),
                "resource_registry": {}}

    def to_dict(self):
        return {"stack_name": self.stack_name, "id": self.id, "stack_status": self.stack_status,
                "outputs": self.outputs, "parameters": {}, "stack_status_reason": ""}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.to_dict().get(name)


class FakeStacks:
    def __init__(self, heat):
        self.heat = heat

    def _db(self):
        return self.heat.db()

    def get(self, stack_id=None, resolve_outputs=True, **kw):
        from heatclient import exc as heat_exc
        d = self._db().get(stack_id)
        if d is None:
            raise heat_exc.HTTPNotFound("Stack not found: %s" % stack_id)
        return FakeStack(d)

    def environment(self, stack_id):
        from heatclient import exc as heat_exc
        d = self._db().get(stack_id)
        if d is None:
            raise heat_exc.HTTPNotFound("Stack not found: %s" % stack_id)
        return {"parameter_defaults": dict(d["parameters"], AdminPassword="x")}

    def list(self, **kw):
        return [FakeStack(d) for d in self._db().values()]

    def validate(self, **kw):
        """Heat's template validation is not modelled (check-tht.sh checks the env files)."""
        self._db()
        return {"Environment": {"parameter_defaults": {}}, "Parameters": {}, "ParameterGroups": [],
                "NestedParameters": {}}

    def output_list(self, stack_id):
        return {"outputs": self._db()[stack_id]["outputs"]}


class FakeResources:
    """A stack's resources: the fake stacks have none (tripleo-common's generate_passwords asks
    for the legacy password resources of an existing stack and skips the missing ones)."""

    def __init__(self, heat):
        self.heat = heat

    def get(self, stack_id, resource_name, *a, **kw):
        from heatclient import exc as heat_exc
        self.heat.db()
        raise heat_exc.HTTPNotFound("Resource %s of stack %s not found" % (resource_name, stack_id))

    def list(self, *a, **kw):
        self.heat.db()
        return []


class FakeHeat:
    """A heat: the undercloud's (its stacks in the state) or a deploy's ephemeral one (its stacks
    in the heat-launcher directory of the stack's working directory, as the real one keeps its
    database there between runs: v1/overcloud_deploy.py setup_ephemeral_heat, rm_heat(backup_db))."""

    def __init__(self, where, db_path=None):
        self.where = where
        self.db_path = db_path
        self.stacks = FakeStacks(self)
        self.resources = FakeResources(self)

    def db(self):
        if self.where == "undercloud":
            need("orchestration", "heat API")
            return STATE.d.setdefault("heat", {})
        if os.path.exists(self.db_path):
            with open(self.db_path, encoding="utf-8") as f:
                return json.load(f)
        return {}

    def store(self, name, d):
        if self.where == "undercloud":
            STATE.d.setdefault("heat", {})[name] = d
            return
        db = self.db()
        db[name] = d
        os.makedirs(os.path.dirname(self.db_path), exist_ok=True)
        with open(self.db_path, "w", encoding="utf-8") as f:
            json.dump(db, f)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything("heat." + name)


class Anything:
    """A service client that records what is asked of it and returns more of itself."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything(self._name + "." + name)

    def __call__(self, *a, **kw):
        return Anything(self._name + "()")

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False


class FakeSwift:
    """The undercloud's Swift (swiftclient.client.Connection's methods the client and
    tripleo-common call): a container is a directory under the scratch directory's swift/ (its
    headers in a .headers file next to it), an object a file, kept between steps.  A missing
    container or object raises swiftclient's ClientException with http_status 404."""

    url = "http://192.168.24.1:8080/v1/AUTH_admin"
    token = "x"

    def __init__(self):
        self.root = os.path.join(SCRATCH[0], "swift")
        os.makedirs(self.root, exist_ok=True)

    def request(self, method, url):
        """tripleo-common's GET of an object by URL (utils/plan.py object_request)."""
        if method != "GET" or not url.startswith(self.url + "/"):
            raise Problem("the flow check does not model %s %s" % (method, url))
        container, _, obj = url[len(self.url) + 1:].partition("/")
        return self.get_object(container, obj.split("?", 1)[0])[1]

    def _dir(self, container):
        return os.path.join(self.root, container)

    def _missing(self, what):
        from swiftclient.exceptions import ClientException
        return ClientException("%s not found" % what, http_status=404)

    def _headers(self, container):
        path = self._dir(container) + ".headers"
        if not os.path.isdir(self._dir(container)):
            raise self._missing("container " + container)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        return {}

    def get_account(self, *a, **kw):
        names = sorted(n for n in os.listdir(self.root) if os.path.isdir(os.path.join(self.root, n)))
        return {}, [{"name": n} for n in names]

    def head_container(self, container, *a, **kw):
        return self._headers(container)

    def put_container(self, container, headers=None, *a, **kw):
        os.makedirs(self._dir(container), exist_ok=True)
        h = self._headers(container)
        h.update({k.lower(): v for k, v in (headers or {}).items()})
        with open(self._dir(container) + ".headers", "w", encoding="utf-8") as f:
            json.dump(h, f)

    post_container = put_container

    def get_container(self, container, prefix=None, full_listing=False, *a, **kw):
        headers = self._headers(container)
        base = self._dir(container)
        names = []
        for root, _, files in os.walk(base):
            for n in files:
                rel = os.path.relpath(os.path.join(root, n), base)
                if prefix is None or rel.startswith(prefix):
                    names.append(rel)
        return headers, [{"name": n} for n in sorted(names)]

    def delete_container(self, container, *a, **kw):
        self._headers(container)
        shutil.rmtree(self._dir(container))
        if os.path.exists(self._dir(container) + ".headers"):
            os.unlink(self._dir(container) + ".headers")

    def get_object(self, container, obj, *a, **kw):
        self._headers(container)
        path = os.path.join(self._dir(container), obj)
        if not os.path.isfile(path):
            raise self._missing("object %s/%s" % (container, obj))
        with open(path, "rb") as f:
            return {}, f.read()

    def head_object(self, container, obj, *a, **kw):
        self.get_object(container, obj)
        return {}

    def put_object(self, container, obj, contents=None, query_string=None, *a, **kw):
        self._headers(container)
        base = self._dir(container)
        if query_string and "extract-archive" in query_string:
            import tarfile
            with tarfile.open(fileobj=contents, mode="r:gz") as t:
                t.extractall(base)
            return ""
        path = os.path.join(base, obj)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if hasattr(contents, "read"):
            contents = contents.read()
        with open(path, "wb") as f:
            f.write(contents.encode() if isinstance(contents, str) else (contents or b""))
        return ""

    def delete_object(self, container, obj, *a, **kw):
        path = os.path.join(self._dir(container), obj)
        if not os.path.isfile(path):
            raise self._missing("object %s/%s" % (container, obj))
        os.unlink(path)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything("swift." + name)


SCRATCH = [None]


class ClientWrapper:
    """tripleoclient's own client plugin (`clients.tripleoclient`)."""

    def __init__(self, mgr):
        self.mgr = mgr

    @property
    def object_store(self):
        need("object-store", "clients.tripleoclient.object_store")
        return FakeSwift()

    def create_mistral_context(self):
        """13.7.0 plugin.py:237-257: a context for tripleo-common's actions, run in the client
        (no Mistral: each action asks the catalog for its own service, TripleOAction.get_*_client)."""
        return argparse.Namespace(security=argparse.Namespace(project_id="admin", auth_token="x"))

    def messaging_websocket(self, *a, **kw):
        need("messaging-websocket", "clients.tripleoclient.messaging_websocket")
        return Anything("zaqar")

    def local_orchestration(self, *a, **kw):
        return self.mgr.orchestration


ATTRS = {"compute": "compute", "baremetal": "baremetal", "image": "image", "network": "network",
         "object_store": "object-store", "workflow_engine": "workflowv2", "identity": "identity",
         "baremetal_introspection": "baremetal-introspection"}


class ClientManager:
    """app.client_manager of an `openstack` CLI logged into the undercloud.  Heat's client is
    made without looking at the catalog (python-heatclient osc/plugin.py make_client, session
    path): a missing heat shows at its first request.  The others look their endpoint up when
    they are made, as 16.x's own handler of EndpointNotFound around `clients.compute` shows
    (v1/overcloud_deploy.py:58-68) and tripleoclient's object_store does
    (plugin.py: get_endpoint_for_service_type("object-store"))."""

    def __init__(self):
        self.__dict__["_set"] = {}
        self.__dict__["tripleoclient"] = ClientWrapper(self)
        self.__dict__["region_name"] = "regionOne"
        self.__dict__["auth_ref"] = Anything("auth_ref")
        self.__dict__["session"] = Anything("session")

    def __getattr__(self, name):
        if name in self._set:
            return self._set[name]
        if name == "orchestration":
            return FakeHeat("undercloud")
        if name in ATTRS:
            need(ATTRS[name], "clients." + name)
            return Anything(name)
        raise AttributeError(name)

    def __setattr__(self, name, value):
        self._set[name] = value

    def get_endpoint_for_service_type(self, ctype, **kw):
        need(ctype, "get_endpoint_for_service_type")
        return "http://undercloud/" + ctype


class FakeConnection:
    """openstack.connect('undercloud') (openstacksdk)."""

    def endpoint_for(self, ctype, *a, **kw):
        present = UNDERCLOUD["catalog"].get(ctype, {}).get("present", False)
        REC.service(ctype, present, "openstack.connect().endpoint_for")
        return "http://undercloud/" + ctype if present else None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        ctype = {"network": "network", "baremetal": "baremetal", "compute": "compute",
                 "image": "image", "orchestration": "orchestration"}.get(name)
        if ctype:
            need(ctype, "openstack.connect()." + name)
            return Proxy(name)
        return Anything("conn." + name)


class Proxy(Anything):
    """A service proxy of openstacksdk.  The undercloud's neutron has the ctlplane network and its
    subnet that `openstack undercloud install` makes."""

    def find_network(self, name, *a, **kw):
        if name != "ctlplane":
            return None
        return argparse.Namespace(name="ctlplane", mtu=1500, dns_domain="ctlplane.localdomain.",
                                  tags=[], subnet_ids=["ctlplane-subnet"], id="ctlplane")

    def get_subnet(self, subnet_id, *a, **kw):
        return argparse.Namespace(name="ctlplane-subnet", cidr="192.168.24.0/24", gateway_ip="192.168.24.1",
                                  host_routes=[], dns_nameservers=[], ip_version=4, id=subnet_id)


# ---------------------------------------------------------------- effects of playbooks and of the deploy

def write_yaml(path, data, mode=None):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, default_flow_style=False)
    if mode:
        os.chmod(path, mode)


def nodes_of(stack):
    return STATE.d.setdefault("nodes", {}).get(stack)


def need_nodes(stack, by):
    n = nodes_of(stack)
    if not n:
        raise Problem("%s logs into the nodes of stack %s, but no earlier step provisioned them "
                      "(`openstack overcloud node provision`, or Nova through heat)" % (by, stack))
    if not n.get("ssh"):
        raise Problem("%s logs into the nodes of stack %s as %s, but no earlier step made that user "
                      "(node provision, `openstack overcloud admin authorize` or the deploy's setup)"
                      % (by, stack, n.get("user")))


# ssh's identity files when none is given (ssh(1) -i: ~/.ssh/id_rsa, id_ecdsa, id_ecdsa_sk,
# id_ed25519, id_ed25519_sk, id_dsa), all tried in turn.
SSH_DEFAULT_IDENTITIES = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_dsa"]
# Ansible's boolean settings: ansible.module_utils.parsing.convert_bool BOOLEANS_FALSE.
ANSIBLE_FALSE = {"n", "no", "off", "0", "false", "f"}


def ssh_login(stack, by, argv):
    """How ansible's ssh connection gets into the nodes of stack: with the private key whose public
    half node provision gave the nodes' user (the client's extra var ssh_public_keys, from
    utils.get_key(stack, needs_pair=True)), and past the host keys of nodes this undercloud has
    never seen. The client's own playbook runs set ANSIBLE_PRIVATE_KEY_FILE to that key and turn
    host key checking off (python-tripleoclient 13.7.0 utils.py:455-456,572,600; 16.5.0
    :464-465,569,602; 20.0.0 :463-464,537,570); a bare ansible-playbook uses ssh's own default
    identities and ansible's host_key_checking (on), so ssh stops at each new node's host key."""
    n = nodes_of(stack)
    opts = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        for o in ("--private-key", "--key-file", "--ssh-common-args", "--ssh-extra-args"):
            if a == o and i + 1 < len(argv):
                opts[o] = argv[i + 1]
                i += 1
            elif a.startswith(o + "="):
                opts[o] = a.split("=", 1)[1]
        i += 1
    installed = n.get("public_key")
    if installed:
        key = opts.get("--private-key") or opts.get("--key-file") or os.environ.get("ANSIBLE_PRIVATE_KEY_FILE")
        home = os.environ.get("HOME", "")
        tried = [os.path.expanduser(key)] if key else \
            [os.path.join(home, ".ssh", k) for k in SSH_DEFAULT_IDENTITIES]
        def pub(k):
            try:
                with open(k + ".pub", encoding="utf-8") as f:
                    return f.read()
            except OSError:
                return None
        if not any(os.path.exists(k) and pub(k) == installed for k in tried):
            raise Problem("%s logs into the nodes of stack %s with %s, but node provision gave their "
                          "user %s the public key of another pair (utils.get_key(stack, needs_pair=True))"
                          % (by, stack, key or "ssh's default identities (no key given)", n.get("user")))
    ssh_args = " ".join([os.environ.get("ANSIBLE_SSH_ARGS", ""), opts.get("--ssh-common-args", ""),
                         opts.get("--ssh-extra-args", "")])
    checking = os.environ.get("ANSIBLE_HOST_KEY_CHECKING", "true").strip().lower() not in ANSIBLE_FALSE
    if checking and not re.search(r"StrictHostKeyChecking=(no|accept-new)\b", ssh_args):
        raise Problem("%s: ssh stops at the host key of each node of stack %s (new to this machine: "
                      "not in ~/.ssh/known_hosts), as ansible's host_key_checking is on: the client's own "
                      "runs set ANSIBLE_HOST_KEY_CHECKING=False and StrictHostKeyChecking=no "
                      "(tripleoclient/utils.py run_ansible_playbook)" % (by, stack))


def stack_record(stack):
    """The heat stack as the last deploy left it (whichever heat it was in)."""
    return STATE.d.setdefault("stacks", {}).get(stack)


def config_download_files(out_dir, plan):
    """What tripleo_config_download + tripleo_generate_ansible_inventory leave in out_dir/plan."""
    st = stack_record(plan)
    if st is None:
        raise Problem("config download of stack %s: that heat has no stack %s" % (plan, plan))
    work = os.path.join(out_dir, plan)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "deploy_steps_playbook.yaml"), "w", encoding="utf-8") as f:
        f.write("- hosts: all\n  tasks: []\n")
    write_yaml(os.path.join(work, "tripleo-ansible-inventory.yaml"),
               {"all": {"vars": {"ansible_ssh_user": st.get("ssh_user", "tripleo-admin")}}})
    write_yaml(os.path.join(work, "global_vars.yaml"),
               {"stack_name": plan, "service_net_map": {"ceph_mon_network": "storage"}})
    os.makedirs(os.path.join(work, "group_vars"), exist_ok=True)
    with open(os.path.join(work, "group_vars", "overcloud.json"), "w", encoding="utf-8") as f:
        json.dump({k: "x" for k in ("oslo_messaging_notify_short_bootstrap_node_name",
                                 "oslo_messaging_notify_node_names", "oslo_messaging_rpc_node_names",
                                 "memcached_node_ips", "ovn_dbs_vip", "redis_vip", "ovn_dbs_node_ips")}, f)
    STATE.d.setdefault("config_download", {})[plan] = work
    return work


def run_playbook_effects(playbook, extra_vars, playbook_dir=None, workdir=None, extra_vars_file=None):
    name = os.path.basename(playbook)
    spec = PLAYBOOKS.get(name)
    if spec is None:
        raise Problem("the flow check does not know what playbook %s needs and writes "
                      "(add it to PLAYBOOKS)" % name)
    REC.playbooks.append(name)
    for ctype in spec["needs"]:
        need(ctype, "playbook " + name)
    ev = extra_vars or {}
    if name == "cli-overcloud-node-provision.yaml":
        # metalsmith_instances provisions the nodes with user_name/ssh_public_keys (so that user can
        # log in); the environment goes to baremetal_deployed_path; with manage_network_ports
        # (the client sets it) tripleo_generate_ansible_inventory writes the working dir's inventory.
        stack = ev["stack_name"]
        roles = ev["baremetal_deployment"]
        params = {"DeployedServerPortMap": {}, "HostnameMap": {}, "NodePortMap": {}}
        inventory = {"allovercloud": {"children": {}}}
        for role in roles:
            count = role.get("count", 1)
            params["%sCount" % role["name"]] = count
            fmt = role.get("hostname_format", "%stackname%-" + role["name"].lower() + "-%index%")
            params["%sHostnameFormat" % role["name"]] = fmt
            hosts = {fmt.replace("%stackname%", stack).replace("%index%", str(i)): {"ansible_host": "192.0.2.%d" % (20 + i)}
                     for i in range(count)}
            inventory[role["name"]] = {"hosts": hosts}
            inventory["allovercloud"]["children"][role["name"]] = {}
        write_yaml(ev["baremetal_deployed_path"], {"parameter_defaults": params})
        if ev.get("manage_network_ports") and ev.get("working_dir"):
            write_yaml(os.path.join(ev["working_dir"], "inventory-network-config.yaml"), {})
            write_yaml(os.path.join(ev["working_dir"], "tripleo-ansible-inventory.yaml"), inventory)
        STATE.d.setdefault("nodes", {})[stack] = {"by": "node provision", "user": ev.get("ssh_user_name"),
                                                  "ssh": True, "output": ev["baremetal_deployed_path"],
                                                  "public_key": ev.get("ssh_public_keys"),
                                                  "network_config": bool(ev.get("configure_networking"))}
        CURRENT["stack"] = stack
    elif name == "cli-overcloud-network-vip-provision.yaml":
        vip_provision(name, ev)
    elif name == "cli-overcloud-network-provision.yaml":
        # reads network_data_path (tripleo-ansible 6.0.0 cli-overcloud-network-provision.yaml:34),
        # writes network_deployed_path (python-tripleoclient 16.5.0 and 20.0.0 v2/overcloud_network.py:139-144)
        with open(ev["network_data_path"], encoding="utf-8") as f:
            networks = yaml.safe_load(f)
        if not isinstance(networks, list) or not all(isinstance(n, dict) and n.get("name") for n in networks):
            raise Problem("playbook %s: %s is no network data (a list of networks with names)"
                          % (name, ev["network_data_path"]))
        # tripleo_composable_network (6.0.0 tripleo_composable_network.py:410-480) creates or
        # updates each network and its subnets in the undercloud's Neutron, which every stack
        # shares: subnets only accumulate (none is deleted), the network's tags are the last data's.
        neutron = STATE.d.setdefault("neutron", {})
        for n in networks:
            lower = n.get("name_lower") or n["name"].lower()
            net = neutron.setdefault(lower, {"subnets": [], "by": []})
            for sub in (n.get("subnets") or {}):
                if sub not in net["subnets"]:
                    net["subnets"].append(sub)
            net["by"].append(ev.get("stack_name") or CURRENT.get("stack") or "?")
        write_yaml(ev["network_deployed_path"], {"parameter_defaults": {"DeployedNetworkEnvironment": {}}})
    elif name in ("cli-create-deployment-plan.yaml", "cli-update-deployment-plan.yaml"):
        plan_made(ev["container"], ev.get("generate_passwords", True))
    elif name == "cli-update-params.yaml":
        swift = FakeSwift()
        penv = yaml.safe_load(swift.get_object(ev["container"], "plan-environment.yaml")[1]) or {}
        penv.setdefault("parameter_defaults", {}).update(ev.get("parameters") or {})
        swift.put_object(ev["container"], "plan-environment.yaml", yaml.safe_dump(penv))
    elif name == "cli-deploy-deployment-plan.yaml":
        plan = ev["container"]
        env = CURRENT.get("plan_env")
        pa = CURRENT.get("pa")
        if env is None or pa is None:
            raise Problem("playbook %s: the flow check saw no environment uploaded into plan %s" % (name, plan))
        env_urls = ["file://" + os.path.abspath(f) for f in (getattr(pa, "environment_files", None) or [])]
        stack_deployed(plan, FakeHeat("undercloud"), env.get("parameter_defaults") or {},
                       env.get("resource_registry") or {}, bool(getattr(pa, "deployed_server", False)), env_urls)
    elif name in ("cli-config-download.yaml", "cli-config-download-export.yaml"):
        out = ev.get("output_dir") or ev.get("config_dir")
        config_download_files(out, ev["plan"])
    elif name == "cli-enable-ssh-admin.yaml":
        stack = ev.get("stack_name") or ev.get("plan")
        n = nodes_of(stack)
        if not n:
            raise Problem("playbook %s: stack %s has no nodes to log into" % (name, stack))
        n["ssh"] = True
    elif name == "deploy_steps_playbook.yaml":
        stack = ev.get("plan") or os.path.basename(playbook_dir or "")
        need_nodes(stack, "playbook " + name)
        deploy_steps_effects(stack, playbook_dir)
    elif name == "cli-undercloud-get-horizon-url.yaml":
        # writes the URL into its work dir (tripleoclient workflows/deployment.py get_horizon_url)
        os.makedirs(workdir, exist_ok=True)
        with open(os.path.join(workdir, "horizon_url"), "w", encoding="utf-8") as f:
            f.write("http://overcloud/dashboard\n")
    elif name == "cli-deployed-ceph.yaml":
        # tripleo_cephadm: the cluster on the provisioned nodes; the heat environment for the
        # stack goes to deployed_ceph_tht_path. The client variables go to tripleo_ceph_client_vars
        # only when pools and keys were asked for (tripleo-ansible 6.0.0 cli-deployed-ceph.yaml:
        # "Export configuration for tripleo_ceph_client" runs when tripleo_cephadm_pools and
        # tripleo_cephadm_keys are set; tripleoclient 20.0.0 v2/overcloud_ceph.py:516-533 makes the
        # keys only when --ansible-extra-vars names pools): else the overcloud deploy exports them,
        # to CephClientConfigVars.
        stack = CURRENT.get("stack")
        need_nodes(stack, "playbook " + name)
        write_yaml(ev["deployed_ceph_tht_path"], {"parameter_defaults": {"DeployedCeph": True}})
        tree = os.environ.get("DCNC_FLOW_TREE")
        st = ec.Stack(tree, stack) if tree else None
        asked = dict(extra_vars_file or {}, **ev)
        exports = bool(asked.get("tripleo_cephadm_pools")) and bool(asked.get("tripleo_cephadm_keys"))
        if exports and ev.get("tripleo_ceph_client_vars") and st is not None and st.cluster:
            write_yaml(ev["tripleo_ceph_client_vars"], {
                "tripleo_ceph_client_fsid": st.fsid, "tripleo_ceph_client_cluster": st.cluster,
                "external_cluster_mon_ips": ",".join(ip for ip, _ in st.mons),
                "keys": [{k: v for k, v in key.items() if k != "mode"} for key in st.keys()]})
        STATE.d.setdefault("ceph", {})[stack] = "cephadm"
    elif spec.get("nodes"):
        need_nodes(CURRENT.get("stack"), "playbook " + name)


def ctlplane_subnets():
    """The undercloud's ctlplane subnets (undercloud.conf `subnets`, default `ctlplane-subnet`:
    python-tripleoclient config/undercloud.py SUBNETS_DEFAULT); a routed DCN undercloud has one per
    site, which DCNC_FLOW_CTLPLANE_SUBNETS (comma-separated) models."""
    given = os.environ.get("DCNC_FLOW_CTLPLANE_SUBNETS", "")
    return [x for x in given.split(",") if x] or ["ctlplane-subnet"]


def vip_provision(name, ev):
    """cli-overcloud-network-vip-provision.yaml (tripleo-ansible 6.0.0): loads vip_data_path, then
    tripleo_overcloud_network_vip_provision checks each VIP against the networks in Neutron
    (validate_vip_nets_in_net_map, tripleo_overcloud_network_vip_provision.py:179-189) and makes
    its port (create_port_def, :127-152: a VIP with neither `subnet` nor `ip_address` on a network
    with several subnets fails); tripleo_overcloud_network_vip_populate_environment writes the
    environment (VipPortMap, ControlPlaneVipData) to vip_deployed_path.  The networks are what the
    network provision steps made from network data (STATE neutron) and the undercloud's ctlplane."""
    path = ev["vip_data_path"]
    with open(path, encoding="utf-8") as f:
        vips = yaml.safe_load(f)
    if not isinstance(vips, list) or not all(isinstance(x, dict) and x.get("network") for x in vips):
        raise Problem("playbook %s: %s is no VIP data (a list of VIPs, each with a network)" % (name, path))
    nets = {k: list(v["subnets"]) for k, v in STATE.d.get("neutron", {}).items()}
    nets["ctlplane"] = ctlplane_subnets()
    ports = {}
    for vip in vips:
        net = vip["network"]
        where = "Error provisioning Virtual IPs for overcloud stack %s: " % ev.get("stack_name")
        if net not in nets:
            raise Problem("playbook %s: %sNetwork %s for Virtual IP not found. (%s; Neutron has %s, from the "
                          "network data of the stacks provisioned so far and the undercloud's ctlplane)"
                          % (name, where, net, path, ", ".join(sorted(nets))))
        subnet = vip.get("subnet")
        if subnet and subnet not in nets[net]:
            raise Problem("playbook %s: %sSubnet %s for Virtual IP not found on network %s. (%s; it has %s)"
                          % (name, where, subnet, net, path, ", ".join(nets[net]) or "none"))
        if not subnet and not vip.get("ip_address") and len(nets[net]) != 1:
            raise Problem("playbook %s: %sNetwork %s has multiple subnets, please add a subnet or an ip_address "
                          "for the vip on this network. (%s; it has %s)"
                          % (name, where, net, path, ", ".join(nets[net])))
        ports[net] = subnet or (nets[net][0] if len(nets[net]) == 1 else vip.get("ip_address"))
    write_yaml(ev["vip_deployed_path"], {"parameter_defaults": {
        "VipPortMap": {k: {"subnet": v} for k, v in ports.items() if k != "ctlplane"},
        "ControlPlaneVipData": {"subnet": ports.get("ctlplane")}}})


def plan_made(container, generate_passwords, with_roledata=False):
    """cli-create/update-deployment-plan.yaml, as their tripleo-common modules do it, with
    tripleo-common's own functions on the fake Swift: the container is marked a plan
    (x-container-meta-usage-tripleo), plan-environment.yaml gets the generated passwords
    (tripleo_passwords_rotate: utils/plan.py generate_passwords; `overcloud export` reads them,
    13.7.0 export.py:34-51) and the container image parameters (tripleo_image_params_prepare:
    update_plan_environment_with_image_parameters, the public registry's defaults without a
    ContainerImagePrepare), and the j2 templates are rendered in the container
    (utils/template.py process_custom_roles; the client then downloads "missing (e.g j2
    rendered) files from the plan", 13.7.0 v1/overcloud_deploy.py:433-435)."""
    from tripleo_common.utils import plan as plan_utils
    from tripleo_common.utils import template as template_utils
    swift = FakeSwift()
    swift.put_container(container, headers={"x-container-meta-usage-tripleo": "plan"})
    heat = FakeHeat("undercloud")
    if generate_passwords:
        plan_utils.generate_passwords(swift, heat, container=container)
    plan_utils.update_plan_environment_with_image_parameters(swift, container, with_roledata=with_roledata)
    template_utils.process_custom_roles(swift, heat, container)


def deploy_steps_effects(stack, playbook_dir):
    """The stack's deploy steps ran: its Ceph tooling leaves, in the playbook directory, what
    `export ceph` reads (THT's ceph-ansible external_deploy_tasks: ceph-ansible/; cephadm's:
    cephadm/ceph_client.yml, or where CephClientConfigVars says), as export_ceph_check.py lays
    them out, with the stack's CephExtraKeys among the keys (the deploy makes them: THT 14.3.0
    deployment/ceph-ansible/ceph-base.yaml:580-591, 18.0.0 deployment/cephadm/ceph-base.yaml:562;
    cephadm generates a key an entry lacks, tripleo-ansible 6.0.0 ceph_key.py:313-314)."""
    st = stack_record(stack)
    tree = os.environ.get("DCNC_FLOW_TREE")
    if not (st and tree):
        return
    s = ec.Stack(tree, stack)
    if not s.cluster:
        return
    params = st.get("parameters") or {}
    extra = params.get("CephExtraKeys") or []
    s.extra_keys = [dict(k) for k in extra if isinstance(k, dict)]
    if st.get("ceph") == "ceph-ansible":
        lay_ceph_ansible(s, playbook_dir)
    elif st.get("ceph") == "cephadm":
        for k in s.extra_keys:
            k.setdefault("key", ec.fake_key(tree, stack, k.get("name")))
        s.client_vars = params.get("CephClientConfigVars")
        # tripleo_run_cephadm writes its variables there whatever CephClientConfigVars says
        # (tripleo-ansible 6.0.0 roles/tripleo_run_cephadm/tasks/prepare.yml:95-97)
        write_yaml(os.path.join(playbook_dir, "cephadm", "cephadm-extra-vars-ansible.yml"),
                   {"tripleo_cephadm_keys": [k for k in s.keys() if k["name"] != "client.radosgw"]})
        write_yaml(s.client_vars_path(playbook_dir) or os.path.join(playbook_dir, "cephadm", "ceph_client.yml"), {
            "tripleo_ceph_client_fsid": s.fsid, "tripleo_ceph_client_cluster": s.cluster,
            "external_cluster_mon_ips": ",".join(ip for ip, _ in s.mons),
            "keys": [{k: v for k, v in key.items() if k != "mode"} for key in s.keys()]})


def lay_ceph_ansible(st, playbooks):
    base = os.path.join(playbooks, "ceph-ansible")
    hosts = {"%s-controller-%d" % (st.name, i): {"storage_ip": ip, "ctlplane_ip": "192.168.24.%d" % (10 + i)}
             for i, (ip, _) in enumerate(st.mons)}
    write_yaml(os.path.join(base, "inventory.yml"), {
        "all": {"vars": {"ceph_cluster": st.cluster}}, "mons": {"children": {"Controller": {}}},
        "clients": {"children": {"Compute": {}}}, "Controller": {"hosts": hosts}, "Compute": {"hosts": {}}})
    write_yaml(os.path.join(base, "group_vars", "all.yml"), {
        "cluster": st.cluster, "fsid": st.fsid, "keys": st.keys(),
        "ceph_conf_overrides": {"global": {"osd_pool_default_size": 3}}})


def merged_environment(files, env_urls):
    """parameter_defaults and resource_registry of the stack, merged in -e order."""
    params, registry = {}, {}
    for url in env_urls:
        body = files.get(url)
        if body is None and url.startswith("file://") and os.path.exists(url[7:]):
            with open(url[7:], encoding="utf-8") as f:
                body = f.read()
        env = yaml.safe_load(body or "") or {}
        params.update(env.get("parameter_defaults") or {})
        registry.update(env.get("resource_registry") or {})
    return params, registry


def stack_deployed(stack_name, heat, params, registry, deployed_server, env_urls):
    """What a heat stack create/update of the overcloud means for the flow (the fake of
    deployment.deploy_without_plan and of the plan deploy)."""
    placement = [k for k in params if re.fullmatch(r"Overcloud\w+Flavor|\w+SchedulerHints", k)]
    nodes = nodes_of(stack_name) or {}
    provisioned = nodes.get("by") == "node provision" and "file://" + nodes.get("output", "") in env_urls
    if deployed_server:
        if not provisioned:
            REC.problems.append(
                "the deploy runs with --deployed-server (the undercloud has no Nova: %s), but no -e file "
                "is the output of an earlier `openstack overcloud node provision --stack %s`: "
                "its servers are never provisioned%s" % (
                    UNDERCLOUD["catalog"]["compute"]["why"], stack_name,
                    "; %s place nothing" % ", ".join(sorted(placement)) if placement else ""))
        elif placement:
            REC.notes.append("ignored with deployed servers: %s" % ", ".join(sorted(placement)))
    else:
        need("compute", "heat OS::Nova::Server (no --deployed-server)")
        need("baremetal", "heat OS::Nova::Server (no --deployed-server)")
        STATE.d.setdefault("nodes", {})[stack_name] = {"by": "nova (heat)", "user": "heat-admin", "ssh": True}
    # the stack's servers: THT maps OS::TripleO::Server to OS::Nova::Server
    # (overcloud-resource-registry-puppet.j2.yaml), environments/deployed-server-environment.yaml
    # to deployed-server.yaml; 16.x's deploy adds that file with --deployed-server, 13.7.0's does not
    server = registry.get("OS::TripleO::Server", "OS::Nova::Server")
    if deployed_server and server == "OS::Nova::Server":
        REC.problems.append(
            "the deploy runs with --deployed-server, but the stack's OS::TripleO::Server is still "
            "OS::Nova::Server (no -e environments/deployed-server-environment.yaml): heat asks the "
            "undercloud's Nova for every server (%s)" % UNDERCLOUD["catalog"]["compute"]["why"])
    # the Ceph tooling of the stack's deploy steps (THT's CephMon, or CephExternal for a client)
    ceph = None
    for svc in ("OS::TripleO::Services::CephMon", "OS::TripleO::Services::CephExternal"):
        path = registry.get(svc) or ""
        if "ceph-ansible" in path:
            ceph = ceph or "ceph-ansible"
        elif "cephadm" in path:
            ceph = ceph or "cephadm"
    ep = {"host": "192.0.2.10", "port": 5000, "protocol": "http", "uri": "http://192.0.2.10:5000"}
    values = {"EndpointMap": {"KeystoneAdmin": ep, "KeystonePublic": ep, "KeystoneInternal": ep},
              "HostsEntry": "192.0.2.10 overcloud.ctlplane", "GlobalConfig": {"x": "y"},
              "AllNodesConfig": {"x": "y"}, "KeystoneURL": "http://192.0.2.10:5000",
              "KeystoneRegion": "regionOne", "RoleNetIpMap": {}, "BlacklistedIpAddresses": [],
              "BlacklistedHostnames": [], "RoleNetHostnameMap": {}, "ServerIdData": {},
              "AuthCloudName": stack_name, "EnabledServices": {}, "HostnameNetworkConfigMap": {},
              "KeystoneAdminVip": "192.0.2.10", "VipMap": {"ctlplane": "192.0.2.10"}}
    outputs = [{"output_key": k, "output_value": v} for k, v in sorted(values.items())]
    d = {"name": stack_name, "status": "CREATE_COMPLETE", "outputs": outputs,
         "parameters": json.loads(json.dumps(params, default=str)),
         "ceph": ceph, "env_files": env_urls, "heat": heat.where}
    heat.store(stack_name, d)
    STATE.d.setdefault("stacks", {})[stack_name] = d


# ---------------------------------------------------------------- the worker: one command, real code

class App:
    def __init__(self, argv=()):
        self.stdin, self.stdout, self.stderr = sys.stdin, sys.stdout, sys.stderr
        # osc_lib.shell.OpenStackShell.run: the command line (container_image.py's
        # build_env_file writes it into the file's header)
        self.command_options = list(argv)
        self.options = argparse.Namespace(debug=False, verbose_level=1, cloud="undercloud")
        self.client_manager = ClientManager()
        self.command_manager = argparse.Namespace(namespace="openstack.cli")


class FakePopen:
    """subprocess.Popen of the client's code: recorded, not run (except process-templates.py)."""

    # what the undercloud answers (its hostname, the /etc/hosts entry its install writes)
    ANSWERS = [(["hostname", "-s"], "undercloud\n"), (["hostname", "-f"], "undercloud.localdomain\n"),
               (["hostname"], "undercloud.localdomain\n"), (["getent", "hosts"], "192.168.24.1 undercloud.ctlplane\n")]

    def __init__(self, args, *a, **kw):
        self.args = args
        self.returncode = 0
        self.pid = 1
        argv = [str(x) for x in (args if isinstance(args, (list, tuple)) else [args])]
        self.out = ""
        for prefix, answer in self.ANSWERS:
            if argv[:len(prefix)] == prefix:
                self.out = answer
                break
        else:
            REC.notes.append("ran (not really) %s" % " ".join(argv)[:200])
        self.stdout = io.StringIO(self.out)
        self.stderr = io.StringIO("")

    def communicate(self, *a, **kw):
        return (self.out, "")

    def wait(self, *a, **kw):
        return 0

    def poll(self):
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def cache_dir():
    d = os.environ.get("DCNC_FLOW_CACHE")
    if d:
        os.makedirs(d, exist_ok=True)
    return d


def hardlink_copy(src, dst):
    """cp -al: the tree's files shared, not copied (the worker's audit hook gives a file its own
    copy before anything writes to it)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if REAL_POPEN(["cp", "-al", src, dst]).wait() != 0:
        raise OSError("cp -al %s %s failed" % (src, dst))


REAL_POPEN = subprocess.Popen

# Runs the tar command in argv[1:]; its exit status, except that exit 1 whose every message is
# "file changed as we read it" is 0.
TAR_FORGIVING_SHARED_CTIME = r"""
import subprocess, sys
p = subprocess.run(sys.argv[1:], stderr=subprocess.PIPE, text=True)
lines = [l for l in p.stderr.splitlines() if l.strip()]
sys.stderr.write(p.stderr)
if p.returncode == 1 and lines and all(l.endswith(": file changed as we read it") for l in lines):
    sys.exit(0)
sys.exit(p.returncode)
"""


STATS = {"parse_hit": 0, "parse_miss": 0}


def patch_speed():
    """Faster, same results: the rendered templates and parsed YAML of a release are cached
    across steps and trees (DCNC_FLOW_CACHE), the templates tree is copied with hard links."""
    import pickle
    import shutil as sh
    import tripleoclient.utils as utils
    from heatclient.common import template_format
    cdir = cache_dir()
    if not cdir:
        return
    real_parse = template_format.parse
    memo = {}

    def parse(tmpl_str, *a, **kw):
        key = hashlib.sha256(tmpl_str.encode() if isinstance(tmpl_str, str) else tmpl_str).hexdigest()
        if key in memo:
            STATS["parse_hit"] += 1
            return pickle.loads(memo[key])
        path = os.path.join(cdir, "parse", key[:2], key)
        if os.path.exists(path):
            STATS["parse_hit"] += 1
            with open(path, "rb") as f:
                data = f.read()
        else:
            STATS["parse_miss"] += 1
            data = pickle.dumps(real_parse(tmpl_str, *a, **kw))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = path + ".%d" % os.getpid()
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        memo[key] = data
        return pickle.loads(data)
    template_format.parse = parse

    # yaml.safe_load with libyaml's parser (PyYAML's CSafeLoader: the same SafeConstructor)
    if getattr(yaml, "CSafeLoader", None):
        yaml.safe_load = lambda stream: yaml.load(stream, Loader=yaml.CSafeLoader)

    real_copytree = sh.copytree
    tht = os.path.realpath(os.environ["THT"])

    def copytree(src, dst, *a, **kw):
        if os.path.realpath(src) == tht and not os.path.exists(dst):
            hardlink_copy(src, dst)
            return dst
        return real_copytree(src, dst, *a, **kw)
    sh.copytree = copytree

    real_render = getattr(utils, "jinja_render_files", None)

    def jinja_render_files(log, templates, working_dir, roles_file=None, networks_file=None,
                           base_path=None, output_dir=None):
        h = hashlib.sha256(os.path.realpath(templates).encode())
        for f in (roles_file, networks_file):
            h.update(b"\0")
            if f and os.path.exists(f):
                with open(f, "rb") as fh:
                    h.update(fh.read())
        cached = os.path.join(cdir, "rendered", h.hexdigest())
        if output_dir is None and os.path.isdir(cached):
            sh.rmtree(working_dir)
            hardlink_copy(cached, working_dir)
            return
        real_render(log, templates=templates, working_dir=working_dir, roles_file=roles_file,
                    networks_file=networks_file, base_path=base_path, output_dir=output_dir)
        if output_dir is None:
            tmp = cached + ".%d" % os.getpid()
            hardlink_copy(working_dir, tmp)
            os.replace(tmp, cached) if not os.path.exists(cached) else sh.rmtree(tmp)
    if real_render is not None:
        utils.jinja_render_files = jinja_render_files

    # a tarball of the working directory for the operator (and `sudo cp` of it): nothing reads it
    if hasattr(utils, "archive_deploy_artifacts"):
        utils.archive_deploy_artifacts = lambda *a, **kw: REC.notes.append(
            "archive of the working directory not made (nothing reads it)")


def patch_client(scratch):
    """Replaces the client's boundaries to the outside (heat launcher, playbooks, subprocess)."""
    import tripleoclient.utils as utils
    real_popen = REAL_POPEN

    def popen(args, *a, **kw):
        argv = list(args) if isinstance(args, (list, tuple)) else [args]
        if len(argv) > 1 and str(argv[1]).endswith("tools/process-templates.py"):
            argv[0] = sys.executable
            return real_popen(argv, *a, **kw)
        if argv[:1] == ["/usr/bin/tar"] and "-czf" in argv:
            # tripleo-common utils/tarball.py create_tarball: the plan's templates, uploaded to
            # swift with extract-archive (13.7.0 workflows/plan_management.py:38-45). The tree is
            # hard-linked (patch_speed), so a parallel worker's `cp -al` of the same files moves
            # their ctime while tar reads them: GNU tar's "file changed as we read it" (exit 1)
            # is the check's own sharing, not the client's, and only that is forgiven.
            return real_popen([sys.executable, "-c", TAR_FORGIVING_SHARED_CTIME] + argv, *a, **kw)
        return FakePopen(args, *a, **kw)
    subprocess.Popen = popen

    def run_ansible_playbook(playbook, inventory, workdir, playbook_dir=None, *a, **kw):
        ev = dict(kw.get("extra_vars") or {})
        ev.update(kw.get("extra_vars_file") or {})
        run_playbook_effects(playbook, ev, playbook_dir=playbook_dir, workdir=workdir,
                             extra_vars_file=kw.get("extra_vars_file"))
    utils.run_ansible_playbook = run_ansible_playbook

    if hasattr(utils, "launch_heat"):
        class Launcher:
            def __init__(self, heat_type, *a, **kw):
                self.heat_type = heat_type
                self.heat_dir = kw.get("heat_dir")

        def get_heat_launcher(heat_type, *a, **kw):
            return Launcher(heat_type, *a, **kw)

        def launch_heat(launcher=None, restore_db=False):
            REC.heat = "ephemeral"
            REC.service("orchestration", True, "ephemeral heat (%s) launched by the deploy" % launcher.heat_type)
            return FakeHeat("ephemeral", os.path.join(launcher.heat_dir or scratch, "dcnc-flow-heat-db.json"))

        def kill_heat(launcher, *a, **kw):
            REC.heat = None

        utils.get_heat_launcher = get_heat_launcher
        utils.launch_heat = launch_heat
        utils.kill_heat = kill_heat
        utils.rm_heat = lambda *a, **kw: None

    if hasattr(utils, "wait_for_stack_ready"):
        utils.wait_for_stack_ready = lambda *a, **kw: True
    # the undercloud's /etc/hosts entry (undercloud install writes it)
    import tripleoclient.v1.overcloud_deploy as od
    if hasattr(od.DeployOvercloud, "_get_undercloud_host_entry"):
        od.DeployOvercloud._get_undercloud_host_entry = lambda self: "192.168.24.1 undercloud.ctlplane"
    if hasattr(utils, "copy_clouds_yaml"):
        utils.copy_clouds_yaml = lambda *a, **kw: None
    import openstack
    openstack.connect = lambda *a, **kw: FakeConnection()

    # tripleo-common's actions (run in the client with 13.7.0's mistral context): each makes its
    # service's client from the catalog (tripleo_common/actions/base.py get_object_client,
    # get_orchestration_client, ...)
    try:
        import tripleo_common.actions.base as tbase
    except ImportError:
        tbase = None
    if tbase is not None and hasattr(tbase, "TripleOAction"):
        def object_client(self, context):
            need("object-store", "tripleo-common action %s" % type(self).__name__)
            return FakeSwift()

        def orchestration_client(self, context):
            return FakeHeat("undercloud")

        def typed(ctype):
            def get(self, context, *a, **kw):
                need(ctype, "tripleo-common action %s" % type(self).__name__)
                return Anything(ctype)
            return get
        tbase.TripleOAction.get_object_client = object_client
        from tripleo_common.utils import plan as plan_utils
        plan_utils.object_request = lambda method, url, token=None: FakeSwift().request(method, url)
        tbase.TripleOAction.get_orchestration_client = orchestration_client
        for meth, ctype in (("get_compute_client", "compute"), ("get_baremetal_client", "baremetal"),
                            ("get_image_client", "image"), ("get_workflow_client", "workflowv2")):
            if hasattr(tbase.TripleOAction, meth):
                setattr(tbase.TripleOAction, meth, typed(ctype))

    # 13.7.0: the environment the deploy uploads into the plan (merged -e files), which the plan
    # deploy (cli-deploy-deployment-plan.yaml) makes the stack with
    if hasattr(od.DeployOvercloud, "_process_and_upload_environment"):
        real_upload_env = od.DeployOvercloud._process_and_upload_environment

        def process_and_upload_environment(self, container_name, env, *a, **kw):
            CURRENT["plan_env"] = copy.deepcopy(env)
            return real_upload_env(self, container_name, env, *a, **kw)
        od.DeployOvercloud._process_and_upload_environment = process_and_upload_environment

    try:
        import tripleoclient.workflows.deployment as dep
    except ImportError:
        dep = None
    if dep is not None and hasattr(dep, "deploy_without_plan"):
        import inspect
        sig = inspect.signature(dep.deploy_without_plan)     # (clients, [stack,] stack_name, ...)

        def deploy_without_plan(*a, **kw):
            args = sig.bind(*a, **kw).arguments
            heat = args["clients"].orchestration
            if not isinstance(heat, FakeHeat):
                heat = FakeHeat("undercloud")
            params, registry = merged_environment(args["files"], args["env_files"])
            stack_deployed(args["stack_name"], heat, params, registry,
                           getattr(CURRENT.get("pa"), "deployed_server", False), args["env_files"])
        dep.deploy_without_plan = deploy_without_plan


CURRENT = {}


def find_openstack_command(argv, tables):
    return tc.find_command(argv, tables)


def worker(req, tables, scratch):
    global REC, STATE
    REC = Recorder()
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    os.umask(req["umask"])
    STATE = State(os.path.join(scratch, "undercloud-state.json"))
    SCRATCH[0] = scratch
    tempfile.tempdir = None     # the step's TMPDIR (gettempdir() caches the first one)
    reads, writes = [], []
    in_hook = [False]
    roots = [os.path.realpath(scratch)]
    if cache_dir():
        roots.append(os.path.realpath(cache_dir()))
    if os.environ.get("DCNC_FLOW_PROFILE"):
        roots.append(os.path.realpath(os.path.dirname(os.environ["DCNC_FLOW_PROFILE"])))

    def hook(event, args):
        if event == "open" and isinstance(args[0], str):
            path = os.path.abspath(args[0])
            if path.endswith((".py", ".pyc")) or "/site-packages/" in path:
                return
            mode = args[1] or "r"
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR):
                real = os.path.realpath(path)
                if not any(real == r or real.startswith(r + os.sep) for r in roots):
                    raise PermissionError("flow_check: refused a write outside the scratch directory: %s" % path)
                writes.append(path)
                if not in_hook[0]:
                    in_hook[0] = True
                    try:
                        st = os.lstat(real) if os.path.exists(real) else None
                        if st is not None and st.st_nlink > 1 and not os.path.isdir(real):   # a hard link into the cache
                            with open(real, "rb") as fh:
                                body = fh.read()
                            os.unlink(real)
                            with open(real, "wb") as fh:
                                fh.write(body)
                            os.chmod(real, st.st_mode & 0o7777)
                    finally:
                        in_hook[0] = False
            else:
                reads.append(path)
    sys.addaudithook(hook) if not getattr(worker, "hooked", False) else None
    worker.hooked = True
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    rc, failure = 0, None
    prog, argv = req["prog"], req["argv"]
    import time
    t0 = time.time()
    try:
        if prog == "openstack" and os.environ.get("DCNC_FLOW_PROFILE") and argv[:2] == ["overcloud", "deploy"]:
            import cProfile
            import pstats
            prof = cProfile.Profile()
            rc = prof.runcall(run_openstack, argv, tables)
            with open(os.environ["DCNC_FLOW_PROFILE"], "a") as pf:
                pstats.Stats(prof, stream=pf).sort_stats("cumulative").print_stats(40)
        elif prog == "openstack":
            rc = run_openstack(argv, tables)
        else:
            rc = run_modelled(prog, argv)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 2
    except Problem as e:
        rc = 1
        failure = {"error": str(e), "where": "flow model"}
    except BaseException as e:
        rc = 1
        tb = traceback.extract_tb(e.__traceback__)
        frames = [f for f in tb if "/tripleoclient/" in f.filename or "/heatclient/" in f.filename]
        where = "%s:%d" % (re.sub(r".*/((tripleo|heat)client/)", r"\1", frames[-1].filename), frames[-1].lineno) \
            if frames else "?"
        failure = {"error": "%s: %s" % (type(e).__name__, e), "where": where,
                   "trace": traceback.format_exc()}
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    for text in (out.getvalue(), err.getvalue()):
        for ln in text.splitlines():
            m = re.search(r" ERROR (\S+) \[[^]]*\] (.*)", ln)
            if m:
                REC.notes.append("the client logged an error (%s): %s" % (m.group(1), m.group(2)[:300]))
    STATE.save()
    record = {"loc": req["loc"], "prog": prog, "argv": argv, "rc": rc, "failure": failure,
              "services": REC.services, "playbooks": REC.playbooks, "problems": REC.problems,
              "notes": REC.notes, "reads": sorted(set(reads)), "writes": sorted(set(writes)),
              "seconds": round(time.time() - t0, 2), "stats": dict(STATS)}
    with open(os.path.join(scratch, "steps.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    stderr = err.getvalue()
    if failure:
        stderr += "flow_check: %s failed: %s\n" % (prog, failure["error"])
    if failure or REC.problems:
        # keep going: the step's problems are recorded; the script goes on as if it had passed,
        # so that one run shows every step that fails (a script's own checks may still stop it)
        rc = 0
    return {"rc": rc, "stdout": out.getvalue(), "stderr": stderr}


def run_openstack(argv, tables):
    found = find_openstack_command(argv, tables)
    if found is None:
        raise Problem("`openstack %s` is not a command of this release" % " ".join(argv[:3]))
    name, target, owner, rest = found
    cls = tc.load_class(target)
    app = App(argv)
    cmd = cls(app, app.options, cmd_name=name)
    parser = cmd.get_parser("openstack " + name)
    parsed = parser.parse_args(rest)
    # the real code may switch --deployed-server on (16.x, no Nova): the fake deploy reads it then
    CURRENT["pa"] = parsed
    CURRENT["stack"] = getattr(parsed, "stack", None) or getattr(parsed, "name", None)
    return cmd.run(parsed) or 0


def run_modelled(prog, argv):
    """ansible-playbook and tripleo-ansible-inventory: what they need, not run."""
    if prog == "ansible-playbook":
        inv, play = None, None
        i = 0
        while i < len(argv):
            a = argv[i]
            if a in ("-i", "--inventory"):
                inv = argv[i + 1]
                i += 2
                continue
            if not a.startswith("-"):
                play = a
            i += 1
        for f in (inv, play):
            if f is None or not os.path.exists(f):
                raise Problem("ansible-playbook reads %s, which no earlier step wrote" % f)
        stack = os.path.basename(os.path.dirname(os.path.abspath(play)))
        st = stack_record(stack)
        if st is None:
            raise Problem("ansible-playbook %s: no stack %s was deployed before" % (play, stack))
        need_nodes(stack, "ansible-playbook " + os.path.basename(play))
        ssh_login(stack, "ansible-playbook " + os.path.basename(play), argv)
        deploy_steps_effects(stack, os.path.dirname(os.path.abspath(play)))
        return 0
    if prog == "tripleo-ansible-inventory":
        # tripleo-validations scripts/tripleo-ansible-inventory: TripleoInventory reads the stack
        # from the undercloud's heat (--stack) to list the hosts.
        stack, out = None, None
        for i, a in enumerate(argv):
            if a == "--stack":
                stack = argv[i + 1]
            if a == "--static-yaml-inventory":
                out = argv[i + 1]
        need("orchestration", "tripleo-ansible-inventory --stack (tripleo-validations)")
        if stack_record(stack) is None or STATE.d.get("heat", {}).get(stack) is None:
            raise Problem("tripleo-ansible-inventory: the undercloud's heat has no stack %s" % stack)
        write_yaml(out, {"all": {"vars": {"ansible_ssh_user": "heat-admin"}}})
        return 0
    raise Problem("the flow check does not model %s" % prog)


# ---------------------------------------------------------------- server, one per tree

def serve(sock_path, client, common, scratch, tables_ready):
    import warnings
    warnings.simplefilter("ignore")     # old code on a new python: DeprecationWarnings
    import passlib.utils  # noqa: F401  (imported here, warned about once, not in every step)
    import pkg_resources  # noqa: F401
    # tripleo-common's data files, where its setup.cfg data_files installs them: under sys.prefix
    # (share/tripleo-common/container-images = the sdist's container-images/; kolla_builder binds
    # the paths at import).  This process's sys.prefix is a prefix in the scratch directory that
    # holds only that link.
    prefix = os.path.join(scratch, "prefix")
    os.makedirs(os.path.join(prefix, "share", "tripleo-common"))
    os.symlink(os.path.join(common, "container-images"),
               os.path.join(prefix, "share", "tripleo-common", "container-images"))
    sys.prefix = prefix
    import tripleoclient
    if not os.path.abspath(tripleoclient.__file__).startswith(client + os.sep):
        raise SystemExit("flow_check.py: imported %s, not the one in %s" % (tripleoclient.__file__, client))
    tables = tables_ready()
    # the undercloud's openstack-tripleo-heat-templates package is at THT here: the client's
    # constants that name a path in it (e.g. --network-data's default) point there
    import tripleoclient.constants as tconst
    for k, v in list(vars(tconst).items()):
        if isinstance(v, str) and v.startswith("/usr/share/openstack-tripleo-heat-templates"):
            setattr(tconst, k, v.replace("/usr/share/openstack-tripleo-heat-templates",
                                         os.environ["THT"].rstrip("/"), 1))
    global UNDERCLOUD
    UNDERCLOUD = undercloud(client, os.environ["THT"])
    with open(os.path.join(scratch, "undercloud-state.json"), "w", encoding="utf-8") as f:
        json.dump({"undercloud": UNDERCLOUD}, f)
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
            if os.getppid() != parent:
                os._exit(0)
            continue
        conn.settimeout(None)
        pid = os.fork()
        if pid == 0:
            srv.close()
            try:
                req = recv_json(conn)
                try:
                    patch_client(scratch)
                    patch_speed()
                    reply = worker(req, tables, scratch)
                except BaseException as e:
                    # the checker's own failure: recorded as the step's, so that it is reported
                    reply = {"rc": 1, "stdout": "", "stderr": "flow_check: worker crashed:\n" + traceback.format_exc()}
                    with open(os.path.join(scratch, "steps.jsonl"), "a", encoding="utf-8") as f:
                        f.write(json.dumps({"loc": req["loc"], "prog": req["prog"], "argv": req["argv"], "rc": 1,
                                            "failure": {"error": "the flow check itself failed: %s: %s" % (
                                                type(e).__name__, e), "where": "flow_check.py"},
                                            "services": [], "playbooks": [], "problems": [], "notes": [],
                                            "reads": [], "writes": []}) + "\n")
                conn.sendall(json.dumps(reply).encode())
                conn.close()
            finally:
                os._exit(0)
        conn.close()
        os.waitpid(pid, 0)


BASH_ENV = """\
# flow_check.py: the programs whose steps are checked, with the script and line that runs them.
# A step deploy-all.sh --list says runs on other hosts than the undercloud (ussuri-poc's
# configure.sh, glance-key.sh, ceph-clients.sh) is not this check's: it ends here, named.
if [ -n "${DCNC_FLOW_ELSEWHERE:-}" ] && [[ "$DCNC_FLOW_ELSEWHERE" == *"|$0="* ]]; then
  _h="${DCNC_FLOW_ELSEWHERE#*"|$0="}"
  echo "flow_check: $0 runs on ${_h%%|*}, not on the undercloud: not run here" >&2
  exit 0
fi
# cat: the key files the spec names (operator prerequisites) are read from the scratch directory.
cat() {
  local a out=()
  for a in "$@"; do
    if [ -n "${DCNC_FLOW_KEYFILES:-}" ] && [[ "|$DCNC_FLOW_KEYFILES|" == *"|$a="* ]]; then
      a="${DCNC_FLOW_KEYFILES#*"$a="}"
      a="${a%%|*}"
    fi
    out+=("$a")
  done
  command cat "${out[@]}"
}
openstack() { "$DCNC_FLOW_PY" "$DCNC_FLOW_SELF" --shim openstack "${BASH_SOURCE[1]}:${BASH_LINENO[0]}" "$@"; }
ansible-playbook() { "$DCNC_FLOW_PY" "$DCNC_FLOW_SELF" --shim ansible-playbook "${BASH_SOURCE[1]}:${BASH_LINENO[0]}" "$@"; }
tripleo-ansible-inventory() { "$DCNC_FLOW_PY" "$DCNC_FLOW_SELF" --shim tripleo-ansible-inventory "${BASH_SOURCE[1]}:${BASH_LINENO[0]}" "$@"; }
# Commands that act on a host (services, containers, its configuration, other machines) are never
# run here: a step that uses one fails, named with the script and line (these steps are not for
# the undercloud; scripts for the overcloud's hosts are not what this check runs).
for _cmd in systemctl podman docker crudini sudo ssh scp ansible; do
  eval "$_cmd() { echo \"flow_check: refused to run $_cmd on this machine (\${BASH_SOURCE[1]}:\${BASH_LINENO[0]})\" >&2; return 126; }"
done
unset _cmd
"""

PREREQUISITES = ["~/.ssh/id_rsa", "~/.ssh/id_rsa.pub"]

# The same commands as BASH_ENV's refusals, first on PATH too (for `timeout CMD`, `env CMD`...).
HOST_COMMANDS = ["systemctl", "podman", "docker", "crudini", "sudo", "ssh", "scp", "ansible", "ceph", "rbd"]


def refusing_bin(scratch):
    d = os.path.join(scratch, "bin")
    os.makedirs(d)
    for c in HOST_COMMANDS:
        with open(os.path.join(d, c), "w", encoding="utf-8") as f:
            f.write('#!/bin/sh\necho "flow_check: refused to run %s on this machine" >&2\nexit 126\n' % c)
        os.chmod(os.path.join(d, c), 0o755)
    return d


def key_prerequisites(tree, scratch):
    """The cephx keys the spec names (`key env NAME`, `key file PATH` in the scripts): documented
    operator prerequisites (README, the step that reads them fails fast without them). Supplied:
    env: {NAME: key}; files: a scratch copy per PATH, mapped by the BASH_ENV `cat`."""
    env, files = {}, {}
    for root, _, names in os.walk(tree):
        for n in names:
            if not n.endswith(".sh"):
                continue
            with open(os.path.join(root, n), encoding="utf-8") as f:
                for kind, ref in re.findall(r'\(key (env|file) ([^)\s]+)\)', f.read()):
                    key = ec.fake_key(tree, kind, ref)
                    if kind == "env":
                        env[ref] = key
                    else:
                        path = os.path.join(scratch, "prerequisites", hashlib.sha256(ref.encode()).hexdigest()[:12])
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        with open(path, "w", encoding="utf-8") as kf:
                            kf.write(key)
                        files[ref] = path
    return env, files


class SwiftClientException(Exception):
    """swiftclient.exceptions.ClientException (swiftclient is not installed: a stub module would
    give every `except ClientException` a class of its own, which nothing raises)."""

    def __init__(self, msg, http_status=None, **kw):
        super().__init__(msg)
        self.msg = msg
        self.http_status = http_status


def install_swiftclient_exceptions():
    import types
    exc = types.ModuleType("swiftclient.exceptions")
    exc.ClientException = SwiftClientException
    top = tc._StubModule("swiftclient")
    top.__path__ = []
    top.exceptions = exc
    top.ClientException = SwiftClientException
    sys.modules["swiftclient"] = top
    sys.modules["swiftclient.exceptions"] = exc


def check_tree(name, tree, client, common, tht, verbose, inputs=None):
    """Runs deploy-all.sh of tree; returns (ok, lines)."""
    scratch = tempfile.mkdtemp(prefix="dcnc-flow.")
    lines = []
    try:
        if inputs:
            shutil.copytree(inputs, scratch, dirs_exist_ok=True)
        home, work, tmp = (os.path.join(scratch, d) for d in ("home", "work", "tmp"))
        for d in (home, work, tmp):
            os.makedirs(d)
        os.makedirs(os.path.join(home, ".ssh"))
        for p in PREREQUISITES:
            with open(p.replace("~", home), "w", encoding="utf-8") as f:
                f.write("ssh-ed25519 AAAA dcnc-flow\n" if p.endswith(".pub") else "PRIVATE\n")
        # More ssh key pairs in the stack user's home (DCNC_FLOW_HOME_KEYS: paths under ~,
        # comma-separated), each with a public key of its own: an undercloud where utils.get_key
        # finds another pair first.
        for rel in filter(None, os.environ.get("DCNC_FLOW_HOME_KEYS", "").split(",")):
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write("PRIVATE\n")
            with open(path + ".pub", "w", encoding="utf-8") as f:
                f.write("ssh-ed25519 BBBB %s\n" % rel)
        bash_env = os.path.join(scratch, "bash_env.sh")
        with open(bash_env, "w", encoding="utf-8") as f:
            f.write(BASH_ENV)
        sock = os.path.join(scratch, "sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "OVERCLOUD_", "DCNC_", "ANSIBLE_"))}
        env["PATH"] = refusing_bin(scratch) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
        env.update({"HOME": home, "DCNC_WORK_DIR": work, "TMPDIR": tmp, "THT": tht, "BASH_ENV": bash_env,
                    "DCNC_FLOW_PY": sys.executable, "DCNC_FLOW_SELF": os.path.abspath(__file__),
                    SOCKET_ENV: sock, "DCNC_FLOW_TREE": tree, "USER": "stack", "PYTHONWARNINGS": "ignore"})
        # external-ceph.sh's check of the live external cluster is e2e/run.sh's (on a real Ceph)
        env["DCNC_SKIP_CEPH_CHECK"] = "1"
        if os.environ.get("DCNC_FLOW_CTLPLANE_SUBNETS"):
            env["DCNC_FLOW_CTLPLANE_SUBNETS"] = os.environ["DCNC_FLOW_CTLPLANE_SUBNETS"]   # ctlplane_subnets()
        key_env, key_files = key_prerequisites(tree, scratch)
        env.update(key_env)
        if key_files:
            env["DCNC_FLOW_KEYFILES"] = "|".join("%s=%s" % kv for kv in sorted(key_files.items()))
        for k in ("DCNC_FLOW_PROFILE", "DCNC_FLOW_CACHE"):
            if os.environ.get(k):
                env[k] = os.environ[k]
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            os.dup2(wfd, 1)
            try:
                os.environ.clear()
                os.environ.update(env)
                os.chdir(scratch)
                sys.path.insert(0, common)
                sys.path.insert(0, client)
                tc.STUBBED.update(FLOW_STUBBED)
                safe = tc._StubModule("tripleo_common.utils.safe_import")
                safe.git = tc._StubModule("git")
                sys.modules["tripleo_common.utils.safe_import"] = safe
                # tripleo_common.utils.locks.processlock starts a multiprocessing.Manager server
                # when imported (its class body; tripleoclient v1/container_image.py imports it
                # for the uploads, which `tripleo container image prepare default` does not do):
                # that process would inherit the step's connection and hold it open.
                plock = types.ModuleType("tripleo_common.utils.locks.processlock")
                plock.ProcessLock = lambda: None
                sys.modules["tripleo_common.utils.locks.processlock"] = plock
                install_swiftclient_exceptions()
                finder = tc._StubFinder()
                sys.meta_path.append(finder)
                tables_fn = lambda: tables_for(client)  # noqa: E731
                serve(sock, client, common, scratch, tables_fn)
            except BaseException:
                traceback.print_exc()
            os._exit(1)
        os.close(wfd)
        ready = os.read(rfd, 4096)
        os.close(rfd)
        try:
            if ready != b"ready\n":
                raise SystemExit("flow_check.py: the server did not start: %s" % ready.decode())
            p, resumed = run_all(tree, scratch, env)
        finally:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        steps = []
        if os.path.exists(os.path.join(scratch, "steps.jsonl")):
            with open(os.path.join(scratch, "steps.jsonl"), encoding="utf-8") as f:
                steps = [json.loads(x) for x in f]
        problems = 0
        for s in steps:
            loc = shorten(s["loc"], tree)
            cmd = " ".join([s["prog"]] + [pretty(a, home, work, tht) for a in s["argv"]])[:160]
            probs = list(s["problems"])
            if s["failure"]:
                f = s["failure"]
                missing = ""
                if f["error"].startswith(("FileNotFoundError", "CommandError: Error: The following files were not found")):
                    missing = ": no earlier step wrote it"
                probs.append("%s (%s)%s" % (pretty(f["error"], home, work, tht), f["where"], missing))
            for pr in probs:
                problems += 1
                lines.append("  %s: %s: %s" % (loc, cmd, pretty(pr, home, work, tht)))
            if verbose:
                seen = {}
                for c, ok, _ in s["services"]:
                    seen[c] = seen.get(c, True) and ok
                svc = ", ".join("%s%s" % (c, "" if ok else " (MISSING)") for c, ok in seen.items()) or "none"
                lines.append("    %s: %s (%.1f s)" % (loc, cmd, s.get("seconds", 0)))
                lines.append("      services: %s; playbooks: %s" % (svc, ", ".join(s["playbooks"]) or "none"))
                rd = [pretty(r, home, work, tht) for r in s["reads"]
                      if keep(r, scratch, tree) and r not in s["writes"]]
                wr = [pretty(w, home, work, tht) for w in s["writes"] if keep(w, scratch, tree)]
                lines.append("      reads: %s" % (", ".join(rd) or "-"))
                lines.append("      writes: %s" % (", ".join(wr) or "-"))
                if s["failure"] and s["failure"].get("trace") and os.environ.get("DCNC_FLOW_TRACE"):
                    lines.append(s["failure"]["trace"])
                for n in s["notes"]:
                    lines.append("      note: %s" % pretty(n, home, work, tht))
        if os.environ.get("DCNC_FLOW_TRACE"):
            lines.append(p.stdout[-3000:])
            lines.append(p.stderr[-6000:])
        for step, rc, last in resumed:
            problems += 1
            lines.append("  deploy-all.sh: step %s exits %d (%s); the check goes on with the next step "
                         "(deploy-all.sh --from)" % (step, rc, pretty(last, home, work, tht)))
        ok = problems == 0
        if ELSEWHERE:
            lines.insert(0, "  not run (deploy-all.sh says they run on other hosts than the undercloud): %s" % ", ".join(
                "%s (%s)" % sh for sh in ELSEWHERE))
        if key_env or key_files:
            lines.insert(0, "  prerequisites supplied (the spec's keys): %s" % ", ".join(
                ["env %s" % k for k in sorted(key_env)] + ["file %s" % k for k in sorted(key_files)]))
        lines.insert(0, "%s: %s (%d steps)" % (name, "ok" if ok else "FAILED", len(steps)))
        return ok, lines
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


ELSEWHERE = []


def run_all(tree, scratch, env):
    """deploy-all.sh; when a step fails, again --from the step after it, until every step ran.
    Returns the last run and [(failed step, exit status, its last stderr line)]."""
    script = os.path.join(tree, "deploy-all.sh")
    listed = subprocess.run(["bash", script, "--list"], cwd=scratch, env=env, capture_output=True,
                            text=True, timeout=60)
    order = re.findall(r"^\s*\d+\.\s+(\S+)", listed.stdout, re.M)
    elsewhere = [(step, os.path.join(tree, path), host) for step, path, host in re.findall(
        r"^\s*\d+\.\s+(\S+)\s+(\S+)\s+\(on (.*)\)$", listed.stdout, re.M) if host != "undercloud"]
    if elsewhere:
        env = dict(env, DCNC_FLOW_ELSEWHERE="|" + "|".join("%s=%s" % (p, h) for _, p, h in elsewhere) + "|")
    ELSEWHERE[:] = [(step, host) for step, _, host in elsewhere]
    failed = []
    args = []
    while True:
        p = subprocess.run(["bash", script] + args, cwd=scratch, env=env, capture_output=True,
                           text=True, timeout=900)
        if p.returncode == 0:
            return p, failed
        ran = re.findall(r"^=== (\S+): ", p.stdout, re.M)
        step = ran[-1] if ran else "?"
        failed.append((step, p.returncode, (p.stderr.strip().splitlines() or ["?"])[-1]))
        if step not in order or order.index(step) + 1 >= len(order):
            return p, failed
        args = ["--from", order[order.index(step) + 1]]


def keep(path, scratch, tree):
    if path.startswith(os.path.join(scratch, "swift")):
        return False
    if "/.cache/python-entrypoints" in path or "/.tripleo/history" in path or \
            "/tripleo-heat-templates/" in path or path.startswith(
            os.path.join(scratch, "prefix")) or os.path.basename(path) in ("undercloud-state.json",
                                                                           "steps.jsonl"):
        return False
    return path.startswith(scratch) or path.startswith(tree)


def shorten(loc, tree):
    path, _, line = loc.rpartition(":")
    if path.startswith(tree + "/"):
        path = path[len(tree) + 1:]
    return "%s:%s" % (path, line)


def pretty(s, home, work, tht):
    s = str(s)
    tmp = os.path.join(os.path.dirname(home), "tmp")
    s = re.sub(re.escape(tmp) + r"/tmp\.\w+", "$EXPORT_DIR", s)
    for prefix, short in ((work, "$WORK"), (home, "~"), (tmp, "$TMPDIR"), (tht, "$THT")):
        s = s.replace(prefix, short)
    return s


def tables_for(client):
    import importlib.metadata
    release = "python-tripleoclient %s" % release_of(client)
    tables = [(release, tc.tripleoclient_commands(client))]
    heat = importlib.metadata.version("python-heatclient")
    tables.append(("python-heatclient %s" % heat, tc.installed_commands("openstack.orchestration.v1")))
    return tables


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client", required=True)
    ap.add_argument("--common", required=True)
    ap.add_argument("--tht", required=True)
    ap.add_argument("--inputs", metavar="DIR", help="the spec's input files (network_data), copied "
                    "into the directory deploy-all.sh runs in")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("trees", nargs="+", metavar="NAME=TREE")
    args = ap.parse_args()
    client, tht = os.path.abspath(args.client), os.path.abspath(args.tht)
    ok = True
    for spec in args.trees:
        name, _, tree = spec.partition("=")
        good, lines = check_tree(name, os.path.abspath(tree), client, os.path.abspath(args.common), tht,
                                 args.verbose, args.inputs and os.path.abspath(args.inputs))
        ok &= good
        print("\n".join(lines))
        sys.stdout.flush()
    print("flow_check: python-tripleoclient %s: %d trees, %s" % (release_of(client), len(args.trees),
                                                                "ok" if ok else "FAILED"), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
