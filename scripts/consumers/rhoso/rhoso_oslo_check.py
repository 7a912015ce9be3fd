#!/usr/bin/env python3
"""Validate every service config a dcnc rhoso-18 tree carries with the real oslo-config-validator
of the OpenStack release RHOSO 18.0 ships (2023.1: glance 26.1.0 / glance_store 4.3.3,
cinder 22.3.0, nova 27.5.1; see install.sh and constraints-antelope.txt).

Usage:
    rhoso_oslo_check.py TREE_DIR     every YAML file under TREE_DIR/rhoso
    rhoso_oslo_check.py --prepare    only generate the cached option data

What is checked, from every YAML document under TREE_DIR/rhoso:
  - each `customServiceConfig` below `spec.<service>` of an OpenStackControlPlane (a full CR or
    a patch): glance (every glanceAPIs entry), cinder (the template's, every cinderVolumes and
    cinderBackups entry) and nova (API, cells), by the service named after `spec`;
  - each ConfigMap key ending in `.conf`: it must match `*nova*.conf`, the only files edpm_nova's
    kolla config copies into nova.conf.d (roles/edpm_nova/files/kolla_config/nova_compute.yaml), and
    is checked as nova.conf.
Option names go through oslo-config-validator; glance store sections get the options glance_store
registers for their type, cinder backend sections (`enabled_backends`) the options of cinder's
`backend_defaults` group (what each backend's group registers). Then the value checks of
scripts/consumers/oslo/oslo_check.py (types, stores, default_backend, import methods, URLs) and
these for RHOSO: cinder's backends each have a section; `rbd_secret_uuid` is a UUID;
`rbd_cluster_name` is the cluster of `rbd_ceph_conf` (`/etc/ceph/<cluster>.conf`); nova's
`images_rbd_ceph_conf` is a `/etc/ceph/<cluster>.conf` and `rbd_secret_uuid` a UUID.

Output: `SOURCE#PATH: [section] option: why` per problem, then a summary line.
Exit: 0 clean (warnings allowed), 1 any error, 2 usage or environment error.
"""

import concurrent.futures
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'oslo'))


def venv_dir():
    if os.environ.get('DCNC_OSLO_VENV'):
        return os.environ['DCNC_OSLO_VENV']
    cache = os.environ.get('DCNC_CACHE') or os.path.join(os.path.expanduser('~'), '.cache',
                                                         'dcnc')
    return os.path.join(cache, 'oslo-antelope-venv')


# oslo_check reads DCNC_OSLO_VENV to find its venv: point it at the 2023.1 one before importing.
os.environ['DCNC_OSLO_VENV'] = venv_dir()
import oslo_check as oc  # noqa: E402  (scripts/consumers/oslo/oslo_check.py: shared helpers)

CINDER_NAMESPACES = ['cinder']
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
CEPH_CONF = re.compile(r'^/etc/ceph/([^/.]+)\.conf$')


def configs(tree):
    """(source label, service, text) for every config in the tree's rhoso/ YAML files."""
    import yaml
    root = os.path.join(tree, 'rhoso')
    out, problems = [], []
    if not os.path.isdir(root):
        return out, ['%s: no rhoso/ directory' % tree]
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not f.endswith(('.yaml', '.yml')) or f.startswith('kustomization.'):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, tree)
            try:
                docs = [d for d in yaml.safe_load_all(open(path)) if d]
            except yaml.YAMLError as e:
                problems.append('%s: not YAML: %s' % (rel, ' '.join(str(e).split())))
                continue
            for d in docs:
                kind = d.get('kind')
                if kind == 'OpenStackControlPlane':
                    for service, node in (d.get('spec') or {}).items():
                        for p, text in find_csc(node, ['spec', service]):
                            out.append(('%s#%s' % (rel, '.'.join(p)), service, text))
                elif kind == 'ConfigMap':
                    for key, text in sorted((d.get('data') or {}).items()):
                        if not key.endswith('.conf'):
                            continue
                        label = '%s#data.%s' % (rel, key)
                        if not re.fullmatch(r'.*nova.*\.conf', key):
                            problems.append('%s: [-] -: edpm_nova copies only *nova*.conf '
                                            'files to nova.conf.d: this one is ignored' % label)
                            continue
                        out.append((label, 'nova', text))
    return out, problems


