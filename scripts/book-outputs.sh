#!/usr/bin/env bash
# Runs every command whose output the book shows and writes each output, preceded by the command
# line, to book/src/generated/NAME.txt (included by the book with {{#include}}).
#
# Usage: scripts/book-outputs.sh [--check] [DCNC_BINARY]
#   (default binary: the debug dcnc in cargo's target dir, CARGO_TARGET_DIR honoured)
#   --check  write nothing: regenerate into a temporary directory and fail, naming each file that
#            differs and the command that updates it, when the committed outputs are stale.
#
# The commands run in fresh directories under a temporary directory, with relative paths, so
# that no temporary path, time or host name can reach an output. `dcnc` in a command line is
# DCNC_BINARY. A command that exits with another status than the one listed here fails the run;
# a non-zero status is shown in the output as "(exit status N)".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
EXAMPLES="$ROOT/book/src/examples"
COMMITTED="$ROOT/book/src/generated"

check=0
DCNC="$(dcnc_default_bin "$ROOT")"
fix="scripts/book-outputs.sh"
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "book-outputs: unknown option $arg" >&2
      exit 2
      ;;
    *)
      DCNC="$arg"
      fix="scripts/book-outputs.sh $arg"
      ;;
  esac
done
for tool in diff find sort sed grep; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed" >&2
    exit 1
  fi
done
if [ ! -x "$DCNC" ]; then
  echo "FAIL: dcnc binary $DCNC does not exist (run cargo build, or pass its path)" >&2
  exit 1
fi
DCNC="$(cd "$(dirname "$DCNC")" && pwd)/$(basename "$DCNC")"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin"
ln -s "$DCNC" "$TMP/bin/dcnc"
if [ "$check" = 1 ]; then
  OUT="$TMP/generated"
else
  OUT="$COMMITTED"
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.txt

export LC_ALL=C TZ=UTC NO_COLOR=1 CLICOLOR=0 TERM=dumb
export PATH="$TMP/bin:$PATH"
written=0

# workdir DIR: the following commands run in $TMP/DIR (made empty first).
workdir() {
  HERE="$TMP/$1"
  rm -rf "$HERE"
  mkdir -p "$HERE"
}

# example SRC DEST: copies book/src/examples/SRC to DEST in the current directory, unshown.
example() {
  cp "$EXAMPLES/$1" "$HERE/$2"
}

# run NAME STATUS COMMAND: runs COMMAND with bash in the current directory, expects exit STATUS,
# and writes "$ COMMAND", its output (stdout and stderr) and any non-zero status to NAME.txt.
run() {
  local name=$1 want=$2 cmd=$3 output rc
  if output="$(cd "$HERE" && bash -o pipefail -c "$cmd" 2>&1)"; then
    rc=0
  else
    rc=$?
  fi
  if [ "$rc" != "$want" ]; then
    echo "FAIL: \`$cmd\` (for $name.txt) exited $rc, expected $want:" >&2
    printf '%s\n' "$output" >&2
    exit 1
  fi
  {
    printf '$ %s\n' "$cmd"
    if [ -n "$output" ]; then
      printf '%s\n' "$output"
    fi
    if [ "$rc" != 0 ]; then
      printf '(exit status %s)\n' "$rc"
    fi
  } >"$OUT/$name.txt"
  written=$((written + 1))
}

