#!/usr/bin/env bash
# The pre-commit hooks of .pre-commit-hooks.yaml under the real pre-commit (pinned in
# scripts/pre-commit-constraints.txt, from PyPI, in a venv made by scripts/lib/install.sh and
# cached in ${DCNC_CACHE:-~/.cache/dcnc}): a throwaway config repository, started by `dcnc init`,
# uses this repository as its hook source by local path, and pre-commit installs the hooks as it
# installs any `language: rust` hook (`cargo install --bins --path .` in its clone of this
# repository). Then, through `git commit` with pre-commit's git hook installed:
#   - the clean repository commits; `pre-commit run --all-files` passes both hooks
#   - a hand-edited generated file is refused by dcnc-build-check, with the diff
#   - a spec with a mistake is refused by dcnc-check, with the located diagnostic
#
# The hook source is this repository at HEAD; with uncommitted changes (tracked or new, not
# ignored), a temporary clone holding them committed on top of HEAD, as `pre-commit try-repo` does.
#
# Build time: cargo's intermediate artifacts are shared with this workspace's own release build
# (CARGO_BUILD_BUILD_DIR = cargo's target directory; the installed binary's final copy goes to a
# temporary CARGO_TARGET_DIR, so the workspace's target/release/dcnc is never replaced), and the
# dependencies resolve offline (CARGO_NET_OFFLINE) from the crates cargo has already fetched for
# Cargo.lock, so only dcnc itself is compiled. DCNC_PRE_COMMIT_ONLINE=1 resolves against crates.io
# instead, as a user's `pre-commit install` does (cargo install ignores Cargo.lock).
#
# Usage: scripts/test-pre-commit.sh [DCNC_BINARY]   (default: debug dcnc in cargo's target dir;
#                                                    it writes the config repository's first tree)
#        scripts/test-pre-commit.sh --venv          make the venv only; print pre-commit's path
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/install.sh
. "$ROOT/scripts/lib/install.sh"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
VENV="${DCNC_CACHE:-$HOME/.cache/dcnc}/pre-commit-venv"
CONSTRAINTS="$ROOT/scripts/pre-commit-constraints.txt"
start=$SECONDS

die() {
  echo "test-pre-commit: FAIL: $*" >&2
  exit 1
}
step() { echo "=== $* ($((SECONDS - start)) s)"; }

TMP="$(mktemp -d)"
# The units cargo compiles from pre-commit's clone (dcnc, dcnc-cli) are not the workspace's own
# (other hashes), and each run compiles them again (the clone's files are new): they go with the
# clone, so that the shared build directory keeps only the workspace's units. They are the dcnc
# units whose fingerprint did not exist before the install.
units() { find "$BUILD_DIR/release/.fingerprint" -mindepth 1 -maxdepth 1 -name 'dcnc-*' -printf '%f\n' 2>/dev/null | LC_ALL=C sort; }
drop_clone_units() {
  local u h
  [[ -n ${BUILD_DIR:-} && -f $TMP/units-before ]] || return 0
  for u in $(LC_ALL=C comm -13 "$TMP/units-before" <(units)); do
    h="${u##*-}"
    rm -rf "$BUILD_DIR"/release/deps/*-"$h" "$BUILD_DIR"/release/deps/*-"$h".* "$BUILD_DIR/release/.fingerprint/$u"
  done
}
trap 'drop_clone_units; rm -rf "$TMP"' EXIT
# pre-commit's store (its clones and environments) is throwaway; colour off for the greps.
export PRE_COMMIT_HOME="$TMP/pre-commit-home" PRE_COMMIT_COLOR=never NO_COLOR=1

# --- pre-commit, pinned ---------------------------------------------------------------------------
# --no-deps, by sha256, and the venv must hold exactly the file's pins: nothing floats.
install_pc() { dcnc_pip "$1" install -q --no-deps --only-binary :all: --require-hashes -r "$CONSTRAINTS" && dcnc_venv_is "$1" "$CONSTRAINTS" && dcnc_pip "$1" check; }
dcnc_venv "$VENV" 66.1.1 "$(cat "$CONSTRAINTS")" install_pc || die "could not make $VENV"
PRE_COMMIT="$VENV/bin/pre-commit"
want="$(sed -n 's/^pre-commit==\([^ ]*\).*/\1/p' "$CONSTRAINTS")"
[[ "$("$PRE_COMMIT" --version)" == "pre-commit $want" ]] || die "$PRE_COMMIT is not pre-commit $want"
"$PRE_COMMIT" validate-manifest "$ROOT/.pre-commit-hooks.yaml" || die ".pre-commit-hooks.yaml is not a valid pre-commit manifest"
if [[ ${1:-} == --venv ]]; then
  echo "$PRE_COMMIT"
  exit 0
fi

DCNC="$(realpath "${1:-$(dcnc_default_bin "$ROOT")}")"
[ -x "$DCNC" ] || die "dcnc binary $DCNC does not exist (cargo build first, or pass its path)"
command -v cargo >/dev/null || die "cargo is not on PATH (pre-commit's rust hooks build with it)"
BUILD_DIR="$(dcnc_target_dir "$ROOT")"
# Who commits, in the throwaway repositories (a new machine has no git identity).
export GIT_AUTHOR_NAME=dcnc-test GIT_AUTHOR_EMAIL=dcnc-test@example.invalid
export GIT_COMMITTER_NAME=dcnc-test GIT_COMMITTER_EMAIL=dcnc-test@example.invalid
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# --- the hook source: this repository, with its uncommitted changes if any ------------------------
step "hook source"
SRC="$ROOT"
REV="$(git -C "$ROOT" rev-parse HEAD)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=normal)" ]]; then
  SRC="$TMP/hook-source"
  git clone -q --no-checkout "$ROOT" "$SRC"
  git -C "$SRC" checkout -q -b dcnc-test-pre-commit "$REV"
  # The worktree's files (tracked, changed, new; never ignored ones) into the clone's index.
  GIT_INDEX_FILE="$(git -C "$SRC" rev-parse --absolute-git-dir)/index" \
    GIT_OBJECT_DIRECTORY="$(git -C "$SRC" rev-parse --absolute-git-dir)/objects" \
    git -C "$ROOT" add -A
  git -C "$SRC" commit -q --no-verify -m "uncommitted changes of $ROOT"
  REV="$(git -C "$SRC" rev-parse HEAD)"
  echo "uncommitted changes: hook source $SRC at $REV (HEAD of $ROOT plus them)"
