#!/usr/bin/env bash
# End-to-end test of dcnc's rhoso-18 tree on 127.0.0.1: real Ceph clusters, real Glance APIs running
# the generated customServiceConfig with the files the generated secrets.sh puts in each secret.
#
#   e2e/rhoso-run.sh [--dcnc PATH] [--spec PATH] [--tree DIR] [--keep] [--break-conf KIND]
#
#   --dcnc PATH        the compiler (default: target/debug/dcnc)
#   --spec PATH        the spec (default: fixtures/rhoso-seed.yaml: central, dcn0, dcn1, the
#                      clusters of e2e/clusters.tsv), built with `dcnc build --target rhoso-18`
#   --tree DIR         test an already built tree instead of building one
#   --keep             leave /tmp/dcnc-e2e after the run
#   --break-conf KIND  corrupt the tree before applying it; the run must then fail. KIND:
#                      foreign-store (the last edge API and its secret also get the first edge's
#                      store and cluster). The harness's own secret check reports the extra files
#                      without stopping, so the real Glance of that edge is started with them and
#                      the acceptance's edge-stores step must fail: the edge sees another edge.
#
# Steps: install (e2e/install.sh, scripts/consumers/rhoso/install.sh for kubectl), tree, render
# (`kubectl kustomize rhoso/control-plane-dcn`; e2e/rhoso_tree.py reads what the operators make of
# it: each API's type, customServiceConfig and the one secret mounted at its /etc/ceph),
# clusters, cephadm (cephadm's part: client.openstack on every cluster with the pools, its conf
# and keyring in the work directory), ceph-check (the generated `deploy.sh ceph SITE` against the
# running clusters; a wrong fsid must be refused), secrets (the generated `secrets.sh --to-dir`:
# central's secret holds every cluster, each edge's only central and its own), glance-start (one
# Glance per API: the operator's base conf, then the customServiceConfig, /etc/ceph being a copy
# of that API's secret), acceptance (e2e/acceptance.py: stores, import, copy-image to every edge
# through the central API, each edge API defaulting to its own store and seeing no other edge,
# nova's endpoint_override resolving to its own edge API).
# Shares run.sh's directory, ports, PostgreSQL and lock (/tmp/dcnc-e2e.lock: one run at a time,
# this script's name contains `run.sh` so run.sh recognizes it as a live holder).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
py=/usr/bin/python3
ROOT=/tmp/dcnc-e2e
ADMIN=$ROOT/admin
WORK=$ROOT/work      # DCNC_WORK_DIR: what cephadm leaves for secrets.sh
OUT=$ROOT/out
NS=openstack

dcnc=$repo/target/debug/dcnc
spec=$repo/fixtures/rhoso-seed.yaml
tree=""
keep=0
break_conf=""
die() { printf 'e2e-rhoso: %s\n' "$*" >&2; exit 1; }
while (($#)); do
    case $1 in
    --dcnc) dcnc=$2; shift 2 ;;
    --spec) spec=$2; shift 2 ;;
    --tree) tree=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --break-conf) break_conf=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case $break_conf in "" | foreign-store) ;; *) die "--break-conf: KIND is foreign-store" ;; esac

step_name=""
step() { step_name=$1; echo "== $1"; }
stop_all() {
    local d
    for d in "$ROOT"/rhoso/*/glance; do
        [[ -d $d ]] && "$here/glance.sh" stop "$d"
    done
    "$here/pg.sh" stop "$ROOT/pg" || true
    "$here/ceph-cluster.sh" stop "$ADMIN" || true
}
teardown() {
    local rc=$? failed=$step_name
    set +e
    if ((rc != 0)); then
        for f in "$ROOT"/rhoso/*/glance/glance-api.log; do
            [[ -s $f ]] && { echo "--- last lines of $f"; tail -n 12 "$f" | cut -c1-300; }
        done
    fi
    stop_all
    ((keep)) || rm -rf "$ROOT"
    if ((rc == 0)); then echo "e2e-rhoso: PASS"; else echo "e2e-rhoso: FAIL at step ${failed:-startup} (exit $rc)"; fi
    e2e_release_lock
    exit "$rc"
}
# shellcheck source=e2e/lock.sh
. "$here/lock.sh"
e2e_take_lock || exit 1
trap teardown EXIT
trap 'exit 130' INT TERM
stop_all
rm -rf "$ROOT"
mkdir -p "$ROOT"

