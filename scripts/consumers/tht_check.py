#!/usr/bin/env python3
"""Check TripleO heat environment files and deploy.sh scripts against the
real tripleo-heat-templates (THT) tree of one release.

Usage:
  tht_check.py --tht DIR [--roles-file ROLES.yaml] [--network-data NET.yaml]
               [--dump-index] [--no-cache] ENV_FILE... [--deploy-sh SCRIPT...]

Exit status: 0 clean, 1 problems found, 2 usage error (bad option, missing
file, THT tree unusable).  One line per problem on stdout:
  FILE: KEY: why
then a one-line summary.  Warnings ("FILE: KEY: warning: why") do not change
the exit status: things that cannot be checked (a path holding another
variable), and things heat accepts but that are probably not meant (a YAML
bool for a string parameter, a null value, a parameter THT marks deprecated).
Everything after --deploy-sh up to the next option is a deploy script.

The index of a THT tree (parameters, role-/network-prefixed parameter
patterns, roles, services, environments) takes 1-3 s to build; it is cached
as JSON beside the tree, <tree>.tht-index.<version>.<checker sha256[:16]>.json
(an edit of this file invalidates it; --no-cache ignores it).  The *.j2.yaml
templates are rendered once with a placeholder role and network, so
<Role>Count etc. become patterns valid for any role of the roles file (or of
THT's roles/ without --roles-file).

Dependencies: python3 stdlib + PyYAML (pinned PyYAML==6.0.2) + Jinja2 (pinned
Jinja2==3.1.6, MarkupSafe==3.0.2), used to render THT's *.j2.yaml templates the
way THT's tools/process-templates.py does.  `fetch-tht.sh --python` makes a
venv with exactly these pins and prints its python.

How heat treats parameter values (read from openstack-heat 16.1.0
heat/engine/parameters.py + constraints.py, oslo.utils strutils):
  - parameter_defaults become the parameter's default; heat validates the
    default of every parameter of every (nested) stack that declares it.
    Names declared nowhere are silently ignored by heat: that is why a typo
    is a silent misconfiguration and why we flag it.
  - string: heat does no type check, it runs the constraints on the raw value
    and str()s it at use.  A map/list would become a Python repr: we reject
    it.  A YAML bool becomes 'True'/'False' (Python spelling): we warn (THT's
    own env files do this).  Numbers are accepted (str(5) == '5'), except
    where the parameter has an allowed_pattern or length constraint: heat's
    re.match()/len() raise a TypeError on a non-string, so we reject them.
  - number: int/float, or a string that int() or float() accepts.  Heat also
    takes a YAML bool (bool is a numbers.Number); we reject it (always a bug).
  - boolean: strutils.bool_from_string(strict=True): a YAML bool, or after
    str().strip().lower() one of 1 t true on y yes / 0 f false off n no
    (so the integers 0 and 1 also pass).
  - json: a map or a list, or a string holding JSON; heat technically also
    takes a bare number or a JSON scalar string, which TripleO templates never
    expect: we require the (parsed) value to be a map or a list.
  - comma_delimited_list: a list (items str()'d; we reject map/list items) or
    a string (split on ','; '' is the empty list).
  - allowed_pattern is anchored at both ends (re.match + match.end()==len).
  - allowed_values compares after converting both sides to the param type;
    for a list value every item must be allowed.
  - range / length: min/max inclusive.
  - environment sections: parameters, resource_registry, parameter_defaults,
    encrypted_param_names, event_sinks, parameter_merge_strategies; a section
    that is present but empty (null) is an error in heat.
"""

import argparse
import difflib
import hashlib
import json
import os
import re
import shlex
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("tht_check.py: PyYAML is missing (pip install PyYAML==6.0.2, "
                     "or run with the python printed by fetch-tht.sh --python)\n")
    sys.exit(2)
try:
    import jinja2
except ImportError:  # pragma: no cover
    sys.stderr.write("tht_check.py: Jinja2 is missing (pip install Jinja2==3.1.6, "
                     "or run with the python printed by fetch-tht.sh --python)\n")
    sys.exit(2)

INDEX_FORMAT = 1
ENV_SECTIONS = ('parameters', 'resource_registry', 'parameter_defaults',
                'encrypted_param_names', 'event_sinks',
                'parameter_merge_strategies')
MERGE_STRATEGIES = ('overwrite', 'merge', 'deep_merge')
THT_INSTALL_PREFIX = '/usr/share/openstack-tripleo-heat-templates/'

# Placeholders used to render the *.j2.yaml templates once, independently of
# the roles file: a parameter named QQROLEQQCount means <Role>Count.
ROLE_TOKEN = 'QQROLEQQ'
NET_TOKEN = 'QQNETQQ'
DEP_TOKEN = 'QQDEPQQ'
DEPRECATED_KEYS = ('deprecated_param_extraconfig', 'deprecated_param_flavor',
                   'deprecated_param_image', 'deprecated_param_ips',
                   'deprecated_param_metadata',
                   'deprecated_param_scheduler_hints')
SKIP_DIRS = {'releasenotes', 'doc', 'zuul.d', '.git', '.tox',
             'tripleo_heat_templates.egg-info'}


# --------------------------------------------------------------------------
# YAML loading like heat: timestamps stay strings.
class _Loader(getattr(yaml, 'CSafeLoader', yaml.SafeLoader)):
    pass


def _construct_str(loader, node):
    return loader.construct_scalar(node)


_Loader.add_constructor('tag:yaml.org,2002:timestamp', _construct_str)


def load_yaml(text):
    return yaml.load(text, Loader=_Loader)


def jdefault(o):
    return str(o)


# --------------------------------------------------------------------------
# Index building
def tht_version(tht):
    pkg = os.path.join(tht, 'PKG-INFO')
    if os.path.exists(pkg):
        with open(pkg, encoding='utf-8', errors='replace') as f:
            for line in f:
                if line.startswith('Version:'):
                    return line.split(':', 1)[1].strip()
    return os.path.basename(os.path.normpath(tht))


def norm_constraints(pdef):
    """Heat HOT constraints -> a flat dict."""
    out = {}
    for c in pdef.get('constraints') or []:
        if not isinstance(c, dict):
            continue
        for k in ('allowed_values', 'allowed_pattern', 'range', 'length',
                  'custom_constraint', 'modulo'):
            if k in c:
                out[k] = c[k]
                if c.get('description'):
                    out.setdefault('descriptions', {})[k] = c['description']
    return out


def param_decl(pdef, relpath):
    d = {'type': pdef.get('type'), 'files': [relpath]}
    if 'default' in pdef:
        d['default'] = pdef.get('default')
    cons = norm_constraints(pdef)
    if cons:
        d['constraints'] = cons
    if pdef.get('hidden'):
        d['hidden'] = True
    return d


