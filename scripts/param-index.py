#!/usr/bin/env python3
"""Write dcnc's parameter index of one tripleo-heat-templates (THT) release.

Usage:
  param-index.py --tht DIR --version VERSION -o compiler/data/params-VERSION.tsv

DIR is the extracted sdist (scripts/consumers/fetch-tht.sh VERSION prints it; the sdists are
sha256-pinned there).  The index is built by scripts/consumers/tht_check.py's build_index(), the
same code that checks generated env files against THT: every parameter of every heat template,
the *.j2.yaml templates rendered with a placeholder role and network, the `deprecated` label of
parameter_groups, and the deprecated per-role names roles declare (deprecated_param_flavor...).
This script only turns that index into compact, sorted, diff-friendly data, expanding the
role- and network-prefixed parameters ({role}Count, {network}NetCidr) for every role of the
release's roles/ and every network of its network_data files.

Templates under tools/ and ci/ (test samples and upstream CI environments) are not part of a
deployment, so their parameters are left out.

Output (UTF-8, LF, one parameter declaration a line, sorted; the same bytes on every run):
  # comment lines
  NAME<TAB>TYPE<TAB>FLAGS<TAB>CONSTRAINTS<TAB>DEFAULT
TYPE is heat's (string, number, boolean, json, comma_delimited_list); FLAGS is `-` or
`deprecated`; CONSTRAINTS is `-` or one JSON object with any of allowed_values (a list),
allowed_pattern (a string), range and length ({"min": N, "max": N}).  A name declared with
different types or constraints by different templates has one line per declaration; a value is
valid when it fits one of them.  DEFAULT is the declaration's default as compact JSON when it is
at most 80 characters and every template that declares it so agrees, `?` when it is longer or
they disagree, `-` when there is none (heat then requires a value).  A NAME with `{role}` is the pattern of a role-prefixed
parameter, for roles the release does not have (a deployment's own roles file); the release's own
roles have their expanded lines.

With --envs-output it also writes the parameter_defaults and resource_registry of the THT
environment files dcnc's targets use or stand in for (ENVIRONMENTS below), as one sorted JSON
object {path: {section: {...}}}: what those files set, for `dcnc import --diff` to compare a
deployment's effective parameters with what dcnc's build gives.

Run it with the python that `fetch-tht.sh --python` prints (PyYAML and Jinja2 pinned there).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'consumers'))
import tht_check  # noqa: E402  (the THT index builder: reused, not copied)

FORMAT = 1
# Directories of THT whose templates no deployment uses.
NOT_DEPLOYED = ('tools/', 'ci/')
CONSTRAINTS = ('allowed_values', 'allowed_pattern', 'range', 'length')
# THT environment files of dcnc's target tables (compiler/src/target/releases.rs) and the ones deployments use in
# their place; a release without one of them simply does not list it.
ENVIRONMENTS = (
    'environments/podman.yaml',
    'environments/docker.yaml',
    'environments/ceph-ansible/ceph-ansible.yaml',
    'environments/ceph-ansible/ceph-ansible-external.yaml',
    'environments/cephadm/cephadm.yaml',
    'environments/cephadm/cephadm-rbd-only.yaml',
    'environments/external-ceph.yaml',
    'environments/dcn.yaml',
    'environments/dcn-hci.yaml',
    'environments/dcn-storage.yaml',
)
ENV_SECTIONS = ('parameter_defaults', 'resource_registry', 'parameter_merge_strategies')


def environments(tht):
    out = {}
    for rel in ENVIRONMENTS:
        path = os.path.join(tht, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8') as f:
            env = tht_check.load_yaml(f.read()) or {}
        out[rel] = {k: env[k] for k in ENV_SECTIONS if env.get(k)}
    return out


def deployed(decl):
    """The declaration with only the files a deployment uses, or None."""
    files = [f for f in decl.get('files') or [] if not f.startswith(NOT_DEPLOYED)]
    if not files:
        return None
    out = dict(decl, files=files)
    defaults = {f: v for f, v in (decl.get('file_defaults') or {}).items() if f in files}
    out.pop('default', None)
    if defaults:
        texts = {json.dumps(v, sort_keys=True, default=str) for v in defaults.values()}
        # every deployed template that declares it has this default, or they disagree
        out['default'] = next(iter(defaults.values())) if len(texts) == 1 and \
            len(defaults) == len(files) else DISAGREE
    return out


MAX_DEFAULT = 80
DISAGREE = object()


def default_of(decl):
    if 'default' not in decl:
        return '-'
    if decl['default'] is DISAGREE:
        return '?'
    text = json.dumps(decl['default'], sort_keys=True, separators=(',', ':'), ensure_ascii=False,
                      default=str)
    return text if len(text) <= MAX_DEFAULT and '\t' not in text else '?'


def line_of(name, decl):
    cons = decl.get('constraints') or {}
    kept = {k: cons[k] for k in CONSTRAINTS if k in cons}
    for k in ('range', 'length'):
        if k in kept:
            kept[k] = {m: kept[k][m] for m in ('min', 'max') if (kept[k] or {}).get(m) is not None}
    if name in ('\t', '\n') or any(c in name for c in '\t\n'):
        raise ValueError('parameter name %r holds a tab or newline' % name)
    t = decl.get('type') or 'string'
    flags = 'deprecated' if decl.get('deprecated') else '-'
    text = json.dumps(kept, sort_keys=True, separators=(',', ':'), ensure_ascii=False,
                      default=str) if kept else '-'
    return '%s\t%s\t%s\t%s\t%s' % (name, t, flags, text, default_of(decl))


def expand(pattern, roles, networks):
    """Every name a {role}/{network} pattern stands for in this release."""
    names = [pattern]
    for token, values in (('{role}', roles), ('{role_lower}', [r.lower() for r in roles]),
                          ('{network}', networks),
                          ('{network_lower}', [n.lower() for n in networks])):
        if any(token in n for n in names):
            names = [n.replace(token, v) for n in names for v in values]
    return names


def build(tht):
    idx = tht_check.build_index(tht)
    if idx['render_errors']:
        raise SystemExit('param-index.py: THT templates failed to render:\n  '
                         + '\n  '.join(idx['render_errors']))
    roles = sorted(idx['roles'])
    networks = sorted(idx['networks'])
    lines = set()

    def add(name, decls, deprecated=False):
        for d in decls:
            d = deployed(d)
            if d is None:
                continue
            if deprecated:
                d['deprecated'] = True
            lines.add(line_of(name, d))

    for name, decls in idx['parameters'].items():
        add(name, decls)
    for table in ('role_parameters', 'network_parameters'):
        for pattern, decls in idx[table].items():
            for name in expand(pattern, roles, networks):
                add(name, decls)
            # The pattern itself, for roles a deployment names itself (a roles file of its own).
            if table == 'role_parameters' and '{network' not in pattern:
                add(pattern, decls)
    # Per-role names a role declares as deprecated (deprecated_param_flavor: OvercloudControlFlavor)
    for rname in roles:
        for key, name in sorted((idx['roles'][rname].get('deprecated_params') or {}).items()):
            add(name, idx['deprecated_role_parameters'].get(key) or [], deprecated=True)
    return idx['tht_version'], roles, networks, sorted(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    ap.add_argument('--tht', required=True, help='extracted tripleo-heat-templates sdist')
    ap.add_argument('--version', required=True, help='the release the tree must be')
    ap.add_argument('-o', '--output', required=True, help='file to write')
    ap.add_argument('--envs-output', help='file to write the environments JSON to')
    args = ap.parse_args(argv)
    version, roles, networks, lines = build(args.tht)
    if version != args.version:
        ap.error('%s is tripleo-heat-templates %s, not %s' % (args.tht, version, args.version))
    names = len({ln.split('\t', 1)[0] for ln in lines})
    head = [
        '# dcnc parameter index %d: tripleo-heat-templates %s' % (FORMAT, version),
        '# Generated by scripts/param-index.py from the pinned sdist; do not edit.',
        '# %d parameters, %d declarations; roles: %s' % (names, len(lines), ' '.join(roles)),
        '# networks: %s' % ' '.join(networks),
        '# name\ttype\tflags\tconstraints\tdefault',
    ]
    write(args.output, '\n'.join(head + lines) + '\n')
    if args.envs_output:
        envs = environments(args.tht)
        write(args.envs_output, json.dumps(envs, sort_keys=True, indent=1, ensure_ascii=False,
                                           default=str) + '\n')
    return 0


def write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == '__main__':
    sys.exit(main())
