# shellcheck shell=bash
# What every installer of the checks shares (source it; it runs nothing by itself):
#   dcnc_need_apt PKG...        install the Debian packages that are missing (waits for the dpkg lock)
#   dcnc_python                 the one interpreter every venv is made from: Debian's /usr/bin/python3
#                               (the one that imports Debian's python3-rados/rbd), with python3-venv
#   dcnc_venv VENV SETUPTOOLS KEY FUNCTION
#                               make VENV unless its marker says it holds KEY already: a fresh venv
#                               whose pip, setuptools and wheel are pinned by version AND sha256
#                               below (never the versions the base interpreter happens to bundle),
#                               then FUNCTION VENV installs the caller's pinned packages (errexit
#                               does not apply inside it: it must return non-zero on a failure)
#   dcnc_pip VENV ARGS...       that venv's pip, isolated from the caller's environment
#
# Why pin the bootstrap tools: the behaviour of `pip download` of an sdist (which THT and
# python-tripleoclient need) depends on them. pip >= 23.1 builds the metadata through PEP 517,
# where setuptools 59.8.0 needs `wheel` for bdist_wheel; Debian 12's bundled pip 23.0.1 took the
# legacy path and did not. A venv that relied on the bundled pip failed with
# "invalid command 'bdist_wheel'" wherever the bundled pip was newer. scripts/check-fresh-install.sh
# proves the installers no longer depend on it.

# pip and wheel of every venv. wheel 0.45.1 is the last that carries bdist_wheel itself (0.46 moved
# it into setuptools >= 70.1), which setuptools 59.8.0 needs.
DCNC_BOOTSTRAP_PINS=(
  "pip==25.3 --hash=sha256:9655943313a94722b7774661c21049070f6bbb0a1516bf02f7c8d5d9201514cd"
  "wheel==0.45.1 --hash=sha256:708e7481cc80179af0e556bbf0cc00b8444c7321e2700b8d8580231d13017248"
)
# The setuptools versions a venv may ask for (py3-none-any wheels on PyPI).
declare -A DCNC_SETUPTOOLS_SHA256=(
  [59.8.0]=608a7885b664342ae9fafc43840b29d219c5a578876f6f7e00c4e2612160587f
  [66.1.1]=6f590d76b713d5de4e49fe4fbca24474469f53c83632d5d0fd056f7ff7e8112b
  [67.6.0]=b78aaa36f6b90a074c1fa651168723acbf45d14cb1196b6f02c0fd07f17623b2
)
DCNC_PYTHON=/usr/bin/python3

dcnc_install_log() { echo "install: $*" >&2; }

dcnc_need_apt() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || {
    dcnc_install_log "Debian packages missing and no apt-get: ${missing[*]}"
    return 1
  }
  dcnc_install_log "apt-get install ${missing[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=900 -y -qq) try
  # Another session's apt may hold the lists lock: retry the update a few times.
  for try in 1 2 3 4 5 6; do
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 && break
    ((try < 6)) || { dcnc_install_log "apt-get update failed"; return 1; }
    sleep 10
  done
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${missing[@]}" >&2 || {
    dcnc_install_log "apt-get install ${missing[*]} failed"
    return 1
  }
}

# Prints the interpreter the venvs are made from, after installing what it needs to make them.
dcnc_python() {
  dcnc_need_apt python3 python3-venv || return 1
  "$DCNC_PYTHON" -I -c 'import venv, ensurepip' 2>/dev/null || {
    dcnc_install_log "$DCNC_PYTHON cannot make venvs (python3-venv is installed: is it broken?)"
    return 1
  }
  echo "$DCNC_PYTHON"
}

dcnc_pip() {
  local venv="$1"
  shift
  # PIP_FIND_LINKS: a local wheel directory of this machine (/opt/wheels here) is exactly what a
  # new machine may not have; the index is the one source.
  env -u PIP_FIND_LINKS PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$venv/bin/python" -I -m pip "$@"
}