def add_decl(table, name, decl):
    """Merge one declaration into table[name] (a list of distinct decls).  The default of
    each declaring file is kept in 'file_defaults' (files without a default are absent)."""
    skip = ('files', 'default', 'file_defaults')
    key = json.dumps({k: v for k, v in decl.items() if k not in skip},
                     sort_keys=True, default=jdefault)
    if 'default' in decl:
        decl['file_defaults'] = {f: decl['default'] for f in decl['files']}
    for d in table.setdefault(name, []):
        dkey = json.dumps({k: v for k, v in d.items() if k not in skip},
                          sort_keys=True, default=jdefault)
        if dkey == key:
            for f in decl['files']:
                if f not in d['files']:
                    d['files'].append(f)
            if 'file_defaults' in decl:
                d.setdefault('file_defaults', {}).update(
                    {f: v for f, v in decl['file_defaults'].items()
                     if f not in d.get('file_defaults', {})})
            return
    table[name].append(decl)


def placeholder_role(network_names):
    role = {'name': ROLE_TOKEN, 'description': 'placeholder', 'CountDefault': 0,
            'tags': [], 'ServicesDefault': [],
            'networks': {n: {'subnet': '%s_subnet' % n.lower()} for n in network_names},
            'uses_deprecated_params': True}
    for k in DEPRECATED_KEYS:
        role[k] = DEP_TOKEN + k
    return role


def load_network_data(tht):
    for cand in ('network_data.yaml', 'network_data_default.yaml'):
        p = os.path.join(tht, cand)
        if os.path.exists(p):
            with open(p) as f:
                return load_yaml(f.read()) or [], cand
    return [], None


def network_names_in_file(path):
    try:
        with open(path) as f:
            data = load_yaml(f.read())
    except (OSError, yaml.YAMLError):
        return []
    if not isinstance(data, list):
        return []
    return [n['name'] for n in data
            if isinstance(n, dict) and isinstance(n.get('name'), str)]


def parse_template(rel, text, errors):
    """-> {'heat_template_version': ..., 'parameters': {...}} or None.

    Only the top-level parameters: section is parsed (a top-level key starts
    at column 0, so the section ends at the next such line): faster than the
    whole template, and it also copes with templates that current PyYAML
    rejects elsewhere (THT 12.7.0 puppet/role.role.j2.yaml has a flow mapping
    {get_attr:[X, name]}).  Falls back to parsing the whole text."""
    if not re.search(r'^heat_template_version\s*:', text, re.M):
        return None
    m = re.search(r'^parameters:[ \t]*(?:#.*)?\n(.*?)(?=^[^\s#]|\Z)', text, re.M | re.S)
    if m:
        g = re.search(r'^parameter_groups:[ \t]*(?:#.*)?\n(.*?)(?=^[^\s#-]|\Z)',
                      text, re.M | re.S)
        try:
            doc = load_yaml('parameters:\n' + m.group(1)) or {}
            groups = load_yaml('parameter_groups:\n' + g.group(1)) or {} if g else {}
            return {'heat_template_version': True,
                    'parameters': doc.get('parameters') or {},
                    'parameter_groups': groups.get('parameter_groups') or []}
        except yaml.YAMLError:
            pass
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as e:
        errors.append('%s: %s' % (rel, ' '.join(str(e).split())))
        return None
    return doc if isinstance(doc, dict) else None


_JENV = {}


def render(tht, relpath, text, data):
    """Render like tools/process-templates.py (loader: the template's own dir,
    then the THT root); environments and compiled templates are reused."""
    base = os.path.dirname(os.path.join(tht, relpath))
    env = _JENV.get(base)
    if env is None:
        env = _JENV[base] = jinja2.Environment(
            loader=jinja2.FileSystemLoader([base, tht]))
    key = (base, relpath, hash(text))
    tmpl = _JENV.get(key)
    if tmpl is None:
        tmpl = _JENV[key] = env.from_string(text)
    return tmpl.render(**data)


def cond_roles(text, raw_roles):
    """Real roles named in role-name conditionals ({% if role.name == 'X' %}):
    rendering with them finds the parameters only such a role gets
    (e.g. NumDpdkInterfaceRxQueues for ComputeOvsDpdk)."""
    names = set()
    for m in re.finditer(r"role\.name\s*(?:==|in)\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\")", text):
        names.update(re.findall(r"['\"]([A-Za-z0-9_]+)['\"]", m.group(1)))
    return sorted(n for n in names if n in raw_roles)


def classify(name):
    """Parameter name from a placeholder rendering -> (kind, pattern)."""
    if DEP_TOKEN in name:
        return 'deprecated', name.replace(DEP_TOKEN, '')
    has_role = ROLE_TOKEN in name or ROLE_TOKEN.lower() in name
    has_net = NET_TOKEN in name or NET_TOKEN.lower() in name
    if not has_role and not has_net:
        return 'global', name
    pat = (name.replace(ROLE_TOKEN, '{role}').replace(ROLE_TOKEN.lower(), '{role_lower}')
           .replace(NET_TOKEN, '{network}').replace(NET_TOKEN.lower(), '{network_lower}'))
    return ('role' if has_role else 'network'), pat


