#!/usr/bin/env python3
"""Check what a dcnc rhoso-18 tree means across its files, as the operators would wire it.

Usage:
    tree_check.py --kubectl PATH TREE_DIR

The CRD and oslo checks look at each document and each config alone; this one follows the
references between them, the way the openstack-k8s-operators resolve them:
  - `kubectl kustomize rhoso/control-plane-dcn` (the control plane the update applies):
    keystoneEndpoint names a glanceAPIs entry that is not `type: edge` (glance-operator
    glance_webhook.go isValidKeystoneEP); every GlanceAPI and every cinder-volume gets exactly one
    /etc/ceph mount, found as the operators propagate extraMounts (an extraVol reaches a GlanceAPI
    pod when its propagation names Glance, GlanceAPI or the API's key, a cinder-volume pod when it
    names Cinder, CinderVolume or the volume's key, every pod when empty: glance-operator
    internal/glanceapi/statefulset.go, cinder-operator internal/cindervolume/volumes.go);
  - the generated secrets.sh runs for real (`--to-dir`, with a client conf and keyring per
    cluster made here from its own `client_files` lines, never a real key): each GlanceAPI's
    secret holds exactly the clusters its stores read, an edge API's stores are its own and the
    keystone API's default store only (never another edge's, ci-framework PR #2493), its
    default_backend is one of its stores; each cinder-volume's secret holds the cluster of its
    rbd_ceph_conf, rbd_cluster_name is that cluster, rbd_secret_uuid its fsid,
    backend_availability_zone the volume's key, glance_api_servers its own zone's GlanceAPI;
  - every `sites/<az>/post-ceph` (the node set the computes get): its Ceph secret holds the cluster
    its `03-ceph-nova.conf` uses and no other; images_rbd_glance_store_name is the default store
    of GlanceAPI <az>; endpoint_override is that API's internal service
    (`glance-<az>-internal.<namespace>.svc`); rbd_secret_uuid is the cluster's fsid (edpm_libvirt
    makes the libvirt secret with the fsid as UUID); the data plane services it lists exist.

Output: one line per problem, then a summary. Exit 0 clean, 1 problems, 2 usage/environment.
Needs PyYAML (Debian's python3-yaml).
"""
import argparse
import configparser
import os
import re
import subprocess
import sys
import tempfile

import yaml

problems = []


def problem(msg):
    problems.append(msg)
    print('tree_check: ' + msg)


def ini(text):
    cp = configparser.ConfigParser(interpolation=None, default_section='\x00none', strict=False)
    cp.optionxform = str
    cp.read_string(text)
    return cp


def render(kubectl, d):
    r = subprocess.run([kubectl, 'kustomize', d], capture_output=True, text=True)
    if r.returncode != 0:
        print('tree_check: kubectl kustomize %s failed: %s' % (d, r.stderr.strip()), file=sys.stderr)
        sys.exit(2)
    return [x for x in yaml.safe_load_all(r.stdout) if x]


def mounts(spec, names):
    """Secrets mounted at /etc/ceph in a pod whose propagation names are `names`."""
    out = []
    for em in spec.get('extraMounts') or []:
        for vol in em.get('extraVol') or []:
            prop = vol.get('propagation') or []
            if prop and not names.intersection(prop):
                continue
            vols = {v['name']: v for v in vol.get('volumes') or []}
            for m in vol.get('mounts') or []:
                if m.get('mountPath') == '/etc/ceph':
                    out.append((vols.get(m['name']) or {}).get('secret', {}).get('secretName'))
    return out


