#!/usr/bin/env python3
"""Validate the glance-api.conf and nova.conf fragments of a dcnc output tree.

Usage:
    oslo_check.py TREE_DIR     check every stacks/*/glance-api.conf and
                               stacks/*/nova.conf under TREE_DIR
    oslo_check.py --prepare    only generate the cached option data

Option names are checked by the real `oslo-config-validator` (oslo.config)
against option data that the real `oslo-config-generator --format yaml` wrote
for glance 33 / glance_store 5.7 / nova 34 (see install.sh).  Glance multistore
backend sections are dynamic ([<store id>] per `enabled_backends` entry), so for
every glance-api.conf the option data gets one extra group per store id holding
the options glance_store registers for it: the driver's OPTIONS plus
store_description / weight.  The validator checks names, not values, so the
value checks dcnc needs are done here too.

Output: one line per problem, `FILE: [section] option: why`; warnings carry
`warning:` before the why.  Then a summary line.
Exit: 0 clean (warnings allowed), 1 any error, 2 usage / environment error.

The script re-executes itself with the python of the oslo venv
(${DCNC_CACHE:-$HOME/.cache/dcnc}/oslo-venv, or $DCNC_OSLO_VENV), since it
needs oslo.config and glance_store.
"""

import concurrent.futures
import difflib
import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import warnings
from urllib.parse import urlsplit

GLANCE_NAMESPACES = [
    'glance.api', 'glance.store', 'glance.multi_store', 'oslo.concurrency',
    'oslo.messaging', 'oslo.db', 'oslo.policy', 'oslo.log',
    'oslo.middleware.cors', 'oslo.middleware.healthcheck',
    'oslo.middleware.http_proxy_to_wsgi', 'oslo.limit', 'oslo.reports',
    'keystonemiddleware.auth_token', 'castellan.config',
    # [image_import_opts], [image_conversion], [inject_metadata_properties]: the import plugins'
    # options (puppet-glance writes them to glance-image-import.conf, which Glance reads too)
    'glance',
]
NOVA_NAMESPACES = ['nova.conf']

BACKEND_TYPES = {'rbd', 'file', 'http', 'swift', 'cinder', 's3'}
IMPORT_METHODS = {'glance-direct', 'web-download', 'copy-image',
                  'glance-download'}
RESERVED_PREFIX = 'os_glance_'
RESERVED_STORES = ('os_glance_staging_store', 'os_glance_tasks_store')
# Keys of a generator option entry that this script reads (the validator
# itself reads only name and dest); `help` and the rest are dropped.
KEEP_KEYS = ('name', 'dest', 'default', 'type', 'choices', 'min', 'max',
             'deprecated_for_removal', 'deprecated_since',
             'deprecated_reason', 'deprecated_opts', 'namespace')


def venv_dir():
    if os.environ.get('DCNC_OSLO_VENV'):
        return os.environ['DCNC_OSLO_VENV']
    cache = os.environ.get('DCNC_CACHE') or os.path.join(
        os.path.expanduser('~'), '.cache', 'dcnc')
    return os.path.join(cache, 'oslo-venv')


def usage(msg):
    sys.stderr.write('oslo_check: %s\n' % msg)
    sys.stderr.write('usage: oslo_check.py TREE_DIR | --prepare\n')
    sys.exit(2)


def reexec_in_venv():
    venv = venv_dir()
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return venv
    py = os.path.join(venv, 'bin', 'python')
    if not os.access(py, os.X_OK):
        sys.stderr.write('oslo_check: no oslo venv at %s; run '
                         'scripts/consumers/oslo/install.sh first\n' % venv)
        sys.exit(2)
    os.execv(py, [py, '-I', os.path.abspath(__file__)] + sys.argv[1:])


# ---------------------------------------------------------------- opt data

def load_yaml(path):
    import yaml
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    with open(path) as f:
        return yaml.load(f, Loader=loader)


def dump_yaml(data, path):
    import yaml
    dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)
    with open(path, 'w') as f:
        yaml.dump(data, f, Dumper=dumper, default_flow_style=False)


def base_opt_data(venv, name, namespaces):
    """Generator output for `namespaces`, cached in the venv."""
    cache_dir = os.path.join(venv, 'dcnc-optdata')
    key = hashlib.sha256('\n'.join(namespaces).encode()).hexdigest()[:12]
    path = os.path.join(cache_dir, '%s-%s.yaml' % (name, key))
    if not os.path.exists(path):
        os.makedirs(cache_dir, exist_ok=True)
        cmd = [os.path.join(venv, 'bin', 'oslo-config-generator'),
               '--format', 'yaml', '--output-file', path + '.tmp']
        for ns in namespaces:
            cmd += ['--namespace', ns]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout)
            sys.stderr.write('oslo_check: oslo-config-generator failed for '
                             '%s\n' % name)
            sys.exit(2)
        os.replace(path + '.tmp', path)
    return load_yaml(path)