# --- Tutorial: the seed's three stacks ----------------------------------------------------------
workdir tutorial
run init 0 'dcnc init my-dcn --edges 2'
run init-check 1 'dcnc check my-dcn/dcn.yaml --message-format short'
example dcn.yaml dcn.yaml
example bad/mistakes.yaml mistakes.yaml
run check 0 'dcnc check dcn.yaml'
run check-mistakes 1 'dcnc check mistakes.yaml'
run explain-dcn015 0 'dcnc explain DCN015'
run build 0 'dcnc build dcn.yaml -o deploy'
run tree 0 'find deploy -type f | sort'
run deploy-all-list 0 'deploy/deploy-all.sh --list'
run graph-mermaid 0 'dcnc graph dcn.yaml --format mermaid'
run cat-central-overrides 0 'cat deploy/stacks/control-plane/baremetal.yaml deploy/stacks/control-plane/env/overrides.yaml'
run cat-central-glance 0 'cat deploy/stacks/control-plane/env/glance.yaml'
run cat-central-multistore 0 'cat deploy/stacks/control-plane/env/glance-multistore.yaml'
run cat-dcn0-glance 0 'cat deploy/stacks/dcn0/env/glance.yaml'
run cat-dcn0-az 0 'cat deploy/stacks/dcn0/env/az.yaml'
run cat-dcn0-ceph 0 'cat deploy/stacks/dcn0/env/ceph.yaml'
run cat-central-glance-api 0 'cat deploy/stacks/control-plane/glance-api.conf'
run cat-dcn0-glance-api 0 'cat deploy/stacks/dcn0/glance-api.conf'
run cat-dcn0-nova 0 'cat deploy/stacks/dcn0/nova.conf'
run cat-ceph-dcn0 0 'cat deploy/ceph/dcn0.conf'
run central-env-files 0 "sed -n '/^ENV_FILES=(/,/^fi\$/p' deploy/stacks/control-plane/deploy.sh"
run dcn0-env-files 0 "sed -n '/^ENV_FILES=(/,/^)\$/p' deploy/stacks/dcn0/deploy.sh"
run cat-export 0 'cat deploy/stacks/control-plane/export.sh'
run cat-export-edges 0 'cat deploy/stacks/control-plane/export-edges.sh'

# --- Tutorial: a fourth site --------------------------------------------------------------------
cp "$HERE/dcn.yaml" "$HERE/deployed.yaml"
example dcn-with-dcn2.yaml dcn.yaml
run diff-dcn2 1 'diff deployed.yaml dcn.yaml'
run plan-dcn2 0 'dcnc plan deployed.yaml dcn.yaml'
run build-dcn2 0 'dcnc build dcn.yaml -o deploy'
run build-check-fresh 0 'dcnc build dcn.yaml -o deploy --check'
run deploy-all-list-dcn2 0 'deploy/deploy-all.sh --list'

# --- How-to: commit generated configs and check them in CI -------------------------------------
workdir ci
example dcn.yaml dcn.yaml
example bad/mistakes.yaml mistakes.yaml
run ci-build 0 'dcnc build dcn.yaml -o deploy'
run ci-check-ok 0 'dcnc check dcn.yaml --deny-warnings && dcnc build dcn.yaml -o deploy --check'
example dcn-with-dcn2.yaml dcn.yaml
run ci-check-stale 1 'dcnc build dcn.yaml -o deploy --check'
run ci-json 1 'dcnc check mistakes.yaml --message-format json'
run ci-short 1 'dcnc check mistakes.yaml --message-format short'
run ci-github 1 'dcnc check mistakes.yaml --message-format github'

# --- How-to: migrate a hand-written deployment --------------------------------------------------
workdir migrate
example migrated.yaml dcn.yaml
mkdir -p "$HERE/templates/dcn0"
cp "$EXAMPLES/handwritten/dcn0-glance.yaml" "$HERE/templates/dcn0/glance.yaml"
example bad/owned-parameters.yaml owned.yaml
run migrate-check 0 'dcnc check dcn.yaml'
run migrate-owned 1 'dcnc check owned.yaml'
run migrate-refuse 2 'dcnc build dcn.yaml -o templates'
run migrate-build 0 'dcnc build dcn.yaml -o deploy'
run migrate-diff-glance 1 'diff templates/dcn0/glance.yaml deploy/stacks/dcn0/env/glance.yaml'
run migrate-dcn0-overrides 0 'cat deploy/stacks/dcn0/env/overrides.yaml'
run migrate-dcn0-deploy 0 "sed -n '/^ENV_FILES=(/,/^)\$/p;/^  openstack overcloud deploy/,/--stack-only/p' deploy/stacks/dcn0/deploy.sh"