step install
"$here/install.sh" >/dev/null
kubectl="$("$repo/scripts/consumers/rhoso/install.sh" 2>/dev/null | sed -n 's/^KUBECTL=//p')"
[[ -x $kubectl ]] || die "no kubectl from scripts/consumers/rhoso/install.sh"

step tree
if [[ -n $tree ]]; then
    cp -r "$tree" "$OUT"
else
    "$dcnc" build "$spec" --target rhoso-18 -o "$OUT"
fi
R=$OUT/rhoso
[[ -x $R/deploy.sh && -x $R/secrets.sh ]] || die "no rhoso/deploy.sh and rhoso/secrets.sh in the tree"

if [[ $break_conf == foreign-store ]]; then
    # as if dcnc gave the last edge the first edge's store: in its API's enabled_backends and
    # store sections, and that edge's cluster files in its secret
    step break-conf
    "$py" - "$R/control-plane-dcn/control-plane-dcn.yaml" "$R/secrets.sh" <<'EOF'
import re, sys
cp, secrets = sys.argv[1], sys.argv[2]
s = open(cp).read()
m = list(re.finditer(r'^( +)enabled_backends = ([^\n]*:rbd[^\n]*)\n', s, re.M))
assert len(m) >= 3, 'need a central and two edge APIs'
first, last = m[1], m[-1]
own = first.group(2).split(',')[0].split(':')[0]
ind = first.group(1)
sec = re.search(r'^%s\[%s\]\n(?:%s[^\[\n][^\n]*\n)+' % (ind, own, ind), s[first.end():], re.M)
assert sec, 'no [%s] section in the first edge API' % own
end = s.find('\n', s.find('rbd_thin_provisioning', s.find('rbd_thin_provisioning', last.end()) + 1)) + 1
s = (s[:last.start()] + '%senabled_backends = %s,%s:rbd\n' % (last.group(1), last.group(2), own)
     + s[last.end():end] + '\n' + sec.group(0) + s[end:])
open(cp, 'w').write(s)
t = open(secrets).read().splitlines()
# the last edge API's secret (the node sets' ceph-nodes-* come after the APIs' secrets)
idx = max(i for i, l in enumerate(t) if l.startswith('secret ceph-conf-files-'))
t[idx] += ' ' + own
open(secrets, 'w').write('\n'.join(t) + '\n')
print('broke: the last edge API and its secret also hold store/cluster %s' % own)
EOF
fi

step render
"$kubectl" kustomize "$R/control-plane-dcn" >"$ROOT/control-plane.yaml"
declare -A api_type=() api_secret=() api_store=()
apis=()
while IFS=$'\t' read -r api type secret store; do
    apis+=("$api"); api_type[$api]=$type; api_secret[$api]=$secret; api_store[$api]=$store
done < <("$py" "$here/rhoso_tree.py" apis "$ROOT/control-plane.yaml" "$ROOT/csc")
central=""
edges=()
for a in "${apis[@]}"; do
    if [[ ${api_type[$a]} == split ]]; then central=$a; else edges+=("$a"); fi