def build_index(tht):
    version = tht_version(tht)
    params, role_params, net_params, dep_params = {}, {}, {}, {}
    environments, rendered_outputs, render_errors = [], [], []
    env_registrations = {}
    templates = 0

    net_data, net_file = load_network_data(tht)
    networks = []
    for i, n in enumerate(net_data):
        if isinstance(n, dict) and n.get('name'):
            n = dict(n)
            n.setdefault('name_lower', n['name'].lower())
            n['idx'] = i
            networks.append(n)
    enabled_nets = [n for n in networks if n.get('enabled') is not False]
    ph_net = {'name': NET_TOKEN, 'name_lower': NET_TOKEN.lower(), 'vip': True,
              'enabled': True, 'ip_subnet': '192.0.2.0/24', 'idx': len(networks),
              'allocation_pools': [{'start': '192.0.2.4', 'end': '192.0.2.250'}],
              'subnets': {}}
    all_nets = networks + [ph_net]
    p_role = placeholder_role([n['name'] for n in enabled_nets] + [NET_TOKEN])

    # roles (raw), needed for templates with role-name conditionals
    raw_roles, roles = {}, {}
    for fn in sorted(os.listdir(os.path.join(tht, 'roles'))):
        if not fn.endswith('.yaml'):
            continue
        with open(os.path.join(tht, 'roles', fn)) as f:
            data = load_yaml(f.read())
        for r in data if isinstance(data, list) else []:
            if isinstance(r, dict) and r.get('name'):
                raw_roles[r['name']] = r
                roles[r['name']] = role_summary(r, 'roles/' + fn)

    def collect(relpath, doc, real_role=None):
        nonlocal templates
        if not isinstance(doc, dict) or 'heat_template_version' not in doc:
            return
        if real_role is None:
            templates += 1
        deprecated = set()
        for grp in doc.get('parameter_groups') or []:
            if isinstance(grp, dict) and grp.get('label') == 'deprecated':
                deprecated.update(p for p in grp.get('parameters') or [] if isinstance(p, str))
        for name, pdef in (doc.get('parameters') or {}).items():
            if not isinstance(pdef, dict) or not isinstance(name, str):
                continue
            if real_role and (real_role in name or real_role.lower() in name):
                continue  # <Role>X of a real role: the placeholder pass has it
            kind, pat = classify(name)
            decl = param_decl(pdef, relpath)
            if name in deprecated:
                decl['deprecated'] = True
            table = {'global': params, 'role': role_params, 'network': net_params,
                     'deprecated': dep_params}[kind]
            add_decl(table, pat, decl)

    for dirpath, dirnames, filenames in os.walk(tht):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith('.') and d not in SKIP_DIRS)
        reldir = os.path.relpath(dirpath, tht)
        reldir = '' if reldir == '.' else reldir
        for fn in sorted(filenames):
            if not fn.endswith('.yaml') or fn.startswith('.'):
                continue
            rel = os.path.join(reldir, fn)
            is_env = rel.startswith('environments/')
            with open(os.path.join(tht, rel), encoding='utf-8', errors='replace') as f:
                text = f.read()
            if not fn.endswith('.j2.yaml'):
                if is_env:
                    environments.append(rel)
                    for svc in re.findall(r'^\s+OS::TripleO::Services::([A-Za-z0-9_]+)'
                                          r'\s*:(?!:)', text, re.M):
                        if rel not in env_registrations.setdefault(svc, []):
                            env_registrations[svc].append(rel)
                if 'heat_template_version' not in text:
                    continue
                collect(rel, parse_template(rel, text, render_errors))
                continue
            # jinja2 templates, three kinds as in tools/process-templates.py
            if fn.endswith('.role.j2.yaml'):
                base = fn[:-len('.role.j2.yaml')]
                if 'network/config' in rel:
                    out_re = re.escape(reldir + '/') + r'(?P<role_lower>[a-z0-9_]+)\.yaml'
                else:
                    out_re = (re.escape(reldir + '/') + r'(?P<role_lower>[a-z0-9_]+)-'
                              + re.escape(base + '.yaml'))
                rendered_outputs.append({'from': rel, 'regex': out_re})
                if '{{role.name}}' in text:
                    datas = [{'role': p_role, 'networks': all_nets}]
                    datas += [{'role': raw_roles[n], 'networks': all_nets,
                               '_real_role': n} for n in cond_roles(text, raw_roles)]
                else:
                    datas = [{'role': ROLE_TOKEN, 'networks': all_nets}]
            elif fn.endswith('.network.j2.yaml'):
                base = fn[:-len('.network.j2.yaml')] + '.yaml'
                word = 'port' if reldir.endswith('ports') else 'network'
                parts = [re.escape(p) for p in base.split(word, 1)]
                out_re = re.escape(reldir + '/') + (
                    parts[0] + r'(?P<network_lower>[a-z0-9_]+)' + parts[1]
                    if len(parts) == 2 else parts[0])
                rendered_outputs.append({'from': rel, 'regex': out_re})
                datas = [{'network': n} for n in enabled_nets + [ph_net]]
            else:
                out = rel[:-len('.j2.yaml')] + '.yaml'
                rendered_outputs.append({'from': rel, 'regex': re.escape(out)})
                if is_env:
                    environments.append(out)
                datas = [{'roles': [p_role], 'networks': all_nets}]
                datas += [{'roles': [p_role, raw_roles[n]], 'networks': all_nets,
                           '_real_role': n} for n in cond_roles(text, raw_roles)]
            for data in datas:
                real_role = data.pop('_real_role', None)
                try:
                    out_text = render(tht, rel, text, data)
                except Exception as e:  # jinja2 errors of all kinds
                    render_errors.append('%s: render: %s' % (rel, e))
                    continue
                if 'heat_template_version' not in out_text:
                    continue
                collect(rel, parse_template(rel, out_text, render_errors), real_role)

    # services from the resource registry
    services = {}
    reg = 'overcloud-resource-registry-puppet.j2.yaml'
    with open(os.path.join(tht, reg)) as f:
        reg_text = render(tht, reg, f.read(), {'roles': [p_role], 'networks': all_nets})
    registry = (load_yaml(reg_text) or {}).get('resource_registry') or {}
    registry_keys = []
    for k, v in registry.items():
        if not isinstance(k, str):
            continue
        if ROLE_TOKEN in k or NET_TOKEN in k:
            continue
        registry_keys.append(k)
        if k.startswith('OS::TripleO::Services::'):
            services[k[len('OS::TripleO::Services::'):]] = v

    net_names = set()
    for fn in sorted(os.listdir(tht)):
        if fn.startswith('network_data') and fn.endswith('.yaml'):
            net_names.update(network_names_in_file(os.path.join(tht, fn)))
    sdir = os.path.join(tht, 'network-data-samples')
    if os.path.isdir(sdir):
        for fn in sorted(os.listdir(sdir)):
            if fn.endswith('.yaml'):
                net_names.update(network_names_in_file(os.path.join(sdir, fn)))

    return {
        'index_format': INDEX_FORMAT,
        'tht_version': version,
        'templates': templates,
        'parameters': dict(sorted(params.items())),
        'role_parameters': dict(sorted(role_params.items())),
        'network_parameters': dict(sorted(net_params.items())),
        'deprecated_role_parameters': dict(sorted(dep_params.items())),
        'roles': roles,
        'networks': sorted(net_names),
        'network_data_rendered': net_file,
        'environments': sorted(environments),
        'services': dict(sorted(services.items())),
        'service_registrations_in_environments': {
            k: v for k, v in sorted(env_registrations.items()) if k not in services},
        'registry_keys': sorted(registry_keys),
        'rendered_outputs': rendered_outputs,
        'render_errors': render_errors,
    }


def role_summary(r, src):
    out = {'file': src,
           'services': [s[len('OS::TripleO::Services::'):]
                        if isinstance(s, str) and s.startswith('OS::TripleO::Services::') else s
                        for s in r.get('ServicesDefault') or []]}
    dep = {k: r[k] for k in DEPRECATED_KEYS if isinstance(r.get(k), str)}
    if dep:
        out['deprecated_params'] = dep
    for k in ('CountDefault', 'tags', 'HostnameFormatDefault', 'RoleParametersDefault'):
        if k in r:
            out[k] = r[k]
    return out


