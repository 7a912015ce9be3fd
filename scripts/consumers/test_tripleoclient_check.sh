#!/usr/bin/env bash
# test_tripleoclient_check.sh: the tests of tripleoclient_check.py. Fetches python-tripleoclient
# 13.7.0, 16.5.0 and 20.0.0 (check-tripleoclient.sh --fetch: PyPI, sha256 pinned, cached in
# ${DCNC_CACHE:-$HOME/.cache/dcnc}) and runs the checker on small scripts written here: good ones
# must pass, bad ones must fail with a message naming the file, the line and the problem.
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DRIVER="$HERE/../check-tripleoclient.sh"
CHECK="$HERE/tripleoclient_check.py"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

PY="$("$DRIVER" --python)"
declare -A CLIENT
for v in 13.7.0 16.5.0 20.0.0; do
  CLIENT[$v]="$("$DRIVER" --fetch "$v")"
done

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# The scripts are written first, then each release checks all of them in one run (OUT[VERSION]);
# the expectations are checked on those outputs, where every problem starts with FILE:LINE:.
declare -A OUT RC
run_all() {
  local v
  for v in "${!CLIENT[@]}"; do
    RC[$v]=0
    OUT[$v]="$(cd "$TMP" && "$PY" "$CHECK" --client "${CLIENT[$v]}" ./*.sh 2>&1)" || RC[$v]=$?
    [[ "${RC[$v]}" == 0 || "${RC[$v]}" == 1 ]] || bad "the checker crashed with $v: ${OUT[$v]}"
  done
}

# expect_pass VERSION NAME: the script $TMP/NAME.sh has no problem with python-tripleoclient VERSION.
expect_pass() {
  if grep -q "^\./$2\.sh:" <<<"${OUT[$1]}"; then
    bad "$2 should pass with $1, got: $(grep "^\./$2\.sh:" <<<"${OUT[$1]}")"
  else
    ok "$2 passes with $1"
  fi
}

# expect_fail VERSION NAME PATTERN: it fails, with a line ./NAME.sh:LINE: ... PATTERN (grep -E),
# and the run exits 1.
expect_fail() {
  local hit
  if hit="$(grep -E "^\./$2\.sh:$3" <<<"${OUT[$1]}")" && [[ "${RC[$1]}" == 1 ]]; then
    ok "$2 fails with $1: $(head -1 <<<"$hit")"
  else
    bad "$2 should fail with $1 with './$2.sh:$3' (exit ${RC[$1]}), got: $(grep "^\./$2\.sh:" <<<"${OUT[$1]}")"
  fi
}

# A deploy.sh in the style dcnc writes: arrays, continuations, $(...), a heredoc, comments.
cat >"$TMP/good-wallaby.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
STACK=central
THT="${THT:-/usr/share/openstack-tripleo-heat-templates}"
WORK="${DCNC_WORK_DIR:-$HOME/dcnc-work}"
ROLES_FILE="$WORK/$STACK/roles_data.yaml"
openstack overcloud roles generate --roles-path "${THT}/roles" -o "$ROLES_FILE" \
  Controller ComputeHCI
ENV_FILES=(
  -e "${THT}/environments/podman.yaml"
  -e "$WORK/$STACK/env/overrides.yaml"
)
# openstack overcloud deploy --no-such-flag   (a comment: not a command)
cat <<'NOTE'
openstack overcloud deploy --no-such-flag (a heredoc: not a command)
NOTE
openstack overcloud deploy \
  --stack "$STACK" \
  --templates "$THT" \
  -r "$ROLES_FILE" \
  "${ENV_FILES[@]}" \
  --stack-only
if [ "$(openstack stack show "$STACK" -f value -c stack_status)" = CREATE_COMPLETE ]; then
  openstack overcloud config download --name "$STACK" --config-dir "$WORK/config-download"
fi
openstack overcloud export --stack "$STACK" --config-download-dir "$WORK/config-download" \
  --output-file "$WORK/export.yaml" --force-overwrite
openstack overcloud export ceph --stack dcn0,dcn1 --cephx-key-client-name openstack \
  --output-file "$WORK/edge-ceph-export.yaml" --force-overwrite
EOF

