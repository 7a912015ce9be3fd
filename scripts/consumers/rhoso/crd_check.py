#!/usr/bin/env python3
"""Validate custom resources against the real RHOSO 18 CRDs (openstack-operator, glance-operator).

Usage:
    crd_check.py [--crds DIR] [--kubectl PATH] TARGET...

Each TARGET is a YAML file (every document in it is checked) or a kustomize directory, which is
rendered by `kubectl kustomize` first: a directory that does not render is an error. Every
document must be a kind this script has a schema for: the CRDs in DIR (default:
scripts/consumers/rhoso-crds) plus ConfigMap and Secret. A document of any other kind is an error.

The CRDs' `openAPIV3Schema` is converted to JSON Schema as scripts/consumers/rhoso-crds/SOURCE.md
says (the conversion the reference tested with check-jsonschema):
  - `nullable: true` becomes `type: [T, "null"]`;
  - every object with `properties` and no `additionalProperties` gets `additionalProperties:
    false`, except where `x-kubernetes-preserve-unknown-fields` keeps it open (e.g. ansibleVars):
    an unknown or misspelled field fails, where the API server would prune it silently;
  - `required` entries that have a schema `default` are dropped (the API server defaults them);
  - in OpenStackControlPlane, `required` is kept only at `spec` (secret, storageClass): below it,
    openstack-operator's mutating webhooks fill required fields (e.g. glance.template.secret)
    from the top-level ones before the schema applies, so a working CR lacks them.
Converted schemas are cached by the CRD's sha256 in ${DCNC_CACHE:-~/.cache/dcnc}/rhoso-crd-schemas.

Output: one line per problem, `SOURCE: KIND/NAME: PATH: message`, then a summary line.
Exit: 0 valid, 1 any problem, 2 usage or environment error.
Runs in the venv that scripts/consumers/rhoso/install.sh makes (jsonschema, ruamel.yaml).
"""

import argparse
import copy
import hashlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CRDS = os.path.join(os.path.dirname(HERE), 'rhoso-crds')


def venv_dir():
    cache = os.environ.get('DCNC_CACHE') or os.path.join(os.path.expanduser('~'), '.cache',
                                                         'dcnc')
    return os.path.join(cache, 'rhoso-crd-venv'), cache


def reexec_in_venv():
    venv, _ = venv_dir()
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    py = os.path.join(venv, 'bin', 'python')
    if not os.access(py, os.X_OK):
        sys.stderr.write('crd_check: no venv at %s; run scripts/consumers/rhoso/install.sh\n'
                         % venv)
        sys.exit(2)
    os.execv(py, [py, '-I', os.path.abspath(__file__)] + sys.argv[1:])


def yaml_docs(text):
    from ruamel.yaml import YAML
    y = YAML(typ='safe', pure=False)
    return [d for d in y.load_all(io.StringIO(text)) if d is not None]


# ---------------------------------------------------------------- conversion

def convert(node, keep_required):
    """openAPIV3Schema -> JSON Schema (draft 4 keywords), strict about unknown fields.
    keep_required(depth_path) says whether `required` stays at this object."""
    def walk(n, path):
        if isinstance(n, list):
            return [walk(x, path) for x in n]
        if not isinstance(n, dict):
            return n
        out = {}
        for k, v in n.items():
            if k == 'properties' and isinstance(v, dict):
                out[k] = {pk: walk(pv, path + (pk,)) for pk, pv in v.items()}
            elif k in ('items', 'additionalProperties') and isinstance(v, dict):
                out[k] = walk(v, path + ('*',))
            elif k in ('anyOf', 'allOf', 'oneOf', 'not'):
                out[k] = walk(v, path)
            else:
                out[k] = copy.deepcopy(v)
        if out.pop('nullable', False) and 'type' in out:
            t = out['type']
            out['type'] = (t if isinstance(t, list) else [t]) + ['null']
        props = out.get('properties')
        if 'required' in out:
            req = out['required']
            if isinstance(props, dict):
                req = [r for r in req if 'default' not in props.get(r, {})]
            if not keep_required(path) or not req:
                del out['required']
            else:
                out['required'] = req
        if (isinstance(props, dict) and 'additionalProperties' not in out
                and not out.get('x-kubernetes-preserve-unknown-fields')):
            out['additionalProperties'] = False
        return out
    return walk(node, ())


