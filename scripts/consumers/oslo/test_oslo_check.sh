#!/usr/bin/env bash
# Test oslo_check.py: every fixture tree dcnc builds must pass the real
# oslo-config-validator plus our value checks, and deliberately broken copies
# must fail with the expected message.
#
#   test_oslo_check.sh [DCNC_BINARY]   (default: debug dcnc in cargo's target dir)
#
# Installs the oslo venv first (install.sh; seconds when already there).
# A missing tool is a failure, never a skip.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC=${1:-$(dcnc_default_bin "$ROOT")}
CHECK="$HERE/oslo_check.py"

die() { echo "test_oslo_check: $*" >&2; exit 1; }

[ -x "$DCNC" ] || die "dcnc binary $DCNC not found or not executable (cargo build first)"
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found"
"$HERE/install.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/oslo-check-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# ---- every fixture tree, every target: must pass.
for fixture in seed-multistore five-edges; do
    for target in wallaby ussuri-poc; do
        tree="$WORK/$fixture-$target"
        if ! "$DCNC" build "$ROOT/fixtures/$fixture.yaml" -o "$tree" --target "$target" >"$WORK/build.log" 2>&1; then
            cat "$WORK/build.log"
            fail "dcnc build $fixture --target $target"
            continue
        fi
        start=$(date +%s%N)
        rc=0
        "$CHECK" "$tree" >"$WORK/out" 2>&1 || rc=$?
        ms=$((($(date +%s%N) - start) / 1000000))
        summary=$(tail -n 1 "$WORK/out")
        if [ "$rc" -eq 0 ] && grep -q ' 0 error(s)' <<<"$summary"; then
            pass "$fixture/$target clean (${ms} ms): $summary"
        else
            cat "$WORK/out"
            fail "$fixture/$target: exit $rc"
        fi
    done
done

# A clean tree must have produced the files we mean to check.
base="$WORK/seed-multistore-wallaby"
[ -f "$base/stacks/control-plane/glance-api.conf" ] || die "no control-plane/glance-api.conf in $base"
[ -f "$base/stacks/dcn0/nova.conf" ] || die "no dcn0/nova.conf in $base"

# ---- broken copies: must exit 1 with the expected message.
n=0
# expect_fail NAME REGEX EDIT...  (EDIT runs with $t set to the copy)
expect_fail() {
    local name=$1 regex=$2
    shift 2
    n=$((n + 1))
    t="$WORK/bad$n"
    rm -rf "$t"
    cp -r "$base" "$t"
    "$@"
    local rc=0
    "$CHECK" "$t" >"$WORK/out" 2>&1 || rc=$?
    if [ "$rc" -eq 1 ] && grep -Eq -- "$regex" "$WORK/out"; then
        pass "$name"
    else
        cat "$WORK/out"
        fail "$name: exit $rc (want 1), wanted a line matching: $regex"
    fi
}

cp_glance() { echo "$t/stacks/control-plane/glance-api.conf"; }
edge_glance() { echo "$t/stacks/dcn0/glance-api.conf"; }
edge_nova() { echo "$t/stacks/dcn0/nova.conf"; }

misspell_pool() { sed -i '0,/^rbd_store_pool =/s//rbd_store_pol =/' "$(cp_glance)"; }
expect_fail "misspelled rbd_store_pol" \
    'control-plane/glance-api.conf: \[central\] rbd_store_pol: oslo-config-validator: central/rbd_store_pol is not part of the sample config \(did you mean rbd_store_pool\?\)' \
    misspell_pool
expect_fail "misspelled option also misses rbd_store_pool" \
    'control-plane/glance-api.conf: \[central\] rbd_store_pool: missing' \
    misspell_pool

default_not_enabled() { sed -i 's/^default_backend = .*/default_backend = dcn9/' "$(cp_glance)"; }
expect_fail "default_backend not enabled" \
    "\[glance_store\] default_backend: 'dcn9' is not one of enabled_backends" \
    default_not_enabled

drop_section() { sed -i '/^\[dcn1\]/,/^$/d' "$(cp_glance)"; }
expect_fail "backend section missing" \
    'control-plane/glance-api.conf: \[DEFAULT\] enabled_backends: store dcn1 has no \[dcn1\] section' \
    drop_section

bad_nova_name() { sed -i 's/^endpoint_override =/endpoint_overide =/' "$(edge_nova)"; }
expect_fail "bad nova option name" \
    'dcn0/nova.conf: \[glance\] endpoint_overide: oslo-config-validator: glance/endpoint_overide is not part of the sample config' \
    bad_nova_name

nova_unknown_group() { printf '\n[cinderr]\ncross_az_attach = False\n' >>"$(edge_nova)"; }
expect_fail "nova unknown group" \
    'dcn0/nova.conf: \[cinderr\] cross_az_attach: .*is not part of the sample config \(no such group\)' \
    nova_unknown_group