# The tht-18 flow: node and VIP provision, ceph deploy, no config download.
cat >"$TMP/good-tht18.sh" <<'EOF'
#!/usr/bin/env bash
STACK=central
THT=/usr/share/openstack-tripleo-heat-templates
WORK="$HOME/dcnc-work"
openstack overcloud network vip provision --stack "$STACK" --templates "$THT" \
  -o "$WORK/$STACK/deployed-vips.yaml" -y "$THT/vip_data_default.yaml"
openstack overcloud node provision --stack "$STACK" --templates "$THT" \
  -o "$WORK/$STACK/deployed-baremetal.yaml" -y "$WORK/baremetal.yaml"
openstack overcloud ceph deploy "$WORK/$STACK/deployed-baremetal.yaml" --stack "$STACK" \
  --cluster central --roles-data "$WORK/roles_data.yaml" \
  --force --ansible-extra-vars "$WORK/$STACK/ceph-fsid.yaml" \
  -o "$WORK/$STACK/deployed-ceph.yaml" -y
EOF

# A misspelled flag, reported at the line where the command starts.
cat >"$TMP/misspelled.sh" <<'EOF'
#!/usr/bin/env bash
STACK=central
openstack overcloud deploy \
  --stak "$STACK" \
  --templates /usr/share/openstack-tripleo-heat-templates
EOF

# A missing required argument: node provision needs the baremetal deployment file.
cat >"$TMP/missing-required.sh" <<'EOF'
#!/usr/bin/env bash
openstack overcloud node provision --stack central -o "$HOME/deployed-baremetal.yaml"
EOF

# `openstack overcloud config download` was removed in python-tripleoclient 19.0.0.
cat >"$TMP/config-download.sh" <<'EOF'
#!/usr/bin/env bash
STACK=central
openstack overcloud config download --name "$STACK" --config-dir "$HOME/config-download"
EOF

# The ussuri client (13.7.0) has `overcloud node provision`, with its own arguments.
cat >"$TMP/provision-ussuri.sh" <<'EOF'
#!/usr/bin/env bash
openstack overcloud node provision --stack central -o "$HOME/deployed-baremetal.yaml" "$HOME/baremetal.yaml"
EOF

# `openstack stack show` is parsed by python-heatclient (and cliff's formatters).
cat >"$TMP/stack-show.sh" <<'EOF'
#!/usr/bin/env bash
status="$(openstack stack show central -f yaml-ish -c stack_status)"
EOF

# An array the checker cannot expand, and a command no client has.
cat >"$TMP/unknown.sh" <<'EOF'
#!/usr/bin/env bash
openstack overcloud deploy --templates "${EXTRA_ARGS[@]}"
openstack baremetal node list
EOF

run_all

expect_pass 16.5.0 good-wallaby
expect_pass 13.7.0 good-wallaby
expect_pass 20.0.0 good-tht18

for v in 13.7.0 16.5.0 20.0.0; do
  expect_fail "$v" misspelled '3: openstack overcloud deploy .*unrecognized arguments: --stak'
done
for v in 13.7.0 16.5.0 20.0.0; do
  expect_fail "$v" missing-required '2: openstack overcloud node provision .*the following arguments are required'
done

# removed in 19.0.0:
expect_fail 20.0.0 config-download '3: .*.openstack overcloud config download. is not a command of python-tripleoclient 20.0.0'
expect_pass 16.5.0 config-download
expect_pass 13.7.0 config-download

# The ussuri client (13.7.0) has `overcloud node provision`, but not its --templates/-y
# (added later), nor `overcloud network vip provision` or `overcloud ceph deploy`.
expect_fail 13.7.0 good-tht18 '5: openstack overcloud network vip provision .*.openstack overcloud network vip provision. is not a command of python-tripleoclient 13.7.0'
expect_fail 13.7.0 good-tht18 '7: openstack overcloud node provision .*unrecognized arguments: --templates'
expect_fail 13.7.0 good-tht18 '9: openstack overcloud ceph deploy .*is not a command of python-tripleoclient 13.7.0'
expect_pass 13.7.0 provision-ussuri

expect_fail 20.0.0 stack-show "2: openstack stack show .*python-heatclient .* rejects it: argument -f/--format: invalid choice: 'yaml-ish'"

expect_fail 16.5.0 unknown '2: openstack overcloud deploy .*cannot expand "\$\{EXTRA_ARGS\[@\]\}"'
expect_fail 16.5.0 unknown '3: openstack baremetal node list: .openstack baremetal node list. is not a command'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