def checker_hash():
    with open(os.path.abspath(__file__), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def get_index(tht, use_cache=True):
    version = tht_version(tht)
    tht_abs = os.path.abspath(tht).rstrip('/')
    cache = os.path.join(os.path.dirname(tht_abs), '%s.tht-index.%s.%s.json'
                         % (os.path.basename(tht_abs), re.sub(r'[^A-Za-z0-9._-]', '_', version),
                            checker_hash()))
    if use_cache and os.path.exists(cache):
        try:
            with open(cache) as f:
                idx = json.load(f)
            if idx.get('index_format') == INDEX_FORMAT:
                return idx
        except (OSError, ValueError):
            pass
    idx = build_index(tht)
    if use_cache:
        try:
            prefix = '%s.tht-index.' % os.path.basename(tht_abs)
            for old in os.listdir(os.path.dirname(cache)):
                if old.startswith(prefix) and old.endswith('.json'):
                    os.unlink(os.path.join(os.path.dirname(cache), old))  # stale
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache), suffix='.tmp')
            with os.fdopen(fd, 'w') as f:
                json.dump(idx, f, default=jdefault)
            os.replace(tmp, cache)
        except OSError:
            pass  # read-only cache dir: just do not cache
    return idx


# --------------------------------------------------------------------------
# Value checks
TRUE_STRINGS = ('1', 't', 'true', 'on', 'y', 'yes')
FALSE_STRINGS = ('0', 'f', 'false', 'off', 'n', 'no')


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def str_to_num(v):
    if is_num(v):
        return v
    try:
        return int(v)
    except (ValueError, TypeError):
        return float(v)


def show(v):
    if isinstance(v, str):
        return repr(v)
    return json.dumps(v, default=jdefault)


# What the Ceph tooling does with some json/number parameters heat takes as they are (heat only
# checks the type). ceph-ansible's roles/ceph-validate/tasks/main.yml: osd_objectstore is
# bluestore or filestore; devices or lvm_volumes (or osd_auto_discovery) define the OSDs, and
# `devices: []` passes that check yet makes no OSD (THT 14.3.0's default); bluestore
# lvm_volumes items need `data`; keys have caps, and a key matches ^[a-zA-Z0-9+/]{38}==$ (the
# same pattern THT gives CephClientKey). A pool size is a whole number of copies, at least 1.
CEPHX_KEY = re.compile(r'^[a-zA-Z0-9+/]{38}==$')


def ceph_disks_config(v):
    if not isinstance(v, dict):
        return ['not a map of ceph-ansible OSD settings (devices, osd_scenario, osd_objectstore)']
    out = []
    store = v.get('osd_objectstore', 'bluestore')
    if store not in ('bluestore', 'filestore'):
        out.append("osd_objectstore %s is neither bluestore nor filestore (ceph-ansible's "
                   "ceph-validate fails)" % show(store))
    devices, lvm = v.get('devices'), v.get('lvm_volumes')
    for d in devices if isinstance(devices, list) else []:
        if not (isinstance(d, str) and d.startswith('/dev/')):
            out.append('devices: %s is not a device path under /dev/' % show(d))
    for i, item in enumerate(lvm if isinstance(lvm, list) else []):
        if not (isinstance(item, dict) and 'data' in item):
            out.append('lvm_volumes[%d] has no data key (ceph-validate fails)' % i)
    if devices is not None and not isinstance(devices, list):
        out.append('devices is not a list')
    if not (devices or lvm or v.get('osd_auto_discovery') is True):
        out.append('no devices, lvm_volumes or osd_auto_discovery: ceph-ansible makes no OSD '
                   '(devices: [] passes its check, and the cluster stores nothing)')
    return out


def ceph_pool_size(v):
    try:
        n = str_to_num(v) if isinstance(v, str) else v
    except ValueError:
        return []  # not a number: the type check reports it
    if isinstance(n, bool) or not isinstance(n, (int, float)) or n != int(n) or n < 1:
        return ['%s is not a replica count (a whole number of copies, at least 1)' % show(v)]
    return []


def ceph_extra_keys(v):
    if not isinstance(v, list):
        return ['not a list of keys ({name, caps, key, mode})']
    out = []
    for i, k in enumerate(v):
        if not isinstance(k, dict):
            out.append('[%d] is not a map' % i)
            continue
        name = k.get('name')
        if not (isinstance(name, str) and name.startswith('client.') and len(name) > 7):
            out.append('[%d] name %s is not client.<user>' % (i, show(name)))
        if not isinstance(k.get('caps'), dict) or not k['caps']:
            out.append('[%d] %s has no caps (ceph-validate fails)' % (i, name))
        else:
            for daemon, cap in k['caps'].items():
                if daemon not in ('mon', 'osd', 'mgr', 'mds') or not isinstance(cap, str):
                    out.append('[%d] caps %s: %s is no capability of a Ceph daemon' % (i, daemon, show(cap)))
        if 'key' in k and not (isinstance(k['key'], str) and CEPHX_KEY.match(k['key'])):
            out.append('[%d] key of %s does not match ^[a-zA-Z0-9+/]{38}==$ (ceph-validate fails)' % (i, name))
        if 'mode' in k and not (isinstance(k['mode'], str) and re.fullmatch(r'0?[0-7]{3}', k['mode'])):
            out.append('[%d] mode %s is not an octal file mode string' % (i, show(k.get('mode'))))
    return out


CEPH_CONSUMERS = {
    'CephAnsibleDisksConfig': ceph_disks_config,
    'CephPoolDefaultSize': ceph_pool_size,
    'CephExtraKeys': ceph_extra_keys,
}


