"""The generator an operator would write instead of dcnc, for scripts/bench.sh (issue 20):
PyYAML reads the spec, Jinja2 renders one template per file kind (each compiled once), and the
files are written into a new directory. It knows only the shape scripts/gen-spec.py writes.

    jinja-gen.py templates TREE DIR   derive the templates from dcnc's tree of a gen-spec.py spec
                                      (>= 2 edges): edge dcn1's files with its name, fsid and
                                      subnet made variables; the other files kept as they are
    jinja-gen.py render SPEC DIR OUT  write OUT (which must not exist) from SPEC and DIR

Each edge's files come out byte-identical to dcnc's (bench.sh compares them); central's and the
top level's files are the ones of TREE (same paths, not regenerated: they list every edge).
Delimiters are `⟦ ⟧` and `⟦% %⟧` so dcnc's own text needs no escaping.
"""

import os
import re
import sys

import jinja2
import yaml

EDGE = "dcn1"
# scripts/gen-spec.py: site k (edge i is k = i + 1) has fsid ...-{k:012x} and subnet 10.a.b.
EDGE_FSID = "0b7e4c1a-1111-4a2b-8c3d-000000000002"
EDGE_NET = "10.1.2."


def derive(tree: str, dest: str) -> None:
    for root, _, files in os.walk(tree):
        for f in files:
            src = os.path.join(root, f)
            rel = os.path.relpath(src, tree)
            if rel == ".dcnc-manifest":
                continue
            with open(src, encoding="utf-8") as fh:
                text = fh.read()
            if "⟦" in text or "⟧" in text:
                raise SystemExit(f"jinja-gen.py: {rel} holds a delimiter")
            parts = rel.split(os.sep)
            edge_file = (parts[:2] == ["stacks", EDGE]) or rel == os.path.join("ceph", EDGE + ".conf")
            if edge_file:
                text = text.replace(EDGE_FSID, "⟦ e.fsid ⟧").replace(EDGE_NET, "⟦ e.net ⟧")
                text = re.sub(r"\b" + EDGE + r"\b", "⟦ e.name ⟧", text)
                rel = rel.replace(EDGE, "EDGE")
                kind = "edge"
            elif (len(parts) > 1 and parts[0] == "stacks" and re.fullmatch(r"dcn\d+", parts[1])) or (
                parts[0] == "ceph" and re.fullmatch(r"dcn\d+\.conf", parts[1])
            ):
                continue  # the other edges come from dcn1's templates
            else:
                kind = "fixed"
            out = os.path.join(dest, kind, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    if path.endswith(".sh"):
        os.chmod(path, 0o755)


def render(spec_path: str, tdir: str, out: str) -> None:
    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    env = jinja2.Environment(
        variable_start_string="⟦",
        variable_end_string="⟧",
        block_start_string="⟦%",
        block_end_string="%⟧",
        comment_start_string="⟦#",
        comment_end_string="#⟧",
        keep_trailing_newline=True,
        autoescape=False,
    )
    templates = {}
    for kind in ("edge", "fixed"):
        base = os.path.join(tdir, kind)
        for root, _, files in os.walk(base):
            for f in files:
                p = os.path.join(root, f)
                with open(p, encoding="utf-8") as fh:
                    templates[(kind, os.path.relpath(p, base))] = env.from_string(fh.read())
    os.mkdir(out)
    made = set()

    def put(rel: str, text: str) -> None:
        d = os.path.dirname(os.path.join(out, rel))
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        write(os.path.join(out, rel), text)

    for (kind, rel), t in templates.items():
        if kind == "fixed":
            put(rel, t.render())
    edge_templates = [(rel, t) for (kind, rel), t in templates.items() if kind == "edge"]
    for e in spec["edges"]:
        net = e["glance_api"].rsplit(".", 1)[0] + "."
        ctx = {"e": {"name": e["name"], "fsid": e["fsid"], "net": net}}
        for rel, t in edge_templates:
            put(rel.replace("EDGE", e["name"]), t.render(ctx))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "templates":
        derive(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "render":
        render(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