nova_no_port() { sed -i 's#^endpoint_override = \(http://[^:]*\):9292#endpoint_override = \1#' "$(edge_nova)"; }
expect_fail "nova endpoint_override without port" \
    "dcn0/nova.conf: \[glance\] endpoint_override: 'http://[^']*' has no port" \
    nova_no_port

nova_bad_bool() { sed -i 's/^cross_az_attach = .*/cross_az_attach = maybe/' "$(edge_nova)"; }
expect_fail "nova cross_az_attach not a boolean" \
    'dcn0/nova.conf: \[cinder\] cross_az_attach: bad boolean value' \
    nova_bad_bool

unbracketed() { sed -i 's/^enabled_import_methods = \[\(.*\)\]$/enabled_import_methods = \1/' "$(cp_glance)"; }
expect_fail "enabled_import_methods without brackets" \
    '\[DEFAULT\] enabled_import_methods: .* is not a bracketed list' \
    unbracketed

unknown_method() { sed -i 's/^enabled_import_methods = \[/enabled_import_methods = [glance-upload,/' "$(cp_glance)"; }
expect_fail "unknown import method" \
    "\[DEFAULT\] enabled_import_methods: unknown import method 'glance-upload'" \
    unknown_method

bad_type() { sed -i 's/^enabled_backends = central:rbd/enabled_backends = central:ceph/' "$(cp_glance)"; }
expect_fail "unknown backend type" \
    "\[DEFAULT\] enabled_backends: store central has unknown type 'ceph'" \
    bad_type

not_id_type() { sed -i 's/^enabled_backends = central:rbd/enabled_backends = central/' "$(cp_glance)"; }
expect_fail "backend entry not id:type" \
    "\[DEFAULT\] enabled_backends: entry 'central' is not id:type" \
    not_id_type

reserved_id() {
    sed -i 's/^enabled_backends = \(.*\)$/enabled_backends = \1,os_glance_x:rbd/' "$(cp_glance)"
    printf '\n[os_glance_x]\nrbd_store_pool = images\nrbd_store_user = openstack\nrbd_store_ceph_conf = /etc/ceph/x.conf\n' >>"$(cp_glance)"
}
expect_fail "reserved os_glance_ store id" \
    '\[DEFAULT\] enabled_backends: store id os_glance_x starts with the reserved prefix' \
    reserved_id

shared_conf() { sed -i 's#^rbd_store_ceph_conf = /etc/ceph/central.conf#rbd_store_ceph_conf = /etc/ceph/dcn0.conf#' "$(edge_glance)"; }
expect_fail "two stores share a ceph conf" \
    'dcn0/glance-api.conf: \[central\] rbd_store_ceph_conf: /etc/ceph/dcn0.conf is also the conf of \[dcn0\]' \
    shared_conf

conf_not_conf() { sed -i 's#^rbd_store_ceph_conf = /etc/ceph/central.conf#rbd_store_ceph_conf = /etc/ceph/central#' "$(cp_glance)"; }
expect_fail "rbd_store_ceph_conf not a .conf path" \
    "\[central\] rbd_store_ceph_conf: '/etc/ceph/central' does not end in /<cluster>.conf" \
    conf_not_conf

no_user() { sed -i '0,/^rbd_store_user = .*/{//d}' "$(cp_glance)"; }
expect_fail "rbd_store_user missing" \
    '\[central\] rbd_store_user: missing' \
    no_user

# A deprecated-for-removal option is a warning, not an error: exit 0.
deprecated_opt() { sed -i 's/^\[glance_store\]$/[glance_store]\ndefault_store = rbd/' "$(cp_glance)"; }
t="$WORK/deprecated"
cp -r "$base" "$t"
deprecated_opt
rc=0
"$CHECK" "$t" >"$WORK/out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && grep -q '\[glance_store\] default_store: warning: deprecated for removal since Rocky' "$WORK/out"; then
    pass "deprecated default_store: warning, exit 0"
else
    cat "$WORK/out"
    fail "deprecated default_store: exit $rc (want 0 with a warning)"
fi

# ---- usage errors: exit 2.
for args in "" "$WORK/no-such-dir"; do
    rc=0
    if [ -z "$args" ]; then
        "$CHECK" >"$WORK/out" 2>&1 || rc=$?
    else
        "$CHECK" "$args" >"$WORK/out" 2>&1 || rc=$?
    fi
    if [ "$rc" -eq 2 ]; then
        pass "usage error '${args:-no argument}' exits 2"
    else
        cat "$WORK/out"
        fail "usage error '${args:-no argument}': exit $rc (want 2)"
    fi
done

# An empty tree is an error, not a pass.
mkdir -p "$WORK/empty/stacks"
rc=0
"$CHECK" "$WORK/empty" >"$WORK/out" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q 'no stacks/\*/glance-api.conf' "$WORK/out"; then
    pass "tree without glance-api.conf exits 1"
else
    cat "$WORK/out"
    fail "tree without glance-api.conf: exit $rc (want 1)"
fi

echo "oslo_check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