def find_csc(node, path):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == 'customServiceConfig' and isinstance(v, str):
                yield path + [k], v
            else:
                yield from find_csc(v, path + [k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from find_csc(v, path + [str(i)])


# ---------------------------------------------------------------- cinder

def prepare_cinder(path, base, report):
    sections = oc.parse_conf(path, report)
    if sections is None:
        return None
    raw = oc.value(sections, 'DEFAULT', 'enabled_backends')
    backends = [b.strip() for b in raw.split(',') if b.strip()] if raw else []
    defaults = base['options'].get('backend_defaults')
    data = {'options': dict(base['options']),
            'deprecated_options': dict(base['deprecated_options']),
            'generator_options': base.get('generator_options', {})}
    for b in backends:
        if b in data['options'] and b != 'backend_defaults':
            continue
        data['options'][b] = dict(defaults)
    return sections, data, backends


def finish_cinder(path, prepared, result, report):
    sections, data, backends = prepared
    oc.validator_report(path, result, data, sections, report)
    oc.check_types(path, data, sections, report)
    for b in backends:
        if b not in sections:
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'backend %s has no [%s] section' % (b, b))
    for section, options in sections.items():
        conf = oc.value(sections, section, 'rbd_ceph_conf')
        if conf is not None:
            m = CEPH_CONF.match(conf)
            if not m:
                report.error(path, section, 'rbd_ceph_conf',
                             '%r is not /etc/ceph/<cluster>.conf' % conf)
            cluster = oc.value(sections, section, 'rbd_cluster_name')
            if m and cluster != m.group(1):
                report.error(path, section, 'rbd_cluster_name',
                             '%r is not the cluster of rbd_ceph_conf %s' % (cluster, conf))
        uuid = oc.value(sections, section, 'rbd_secret_uuid')
        if uuid is not None and not UUID.match(uuid):
            report.error(path, section, 'rbd_secret_uuid',
                         '%r is not a UUID (libvirt names its secret by the fsid)' % uuid)
    for option in ('glance_api_servers',):
        raw = oc.value(sections, 'DEFAULT', option)
        if raw is not None and not re.match(r'^https?://[^/:]+:\d+$', raw.strip()):
            report.error(path, 'DEFAULT', option, '%r is not an http(s) URL with a port' % raw)


def finish_nova(path, prepared, result, report):
    oc.finish_nova(path, prepared, result, report)
    sections = prepared[0]
    conf = oc.value(sections, 'libvirt', 'images_rbd_ceph_conf')
    if conf is not None and not CEPH_CONF.match(conf):
        report.error(path, 'libvirt', 'images_rbd_ceph_conf',
                     '%r is not /etc/ceph/<cluster>.conf' % conf)
    uuid = oc.value(sections, 'libvirt', 'rbd_secret_uuid')
    if uuid is not None and not UUID.match(uuid):
        report.error(path, 'libvirt', 'rbd_secret_uuid', '%r is not a UUID' % uuid)


# ---------------------------------------------------------------- main

def reexec_in_venv():
    venv = venv_dir()
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return venv
    py = os.path.join(venv, 'bin', 'python')
    if not os.access(py, os.X_OK):
        sys.stderr.write('rhoso_oslo_check: no venv at %s; run scripts/consumers/rhoso/'
                         'install.sh first\n' % venv)
        sys.exit(2)
    os.execv(py, [py, '-I', os.path.abspath(__file__)] + sys.argv[1:])


def main(argv):
    if len(argv) != 1:
        sys.stderr.write('usage: rhoso_oslo_check.py TREE_DIR | --prepare\n')
        return 2
    arg = argv[0]
    if arg != '--prepare' and not os.path.isdir(arg):
        sys.stderr.write('rhoso_oslo_check: %s is not a directory\n' % arg)
        return 2
    venv = reexec_in_venv()
    glance_base = oc.slim(oc.base_opt_data(venv, 'glance', oc.GLANCE_NAMESPACES))
    nova_base = oc.slim(oc.base_opt_data(venv, 'nova', oc.NOVA_NAMESPACES))
    cinder_base = oc.slim(oc.base_opt_data(venv, 'cinder', CINDER_NAMESPACES))
    if arg == '--prepare':
        print('rhoso_oslo_check: option data cached in %s' % os.path.join(venv, 'dcnc-optdata'))
        return 0

    found, problems = configs(arg)
    report = oc.Report()
    for p in problems:
        report.errors += 1
        report.lines.setdefault('-', []).append(p)
    if not found:
        report.error(os.path.join(arg, 'rhoso'), '-', '-', 'no customServiceConfig and no '
                     'nova ConfigMap in the tree')
    drivers = oc.StoreDrivers()
    counts = {}
    with tempfile.TemporaryDirectory(prefix='rhoso-oslo-') as tmp:
        jobs = []
        for i, (label, service, text) in enumerate(found):
            counts[service] = counts.get(service, 0) + 1
            path = os.path.join(tmp, '%03d.conf' % i)
            with open(path, 'w') as f:
                f.write(text)
            if service == 'glance':
                jobs.append((label, path, oc.prepare_glance(path, glance_base, drivers, report),
                             oc.finish_glance))
            elif service == 'cinder':
                jobs.append((label, path, prepare_cinder(path, cinder_base, report),
                             finish_cinder))
            elif service == 'nova':
                jobs.append((label, path, oc.prepare_nova(path, nova_base, report),
                             finish_nova))
            else:
                report.error(label, '-', '-', 'no option data for service %r' % service)
        runs = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            for i, (label, path, prepared, finish) in enumerate(jobs):
                if prepared is None:
                    continue
                data_path = os.path.join(tmp, 'opt-data-%d.yaml' % i)
                oc.dump_yaml(oc.only_groups(prepared[1], prepared[0]), data_path)
                runs[i] = pool.submit(oc.run_validator, venv, path, data_path)
        for i, (label, path, prepared, finish) in enumerate(jobs):
            if prepared is not None:
                finish(path, prepared, runs[i].result(), report)
        # Report by the config's place in the tree, not the temporary file.
        relabel = {path: label for label, path, _, _ in jobs}
        lines = {}
        for path, ls in report.lines.items():
            lines.setdefault(relabel.get(path, path), []).extend(
                l.replace(path, relabel.get(path, path), 1) for l in ls)
        report.lines = lines
    report.flush([label for label, _, _, _ in jobs])
    print('rhoso_oslo_check: %s: %s: %d error(s), %d warning(s)'
          % (arg, ', '.join('%d %s' % (n, s) for s, n in sorted(counts.items())) or 'nothing',
             report.errors, report.warnings))
    return 1 if report.errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