done
[[ -n $central && ${#edges[@]} -ge 1 ]] || die "want one split API and edge APIs, got: ${apis[*]}"
q() { "$py" "$here/conf_query.py" "$@"; }
# The clusters are the ones the central API's stores name.
declare -A store_cluster=()
clusters=()
while IFS=$'\t' read -r sid _ cconf _; do
    store_cluster[$sid]="$(basename "$cconf" .conf)"
    clusters+=("${store_cluster[$sid]}")
done < <(q stores "$ROOT/csc/$central.conf")
echo "APIs: central $central, edges ${edges[*]}; clusters ${clusters[*]}"

step clusters
"$here/ceph-cluster.sh" start-many "$ADMIN" "${clusters[@]}"
tsv() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$here/clusters.tsv"; }

step cephadm
# cephadm's part, outside the operators: client.openstack (mon profile rbd, osd profile rbd on
# vms, volumes, images) on every cluster; its minimal client conf and keyring in the work dir.
install -d -m 0700 "$WORK"
for c in "${clusters[@]}"; do
    key="$("$py" "$here/ceph_boot.py" user "$ADMIN/$c.conf" "$c" openstack vms volumes images)"
    # shellcheck disable=SC2016 # $cluster and $name are Ceph's metavariables
    printf '[global]\nfsid = %s\nmon host = [v2:127.0.0.1:%s,v1:127.0.0.1:%s]\n\n[client]\nkeyring = /etc/ceph/$cluster.$name.keyring\nclient_mount_timeout = 5\n' \
        "$(tsv "$c" 2)" "$(tsv "$c" 3)" "$(tsv "$c" 4)" >"$WORK/$c.conf"
    (umask 077; printf '[client.openstack]\n\tkey = %s\n' "$key" >"$WORK/$c.client.openstack.keyring")
done
ls -l "$WORK"

step ceph-check
# the generated step, against the clusters: it asks them with the files in $WORK.
for a in "${apis[@]}"; do
    DCNC_WORK_DIR=$WORK bash "$R/deploy.sh" ceph "$a" \
        || die "deploy.sh ceph $a refused the running cluster"
done
bad=$ROOT/work-bad
cp -a "$WORK" "$bad"
c0=${clusters[0]}
sed -i "s/^fsid = .*/fsid = 00000000-0000-4000-8000-00000000bad0/" "$bad/$c0.conf"
if out="$(DCNC_WORK_DIR=$bad bash "$R/deploy.sh" ceph "$central" 2>&1)"; then
    die "deploy.sh ceph $central accepted a conf with the wrong fsid: $out"
fi
echo "ok refused: $out"

step secrets
DCNC_WORK_DIR=$WORK bash "$R/secrets.sh" --to-dir "$ROOT/secrets"
# central's secret: every cluster; an edge's: central's cluster and its own, nothing else
expect_files() { # SECRET CLUSTER...
    local s=$1 want got why
    shift
    want="$(for c in "$@"; do echo "$c.client.openstack.keyring"; echo "$c.conf"; done | sort)"
    got="$(find "$ROOT/secrets/$s" -mindepth 1 -printf '%f\n' | sort)"
    if [[ $got != "$want" ]]; then
        why="secret $s holds [$(tr '\n' ' ' <<<"$got")], want [$(tr '\n' ' ' <<<"$want")]"
        [[ -n $break_conf ]] || die "$why"
        # the broken run goes on to show what the real Glance makes of it
        echo "FAIL (harness, going on: --break-conf) $why"
        harness_caught+=("$why")
        return 0
    fi
    for f in "$ROOT/secrets/$s"/*.keyring; do
        [[ $(stat -c %a "$f") == 600 ]] || die "$f is not 0600"
    done
    echo "ok secret $s: $*"
}
harness_caught=()
central_cluster=${store_cluster[${api_store[$central]}]}
expect_files "${api_secret[$central]}" "${clusters[@]}"
for e in "${edges[@]}"; do
    expect_files "${api_secret[$e]}" "$central_cluster" "${store_cluster[${api_store[$e]}]}"
done

step glance-start
"$here/pg.sh" start "$ROOT/pg"
db_url="$("$here/pg.sh" glance-db "$ROOT/pg" glance)"
declare -A port=()
i=0
for a in "$central" "${edges[@]}"; do
    d=$ROOT/rhoso/$a
    mkdir -p "$d/glance"
    # the operator's part: the API's secret mounted at /etc/ceph (here: a copy, the path rewritten)
    cp -r "$ROOT/secrets/${api_secret[$a]}" "$d/etc-ceph"
    sed -i "s#/etc/ceph#$d/etc-ceph#g" "$d"/etc-ceph/*.conf
    port[$a]=$((19292 + i))
    i=$((i + 1))
    sed -e "s#@GLANCE_DIR@#$d/glance#g" -e "s#@PORT@#${port[$a]}#g" -e "s#@DB_URL@#$db_url#g" \
        "$here/rhoso-base-glance-api.conf.in" >"$d/base.conf"
    sed "s#/etc/ceph/#$d/etc-ceph/#g" "$ROOT/csc/$a.conf" >"$d/custom.conf"
    "$py" "$here/rhoso_tree.py" merge "$d/base.conf" "$d/custom.conf" >"$d/glance/glance-api.conf"
done
pids=()
for a in "$central" "${edges[@]}"; do
    "$here/glance.sh" start "$ROOT/rhoso/$a/glance" "${port[$a]}" &
    pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || die "a Glance failed to start"; done

step stores-loaded
# every store an API's customServiceConfig enables must be one it serves: glance_store leaves a
# store it cannot configure out of /v2/info/stores, silently
for a in "$central" "${edges[@]}"; do
    want="$(q stores "$ROOT/csc/$a.conf" | cut -f1 | sort | tr '\n' ' ')"
    got="$(curl -sf -H 'X-Identity-Status: Confirmed' -H 'X-Roles: admin,member,reader' \
        -H 'X-Project-Id: 00000000000000000000000000000001' -H 'X-User-Id: e2e' \
        "http://127.0.0.1:${port[$a]}/v2/info/stores" \
        | "$py" -c 'import json,sys; print(" ".join(sorted(s["id"] for s in json.load(sys.stdin)["stores"])))') "
    [[ $got == "$want" ]] || die "GlanceAPI $a serves stores [$got], its customServiceConfig enables [$want]"
    echo "ok $a serves $want"
done

step acceptance
args=(--glance "http://127.0.0.1:${port[$central]}" --default "${api_store[$central]}")
while IFS=$'\t' read -r sid _ _ _; do
    c=${store_cluster[$sid]}
    args+=(--store "$sid" "$ADMIN/$c.conf" "$(tsv "$c" 2)")
done < <(q stores "$ROOT/csc/$central.conf")
for e in "${edges[@]}"; do
    own=${api_store[$e]}
    args+=(--edge "$own" "http://127.0.0.1:${port[$e]}" --edge-stores "$own" "$own,${api_store[$central]}")
    # nova's 03-ceph-nova.conf names its GlanceAPI by service name; resolve it as the cluster DNS
    # would: glance-<api>-internal.<ns>.svc is the API <api>.
    nconf="$(find "$R/sites" -path "*/site-services.yaml" -print0 | xargs -0 grep -l "images_rbd_glance_store_name = $own\$")"
    url="$(sed -n 's/^ *endpoint_override = //p' "$nconf")"
    target="$(sed -n "s#^https://glance-\(.*\)-internal\.$NS\.svc:9292\$#\1#p" <<<"$url")"
    [[ -n $target && -n ${port[$target]:-} ]] || die "$nconf: endpoint_override $url names no GlanceAPI"
    printf '[glance]\napi_servers = http://127.0.0.1:%s\n' "${port[$target]}" >"$ROOT/rhoso/$e/nova.conf"
    args+=(--nova-conf "$own" "$ROOT/rhoso/$e/nova.conf")
done
"$py" "$here/acceptance.py" "${args[@]}"
((${#harness_caught[@]} == 0)) || die "--break-conf $break_conf: the acceptance passed on the broken tree"
step_name=""