def slim(data):
    """Generator data without the help texts."""
    options = {}
    for g, v in data['options'].items():
        options[g] = {k: v[k] for k in v if k != 'opts'}
        options[g]['opts'] = [{k: o.get(k) for k in KEEP_KEYS}
                              for o in v['opts']]
    return {'options': options,
            'deprecated_options': data.get('deprecated_options') or {},
            'generator_options': data.get('generator_options') or {}}


def only_groups(opt_data, sections):
    """The part of opt_data the validator reads for a file with these
    sections.  Without --check-defaults it looks up nothing but the `name`
    and `dest` of options[<section>] and deprecated_options[<section>] for
    the sections in the file, so its verdict is the same as with the whole
    data; writing and parsing a few KiB of YAML instead of hundreds saves
    about a second per file."""
    options = {}
    for g, v in opt_data['options'].items():
        if g in sections:
            options[g] = dict(v)
            options[g]['opts'] = [{'name': o['name'], 'dest': o.get('dest')}
                                  for o in v['opts']]
    return {
        'generator_options': opt_data.get('generator_options', {}),
        'options': options,
        'deprecated_options': {g: v for g, v in
                               opt_data['deprecated_options'].items()
                               if g in sections},
    }


class StoreDrivers:
    """The options glance_store registers in a store id's group for a given
    store type: the driver's OPTIONS plus MULTI_BACKEND_OPTIONS
    (store_description, weight).  Drivers are imported when first needed."""

    def __init__(self):
        self.opts = {}
        self.failed = {}

    def load(self, btype):
        if btype in self.opts or btype in self.failed:
            return
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # eventlet's, from imports
            try:
                from glance_store import driver as gs_driver
                from stevedore import driver as sv_driver
                cls = sv_driver.DriverManager(
                    'glance_store.drivers', btype, invoke_on_load=False).driver
            except Exception as e:  # unknown type, or its imports failed
                self.failed[btype] = '%s: %s' % (type(e).__name__, e)
                return
        self.opts[btype] = list(cls.OPTIONS or []) + list(
            getattr(cls, 'MULTI_BACKEND_OPTIONS',
                    gs_driver.Store.MULTI_BACKEND_OPTIONS))


def add_store_groups(opt_data, backends, driver_opts):
    """Add one group per store id, in the generator's own format."""
    from oslo_config import cfg
    from oslo_config import generator
    groups = {}
    for sid, btype in backends:
        if btype in driver_opts and sid not in groups:
            groups[sid] = {'object': None,
                           'namespaces': [('glance.multi_store',
                                           driver_opts[btype])]}
    extra = generator._generate_machine_readable_data(groups,
                                                      cfg.ConfigOpts())
    for g, v in extra['options'].items():
        opt_data['options'][g] = {
            k: v[k] for k in v if k != 'opts'}
        opt_data['options'][g]['opts'] = [{k: o.get(k) for k in KEEP_KEYS}
                                          for o in v['opts']]
    for g, v in extra['deprecated_options'].items():
        opt_data['deprecated_options'].setdefault(g, []).extend(v)
    return opt_data


# ---------------------------------------------------------------- reporting

class Report:
    """Problems, kept per file and printed in file order at the end."""

    def __init__(self):
        self.errors = 0
        self.warnings = 0
        self.lines = {}

    def _add(self, path, line):
        lines = self.lines.setdefault(path, [])
        if line in lines:
            return False
        lines.append(line)
        return True

    def error(self, path, section, option, why):
        if self._add(path, '%s: [%s] %s: %s' % (path, section, option, why)):
            self.errors += 1

    def warning(self, path, section, option, why):
        if self._add(path, '%s: [%s] %s: warning: %s'
                     % (path, section, option, why)):
            self.warnings += 1

    def flush(self, order):
        for path in order + sorted(set(self.lines) - set(order)):
            for line in self.lines.pop(path, []):
                print(line)