def cluster_of(path):
    m = re.fullmatch(r'/etc/ceph/([^/.]+)\.conf', path or '')
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kubectl', required=True)
    ap.add_argument('tree')
    a = ap.parse_args()
    r = os.path.join(a.tree, 'rhoso')
    secrets_sh = os.path.join(r, 'secrets.sh')
    if not os.path.isfile(secrets_sh):
        print('tree_check: no %s' % secrets_sh, file=sys.stderr)
        return 2

    # secrets.sh, run for real with stand-in files for every cluster it names.
    fsids = dict(re.findall(r'^client_files (\S+) (\S+)$', open(secrets_sh).read(), re.M))
    if not fsids:
        problem('secrets.sh checks no cluster (no client_files lines)')
    tmp = tempfile.mkdtemp(prefix='dcnc-tree-check.')
    work, out = os.path.join(tmp, 'work'), os.path.join(tmp, 'secrets')
    os.makedirs(work)
    for c, fsid in fsids.items():
        with open(os.path.join(work, c + '.conf'), 'w') as f:
            f.write('[global]\nfsid = %s\nmon host = 192.0.2.1\n' % fsid)
        with open(os.path.join(work, c + '.client.openstack.keyring'), 'w') as f:
            f.write('[client.openstack]\n\tkey = not-a-key\n')
        os.chmod(os.path.join(work, c + '.client.openstack.keyring'), 0o600)
    run = subprocess.run(['bash', secrets_sh, '--to-dir', out], capture_output=True, text=True,
                         env=dict(os.environ, DCNC_WORK_DIR=work))
    if run.returncode != 0:
        problem('secrets.sh --to-dir failed: %s' % run.stderr.strip())
        return 1

    def secret_clusters(name):
        d = os.path.join(out, name)
        if not os.path.isdir(d):
            problem('secret %s is mounted but secrets.sh does not make it' % name)
            return set()
        files = set(os.listdir(d))
        cl = {f[:-len('.conf')] for f in files if f.endswith('.conf')}
        want = {c + s for c in cl for s in ('.conf', '.client.openstack.keyring')}
        if files != want:
            problem('secret %s holds %s: want a conf and a keyring per cluster' % (name, sorted(files)))
        for f in files:
            if f.endswith('.keyring') and oct(os.stat(os.path.join(d, f)).st_mode & 0o777) != '0o600':
                problem('secret %s: %s is not 0600' % (name, f))
        return cl

    # The control plane the update applies.
    docs = render(a.kubectl, os.path.join(r, 'control-plane-dcn'))
    cps = [d for d in docs if d.get('kind') == 'OpenStackControlPlane']
    if len(cps) != 1:
        problem('control-plane-dcn renders %d OpenStackControlPlane, want 1' % len(cps))
        return 1
    cp = cps[0]
    ns = cp['metadata'].get('namespace', 'openstack')
    spec = cp['spec']
    g = spec['glance']['template']
    apis = g.get('glanceAPIs') or {}
    ks = g.get('keystoneEndpoint')
    if ks not in apis:
        problem('keystoneEndpoint %r names no GlanceAPI (%s)' % (ks, ', '.join(apis)))
    elif apis[ks].get('type', 'split') == 'edge':
        problem('keystoneEndpoint %r is an edge GlanceAPI: the webhook rejects it' % ks)
    api_default = {}
    for api, t in sorted(apis.items()):
        conf = ini(t.get('customServiceConfig') or '')
        stores = [s.split(':')[0].strip() for s in
                  conf.get('DEFAULT', 'enabled_backends', fallback='').split(',') if s.strip()]
        default = conf.get('glance_store', 'default_backend', fallback=None)
        api_default[api] = default
        if default not in stores:
            problem('GlanceAPI %s: default_backend %r is not one of its stores %s' % (api, default, stores))
        clusters = set()
        for s in stores:
            c = cluster_of(conf.get(s, 'rbd_store_ceph_conf', fallback=None))
            if c is None:
                problem('GlanceAPI %s: store %s reads no /etc/ceph/<cluster>.conf' % (api, s))
            else:
                clusters.add(c)
        m = mounts(spec, {'Glance', 'GlanceAPI', api})
        if len(m) != 1:
            problem('GlanceAPI %s gets %d /etc/ceph mounts %s: want one (two on one path: the pod is rejected)' % (api, len(m), m))
            continue
        held = secret_clusters(m[0])
        if held != clusters:
            problem('GlanceAPI %s: its secret %s holds clusters %s, its stores read %s' % (api, m[0], sorted(held), sorted(clusters)))
    # An edge API: its own store and the keystone API's default store only.
    for api, t in sorted(apis.items()):
        if api == ks or t.get('type') != 'edge':
            continue
        conf = ini(t.get('customServiceConfig') or '')
        stores = {s.split(':')[0].strip() for s in conf.get('DEFAULT', 'enabled_backends', fallback='').split(',') if s.strip()}
        foreign = stores - {api_default[api], api_default.get(ks)}
        if foreign:
            problem('edge GlanceAPI %s has another edge\'s store(s) %s' % (api, sorted(foreign)))

    vols = (spec.get('cinder') or {}).get('template', {}).get('cinderVolumes') or {}
    for key, vol in sorted(vols.items()):
        conf = ini(vol.get('customServiceConfig') or '')
        backends = [b.strip() for b in conf.get('DEFAULT', 'enabled_backends', fallback='').split(',') if b.strip()]
        m = mounts(spec, {'Cinder', 'CinderVolume', key})
        if len(m) != 1:
            problem('cinder-volume %s gets %d /etc/ceph mounts %s: want one' % (key, len(m), m))
            continue
        held = secret_clusters(m[0])
        url = conf.get('DEFAULT', 'glance_api_servers', fallback='')
        if url != 'https://glance-%s-internal.%s.svc:9292' % (key, ns):
            problem('cinder-volume %s: glance_api_servers %r is not its zone\'s GlanceAPI' % (key, url))
        if key not in apis:
            problem('cinder-volume %s: no GlanceAPI of that zone' % key)
        for b in backends:
            c = cluster_of(conf.get(b, 'rbd_ceph_conf', fallback=None))
            if c not in held:
                problem('cinder-volume %s [%s]: cluster %s is not in its secret %s' % (key, b, c, m[0]))
            if conf.get(b, 'rbd_cluster_name', fallback=None) != c:
                problem('cinder-volume %s [%s]: rbd_cluster_name is not %s' % (key, b, c))
            if conf.get(b, 'rbd_secret_uuid', fallback=None) != fsids.get(c):
                problem('cinder-volume %s [%s]: rbd_secret_uuid is not the fsid of %s' % (key, b, c))
            if conf.get(b, 'backend_availability_zone', fallback=None) != key:
                problem('cinder-volume %s [%s]: backend_availability_zone is not %s' % (key, b, key))

    sites = os.path.join(r, 'sites')
    for az in sorted(os.listdir(sites)) if os.path.isdir(sites) else []:
        docs = render(a.kubectl, os.path.join(sites, az, 'post-ceph'))
        kinds = {(d['kind'], d['metadata']['name']): d for d in docs}
        cm = kinds.get(('ConfigMap', 'ceph-nova-' + az))
        nodesets = [d for d in docs if d['kind'] == 'OpenStackDataPlaneNodeSet']
        if cm is None or len(nodesets) != 1:
            problem('sites/%s/post-ceph: want ConfigMap ceph-nova-%s and one node set' % (az, az))
            continue
        ns_spec = nodesets[0]['spec']
        services = {d['metadata']['name'] for d in docs if d['kind'] == 'OpenStackDataPlaneService'}
        stock = {'bootstrap', 'configure-network', 'validate-network', 'install-os', 'ceph-hci-pre',
                 'configure-os', 'ssh-known-hosts', 'run-os', 'reboot-os', 'install-certs',
                 'ceph-client', 'ovn', 'libvirt'}
        for s in ns_spec.get('services') or []:
            if s not in services and s not in stock:
                problem('node set of %s runs service %s, which is neither openstack-operator\'s nor in the tree' % (az, s))
        secrets = [v['secret']['secretName'] for em in ns_spec['nodeTemplate'].get('extraMounts') or []
                   for v in em.get('volumes') or [] if 'secret' in v]
        if len(secrets) != 1:
            problem('node set of %s mounts %d Ceph secrets, want one' % (az, len(secrets)))
            continue
        held = secret_clusters(secrets[0])
        for key, text in (cm.get('data') or {}).items():
            conf = ini(text)
            c = cluster_of(conf.get('libvirt', 'images_rbd_ceph_conf', fallback=None))
            if held != {c}:
                problem('node set of %s: secret %s holds %s, its nova uses %s only' % (az, secrets[0], sorted(held), c))
            if conf.get('libvirt', 'rbd_secret_uuid', fallback=None) != fsids.get(c):
                problem('ceph-nova-%s: rbd_secret_uuid is not the fsid of %s' % (az, c))
            url = 'https://glance-%s-internal.%s.svc:9292' % (az, ns)
            if conf.get('glance', 'endpoint_override', fallback=None) != url:
                problem('ceph-nova-%s: endpoint_override is not %s (its own zone\'s GlanceAPI)' % (az, url))
            if conf.get('libvirt', 'images_rbd_glance_store_name', fallback=None) != api_default.get(az):
                problem('ceph-nova-%s: images_rbd_glance_store_name is not the default store of GlanceAPI %s' % (az, az))
    n = len(problems)
    print('tree_check: %s: %d GlanceAPIs, %d cinder-volumes: %d problem(s)' % (a.tree, len(apis), len(vols), n))
    return 1 if n else 0


if __name__ == '__main__':
    sys.exit(main())
