#!/usr/bin/python3
"""osd_spec_check.py: check what a tree gives `openstack overcloud ceph deploy` (cephadm targets)
about its OSDs and pools, with the code that consumes it.

  osd_spec_check.py --tripleo-ansible DIR TREE...

For every stack of each TREE (a directory `dcnc build` wrote):

- stacks/S/osd-spec.yaml, what `--osd-spec` names: python-tripleoclient 20.0.0 passes its path
  as `osd_spec_path`; tripleo-ansible's playbook cli-deployed-ceph.yaml reads it with
  `lookup('file') | from_yaml` (here: yaml.safe_load) and hands it to the ceph_spec_bootstrap
  module, whose get_specs() (run here, from the sdist DIR) turns it into the OSD service of the
  Ceph spec that cephadm applies. That spec is then parsed and validated by Ceph's own
  ServiceSpec/DriveGroupSpec (python3-ceph-common, the orchestrator's `ceph.deployment`
  package): an unknown filter (`data_devices: {pathz: ...}`), a path that is no string, an
  empty selection fail as `ceph orch apply` would fail.
- stacks/S/initial-ceph.conf, what `--config` names (cephadm bootstrap assimilates it): parsed by
  `ceph-conf` (Ceph's own parser); `osd_pool_default_size` must be a replica count 1..10.
- stacks/S/deploy.sh passes each file that exists, and only those, to `overcloud ceph deploy`.

Prints `FILE: problem` lines and a summary; exit 0 when none, 1 with problems, 2 on usage errors.
Run with Debian's python3 (/usr/bin/python3), which imports python3-ceph-common and python3-yaml.
"""

import argparse
import glob
import os
import subprocess
import sys
import types

import yaml

try:
    from ceph.deployment.service_spec import ServiceSpec
except ImportError:  # pragma: no cover
    sys.stderr.write("osd_spec_check.py: Ceph's python-common is missing "
                     "(Debian: apt-get install python3-ceph-common; run with /usr/bin/python3)\n")
    sys.exit(2)

MODULE = 'tripleo_ansible/ansible_plugins/modules/ceph_spec_bootstrap.py'
# One made-up host with every label tripleo-ansible gives an HCI node.
HOSTS = {'dcnc-osd-0': '192.0.2.10'}
LABELS = {'dcnc-osd-0': ['mon', '_admin', 'mgr', 'osd']}


def load_bootstrap(ta_root):
    """ceph_spec_bootstrap.py of the sdist; `ansible.module_utils.basic` (only used by its main())
    is stubbed, its module_utils ceph_spec comes from the sdist."""
    path = os.path.join(ta_root, MODULE)
    if not os.path.isfile(path):
        print('osd_spec_check.py: %s is not a tripleo-ansible tree (no %s)' % (ta_root, MODULE),
              file=sys.stderr)
        sys.exit(2)
    for name in ('ansible', 'ansible.module_utils', 'ansible.module_utils.basic'):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['ansible.module_utils.basic'].AnsibleModule = object
    sys.path.insert(0, ta_root)
    import importlib.util
    spec = importlib.util.spec_from_file_location('ceph_spec_bootstrap', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_osd_spec(boot, path, problems):
    try:
        with open(path, encoding='utf-8') as f:
            osd_spec = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.append('%s: not YAML: %s' % (path, e))
        return
    if not isinstance(osd_spec, dict) or not osd_spec:
        problems.append('%s: an OSD spec is a non-empty map (data_devices: ...)' % path)
        return
    try:
        specs = boot.get_specs(dict(HOSTS), {h: list(v) for h, v in LABELS.items()},
                               ['mon', 'mgr', 'osd'], osd_spec)
    except Exception as e:  # noqa: BLE001 - any failure of theirs is the finding
        problems.append('%s: tripleo-ansible get_specs: %s: %s' % (path, type(e).__name__, e))
        return
    osds = [s for s in specs if s.get('service_type') == 'osd']
    if len(osds) != 1:
        problems.append('%s: get_specs made %d OSD services, want 1' % (path, len(osds)))
        return
    try:
        parsed = ServiceSpec.from_json(osds[0])
        parsed.validate()
    except Exception as e:  # noqa: BLE001
        problems.append('%s: Ceph rejects the OSD service spec: %s: %s' % (path, type(e).__name__, e))
        return
    paths = [d.path for d in (parsed.data_devices.paths or [])] if parsed.data_devices else []
    if not paths:
        problems.append('%s: the OSD spec names no data device path' % path)


def check_conf(path, problems):
    r = subprocess.run(['ceph-conf', '-c', path, '--lookup', 'osd_pool_default_size'],
                       capture_output=True, text=True, check=False)
    value = r.stdout.strip()
    if r.returncode != 0:
        problems.append('%s: ceph-conf: %s' % (path, (r.stderr or 'no osd_pool_default_size').strip()))
    elif not value.isdigit() or not 1 <= int(value) <= 10:
        problems.append('%s: osd_pool_default_size %r is not a replica count' % (path, value))


def check_tree(boot, tree, problems):
    checked = 0
    for stack in sorted(glob.glob(os.path.join(tree, 'stacks', '*'))):
        deploy = os.path.join(stack, 'deploy.sh')
        text = open(deploy, encoding='utf-8').read() if os.path.isfile(deploy) else ''
        for name, option, check in (('osd-spec.yaml', '--osd-spec', check_osd_spec),
                                    ('initial-ceph.conf', '--config', None)):
            path = os.path.join(stack, name)
            passed = '%s "$HERE/%s"' % (option, name) in text
            if os.path.isfile(path):
                checked += 1
                if check:
                    check(boot, path, problems)
                else:
                    check_conf(path, problems)
                if not passed:
                    problems.append('%s: deploy.sh does not pass %s "$HERE/%s" to overcloud ceph deploy'
                                    % (deploy, option, name))
            elif passed:
                problems.append('%s: passes %s "$HERE/%s", which is not in the tree' % (deploy, option, name))
    return checked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tripleo-ansible', required=True, metavar='DIR')
    ap.add_argument('trees', nargs='+', metavar='TREE')
    args = ap.parse_args()
    boot = load_bootstrap(args.tripleo_ansible)
    problems = []
    checked = 0
    for tree in args.trees:
        if not os.path.isdir(os.path.join(tree, 'stacks')):
            print('osd_spec_check.py: %s is not a dcnc tree' % tree, file=sys.stderr)
            return 2
        checked += check_tree(boot, tree, problems)
    for p in problems:
        print(p)
    print('osd_spec_check: %d files checked, %s' % (checked, 'ok' if not problems else '%d problems' % len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