def parse_conf(path, report):
    """Sections as oslo.config reads them: {section: {option: [values]}}."""
    from oslo_config import cfg
    sections = {}
    try:
        cfg.ConfigParser(path, sections).parse()
    except cfg.ParseError as e:
        report.error(path, '-', '-', 'parse error: %s' % e)
        return None
    except OSError as e:
        report.error(path, '-', '-', 'cannot read: %s' % e)
        return None
    return sections


def value(sections, section, option):
    vals = sections.get(section, {}).get(option)
    return None if vals is None else vals[-1]


def opt_entry(opt_data, section, option):
    for o in opt_data['options'].get(section, {}).get('opts', []):
        if option in (o['name'], o.get('dest')):
            return o
    return None


def run_validator(venv, path, data_path):
    """Run the real oslo-config-validator on one file: (exit code, log)."""
    proc = subprocess.run(
        [os.path.join(venv, 'bin', 'oslo-config-validator'),
         '--opt-data', data_path, '--input-file', path],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout


def validator_report(path, result, opt_data, sections, report):
    """Turn the validator's log into report lines; add what it leaves out."""
    returncode, output = result
    found_error = False
    for line in output.splitlines():
        m = re.match(r'^(ERROR|WARNING|INFO):oslo_config\.validator:(.*)$',
                     line)
        if not m:
            continue
        level, msg = m.groups()
        m2 = re.match(r'^(.+)/([^/]+) is not part of the sample config$', msg)
        if level == 'ERROR' and m2:
            section, option = m2.groups()
            why = msg
            known = []
            for o2 in opt_data['options'].get(section, {}).get('opts', []):
                known += [n for n in (o2['name'], o2.get('dest')) if n]
            close = difflib.get_close_matches(option, known, n=1, cutoff=0.8)
            if close:
                why += ' (did you mean %s?)' % close[0]
            elif section not in opt_data['options']:
                why += ' (no such group)'
            report.error(path, section, option, 'oslo-config-validator: '
                         + why)
            found_error = True
        elif level == 'ERROR':
            report.error(path, '-', '-', 'oslo-config-validator: ' + msg)
            found_error = True
        elif level == 'WARNING':
            m3 = re.match(r'^Deprecated opt (.+)/([^/]+) found$', msg)
            if m3:
                section, option = m3.groups()
                repl = [d for d in opt_data['deprecated_options'].get(
                    section, []) if option in (d['name'], d.get('dest'))]
                why = 'oslo-config-validator: deprecated name'
                if repl:
                    why += ', use [%s] %s' % (repl[0]['replacement_group'],
                                              repl[0]['replacement_name'])
                report.warning(path, section, option, why)
            else:
                report.warning(path, '-', '-', 'oslo-config-validator: '
                               + msg)
    if returncode != 0 and not found_error:
        tail = output.strip().splitlines()[-1:] or ['(no output)']
        report.error(path, '-', '-', 'oslo-config-validator exited %d: %s'
                     % (returncode, tail[0]))
    # Options the data marks deprecated_for_removal: the validator is silent
    # about them (it only warns about deprecated *names*).
    for section, options in sections.items():
        for option in options:
            o = opt_entry(opt_data, section, option)
            if o and o.get('deprecated_for_removal'):
                since = o.get('deprecated_since')
                reason = ' '.join((o.get('deprecated_reason') or '').split())
                reason = re.split(r'(?<=\.) ', reason)[0]
                why = 'deprecated for removal'
                if since:
                    why += ' since %s' % since
                if reason:
                    why += ': ' + reason
                report.warning(path, section, option, why)
            multi = o and 'multi valued' in (o.get('type') or '')
            if len(options[option]) > 1 and not multi:
                report.error(path, section, option, 'set %d times'
                             % len(options[option]))


def check_types(path, opt_data, sections, report):
    """Values of options with a scalar type must parse as that type."""
    from oslo_config import types
    for section, options in sections.items():
        for option, vals in options.items():
            o = opt_entry(opt_data, section, option)
            if not o:
                continue
            t = o.get('type')
            conv = None
            if t == 'boolean value':
                conv = types.Boolean()
            elif t == 'integer value':
                conv = types.Integer(min=o.get('min'), max=o.get('max'))
            elif t == 'port value':
                conv = types.Port()
            elif t == 'floating point value':
                conv = types.Float(min=o.get('min'), max=o.get('max'))
            elif t == 'string value' and o.get('choices'):
                conv = types.String(choices=[c[0] for c in o['choices']])
            if conv is None:
                continue
            try:
                conv(vals[-1])
            except ValueError as e:
                report.error(path, section, option, 'bad %s %r: %s'
                             % (t, vals[-1], e))


# ---------------------------------------------------------------- glance

def is_cache_fragment(sections):
    """A glance-cache topology fragment: cache settings only, no stores to check. Every other
    fragment must be a complete multistore configuration."""
    flavor = value(sections, 'paste_deploy', 'flavor') or ''
    return ('cachemanagement' in flavor
            and value(sections, 'DEFAULT', 'enabled_backends') is None)


def parse_backends(path, raw, report):
    backends = []
    if raw is None:
        report.error(path, 'DEFAULT', 'enabled_backends', 'missing')
        return backends
    if not raw.strip():
        report.error(path, 'DEFAULT', 'enabled_backends', 'empty')
        return backends
    for item in raw.split(','):
        item = item.strip()
        m = re.match(r'^([^:\s]+):([^:\s]+)$', item)
        if not m:
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'entry %r is not id:type' % item)
            continue
        sid, btype = m.groups()
        if btype not in BACKEND_TYPES:
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'store %s has unknown type %r (known: %s)'
                         % (sid, btype, ', '.join(sorted(BACKEND_TYPES))))
        if sid.startswith(RESERVED_PREFIX):
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'store id %s starts with the reserved prefix %s'
                         % (sid, RESERVED_PREFIX))
        if any(s == sid for s, _ in backends):
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'store id %s listed twice' % sid)
            continue
        backends.append((sid, btype))
    return backends


