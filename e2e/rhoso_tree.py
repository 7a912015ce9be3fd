#!/usr/bin/env python3
"""What the openstack-k8s-operators make of a dcnc rhoso-18 control plane, for e2e/rhoso-run.sh.

    rhoso_tree.py apis RENDERED.yaml OUTDIR
    rhoso_tree.py merge BASE CUSTOM     BASE with CUSTOM's options over it, as oslo.config
                                        reads two files (the operator's 00-config.conf, then the
                                        customServiceConfig in glance.conf.d): to stdout

RENDERED.yaml is `kubectl kustomize rhoso/control-plane-dcn` (the merged OpenStackControlPlane).
For every glanceAPIs entry it writes OUTDIR/<api>.conf (its customServiceConfig) and prints one
line `api<TAB>type<TAB>secret<TAB>default_backend`, the secret being the one mounted at /etc/ceph
in that API's pods as the operators propagate extraMounts: an extraVol reaches a GlanceAPI pod
when its propagation names `Glance`, `GlanceAPI` or the API's key (glance-operator
internal/glanceapi/statefulset.go), or is empty (every pod). Fails when an API gets no /etc/ceph
mount, or two (two volumes on one mountPath: the pod is rejected), and when keystoneEndpoint
names no API or an edge one (glance_webhook.go isValidKeystoneEP).
"""
import configparser
import os
import sys

import yaml

# The /etc/ceph mounts a pod gets, as the consumer check reads them: one reader for both.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'consumers', 'rhoso'))
from tree_check import mounts as ceph_mounts  # noqa: E402


def die(msg):
    sys.stderr.write('rhoso_tree: %s\n' % msg)
    sys.exit(1)


def apis(rendered, outdir):
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    cps = [d for d in docs if d.get('kind') == 'OpenStackControlPlane']
    if len(cps) != 1:
        die('%s holds %d OpenStackControlPlane, want 1' % (rendered, len(cps)))
    spec = cps[0]['spec']
    glance = spec['glance']['template']
    table = glance.get('glanceAPIs') or {}
    ks = glance.get('keystoneEndpoint')
    if ks not in table:
        die('keystoneEndpoint %r names no glanceAPIs entry (%s)' % (ks, ', '.join(table)))
    if table[ks].get('type', 'split') == 'edge':
        die('keystoneEndpoint %r is an edge API: the webhook rejects it' % ks)
    os.makedirs(outdir, exist_ok=True)
    for api, t in sorted(table.items()):
        names = {'Glance', 'GlanceAPI', api}
        mounts = ceph_mounts(spec, names)
        if len(mounts) != 1:
            die('GlanceAPI %s gets %d /etc/ceph mounts (%s): want exactly one'
                % (api, len(mounts), ', '.join(map(str, mounts))))
        text = t.get('customServiceConfig') or ''
        path = os.path.join(outdir, api + '.conf')
        with open(path, 'w') as f:
            f.write(text)
        cp = configparser.ConfigParser(interpolation=None)
        cp.read_string(text)
        default = cp.get('glance_store', 'default_backend', fallback='')
        print('\t'.join([api, t.get('type', 'split'), mounts[0] or '', default]))


def merge(base, custom):
    def read(path):
        cp = configparser.ConfigParser(interpolation=None, default_section='__none__',
                                       strict=False)
        cp.optionxform = str
        cp.read(path)
        return cp
    out = read(base)
    for sec in (c := read(custom)).sections():
        if not out.has_section(sec):
            out.add_section(sec)
        for k, v in c.items(sec):
            out.set(sec, k, v)
    out.write(sys.stdout)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'apis':
        apis(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == 'merge':
        merge(sys.argv[2], sys.argv[3])
    else:
        die('usage: rhoso_tree.py apis RENDERED.yaml OUTDIR | merge BASE CUSTOM')
