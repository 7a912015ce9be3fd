#!/usr/bin/env python3
"""baremetal_check.py: check baremetal deployment files (stacks/<stack>/baremetal.yaml, the input of
`openstack overcloud node provision` and `overcloud deploy -b`) with tripleo-ansible's own code.

The contract lives in tripleo-ansible's
tripleo_ansible/ansible_plugins/module_utils/baremetal_deploy.py: the jsonschema schemas
(_ROLES_INPUT_SCHEMA, _INSTANCE_SCHEMA...), validate_roles() (hostname/name/provisioned not in
defaults, provisioned instances <= count, unique hostnames and names) and expand(), which the
Ansible module tripleo_baremetal_expand_roles runs in the playbook cli-overcloud-node-provision.yaml.
This script imports that file from an unpacked tripleo-ansible sdist (see fetch-tht.sh
--tripleo-ansible) and runs it; no schema is copied here.

baremetal_deploy.py imports `metalsmith` (and `metalsmith.sources`) at the top.  Of metalsmith,
expand() only calls sources.detect() (to check the image source, from validate_instances());
the rest is used by functions that talk to Ironic, which are not called here.  metalsmith (with
openstacksdk) is not installed: a stub module stands in whose detect() only records its
arguments.  So image href/kernel/ramdisk/checksum combinations are NOT checked; a file that sets
`image` gets a note saying so.

For each file, as the playbook does (state: present, and state: absent as `overcloud deploy -b`
does for unprovisioning), with the stack name taken from the file's directory name:
  expand(roles, stack, expand_provisioned=True, default_image=..., default_network=[ctlplane vif],
         user_name=..., ssh_public_keys=...)
  expand(roles, stack, expand_provisioned=False, default_image=...)
Any exception of theirs (jsonschema.ValidationError, ValueError...) is a problem.  Then, on the
expanded result:
  - parameter_defaults <Role>Count equals the role's `count` (tripleo's default 1 when absent);
  - each provisioned instance of the file keeps its hostname and capabilities.node;
  - every expanded instance of a role that pins any is pinned by capabilities.node (dcnc
    places nodes by that tag; an instance without it would take any free node); a role that
    pins none (a spec role with `hint: ""`) takes free nodes by design, which is only noted;
  - hostnames and capabilities.node are unique, in the file and across all files given;
  - with --roles STACK=Role,Role: every role of that stack's file is one of those roles (a
    renamed `Base:Name`, as `roles generate` takes it, is role Name);
  - with --network-data STACK=FILE and --roles-data STACK=FILE (what the stack's `overcloud
    deploy` gets with -n and -r): every expanded instance of a role has a port on exactly the
    networks the deploy puts that role on, the role's `networks` in the roles file that the
    network data has (THT 14.3.0 overcloud.j2.yaml:970-1019 `role_networks`; a role network
    without a port gets THT's network/ports/noop.yaml, the ctlplane address, so its services
    silently bind there), each named by the network's name_lower (its Neutron name, which
    tripleo_overcloud_network_ports.py:457-465 looks up) and on the role's subnet (the one THT
    reads the role's cidr, gateway and routes from, overcloud.j2.yaml:972-977), which the
    network data must have; and with such networks, `network_config.template` is set (the
    default, templates/net_config_bridge.j2, configures the control plane only).

Note: Ansible's argument spec of tripleo_baremetal_expand_roles (count: int) would convert a
string count like '2' to 2 before expand() sees it; this checker, calling expand() directly, rejects
it (as validate_roles() does), which is what a generator should want.

Prints `FILE: problem` lines and a one-line summary.  Exit 0 when no problem, 1 with problems,
2 on usage errors (missing files, not a tripleo-ansible tree).
"""

import argparse
import copy
import importlib.util
import os
import re
import sys
import types

import jsonschema
import yaml

MODULE = 'tripleo_ansible/ansible_plugins/module_utils/baremetal_deploy.py'

# What the playbook hands to tripleo_baremetal_expand_roles: default_image is the whole-disk image
# it prefers ("Set whole-disk file based default image"), default_network is the module's own
# default, user_name is tripleoclient's --overcloud-ssh-user default.
DEFAULT_IMAGE = {'href': 'file:///var/lib/ironic/images/overcloud-hardened-uefi-full.raw'}
DEFAULT_NETWORK = [{'network': 'ctlplane', 'vif': True}]
USER_NAME = 'tripleo-admin'
SSH_PUBLIC_KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIdcncbaremetalcheck dcnc@check'

