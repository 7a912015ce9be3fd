# shellcheck shell=bash
# Where cargo puts the dcnc binary (source it):
#   dcnc_target_dir ROOT          cargo's target directory for the workspace at ROOT: it honours
#                                 CARGO_TARGET_DIR and build.target-dir, so never assume ROOT/target
#   dcnc_default_bin ROOT [PROFILE]   TARGET_DIR/PROFILE/dcnc (PROFILE: debug, the default, or release)
# Scripts take the binary as an argument; these give the default when none is passed.

dcnc_target_dir() {
  local root dir="" ctd="${CARGO_TARGET_DIR:-}"
  root="$(cd "$1" && pwd)"
  # cargo reads a relative CARGO_TARGET_DIR against the directory it runs in: the caller's.
  [[ -z $ctd || $ctd == /* ]] || ctd="$PWD/$ctd"
  if command -v cargo >/dev/null 2>&1; then
    dir="$(cd "$root" && env ${ctd:+CARGO_TARGET_DIR="$ctd"} cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
      /usr/bin/python3 -I -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null)" || dir=""
  fi
  if [[ -z $dir ]]; then
    # No cargo here: what cargo would pick without a config file.
    dir="${ctd:-$root/target}"
  fi
  echo "$dir"
}

dcnc_default_bin() {
  echo "$(dcnc_target_dir "$1")/${2:-debug}/dcnc"
}