def check_value(value, decl, warnings=None):
    """Return None if value fits decl, else the reason (a string).
    Things heat accepts but that are probably not meant are appended to
    warnings."""
    if warnings is None:
        warnings = []
    t = decl.get('type')
    cons = decl.get('constraints') or {}
    if value is None:
        if 'default' not in decl or decl.get('default') is None:
            return 'null value and the parameter has no default: heat fails'
        warnings.append('null value: heat ignores it and keeps the template default')
        return None
    # type check and parse to what the constraints see
    if t == 'string':
        if isinstance(value, (dict, list)):
            return '%s is a %s but the parameter is a string (heat would pass its ' \
                'Python repr)' % (show(value), 'map' if isinstance(value, dict) else 'list')
        if not isinstance(value, str) and ('allowed_pattern' in cons or 'length' in cons):
            return ('%s is not a string but the parameter is a string with a %s constraint '
                    '(heat fails with a TypeError; quote it)'
                    % (show(value), 'pattern' if 'allowed_pattern' in cons else 'length'))
        if isinstance(value, bool):
            warnings.append('%s is a boolean but the parameter is a string: heat passes '
                            '%r (quote it if that is not meant)' % (show(value), str(value)))
            parsed = str(value)
        else:
            parsed = value
    elif t == 'number':
        if isinstance(value, bool) or not (is_num(value) or isinstance(value, str)):
            return '%s is not a number' % show(value)
        try:
            parsed = str_to_num(value)
        except (ValueError, TypeError):
            return '%s is not a number' % show(value)
    elif t == 'boolean':
        if isinstance(value, bool):
            parsed = value
        elif isinstance(value, (str, int)) and not isinstance(value, float):
            low = str(value).strip().lower()
            if low not in TRUE_STRINGS + FALSE_STRINGS:
                return ('%s is not a boolean (heat accepts true/false, yes/no, on/off, '
                        'y/n, t/f, 1/0)' % show(value))
            parsed = low in TRUE_STRINGS
        else:
            return '%s is not a boolean' % show(value)
    elif t == 'json':
        parsed = value
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                return '%s is a string that is not valid JSON' % show(value)
        if not isinstance(parsed, (dict, list)):
            return '%s is not a map or a list (json parameter)' % show(value)
    elif t == 'comma_delimited_list':
        if isinstance(value, list):
            bad = [x for x in value if isinstance(x, (dict, list)) or x is None]
            if bad:
                return 'list item %s is not a scalar (comma_delimited_list)' % show(bad[0])
            parsed = [str(x) if not isinstance(x, bool) else str(x) for x in value]
        elif isinstance(value, str):
            parsed = [] if value == '' else value.split(',')
        else:
            return '%s is not a list or a comma-separated string' % show(value)
    else:
        return None  # unknown type: nothing to check
    # constraints
    if 'allowed_values' in cons:
        allowed = cons['allowed_values'] or []
        items = parsed if isinstance(parsed, list) else [parsed]
        for item in items:
            if not in_allowed(item, allowed, t):
                return '%s is not among allowed_values %s' % (
                    show(item), json.dumps(allowed, default=jdefault))
    if 'allowed_pattern' in cons and isinstance(parsed, str):
        pat = cons['allowed_pattern']
        try:
            m = re.match(pat, parsed)
        except re.error:
            m = None
        if m is None or m.end() != len(parsed):
            return '%s does not match allowed_pattern %s' % (show(parsed), pat)
    if 'range' in cons and is_num(parsed):
        lo, hi = (cons['range'] or {}).get('min'), (cons['range'] or {}).get('max')
        if (lo is not None and parsed < lo) or (hi is not None and parsed > hi):
            return '%s is out of range (min %s, max %s)' % (show(value), lo, hi)
    if 'length' in cons and isinstance(parsed, (str, list, dict)):
        lo, hi = (cons['length'] or {}).get('min'), (cons['length'] or {}).get('max')
        n = len(parsed)
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            return 'length %d is out of range (min %s, max %s)' % (n, lo, hi)
    return None


def where(decl):
    files = decl.get('files') or ['?']
    return files[0] + (' and %d more' % (len(files) - 1) if len(files) > 1 else '')


def in_allowed(item, allowed, t):
    def conv(v):
        if t == 'string':
            return str(v)
        if t == 'number':
            try:
                return str_to_num(v)
            except (ValueError, TypeError):
                return v
        if t == 'boolean':
            if isinstance(v, bool):
                return v
            return str(v).strip().lower() in TRUE_STRINGS
        return v
    ci = conv(item)
    return any(conv(a) == ci for a in allowed)