def glance_value_checks(path, sections, backends, report):
    ids = [s for s, _ in backends]
    for sid in ids:
        if sid not in sections:
            report.error(path, 'DEFAULT', 'enabled_backends',
                         'store %s has no [%s] section' % (sid, sid))
    default = value(sections, 'glance_store', 'default_backend')
    if default is None:
        report.error(path, 'glance_store', 'default_backend', 'missing')
    elif ids and default not in ids:
        report.error(path, 'glance_store', 'default_backend',
                     '%r is not one of enabled_backends (%s)'
                     % (default, ', '.join(ids)))

    methods = value(sections, 'DEFAULT', 'enabled_import_methods')
    if methods is not None:
        m = re.match(r'^\[(.*)\]$', methods.strip())
        if not m:
            report.error(path, 'DEFAULT', 'enabled_import_methods',
                         '%r is not a bracketed list like '
                         '[glance-direct,web-download,copy-image]' % methods)
        else:
            items = [i.strip() for i in m.group(1).split(',')]
            for i in items:
                if i not in IMPORT_METHODS:
                    report.error(path, 'DEFAULT', 'enabled_import_methods',
                                 'unknown import method %r (known: %s)'
                                 % (i, ', '.join(sorted(IMPORT_METHODS))))
            for i in sorted({i for i in items if items.count(i) > 1}):
                report.error(path, 'DEFAULT', 'enabled_import_methods',
                             '%s listed twice' % i)

    conf_owner = {}
    for sid, btype in backends:
        if btype != 'rbd' or sid not in sections:
            continue
        for opt in ('rbd_store_pool', 'rbd_store_user',
                    'rbd_store_ceph_conf'):
            v = value(sections, sid, opt)
            if v is None:
                report.error(path, sid, opt, 'missing')
            elif not v.strip():
                report.error(path, sid, opt, 'empty')
        ceph_conf = value(sections, sid, 'rbd_store_ceph_conf')
        if ceph_conf and ceph_conf.strip():
            if not re.search(r'/[^/]+\.conf$', ceph_conf):
                report.error(path, sid, 'rbd_store_ceph_conf',
                             '%r does not end in /<cluster>.conf' % ceph_conf)
            if ceph_conf in conf_owner:
                report.error(path, sid, 'rbd_store_ceph_conf',
                             '%s is also the conf of [%s]: each store needs '
                             'its own cluster conf'
                             % (ceph_conf, conf_owner[ceph_conf]))
            else:
                conf_owner[ceph_conf] = sid


def prepare_glance(path, base, drivers, report):
    """Parse one glance-api.conf and build its opt-data: (sections, data)."""
    sections = parse_conf(path, report)
    if sections is None:
        return None
    raw = value(sections, 'DEFAULT', 'enabled_backends')
    backends = [] if is_cache_fragment(sections) else parse_backends(path, raw, report)
    for sid, btype in backends:
        if btype not in BACKEND_TYPES:
            continue  # reported by parse_backends
        drivers.load(btype)
        if btype in drivers.failed:
            report.error(path, sid, '-', 'cannot validate: glance_store '
                         'driver %s does not import here (%s)'
                         % (btype, drivers.failed[btype]))
    opt_data = {'options': dict(base['options']),
                'deprecated_options': {g: list(v) for g, v in
                                       base['deprecated_options'].items()},
                'generator_options': base.get('generator_options', {})}
    # Glance's reserved stores: file stores that glance_store registers at run time
    # (multi_backend.register_store_opts), so the generator does not list them.
    drivers.load('file')
    reserved = [(sid, 'file') for sid in RESERVED_STORES if sid in sections]
    opt_data = add_store_groups(opt_data, backends + reserved, drivers.opts)
    return sections, opt_data, backends


