#!/usr/bin/env python3
"""TripleO's part for a heat target's Glance: the glance-api.conf and policy.yaml puppet renders
for one Glance API of a stack, from dcnc's output. Python stdlib only (PyYAML when the stack's
env files are read).

  glance_conf.py render --base TRIPLEO.conf.in --fragment stacks/<stack>/glance-api.conf \\
      --dir DIR --port PORT --db URL --host-root ROOT [--env stacks/<stack>/env/glance.yaml ...]

- DIR/glance-api.conf: the base (what puppet renders outside the multistore part), with the
  fragment merged over it section by section, option by option (as `crudini --merge` would):
  the fragment is dcnc's claim of what TripleO renders for the parameters it emits, and the
  Glance that runs is that claim.
- Every value that is an absolute path under /var/lib/glance is moved under --host-root: each
  Glance API is its own host (a shared mount is a symlink the caller makes there).
- DIR/policy.yaml: what puppet-glance's glance::policy (openstacklib::policy) writes from
  `GlanceApiPolicies` in the env files: `key: value` per entry; `{}` when there is none.
- Checks that the fragment shows what the env files make puppet write: every
  `glance::config::glance_api_config` entry of an `<Role>ExtraConfig`/`ExtraConfig` must be in
  the fragment with the same value (a fragment that hides what the env does is a lie).
Prints one line per file written; exits 1 with `glance_conf: ...` on a problem.
"""
import argparse
import configparser
import os
import sys

GLANCE_STATE = "/var/lib/glance"


def die(msg):
    print(f"glance_conf: {msg}", file=sys.stderr)
    sys.exit(1)


def ini():
    cp = configparser.ConfigParser(interpolation=None, default_section="__none__",
                                   strict=False)
    cp.optionxform = str
    return cp


def env_params(paths):
    import yaml
    params = {}
    for p in paths:
        with open(p) as f:
            doc = yaml.safe_load(f) or {}
        params.update(doc.get("parameter_defaults") or {})
    return params


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render")
    r.add_argument("--base", required=True)
    r.add_argument("--fragment", required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--port", required=True)
    r.add_argument("--db", required=True)
    r.add_argument("--host-root", required=True)
    r.add_argument("--env", action="append", default=[])
    a = ap.parse_args()

    os.makedirs(a.dir, exist_ok=True)
    with open(a.base) as f:
        text = f.read()
    for k, v in (("@GLANCE_DIR@", a.dir), ("@PORT@", a.port), ("@DB_URL@", a.db),
                 ("@HOST@", a.host_root)):
        text = text.replace(k, v)
    conf = ini()
    conf.read_string(text, source=a.base)
    frag = ini()
    if not frag.read(a.fragment):
        die(f"cannot read {a.fragment}")
    for sec in frag.sections():
        if not conf.has_section(sec):
            conf.add_section(sec)
        for opt, val in frag.items(sec):
            conf.set(sec, opt, val)

    params = env_params(a.env)
    for name, value in params.items():
        if not (name == "ExtraConfig" or name.endswith("ExtraConfig")):
            continue
        for key, entry in ((value or {}).get("glance::config::glance_api_config") or {}).items():
            sec, _, opt = key.partition("/")
            want = str(entry.get("value") if isinstance(entry, dict) else entry)
            got = frag.get(sec, opt, fallback=None)
            if got is None or got.lower() != want.lower():
                die(f"{name} sets [{sec}] {opt} = {want} (glance::config::glance_api_config), "
                    f"but {a.fragment} shows {got!r}")

    for sec in conf.sections():
        for opt, val in conf.items(sec):
            if val == GLANCE_STATE or val.startswith(GLANCE_STATE + "/"):
                moved = a.host_root.rstrip("/") + val
                conf.set(sec, opt, moved)
                if opt == "filesystem_store_datadir" and not os.path.islink(moved):
                    os.makedirs(moved, exist_ok=True)

    out = os.path.join(a.dir, "glance-api.conf")
    with open(out, "w") as f:
        conf.write(f)
    print(f"wrote {out}")

    policies = params.get("GlanceApiPolicies") or {}
    with open(os.path.join(a.dir, "policy.yaml"), "w") as f:
        if not policies:
            f.write("{}\n")
        for _, entry in sorted(policies.items()):
            # openstacklib::policy writes each entry's key and value
            f.write(f"\"{entry['key']}\": \"{entry['value']}\"\n")
    print(f"wrote {os.path.join(a.dir, 'policy.yaml')} ({len(policies)} GlanceApiPolicies)")


if __name__ == "__main__":
    main()