DETECT_CALLS = []


def usage_error(msg):
    print('baremetal_check.py: %s' % msg, file=sys.stderr)
    sys.exit(2)


def load_baremetal_deploy(ta_root):
    """Import tripleo-ansible's baremetal_deploy.py from the sdist, with metalsmith stubbed."""
    path = os.path.join(ta_root, MODULE)
    if not os.path.isfile(path):
        usage_error('%s is not a tripleo-ansible tree (no %s)' % (ta_root, MODULE))
    version = '?'
    pkg_info = os.path.join(ta_root, 'PKG-INFO')
    if os.path.isfile(pkg_info):
        with open(pkg_info, encoding='utf-8') as f:
            m = re.search(r'^Version: (\S+)$', f.read(), re.M)
            if m:
                version = m.group(1)

    # The stub: a package `metalsmith` whose `sources.detect` records what it was asked.
    # Nothing else: any other use of metalsmith would fail with AttributeError, loudly.
    metalsmith = types.ModuleType('metalsmith')
    metalsmith.__path__ = []
    sources = types.ModuleType('metalsmith.sources')

    def detect(image, kernel=None, ramdisk=None, checksum=None):
        DETECT_CALLS.append((image, kernel, ramdisk, checksum))

    sources.detect = detect
    metalsmith.sources = sources
    saved = {k: sys.modules.get(k) for k in ('metalsmith', 'metalsmith.sources')}
    sys.modules['metalsmith'] = metalsmith
    sys.modules['metalsmith.sources'] = sources
    try:
        spec = importlib.util.spec_from_file_location('tripleo_ansible_baremetal_deploy', path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    for name in ('expand', 'validate_roles', '_ROLES_INPUT_SCHEMA', '_INSTANCE_SCHEMA'):
        if not hasattr(mod, name):
            usage_error('%s has no %s: not the tripleo-ansible this checker knows' % (path, name))
    return mod, version


def json_path(parts):
    out = ''
    for p in parts:
        out += '[%d]' % p if isinstance(p, int) else '.%s' % p
    return out or '(top)'


def describe_validation_error(err):
    """One line for a jsonschema error.  For an anyOf (defaults and instances are "the instance
    schema without nics" or "... without networks"), the errors of the branch that came closest,
    i.e. the one with the fewest errors."""
    schema = '/'.join(str(p) for p in err.schema_path)
    if not err.context:
        return '%s: %s (schema: %s)' % (json_path(err.absolute_path), err.message, schema)
    branches = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    closest = min(branches.values(), key=len)
    return '; '.join('%s: %s (schema: %s)' % (json_path(sub.absolute_path), sub.message, schema)
                     for sub in closest)


def run_theirs(fn, problems, what):
    try:
        return fn()
    except jsonschema.ValidationError as e:
        problems.append('tripleo-ansible %s: %s' % (what, describe_validation_error(e)))
    except Exception as e:  # their ValueError/BaremetalDeployException, or a crash on bad input
        problems.append('tripleo-ansible %s: %s: %s' % (what, type(e).__name__, e))
    return None


def load_yaml_arg(what, path):
    try:
        with open(path, encoding='utf-8') as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        usage_error('%s %s: %s' % (what, path, str(e).replace('\n', ' ')))


def deploy_networks(roles_data, network_data):
    """Per role: {name_lower: subnet} of the networks the deploy puts it on, and the subnets of
    each network of the network data ({name_lower: set})."""
    nets = {}
    for n in network_data or []:
        if n.get('enabled', True) is False:
            continue
        lower = n.get('name_lower') or n['name'].lower()
        nets[n['name']] = (lower, set((n.get('subnets') or {}).keys()))
    want = {}
    for r in roles_data or []:
        rn = r.get('networks') or {}
        role = want[r['name']] = {}
        for name in rn:
            if name not in nets:
                continue
            lower = nets[name][0]
            subnet = (rn[name] or {}).get('subnet', '%s_subnet' % lower) if isinstance(rn, dict) \
                else '%s_subnet' % lower
            role[lower] = subnet
    return want, {lower: subnets for lower, subnets in nets.values()}


def check_networks(instances, hostname_role_map, want, subnets, problems):
    for exp in instances:
        role = hostname_role_map.get(exp.get('hostname'), '?')
        if role not in want:
            problems.append('%s: role %s is not in the deploy\'s roles file' % (exp.get('hostname'), role))
            continue
        got = {n['network']: n.get('subnet') for n in exp.get('networks') or []
               if n.get('network') != 'ctlplane'}
        host = exp.get('hostname')
        for net, subnet in sorted(want[role].items()):
            if net not in got:
                problems.append('%s: %s instance %s has no port on network %s, which the deploy puts the '
                                'role on (roles file and network_data): its services would bind to the '
                                'ctlplane address' % (role, role, host, net))
            elif got[net] != subnet:
                problems.append('%s: %s instance %s is on subnet %s of network %s, the deploy\'s roles file '
                                'puts the role on %s' % (role, role, host, got[net], net, subnet))
        for net, subnet in sorted(got.items()):
            if net not in want[role]:
                problems.append('%s: %s instance %s has a port on network %s, which the deploy does not put '
                                'the role on' % (role, role, host, net))
            elif net in subnets and subnet is not None and subnet not in subnets[net]:
                problems.append('%s: %s instance %s: subnet %s is not a subnet of network %s in network_data '
                                '(%s)' % (role, role, host, subnet, net, ', '.join(sorted(subnets[net]))))
        if got and not (exp.get('network_config') or {}).get('template'):
            problems.append('%s: %s instance %s has ports on %s but no network_config.template: '
                            'node provision --network-config configures only the control plane '
                            '(templates/net_config_bridge.j2)' % (role, role, host, ', '.join(sorted(got))))


def check_file(bd, path, stack, roles_allowed, seen_hostnames, seen_nodes, notes, nets=None):
    problems = []
    try:
        with open(path, encoding='utf-8') as f:
            data = yaml.safe_load(f)  # as tripleoclient loads it
    except yaml.YAMLError as e:
        return ['not valid YAML: %s' % str(e).replace('\n', ' ')], 0, 0

    del DETECT_CALLS[:]
    present = run_theirs(lambda: bd.expand(
        copy.deepcopy(data), stack, expand_provisioned=True,
        default_image=copy.deepcopy(DEFAULT_IMAGE), default_network=copy.deepcopy(DEFAULT_NETWORK),
        user_name=USER_NAME, ssh_public_keys=SSH_PUBLIC_KEYS), problems, 'expand(present)')
    if present is None:
        return problems, 0, 0
    run_theirs(lambda: bd.expand(copy.deepcopy(data), stack, expand_provisioned=False,
                                 default_image=copy.deepcopy(DEFAULT_IMAGE)),
               problems, 'expand(absent)')
    instances, env, _role_net_map, hostname_role_map = present
    params = env.get('parameter_defaults', {})

    if any('image' in (r.get('defaults') or {}) or
           any('image' in i for i in r.get('instances') or []) for r in data):
        notes.append('%s: note: image is set; its source (href/kernel/ramdisk/checksum) is not '
                     'checked: metalsmith.sources.detect is stubbed' % path)

    for role in data:
        name = role['name']
        if roles_allowed is not None and name not in roles_allowed:
            problems.append('role %s is not a role of stack %s (its roles: %s)'
                            % (name, stack, ', '.join(sorted(roles_allowed)) or 'none'))
        want = role.get('count', 1)
        got = params.get('%sCount' % name)
        if got != want:
            problems.append('%s: expanded %sCount is %r, but count is %r' % (name, name, got, want))
        expanded = [i for i in instances if hostname_role_map.get(i.get('hostname')) == name]
        given = [i for i in role.get('instances') or [] if i.get('provisioned', True)]
        for n, (inst, exp) in enumerate(zip(given, expanded)):
            where = '%s instance %d' % (name, n)
            if 'hostname' in inst and exp.get('hostname') != inst['hostname']:
                problems.append('%s: hostname %r expanded to %r'
                                % (where, inst['hostname'], exp.get('hostname')))
            node = (inst.get('capabilities') or {}).get('node')
            got_node = (exp.get('capabilities') or {}).get('node')
            if node is not None and got_node != node:
                problems.append('%s: capabilities.node %r expanded to %r' % (where, node, got_node))

    if nets is not None:
        check_networks(instances, hostname_role_map, nets[0], nets[1], problems)

    pinning = {hostname_role_map.get(i.get('hostname'), '?') for i in instances
               if (i.get('capabilities') or {}).get('node') is not None}
    for exp in instances:
        host = exp.get('hostname')
        node = (exp.get('capabilities') or {}).get('node')
        role = hostname_role_map.get(host, '?')
        if node is None and role in pinning:
            problems.append('%s: expanded instance %s has no capabilities.node, so it would take '
                            'any free node' % (role, host))
        elif node is None:
            notes.append('%s: note: role %s pins no instance: node provision takes free nodes'
                         % (path, role))
        if host in seen_hostnames:
            problems.append('hostname %s is used more than once (also in %s)'
                            % (host, seen_hostnames[host]))
        else:
            seen_hostnames[host] = path
        if node is not None:
            if node in seen_nodes:
                problems.append('capabilities.node %s is requested more than once (also in %s)'
                                % (node, seen_nodes[node]))
            else:
                seen_nodes[node] = path
    return problems, len(data), len(instances)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tripleo-ansible', required=True, metavar='DIR',
                    help='unpacked tripleo-ansible sdist (fetch-tht.sh --tripleo-ansible 6.0.0)')
    ap.add_argument('--roles', action='append', default=[], metavar='STACK=Role,Role',
                    help='the roles of a stack (its roles_data); repeatable')
    ap.add_argument('--roles-data', action='append', default=[], metavar='STACK=FILE',
                    help='the roles file the stack\'s deploy gets (-r); with --network-data')
    ap.add_argument('--network-data', action='append', default=[], metavar='STACK=FILE',
                    help='the network data file the stack\'s deploy gets (-n); with --roles-data')
    ap.add_argument('files', nargs='*', metavar='baremetal.yaml',
                    help='stacks/<stack>/baremetal.yaml; the stack is the directory name')
    args = ap.parse_args()
    if not args.files:
        usage_error('nothing to check: give baremetal.yaml files')
    for f in args.files:
        if not os.path.isfile(f):
            usage_error('%s: no such file' % f)
    roles = {}
    for r in args.roles:
        stack, sep, names = r.partition('=')
        if not sep or not stack:
            usage_error('--roles wants STACK=Role,Role, got %r' % r)
        roles[stack] = {n.split(':')[-1] for n in names.split(',') if n}

    files_of = {}
    for what, given in (('--roles-data', args.roles_data), ('--network-data', args.network_data)):
        for r in given:
            stack, sep, path = r.partition('=')
            if not sep or not stack or not path:
                usage_error('%s wants STACK=FILE, got %r' % (what, r))
            files_of.setdefault(stack, {})[what] = load_yaml_arg(what, path)
    nets_of = {}
    for stack, given in files_of.items():
        if len(given) != 2:
            usage_error('stack %s: give both --roles-data and --network-data' % stack)
        nets_of[stack] = deploy_networks(given['--roles-data'], given['--network-data'])

    bd, version = load_baremetal_deploy(args.tripleo_ansible)
    seen_hostnames, seen_nodes, notes = {}, {}, []
    n_problems = n_roles = n_instances = 0
    for f in args.files:
        stack = os.path.basename(os.path.dirname(os.path.abspath(f)))
        problems, nr, ni = check_file(bd, f, stack, roles.get(stack), seen_hostnames, seen_nodes,
                                      notes, nets_of.get(stack))
        n_roles += nr
        n_instances += ni
        for p in problems:
            print('%s: %s' % (f, p))
        n_problems += len(problems)
    for n in notes:
        print(n)
    print('baremetal_check: %d file(s), %d role(s), %d instance(s) expanded by tripleo-ansible %s '
          'baremetal_deploy.expand(); %d problem(s)'
          % (len(args.files), n_roles, n_instances, version, n_problems))
    return 1 if n_problems else 0


if __name__ == '__main__':
    sys.exit(main())