# --------------------------------------------------------------------------
class Checker:
    def __init__(self, tht, idx, roles, networks):
        self.tht = tht
        self.idx = idx
        self.version = idx['tht_version']
        self.roles = roles              # role name -> summary (allowed roles)
        self.networks = set(networks)
        self.problems = 0
        self.warnings = 0
        self._role_res = [(re.compile(self._pat_re(p)), p)
                          for p in idx['role_parameters']]
        self._net_res = [(re.compile(self._pat_re(p)), p)
                         for p in idx['network_parameters']]
        self._dep = {}
        for rname, r in roles.items():
            for k, pname in (r.get('deprecated_params') or {}).items():
                self._dep[pname] = (rname, k)
        self._candidates = None
        self._paths = None

    @staticmethod
    def _pat_re(p):
        out = re.escape(p)
        for tok, grp in (('role', '(?P<role>[A-Za-z0-9_]+?)'),
                         ('role_lower', '(?P<role_lower>[a-z0-9_]+?)'),
                         ('network', '(?P<network>[A-Za-z0-9_]+?)'),
                         ('network_lower', '(?P<network_lower>[a-z0-9_]+?)')):
            out = out.replace(re.escape('{%s}' % tok), grp)
        return '^' + out + '$'

    def report(self, fname, key, why):
        self.problems += 1
        print('%s: %s: %s' % (fname, key, why))

    def warn(self, fname, key, why):
        self.warnings += 1
        print('%s: %s: warning: %s' % (fname, key, why))

    # ---- parameter lookup
    def lookup(self, name):
        """-> (decls, None) or (None, why)"""
        if name in self.idx['parameters']:
            return self.idx['parameters'][name], None
        if name in self._dep:
            rname, k = self._dep[name]
            decls = self.idx['deprecated_role_parameters'].get(k)
            if decls:
                return decls, None
        role_lower = {r.lower(): r for r in self.roles}
        near_roles = []
        for rx, pat in self._role_res:
            m = rx.match(name)
            if not m:
                continue
            g = m.groupdict()
            ok_role = True
            if g.get('role') is not None and g['role'] not in self.roles:
                ok_role = False
                near_roles.append((g['role'], pat))
            if g.get('role_lower') is not None and g['role_lower'] not in role_lower:
                ok_role = False
            if g.get('network') is not None and g['network'] not in self.networks:
                ok_role = False
            if ok_role:
                return self.idx['role_parameters'][pat], None
        near_nets = []
        for rx, pat in self._net_res:
            m = rx.match(name)
            if m and (m.groupdict().get('network') in self.networks or
                      m.groupdict().get('network_lower') in {n.lower() for n in self.networks}):
                return self.idx['network_parameters'][pat], None
            if m and m.groupdict().get('network'):
                near_nets.append((m.group('network'), pat))
        why = 'no such parameter in tripleo-heat-templates %s' % self.version
        for net, pat in near_nets:
            if '_' not in net:
                return None, ('%s is the %s parameter of network %s, which is in no '
                              'network_data file (pass it with --network-data)'
                              % (name, pat.replace('{network}', '<Network>'), net))
        tht_roles = self.idx['roles']
        for rname, pat in near_roles:
            if rname in tht_roles and rname not in self.roles:
                return None, ('%s is the %s parameter of role %s, which is not in the '
                              'roles file' % (name, pat.replace('{role}', '<Role>'), rname))
        for rname, pat in near_roles:
            close = difflib.get_close_matches(rname, list(self.roles), n=1, cutoff=0.8)
            if close:
                return None, why + ' (did you mean %s?)' % pat.replace('{role}', close[0])
        sugg = self.suggest(name)
        if sugg:
            why += ' (did you mean %s?)' % sugg
        return None, why

    def candidates(self):
        if self._candidates is None:
            c = set(self.idx['parameters'])
            for pat in self.idx['role_parameters']:
                for r in self.roles:
                    if '{network' not in pat:
                        c.add(pat.replace('{role}', r).replace('{role_lower}', r.lower()))
            for pat in self.idx['network_parameters']:
                for n in self.networks:
                    c.add(pat.replace('{network}', n).replace('{network_lower}', n.lower()))
            c.update(self._dep)
            self._candidates = sorted(c)
        return self._candidates

    def suggest(self, name):
        cands = self.candidates()
        low = {c.lower(): c for c in cands}
        if name.lower() in low:
            return low[name.lower()]
        m = difflib.get_close_matches(name, cands, n=1, cutoff=0.85)
        return m[0] if m else None

    def check_param(self, fname, key, name, value):
        decls, why = self.lookup(name)
        if decls is None:
            self.report(fname, key, why)
            return
        reasons = []
        for d in sorted(decls, key=lambda d: bool(d.get('deprecated'))):
            warnings = []
            r = check_value(value, d, warnings)
            if r is None:
                # fits one declaration (types only differ for 'fixed_ips')
                if d.get('deprecated'):
                    warnings.append('deprecated in tripleo-heat-templates %s (parameter_groups'
                                    ' label deprecated)' % self.version)
                for w in warnings:
                    self.warn(fname, key, '%s (declared %s in %s)' % (
                        w, d.get('type'), where(d)))
                return
            reasons.append((r, d))
        seen = set()
        for r, d in reasons:
            if r in seen:
                continue
            seen.add(r)
            self.report(fname, key, '%s (declared %s in %s)' % (
                r, d.get('type'), where(d)))
        return

    # ---- env files
    def check_env(self, fname):
        try:
            with open(fname, encoding='utf-8') as f:
                text = f.read()
        except OSError as e:
            self.report(fname, '-', 'cannot read: %s' % e)
            return
        try:
            env = load_yaml(text)
        except yaml.YAMLError as e:
            self.report(fname, '-', 'not valid YAML: %s' % ' '.join(str(e).split()))
            return
        if env is None:
            env = {}
        if not isinstance(env, dict):
            self.report(fname, '-', 'the environment is not a YAML mapping')
            return
        for sect, body in env.items():
            if sect not in ENV_SECTIONS:
                close = difflib.get_close_matches(str(sect), ENV_SECTIONS, n=1, cutoff=0.6)
                self.report(fname, str(sect), 'not an environment section heat accepts '
                            '(%s)%s' % (', '.join(ENV_SECTIONS),
                                        ' (did you mean %s?)' % close[0] if close else ''))
                continue
            if body is None:
                self.report(fname, sect, 'empty section: heat rejects it')
                continue
            if sect in ('parameter_defaults', 'parameters'):
                if not isinstance(body, dict):
                    self.report(fname, sect, 'must be a map')
                    continue
                for name, value in body.items():
                    key = '%s.%s' % (sect, name)
                    self.check_param(fname, key, str(name), value)
                    if isinstance(name, str) and name.endswith('Parameters') \
                            and isinstance(value, dict) and name != 'RoleParameters':
                        self.check_role_parameters(fname, key, name, value)
                    if name == 'RoleParameters' and isinstance(value, dict):
                        self.check_role_parameters(fname, key, name, value)
                    if name == 'GlanceMultistoreConfig' and isinstance(value, dict):
                        self.check_multistore(fname, key, value)
                    if name in CEPH_CONSUMERS:
                        for why in CEPH_CONSUMERS[name](value):
                            self.report(fname, key, why)
            elif sect == 'resource_registry':
                if not isinstance(body, dict):
                    self.report(fname, sect, 'must be a map')
                    continue
                self.check_registry(fname, body)
            elif sect == 'parameter_merge_strategies':
                if not isinstance(body, dict):
                    self.report(fname, sect, 'must be a map')
                    continue
                for name, strat in body.items():
                    key = '%s.%s' % (sect, name)
                    if strat not in MERGE_STRATEGIES:
                        self.report(fname, key, '%s is not a merge strategy (%s)'
                                    % (show(strat), ', '.join(MERGE_STRATEGIES)))
                    if name != 'default':
                        decls, why = self.lookup(str(name))
                        if decls is None:
                            self.report(fname, key, why)
            elif sect in ('encrypted_param_names', 'event_sinks'):
                if not isinstance(body, list):
                    self.report(fname, sect, 'must be a list')

    def check_role_parameters(self, fname, key, name, value):
        """<Role>Parameters / RoleParameters: keys are parameter names."""
        decls, _ = self.lookup(name)
        if decls is None or not any(d.get('type') == 'json' for d in decls):
            return
        for inner, v in value.items():
            k2 = '%s.%s' % (key, inner)
            d2, why = self.lookup(str(inner))
            if d2 is None:
                self.report(fname, k2, why)
            elif v is not None:
                self.check_param(fname, k2, str(inner), v)

    def check_multistore(self, fname, key, value):
        """GlanceMultistoreConfig: {store_id: {GlanceBackend: ..., ...}}
        (puppet-tripleo glance backend profiles read these keys)."""
        kinds = {}
        for sid, entry in value.items():
            k2 = '%s.%s' % (key, sid)
            if not isinstance(sid, str) or not re.fullmatch(r'[a-zA-Z0-9_-]+', sid):
                self.report(fname, k2, 'store id %s does not match [a-zA-Z0-9_-]+ '
                            '(the GlanceBackendID pattern)' % show(sid))
            elif sid.startswith('os_glance_'):
                self.report(fname, k2, 'store ids starting with os_glance_ are reserved '
                            'by glance')
            if not isinstance(entry, dict):
                self.report(fname, k2, 'must be a map')
                continue
            if 'GlanceBackend' not in entry:
                self.report(fname, k2, 'GlanceBackend is required (puppet-tripleo fails '
                            'without it)')
            else:
                kinds.setdefault(entry['GlanceBackend'], []).append(sid)
            for inner, v in entry.items():
                k3 = '%s.%s' % (k2, inner)
                if str(inner) in self.idx['parameters']:
                    self.check_param(fname, k3, str(inner), v)
                else:
                    self.warn(fname, k3, 'not a THT parameter name; puppet-tripleo '
                              'probably ignores it')
        for kind in ('file', 'swift'):
            if len(kinds.get(kind, [])) > 1:
                self.report(fname, key, 'at most one %s store is supported, got %s'
                            % (kind, ', '.join(map(str, kinds[kind]))))

    # ---- resource registry
    def check_registry(self, fname, reg, prefix='resource_registry'):
        for k, v in reg.items():
            key = '%s.%s' % (prefix, k)
            if k == 'resources' and prefix == 'resource_registry' and isinstance(v, dict):
                self.check_registry_resources(fname, v, key)
                continue
            if isinstance(k, str) and k.startswith('OS::TripleO::Services::'):
                svc = k[len('OS::TripleO::Services::'):]
                if svc not in self.idx['services'] and \
                        svc not in self.idx['service_registrations_in_environments']:
                    why = 'no such service in tripleo-heat-templates %s' % self.version
                    close = difflib.get_close_matches(svc, list(self.idx['services']), n=1,
                                                      cutoff=0.8)
                    low = {s.lower(): s for s in self.idx['services']}
                    if svc.lower() in low:
                        close = [low[svc.lower()]]
                    if close:
                        why += ' (did you mean OS::TripleO::Services::%s?)' % close[0]
                    self.report(fname, key, why)
            if not isinstance(v, str):
                self.report(fname, key, 'value must be a resource type or a template path')
                continue
            self.check_registry_value(fname, key, v)

    def check_registry_resources(self, fname, res, prefix):
        """resource_registry.resources: {resource name (glob): {hooks: ...,
        restricted_actions: ..., <type>: <type or path>, <nested name>: {...}}}"""
        for name, body in res.items():
            key = '%s.%s' % (prefix, name)
            if not isinstance(body, dict):
                self.report(fname, key, 'must be a map')
                continue
            for k, v in body.items():
                k2 = '%s.%s' % (key, k)
                if k in ('hooks', 'restricted_actions'):
                    continue
                if isinstance(v, dict):
                    self.check_registry_resources(fname, {k: v}, key)
                elif isinstance(v, str):
                    self.check_registry_value(fname, k2, v)
                else:
                    self.report(fname, k2, 'value must be a resource type or a template '
                                'path')

    def check_registry_value(self, fname, key, v):
        if v.startswith('OS::'):
            if v.startswith('OS::TripleO::') and v not in self.idx['registry_keys']:
                self.report(fname, key, '%s is not a resource type registered in '
                            'tripleo-heat-templates %s' % (v, self.version))
            return
        path = v[len('file://'):] if v.startswith('file://') else v
        if path.startswith(('http://', 'https://')):
            self.warn(fname, key, 'URL %s not checked' % path)
            return
        tried = []
        if path.startswith(THT_INSTALL_PREFIX):
            cands = [path[len(THT_INSTALL_PREFIX):]]
        elif os.path.isabs(path):
            if os.path.exists(path):
                return
            self.report(fname, key, 'template %s does not exist (absolute path outside '
                        '%s)' % (path, THT_INSTALL_PREFIX))
            return
        else:
            env_abs = os.path.abspath(fname)
            tht_abs = os.path.abspath(self.tht)
            if env_abs.startswith(tht_abs + os.sep):
                env_dir = os.path.relpath(os.path.dirname(env_abs), tht_abs)
            else:
                env_dir = 'environments'
            cands = [os.path.normpath(os.path.join(env_dir, path)), os.path.normpath(path)]
        for c in dict.fromkeys(cands):
            tried.append(c)
            if self.tht_path_exists(c):
                return
        why = 'template %s not found in tripleo-heat-templates %s (tried %s)' % (
            v, self.version, ', '.join(tried))
        sugg = self.suggest_path(cands[0])
        if sugg:
            why += ' (did you mean %s?)' % sugg
        self.report(fname, key, why)

    def tht_path_exists(self, rel):
        rel = os.path.normpath(rel)
        if rel.startswith('..') or os.path.isabs(rel):
            return False
        if os.path.exists(os.path.join(self.tht, rel)):
            return True
        for ro in self.idx['rendered_outputs']:
            if re.fullmatch(ro['regex'], rel):
                return True
        return False

    def suggest_path(self, rel):
        """A THT path close to rel (normalised, relative to the THT root)."""
        if self._paths is None:
            paths = set()
            for dirpath, dirnames, filenames in os.walk(self.tht):
                dirnames[:] = [d for d in dirnames
                               if not d.startswith('.') and d not in SKIP_DIRS]
                for f in filenames:
                    n = os.path.relpath(os.path.join(dirpath, f), self.tht)
                    paths.add(n)
                    if n.endswith('.j2.yaml') and '.role.' not in n and '.network.' not in n:
                        paths.add(n[:-len('.j2.yaml')] + '.yaml')
            self._paths = sorted(paths)
        rel = os.path.normpath(rel).lstrip('./')
        m = difflib.get_close_matches(rel, self._paths, n=1, cutoff=0.85)
        if m:
            return m[0]
        same = [p for p in self._paths if os.path.basename(p) == os.path.basename(rel)]
        return same[0] if len(same) == 1 else None

    # ---- deploy.sh
    def check_deploy_sh(self, fname):
        try:
            with open(fname, encoding='utf-8') as f:
                lines = f.read().split('\n')
        except OSError as e:
            self.report(fname, '-', 'cannot read: %s' % e)
            return
        # Join backslash continuations into logical lines, remembering where
        # each physical line starts.  A line whose first non-blank is '#' is
        # a comment (and ends a continuation, as in bash).
        logical, cur = [], None
        for no, line in enumerate(lines, 1):
            if line.lstrip().startswith('#'):
                if cur is not None:
                    logical.append(cur)
                    cur = None
                continue
            if cur is None:
                cur = ['', []]
            cur[1].append((len(cur[0]), no))
            if line.endswith('\\'):
                cur[0] += line[:-1] + ' '
                continue
            cur[0] += line
            logical.append(cur)
            cur = None
        if cur is not None:
            logical.append(cur)
        path_re = re.compile(r'\$(?:\{THT\}|THT(?![A-Za-z0-9_]))(?:"|\')?(/[^\s"\'();|&<>`]*)')
        for line, starts in logical:
            def lineno(pos):
                return [n for off, n in starts if off <= pos][-1]
            for m in path_re.finditer(line):
                rel = m.group(1).lstrip('/')
                key = 'line %d: ${THT}/%s' % (lineno(m.start()), rel)
                if '$' in rel:
                    self.warn(fname, key, 'path contains a variable, not checked')
                    continue
                if not rel:
                    continue
                if not self.tht_path_exists(rel.rstrip('/')):
                    why = 'no such file in tripleo-heat-templates %s' % self.version
                    sugg = self.suggest_path(rel.rstrip('/'))
                    if sugg and sugg != rel:
                        why += ' (did you mean %s?)' % sugg
                    self.report(fname, key, why)
            self.check_roles_generate(fname, starts[0][1], line)

    def check_roles_generate(self, fname, no, line):
        m = re.search(r'\broles\s+generate\b', line)
        if not m or not re.search(r'\bovercloud\b', line[:m.start()]):
            return
        try:
            lex = shlex.shlex(line[m.end():], posix=True, punctuation_chars=True)
            lex.whitespace_split = True
            toks = list(lex)
        except ValueError as e:
            self.report(fname, 'line %d' % no, 'cannot parse roles generate line: %s' % e)
            return
        with_arg = {'--roles-path', '-o', '--output-file'}
        i = 0
        names = []
        roles_path = None
        while i < len(toks):
            t = toks[i]
            if t and set(t) <= set(';&|<>()'):
                break
            if t.startswith('--roles-path='):
                roles_path = t.split('=', 1)[1]
            if t in with_arg:
                if t == '--roles-path' and i + 1 < len(toks):
                    roles_path = toks[i + 1]
                i += 2
                continue
            if t.startswith('-'):
                i += 1
                continue
            names.append(t)
            i += 1
        if not names:
            self.report(fname, 'line %d: roles generate' % no, 'no role names given')
        for n in names:
            key = 'line %d: roles generate %s' % (no, n)
            if '$' in n:
                self.warn(fname, key, 'role name contains a variable, not checked')
                continue
            role = n.split(':', 1)[0]  # tripleo-common accepts Role:NewName
            if roles_path is not None and not re.fullmatch(r'\$(\{THT\}|THT)/roles/?',
                                                           roles_path):
                self.warn(fname, key, '--roles-path %s is not ${THT}/roles, not checked'
                          % roles_path)
                continue
            if role not in self.idx['roles']:
                why = 'no such role in tripleo-heat-templates %s roles/' % self.version
                close = difflib.get_close_matches(role, list(self.idx['roles']), n=1,
                                                  cutoff=0.8)
                if close:
                    why += ' (did you mean %s?)' % close[0]
                self.report(fname, key, why)

    # ---- roles file
    def check_roles_file(self, fname, roles, env_files):
        """Every service of every role must be a registered resource type:
        in THT's resource registry or in one of the given env files (heat
        fails on an unregistered OS::TripleO::Services::X)."""
        given = set()
        for ef in env_files:
            try:
                with open(ef, encoding='utf-8') as f:
                    env = load_yaml(f.read())
                given.update(k[len('OS::TripleO::Services::'):]
                             for k in (env.get('resource_registry') or {})
                             if isinstance(k, str) and k.startswith('OS::TripleO::Services::'))
            except (OSError, yaml.YAMLError, AttributeError):
                pass  # reported by check_env
        for rname, r in roles.items():
            for svc in r.get('services') or []:
                if not isinstance(svc, str) or svc in self.idx['services'] or svc in given:
                    continue
                key = '%s.ServicesDefault.%s' % (rname, svc)
                envs = self.idx['service_registrations_in_environments'].get(svc)
                if envs:
                    self.warn(fname, key, 'not in the default resource registry; only %s '
                              'register(s) it' % ', '.join(envs))
                else:
                    close = difflib.get_close_matches(svc, list(self.idx['services']), n=1,
                                                      cutoff=0.8)
                    self.report(fname, key, 'no such service in tripleo-heat-templates %s%s'
                                % (self.version,
                                   ' (did you mean %s?)' % close[0] if close else ''))