def finish_glance(path, prepared, result, report):
    sections, opt_data, backends = prepared
    validator_report(path, result, opt_data, sections, report)
    check_types(path, opt_data, sections, report)
    if is_cache_fragment(sections):
        return
    glance_value_checks(path, sections, backends, report)


# ---------------------------------------------------------------- nova

def prepare_nova(path, base, report):
    sections = parse_conf(path, report)
    if sections is None:
        return None
    return sections, base, None


def finish_nova(path, prepared, result, report):
    sections, opt_data, _ = prepared
    validator_report(path, result, opt_data, sections, report)
    check_types(path, opt_data, sections, report)
    # The edge's own glance: `api_servers` (a list, the proof of concept) or `endpoint_override`
    # (what puppet-nova writes for GlanceApiEdge); each must be an http(s) URL with a port.
    for option in ('api_servers', 'endpoint_override'):
        raw = value(sections, 'glance', option)
        if raw is None:
            continue
        servers = [s.strip() for s in raw.split(',')]
        if not any(servers):
            report.error(path, 'glance', option, 'empty')
        for s in servers:
            try:
                u = urlsplit(s)
                port = u.port
            except ValueError as e:
                report.error(path, 'glance', option, '%r is not a URL: %s' % (s, e))
                continue
            if u.scheme not in ('http', 'https') or not u.hostname:
                report.error(path, 'glance', option, '%r is not an http(s) URL' % s)
            elif port is None:
                report.error(path, 'glance', option, '%r has no port' % s)


# ---------------------------------------------------------------- main

def main(argv):
    if len(argv) != 1:
        usage('expected one argument')
    arg = argv[0]
    if arg in ('-h', '--help'):
        print(__doc__.strip())
        return 0
    if arg != '--prepare' and not os.path.isdir(arg):
        usage('%s is not a directory' % arg)
    venv = reexec_in_venv()
    glance_base = slim(base_opt_data(venv, 'glance', GLANCE_NAMESPACES))
    nova_base = slim(base_opt_data(venv, 'nova', NOVA_NAMESPACES))
    if arg == '--prepare':
        print('oslo_check: option data cached in %s'
              % os.path.join(venv, 'dcnc-optdata'))
        return 0

    tree = arg.rstrip('/') or '/'
    glance_files = sorted(glob.glob(os.path.join(tree, 'stacks', '*',
                                                 'glance-api.conf')))
    nova_files = sorted(glob.glob(os.path.join(tree, 'stacks', '*',
                                               'nova.conf')))
    report = Report()
    if not glance_files:
        report.error(os.path.join(tree, 'stacks'), '-', '-',
                     'no stacks/*/glance-api.conf in the tree')
    drivers = StoreDrivers()

    jobs = []  # (path, prepared, finish)
    for path in glance_files:
        jobs.append((path, prepare_glance(path, glance_base, drivers,
                                          report),
                     finish_glance))
    for path in nova_files:
        jobs.append((path, prepare_nova(path, nova_base, report),
                     finish_nova))
    with tempfile.TemporaryDirectory(prefix='oslo-check-') as tmp:
        runs = {}
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=max(2, os.cpu_count() or 2)) as pool:
            for i, (path, prepared, _) in enumerate(jobs):
                if prepared is None:
                    continue
                data_path = os.path.join(tmp, 'opt-data-%d.yaml' % i)
                dump_yaml(only_groups(prepared[1], prepared[0]), data_path)
                runs[i] = pool.submit(run_validator, venv, path, data_path)
        for i, (path, prepared, finish) in enumerate(jobs):
            if prepared is not None:
                finish(path, prepared, runs[i].result(), report)
    report.flush([path for path, _, _ in jobs])
    print('oslo_check: %s: %d glance-api.conf, %d nova.conf: %d error(s), '
          '%d warning(s)' % (tree, len(glance_files), len(nova_files),
                             report.errors, report.warnings))
    return 1 if report.errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