# --- How-to: adopt an existing deployment -------------------------------------------------------
workdir adopt
cp -r "$ROOT/fixtures/import/docs-multibackend" "$HERE/undercloud-home"
cp -r "$ROOT/fixtures/import/cephadm-mistakes" "$HERE/other-home"
run adopt-import 0 'dcnc import undercloud-home -o dcn.yaml'
run adopt-spec 0 'cat dcn.yaml'
run adopt-diff 0 'dcnc import undercloud-home -o dcn.yaml --force --diff 2>/dev/null'
run adopt-mistakes 1 "dcnc import other-home -o dcn.yaml --force 2>&1 | sed -n '/^Findings/,\$p'"
run adopt-fix 0 "sed -i -e '/CinderVolumeCluster: dcn0/d' -e '/GlangeBackendID/d' -e '/NovaAZAttach/d' -e '/^    parameters:\$/d' -e 's/172.16.11.185, 172.16.11.66]/172.16.11.185, 172.16.11.187]/' -e '/show_multiple_locations/d' -e '/^glance:\$/d' dcn.yaml && dcnc check dcn.yaml"
run adopt-against 1 "dcnc import other-home --against dcn.yaml 2>&1 | sed -n '/^dcn1:/,\$p'"
run adopt-build 0 'dcnc build dcn.yaml -o deploy'

# --- How-to: rotate a cephx key -----------------------------------------------------------------
workdir rotate
example dcn.yaml dcn.yaml
example keys-by-reference.yaml keys.yaml
run rotate-plan 0 'dcnc plan dcn.yaml dcn.yaml'
run rotate-keys-build 0 'dcnc build keys.yaml -o deploy'
run rotate-keys-read 0 "grep -n -e '^key_' -e 'key: ' deploy/stacks/control-plane/export-edges.sh"
example separate-glance-user.yaml own-user.yaml
run rotate-own-user-key 0 "dcnc build own-user.yaml -o deploy-own-user >/dev/null 2>&1 && grep -n -e '^EXTRA_KEY' -e 'python3' -e 'CephExtraKeys:' -e '^    - name' -e '^        [a-z]*: ' -e 'key: ' -e 'ENV_FILES+=(-e \"\$EXTRA' deploy-own-user/stacks/dcn0/deploy.sh && grep -n -e 'cephx-key-client-name' deploy-own-user/stacks/control-plane/export-edges.sh"
run rotate-ussuri-build 0 'dcnc build dcn.yaml -o deploy-ussuri --target ussuri-poc'
run rotate-ussuri-keys 0 "grep -n -e 'get-or-create' deploy-ussuri/stacks/dcn0/glance-key.sh && grep -n -e '^client ' -e '^check ' deploy-ussuri/stacks/control-plane/ceph-clients.sh"

# --- How-to: choose a release target -----------------------------------------------------------
workdir targets
example dcn.yaml dcn.yaml
example ussuri-poc.yaml ussuri-poc.yaml
run targets-build 0 'dcnc build dcn.yaml -o wallaby && dcnc build ussuri-poc.yaml -o ussuri'
run targets-order-ussuri 0 'ussuri/deploy-all.sh --list'
run targets-diff-tree 1 'diff <(cd wallaby && find . -type f | sort) <(cd ussuri && find . -type f | sort)'
run targets-diff-glance-api 1 'diff wallaby/stacks/control-plane/glance-api.conf ussuri/stacks/control-plane/glance-api.conf'
run targets-dcn0-env-files 1 "diff <(sed -n '/^ENV_FILES=(/,/^)\$/p' wallaby/stacks/dcn0/deploy.sh) <(sed -n '/^ENV_FILES=(/,/^)\$/p' ussuri/stacks/dcn0/deploy.sh)"
run targets-ussuri-dcn0-nova 0 'cat ussuri/stacks/dcn0/nova.conf'
run targets-ussuri-ceph-clients-head 0 "sed -n '4,/^set -euo/p' ussuri/stacks/control-plane/ceph-clients.sh"
run targets-ussuri-configure-head 0 "sed -n '4,/^set -euo/p' ussuri/stacks/control-plane/configure.sh"