def load_roles_file(path):
    with open(path) as f:
        data = load_yaml(f.read())
    if not isinstance(data, list):
        raise ValueError('a roles file must be a YAML list of roles')
    out = {}
    for r in data:
        if not isinstance(r, dict) or not isinstance(r.get('name'), str):
            raise ValueError('every role needs a name')
        out[r['name']] = role_summary(r, path)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Check heat environment files and deploy.sh scripts against a '
                    'tripleo-heat-templates tree.')
    ap.add_argument('--tht', required=True, help='extracted tripleo-heat-templates tree')
    ap.add_argument('--roles-file', help='generated roles_data YAML (default: all roles '
                    'in THT roles/)')
    ap.add_argument('--network-data', action='append', default=[],
                    help='network_data YAML whose network names are allowed in '
                    'network-prefixed parameters (in addition to THT\'s samples)')
    ap.add_argument('--deploy-sh', nargs='+', action='extend', default=[],
                    metavar='SCRIPT', help='deploy scripts to check')
    ap.add_argument('--dump-index', action='store_true', help='print the index as JSON')
    ap.add_argument('--no-cache', action='store_true', help='do not read/write the index cache')
    ap.add_argument('env_files', nargs='*', metavar='ENV_FILE')
    args = ap.parse_intermixed_args(argv)

    tht = args.tht
    for need in ('roles', 'environments', 'overcloud-resource-registry-puppet.j2.yaml'):
        if not os.path.exists(os.path.join(tht, need)):
            ap.error('%s is not a tripleo-heat-templates tree (no %s)' % (tht, need))
    for f in args.env_files + args.deploy_sh + args.network_data + (
            [args.roles_file] if args.roles_file else []):
        if not os.path.isfile(f):
            ap.error('no such file: %s' % f)
    if not args.dump_index and not args.env_files and not args.deploy_sh \
            and not args.roles_file:
        ap.error('nothing to check: give ENV_FILEs, --deploy-sh or --roles-file')

    idx = get_index(tht, use_cache=not args.no_cache)
    if args.dump_index:
        json.dump(idx, sys.stdout, indent=1, sort_keys=False, default=jdefault)
        sys.stdout.write('\n')
        if not args.env_files and not args.deploy_sh and not args.roles_file:
            return 0

    if args.roles_file:
        try:
            roles = load_roles_file(args.roles_file)
        except (ValueError, yaml.YAMLError) as e:
            ap.error('%s: %s' % (args.roles_file, e))
    else:
        roles = idx['roles']
    networks = set(idx['networks'])
    for nf in args.network_data:
        networks.update(network_names_in_file(nf))

    ck = Checker(tht, idx, roles, networks)
    if args.roles_file:
        ck.check_roles_file(args.roles_file, roles, args.env_files)
    for f in args.env_files:
        ck.check_env(f)
    for f in args.deploy_sh:
        ck.check_deploy_sh(f)
    out = sys.stdout if not args.dump_index else sys.stderr
    out.write('tht_check: tripleo-heat-templates %s: %d env file(s), %d deploy script(s): '
              '%d problem(s), %d warning(s)\n'
              % (ck.version, len(args.env_files), len(args.deploy_sh), ck.problems,
                 ck.warnings))
    return 1 if ck.problems else 0


if __name__ == '__main__':
    sys.exit(main())