dcnc_venv() {
  # One maker at a time per venv (sessions share ~/.cache/dcnc): the others wait, then find it made.
  local fd rc=0
  mkdir -p "$(dirname "$1")" || return 1
  exec {fd}>"$1.venv-lock"
  flock "$fd"
  dcnc_venv_locked "$@" || rc=$?
  exec {fd}>&-
  return "$rc"
}

dcnc_venv_locked() {
  local venv="$1" setuptools="$2" key="$3" func="$4" py want
  local st_sha="${DCNC_SETUPTOOLS_SHA256[$setuptools]:-}"
  [[ -n $st_sha ]] || {
    dcnc_install_log "setuptools $setuptools has no pinned sha256 (pinned: ${!DCNC_SETUPTOOLS_SHA256[*]})"
    return 1
  }
  py="$(dcnc_python)" || return 1
  want="$(printf '%s\n' "$key" "$("$py" -I -c 'import sys; print(sys.version)')" \
    "${DCNC_BOOTSTRAP_PINS[@]}" "setuptools==$setuptools" | sha256sum | cut -c1-16)"
  if [[ -x $venv/bin/python && -f $venv/.dcnc-venv && "$(cat "$venv/.dcnc-venv")" == "$want" ]]; then
    return 0
  fi
  dcnc_install_log "building venv $venv"
  rm -rf "$venv"
  # Run from / so that no stray module in the caller's directory shadows the standard library.
  (cd / && "$py" -I -m venv "$venv") >&2 || { dcnc_install_log "$py -m venv $venv failed"; return 1; }
  printf '%s\n' "${DCNC_BOOTSTRAP_PINS[@]}" "setuptools==$setuptools --hash=sha256:$st_sha" \
    >"$venv/.dcnc-bootstrap.txt"
  # The bundled pip only fetches the pinned one (any pip can: --require-hashes is old).
  (cd / && dcnc_pip "$venv" install -q --no-deps --require-hashes -r "$venv/.dcnc-bootstrap.txt") >&2 || {
    dcnc_install_log "installing pip/wheel/setuptools into $venv failed"
    return 1
  }
  local got expect
  got="$("$venv/bin/python" -I -c 'from importlib.metadata import version as v; print(v("pip"), v("wheel"), v("setuptools"))')"
  expect="$(sed -n 's/^\([a-z]*\)==\([^ ]*\).*/\2/p' "$venv/.dcnc-bootstrap.txt" | tr '\n' ' ')"
  [[ "$got " == "$expect" ]] || {
    dcnc_install_log "$venv holds pip/wheel/setuptools $got, expected $expect"
    return 1
  }
  (cd / && "$func" "$venv") >&2 || { dcnc_install_log "installing into $venv failed"; return 1; }
  printf '%s' "$want" >"$venv/.dcnc-venv"
}

# dcnc_venv_is VENV CONSTRAINTS: the venv holds exactly the packages CONSTRAINTS pins (besides
# pip, setuptools and wheel), no more and no other version: no dependency floats. Names compare
# as PyPI normalises them (Jinja2 = jinja2, glance_store = glance-store).
dcnc_venv_is() {
  local diff
  diff="$(LC_ALL=C comm -3 <(dcnc_pip "$1" freeze | dcnc_pins_normalised) \
    <(grep -v -E '^(#|$|(pip|setuptools|wheel)==)' "$2" | dcnc_pins_normalised))" || return 1
  [[ -z $diff ]] || {
    dcnc_install_log "$1 differs from $2 (left: only installed, right: only pinned):"
    echo "$diff" >&2
    return 1
  }
}

# NAME==VERSION lines (comments and options such as --hash after them dropped), names
# normalised, sorted.
dcnc_pins_normalised() {
  "$DCNC_PYTHON" -I -c '
import re, sys
for line in sys.stdin:
    line = line.split("#")[0].strip()
    line = line.split()[0] if line else line
    if line:
        name, sep, rest = line.partition("==")
        print(re.sub(r"[-_.]+", "-", name).lower() + sep + rest.strip())
' | LC_ALL=C sort
}