def crd_schemas(crd_dir):
    """{(apiVersion, kind): schema} for every CRD in crd_dir, converted (cached)."""
    _, cache = venv_dir()
    cache_dir = os.path.join(cache, 'rhoso-crd-schemas')
    os.makedirs(cache_dir, exist_ok=True)
    schemas = {}
    names = sorted(f for f in os.listdir(crd_dir) if f.endswith('.yaml'))
    if not names:
        raise SystemExit('crd_check: no CRDs (*.yaml) in %s' % crd_dir)
    for name in names:
        path = os.path.join(crd_dir, name)
        raw = open(path, 'rb').read()
        digest = hashlib.sha256(raw + b'conv-v1').hexdigest()[:20]
        cached = os.path.join(cache_dir, digest + '.json')
        if os.path.exists(cached):
            with open(cached) as f:
                entries = json.load(f)
        else:
            entries = []
            for crd in yaml_docs(raw.decode()):
                if crd.get('kind') != 'CustomResourceDefinition':
                    continue
                group, kind = crd['spec']['group'], crd['spec']['names']['kind']
                for v in crd['spec']['versions']:
                    api = '%s/%s' % (group, v['name'])
                    if kind == 'OpenStackControlPlane':
                        def keep(p):
                            return p == ('spec',) or p == ()
                    else:
                        def keep(p):
                            return True
                    s = convert(v['schema']['openAPIV3Schema'], keep)
                    s['$schema'] = 'http://json-schema.org/draft-04/schema#'
                    s.setdefault('properties', {})
                    s['properties']['apiVersion'] = {'enum': [api]}
                    s['properties']['kind'] = {'enum': [kind]}
                    s['properties']['metadata'] = METADATA
                    s['required'] = sorted(set(s.get('required', [])) | {'apiVersion', 'kind',
                                                                        'metadata'})
                    s['additionalProperties'] = False
                    entries.append([api, kind, s])
            with open(cached + '.tmp', 'w') as f:
                json.dump(entries, f)
            os.replace(cached + '.tmp', cached)
        for api, kind, s in entries:
            schemas[(api, kind)] = s
    for kind, s in BUILTIN.items():
        schemas[('v1', kind)] = s
    return schemas


METADATA = {
    'type': 'object',
    'required': ['name'],
    'properties': {
        'name': {'type': 'string', 'pattern': '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
                 'maxLength': 253},
        'namespace': {'type': 'string', 'pattern': '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
                      'maxLength': 63},
        'labels': {'type': 'object', 'additionalProperties': {'type': 'string'}},
        'annotations': {'type': 'object', 'additionalProperties': {'type': 'string'}},
    },
    'additionalProperties': False,
}

# The core kinds a dcnc tree holds, as the API server takes them (data values are strings;
# a Secret's `data` is base64).
BUILTIN = {
    'ConfigMap': {
        'type': 'object', 'required': ['apiVersion', 'kind', 'metadata'],
        'properties': {
            'apiVersion': {'enum': ['v1']}, 'kind': {'enum': ['ConfigMap']},
            'metadata': METADATA,
            'data': {'type': 'object', 'additionalProperties': {'type': 'string'},
                     'propertyNames': {'pattern': '^[-._a-zA-Z0-9]+$'}},
            'immutable': {'type': 'boolean'},
        },
        'additionalProperties': False,
    },
    'Secret': {
        'type': 'object', 'required': ['apiVersion', 'kind', 'metadata'],
        'properties': {
            'apiVersion': {'enum': ['v1']}, 'kind': {'enum': ['Secret']},
            'metadata': METADATA,
            'type': {'type': 'string'},
            'data': {'type': 'object', 'propertyNames': {'pattern': '^[-._a-zA-Z0-9]+$'},
                     'additionalProperties': {
                         'type': 'string',
                         'pattern': '^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|'
                                    '[A-Za-z0-9+/]{3}=)?$'}},
            'stringData': {'type': 'object', 'additionalProperties': {'type': 'string'}},
        },
        'additionalProperties': False,
    },
}


# ---------------------------------------------------------------- validation

def json_path(parts):
    out = ''
    for p in parts:
        out += '[%d]' % p if isinstance(p, int) else ('.' + str(p))
    return out.lstrip('.') or '(root)'


def check_doc(source, doc, schemas, problems):
    from jsonschema import Draft4Validator
    if not isinstance(doc, dict):
        problems.append('%s: not a mapping: %r' % (source, doc))
        return
    kind, api = doc.get('kind'), doc.get('apiVersion')
    name = (doc.get('metadata') or {}).get('name', '?')
    schema = schemas.get((api, kind))
    if schema is None:
        known = ', '.join(sorted('%s %s' % k for k in schemas))
        problems.append('%s: %s/%s: no schema for apiVersion %s kind %s (known: %s)'
                        % (source, kind, name, api, kind, known))
        return
    v = Draft4Validator(schema)
    errors = sorted(v.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)),
                                                       e.message))
    for e in errors:
        msg = e.message
        if len(msg) > 300:
            msg = msg[:300] + '...'
        problems.append('%s: %s/%s: %s: %s' % (source, kind, name, json_path(e.absolute_path),
                                               msg))


def render(kubectl, directory, problems):
    proc = subprocess.run([kubectl, 'kustomize', directory], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        problems.append('%s: kubectl kustomize failed: %s'
                        % (directory, ' '.join(proc.stderr.split())))
        return None
    return proc.stdout


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--crds', default=DEFAULT_CRDS)
    p.add_argument('--kubectl', default='kubectl')
    p.add_argument('targets', nargs='+')
    args = p.parse_args(argv)
    reexec_in_venv()
    schemas = crd_schemas(args.crds)
    problems = []
    docs = 0
    for t in args.targets:
        if os.path.isdir(t):
            text = render(args.kubectl, t, problems)
        elif os.path.isfile(t):
            text = open(t).read()
        else:
            problems.append('%s: no such file or directory' % t)
            continue
        if text is None:
            continue
        try:
            parsed = yaml_docs(text)
        except Exception as e:  # a YAML error: name it, keep going
            problems.append('%s: not YAML: %s' % (t, ' '.join(str(e).split())))
            continue
        if not parsed:
            problems.append('%s: no documents' % t)
        for d in parsed:
            docs += 1
            check_doc(t, d, schemas, problems)
    for line in problems:
        print(line)
    print('crd_check: %d target(s), %d document(s): %d problem(s)'
          % (len(args.targets), docs, len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