else
  echo "hook source $SRC at $REV"
fi

# --- the config repository, as a new user starts it ----------------------------------------------
step "config repository: dcnc init, placeholders filled, first tree built"
REPO="$TMP/config-repo"
git -c init.defaultBranch=main init -q "$REPO"
"$DCNC" init "$REPO" --edges 2 >/dev/null 2>&1 || die "dcnc init failed"
# Every "<fill me in: ...>" of a non-comment line gets a value: an fsid, an OSD disk or a mon
# address (as fill_placeholders in compiler/tests/cli.rs).
/usr/bin/python3 -I - "$REPO/dcn.yaml" <<'PY'
import re, sys
path = sys.argv[1]
n = 0
def value(m):
    global n
    n += 1
    if "fsid" in m.group(0):
        return '"%08x-1111-4a2b-8c3d-%012x"' % (n, n)
    if "disk" in m.group(0):
        return '"/dev/sdb"'
    return '"172.16.%d.10"' % n
lines = open(path).read().splitlines(True)
out = [l if l.lstrip().startswith("#") else re.sub(r'"<fill me in: [^"]*"', value, l) for l in lines]
open(path, "w").write("".join(out))
PY
(cd "$REPO" && "$DCNC" check dcn.yaml >/dev/null 2>&1) || die "the filled-in starter spec does not check"
(cd "$REPO" && "$DCNC" build dcn.yaml -o deploy >/dev/null 2>&1) || die "the filled-in starter spec does not build"
# The book's .pre-commit-config.yaml (contrib/), its repo and rev pointing at the hook source.
sed -e "s|^\(  - repo:\) [^ ]*|\1 $SRC|" -e "s|^\(    rev:\) [^ ]*|\1 $REV|" \
  "$ROOT/contrib/pre-commit-config.yaml" >"$REPO/.pre-commit-config.yaml"
{ grep -qF -- "- repo: $SRC " "$REPO/.pre-commit-config.yaml" && grep -qF "rev: $REV " "$REPO/.pre-commit-config.yaml"; } ||
  die "could not point contrib/pre-commit-config.yaml's repo and rev at $SRC $REV"

step "pre-commit install, install-hooks (cargo install of dcnc from the hook source)"
t0=$SECONDS
if [[ ${DCNC_PRE_COMMIT_ONLINE:-} == 1 ]]; then
  offline=false
else
  offline=true
fi
touch "$TMP/before-install"
units >"$TMP/units-before"
(cd "$REPO" && "$PRE_COMMIT" install && CARGO_BUILD_BUILD_DIR="$BUILD_DIR" CARGO_TARGET_DIR="$TMP/hook-target" \
  CARGO_NET_OFFLINE="$offline" "$PRE_COMMIT" install-hooks) >"$TMP/install.log" 2>&1 ||
  { cat "$TMP/install.log" "$PRE_COMMIT_HOME/pre-commit.log" 2>/dev/null; die "pre-commit could not install the hooks"; }
installed="$(find "$PRE_COMMIT_HOME" -path '*/rustenv-*/bin/dcnc' -type f | head -1)"
[ -x "$installed" ] || { cat "$TMP/install.log"; die "pre-commit installed no dcnc binary in a rustenv"; }
compiled="$(find "$BUILD_DIR/release/.fingerprint" -mindepth 1 -maxdepth 1 -newer "$TMP/before-install" -printf '%f\n' |
  sed 's/-[0-9a-f]*$//' | LC_ALL=C sort | tr '\n' ' ')"
echo "hooks installed in $((SECONDS - t0)) s: $installed (cargo compiled: ${compiled:-nothing})"

