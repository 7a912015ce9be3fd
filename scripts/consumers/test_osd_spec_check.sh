#!/usr/bin/env bash
# test_osd_spec_check.sh [DCNC_BINARY]: osd_spec_check.py (tripleo-ansible 6.0.0's get_specs and
# Ceph's own ServiceSpec validation of stacks/*/osd-spec.yaml; ceph-conf on initial-ceph.conf)
# on the tht-18 tree of fixtures/seed-multistore.yaml: it must pass, and broken copies must fail
# naming the file and the reason: an OSD filter Ceph does not know, an empty spec, a pool size
# that is no number, and a deploy.sh that does not pass a file it has (or passes one it lacks).
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DCNC="${1:-$ROOT/target/debug/dcnc}"
TA_VERSION=6.0.0

# shellcheck source-path=SCRIPTDIR source=test-lib.sh
source "$HERE/test-lib.sh"
[[ -x $DCNC ]] || die "$DCNC is not built (cargo build first)"
/usr/bin/python3 -c 'import yaml, ceph.deployment.service_spec' \
  || die "Debian's python3 lacks python3-yaml or python3-ceph-common (apt-get install -y python3-yaml python3-ceph-common)"
command -v ceph-conf >/dev/null || die "ceph-conf is missing (apt-get install -y ceph-common)"
TA="$("$HERE/fetch-tht.sh" --tripleo-ansible "$TA_VERSION")" || die "fetch-tht.sh --tripleo-ansible $TA_VERSION failed"
CHECKER=(/usr/bin/python3 "$HERE/osd_spec_check.py" --tripleo-ansible "$TA")

good="$TMP/good"
"$DCNC" build "$ROOT/fixtures/seed-multistore.yaml" --target tht-18 -o "$good" >/dev/null 2>&1 \
  || die "dcnc build of seed-multistore.yaml for tht-18 failed"
[[ -f $good/stacks/dcn0/osd-spec.yaml && -f $good/stacks/dcn0/initial-ceph.conf ]] \
  || die "the seed's tht-18 tree has no osd-spec.yaml and initial-ceph.conf for dcn0"
check "the seed's tht-18 tree" 0 "5 files checked, ok" -- "$good"

# broken NAME: a copy of the good tree to break.
broken() { rm -rf "${TMP:?}/$1"; cp -r "$good" "$TMP/$1"; echo "$TMP/$1"; }

t="$(broken filter)"
sed -i 's/^  paths:/  pathz:/' "$t/stacks/dcn0/osd-spec.yaml"
check "an OSD filter Ceph does not know" 1 "stacks/dcn0/osd-spec.yaml: Ceph rejects the OSD service spec" "Filtering for \`pathz\` is not supported" -- "$t"

t="$(broken empty)"
printf '# nothing\n' >"$t/stacks/dcn1/osd-spec.yaml"
check "an empty OSD spec" 1 "stacks/dcn1/osd-spec.yaml: an OSD spec is a non-empty map" -- "$t"

t="$(broken size)"
sed -i 's/^osd_pool_default_size = 1$/osd_pool_default_size = one/' "$t/stacks/dcn0/initial-ceph.conf"
check "a pool size that is no number" 1 "stacks/dcn0/initial-ceph.conf: osd_pool_default_size 'one' is not a replica count" -- "$t"

t="$(broken unpassed)"
sed -i '/^ *--osd-spec /d' "$t/stacks/dcn1/deploy.sh"
check "deploy.sh without --osd-spec" 1 "stacks/dcn1/deploy.sh: deploy.sh does not pass --osd-spec" -- "$t"

t="$(broken missing)"
rm "$t/stacks/dcn0/initial-ceph.conf"
check "deploy.sh passing a file the tree lacks" 1 "stacks/dcn0/deploy.sh: passes --config \"\$HERE/initial-ceph.conf\", which is not in the tree" -- "$t"

finish