# --- How-to: deploy the same DCN on RHOSO 18 ----------------------------------------------------
workdir rhoso
example dcn.yaml dcn.yaml
example rhoso-18.yaml rhoso.yaml
run rhoso-check-tripleo-spec 1 'dcnc check dcn.yaml --target rhoso-18 --message-format short'
run rhoso-build 0 'dcnc build rhoso.yaml -o deploy'
run rhoso-tree 0 'find deploy/rhoso -type f | sort'
run rhoso-order 0 'deploy/deploy-all.sh --list'
run rhoso-glance-apis 0 "sed -n '/^      glanceAPIs:/,/^  cinder:/p' deploy/rhoso/control-plane-dcn/control-plane-dcn.yaml | sed -n '/^        dcn0:/,/^        dcn1:/p' | sed '\$d'"
run rhoso-nova-dcn0 0 "sed -n '/03-ceph-nova.conf/,/^---/p' deploy/rhoso/sites/dcn0/services/site-services.yaml | sed '\$d'"
run rhoso-secrets 0 "grep -E '^secret ' deploy/rhoso/secrets.sh"
run rhoso-deploy-usage 2 'deploy/rhoso/deploy.sh'

# --- Introduction --------------------------------------------------------------------------------
workdir intro
example minimal.yaml dcn.yaml
run intro-minimal-build 0 'dcnc build dcn.yaml -o deploy && deploy/deploy-all.sh --list'

workdir intro-cache
example glance-cache.yaml dcn.yaml
run intro-cache-build 0 'dcnc build dcn.yaml -o deploy && deploy/deploy-all.sh --list'
run intro-cache-dcn0-glance 0 'cat deploy/stacks/dcn0/env/glance.yaml'
run intro-cache-dcn0-glance-api 0 'cat deploy/stacks/dcn0/glance-api.conf'

workdir external
example external-central.yaml dcn.yaml
run external-build 0 'dcnc build dcn.yaml -o deploy && deploy/deploy-all.sh --list'
run external-ceph-head 0 "sed -n '4,13p' deploy/stacks/control-plane/external-ceph.sh"
run external-central-ceph 0 'cat deploy/stacks/control-plane/env/ceph.yaml'
run external-compute-env-files 0 "sed -n '/^ENV_FILES=(/,/^)/p' deploy/stacks/central-compute/deploy.sh"

if [ "$check" = 0 ]; then
  echo "book-outputs: wrote $written files to book/src/generated"
  exit 0
fi

stale=0
for f in "$OUT"/*.txt; do
  name="$(basename "$f")"
  if [ ! -f "$COMMITTED/$name" ]; then
    echo "FAIL: book/src/generated/$name is missing" >&2
    stale=1
  elif ! diff -u --label "book/src/generated/$name (committed)" --label "book/src/generated/$name (now)" \
    "$COMMITTED/$name" "$f" >&2; then
    echo "FAIL: book/src/generated/$name differs from what its command prints now" >&2
    stale=1
  fi
done
for f in "$COMMITTED"/*.txt; do
  [ -e "$f" ] || continue
  name="$(basename "$f")"
  if [ ! -f "$OUT/$name" ]; then
    echo "FAIL: book/src/generated/$name is not produced by any command any more" >&2
    stale=1
  fi
done
if [ "$stale" = 1 ]; then
  echo "FAIL: the book's command outputs are stale; run: $fix" >&2
  exit 1
fi
echo "book-outputs: $written outputs up to date"