# commit MESSAGE: git commit of everything, through pre-commit's git hook; its output in commit.log.
commit() { (cd "$REPO" && git add -A && git commit -q -m "$1") >"$TMP/commit.log" 2>&1; }
expect_in_log() {
  grep -qF -- "$1" "$TMP/commit.log" || { cat "$TMP/commit.log"; die "$2: the output lacks '$1'"; }
}

step "a clean config repository commits; pre-commit run --all-files passes"
commit "dcnc init, filled in, built" || { cat "$TMP/commit.log"; die "the clean repository's commit was refused"; }
expect_in_log "dcnc check" "clean commit"
expect_in_log "dcnc build --check" "clean commit"
grep -E '^dcnc (check|build --check)\.+Passed$' "$TMP/commit.log" | grep -c . | grep -qx 2 ||
  { cat "$TMP/commit.log"; die "clean commit: both hooks must say Passed"; }
(cd "$REPO" && "$PRE_COMMIT" run --all-files) >"$TMP/commit.log" 2>&1 ||
  { cat "$TMP/commit.log"; die "pre-commit run --all-files fails on the clean repository"; }

step "the book's CI job (contrib/github-workflow.yml): its dcnc steps pass once the starter's warnings are answered"
# The filled-in starter has two warnings (DCN050, DCN051) that --deny-warnings refuses: answer them
# as their help says, in the starter's commented glance section, rebuild, commit (the hooks pass).
sed -i -e 's/^# glance:$/glance:/' -e 's/^#   copy_image_by: admin /  copy_image_by: member /' \
  -e 's/^#   private_endpoints: false /  private_endpoints: true /' "$REPO/dcn.yaml"
(cd "$REPO" && "$installed" build dcn.yaml -o deploy >/dev/null 2>&1) || die "the answered starter does not build"
commit "answer the starter's warnings" || { cat "$TMP/commit.log"; die "the answered starter's commit was refused"; }
mapfile -t ci_steps < <(/usr/bin/python3 -I -c '
import sys, yaml
for job in yaml.safe_load(open(sys.argv[1]))["jobs"].values():
    for s in job["steps"]:
        if s.get("run", "").startswith("dcnc "):
            print(s["run"])' "$ROOT/contrib/github-workflow.yml")
((${#ci_steps[@]} == 2)) || die "contrib/github-workflow.yml has ${#ci_steps[@]} dcnc steps, not 2"
ci() { (cd "$REPO" && PATH="$(dirname "$installed"):$PATH" bash -euc "$1") >"$TMP/commit.log" 2>&1; }
for c in "${ci_steps[@]}"; do
  ci "$c" || { cat "$TMP/commit.log"; die "the CI step '$c' fails on the clean repository"; }
done

step "a hand-edited generated file is refused, with the diff"
edited="$(cd "$REPO" && find deploy/stacks -name '*.yaml' -type f | LC_ALL=C sort | head -1)"
[ -n "$edited" ] || die "the tree has no stack env file to edit"
echo "# edited by hand" >>"$REPO/$edited"
if commit "a hand edit"; then
  cat "$TMP/commit.log"
  die "a commit with a hand-edited $edited passed"
fi
expect_in_log "dcnc build --check" "hand edit"
expect_in_log "changed: ${edited#deploy/}" "hand edit"
expect_in_log "--- a/${edited#deploy/}" "hand edit"
expect_in_log "-# edited by hand" "hand edit"
expect_in_log "deploy is out of date" "hand edit"
# ... and the CI job's build step fails with an annotation on that file.
if ci "${ci_steps[1]}"; then
  cat "$TMP/commit.log"
  die "the CI step '${ci_steps[1]}' passed on a hand-edited $edited"
fi
expect_in_log "::error file=$edited,title=dcnc::" "CI step on the hand edit"
(cd "$REPO" && git reset -q && git checkout -q -- "$edited")

step "a spec with a mistake is refused, located"
sed -i '0,/^  fsid: ".*"$/s//  fsid: "not-a-uuid"/' "$REPO/dcn.yaml"
grep -q 'fsid: "not-a-uuid"' "$REPO/dcn.yaml" || die "could not break the central fsid"
line="$(grep -n 'fsid: "not-a-uuid"' "$REPO/dcn.yaml" | cut -d: -f1)"
if commit "a broken fsid"; then
  cat "$TMP/commit.log"
  die "a commit with a broken fsid passed"
fi
expect_in_log "dcnc check" "broken fsid"
expect_in_log "error[DCN013]" "broken fsid"
expect_in_log "dcn.yaml:$line:" "broken fsid"
# ... and the CI job's check step annotates the line.
if ci "${ci_steps[0]}"; then
  cat "$TMP/commit.log"
  die "the CI step '${ci_steps[0]}' passed on a broken fsid"
fi
expect_in_log "::error file=dcn.yaml,line=$line," "CI step on the broken fsid"

step "test-pre-commit: ok (hooks installed in a config repository; clean passes, hand edit and bad spec refused, by the hooks and by the book's CI steps)"
