#!/usr/bin/env bash
# End-to-end test of dcnc on 127.0.0.1: real Ceph clusters, real Glances, and only files that
# `dcnc build` generated (plus what TripleO itself would have done, labelled "TripleO's part").
#
#   e2e/run.sh [--dcnc PATH] [--spec PATH | --scale] [--keep] [--no-negative] [--no-cow]
#              [--break-conf KIND]
#   e2e/run.sh --self-test-break [--dcnc PATH] [--spec PATH | --scale]
#
#   --dcnc PATH        the compiler (default: the debug dcnc in cargo's target dir, CARGO_TARGET_DIR
#                      honoured; built with cargo when absent)
#   --spec PATH        the spec (default: fixtures/e2e-local.yaml: central, dcn0, dcn1)
#   --scale            the spec e2e/specs/e2e-scale.yaml (central + dcn0..dcn4)
#   --keep             leave /tmp/dcnc-e2e (confs, logs, dcnc output) after the run; daemons stop
#   --no-negative      skip the missing-key negative run
#   --no-cow           skip step cow (copy-on-write boots by Nova's code on the heat targets'
#                      generated files, e2e/specs/cow.yaml; independent of --spec)
#   --negative-wait    run the negative case even when the generated confs leave librados' connect
#                      timeout above 60 s (it then takes about twice that timeout)
#   --break-conf KIND  corrupt dcnc's output before applying it; the run must then fail, naming
#                      the step. KIND: fsid (the first edge's fsid in ceph/<edge>.conf and in
#                      ceph-clients.sh) or pool (the last edge store's rbd_store_pool in the
#                      central configure.sh)
#   --self-test-break  run --break-conf fsid and --break-conf pool; pass when fsid fails at step
#                      ceph-clients (the generated script's own fsid check, naming the cluster)
#                      and pool at step verify-clients
#
# Steps: install, dcnc-check (the spec passes; e2e/specs/bad-glance-user.yaml exits 1 with
# DCN017), dcnc-build, clusters (one per generated ceph/<cluster>.conf; fsid and ports from
# e2e/clusters.tsv), tripleo (TripleO's part: client.openstack on every cluster, central's and the
# edge Glance's ceph conf, base glance-api.conf and nova.conf), external-ceph (the generated
# external-ceph.sh of e2e/specs/external-central.yaml on the central cluster: the real key passes
# and writes its files 0600; a wrong key, fsid or pool is refused), edge-keys (each edge's
# generated glance-key.sh with that cluster's admin conf alone; its one client keyring shipped to
# central's work dir; a rerun gives the same key, a user with other caps is refused), ceph-clients
# (the generated script with the admin confs and keyrings hidden: central's work dir holds the
# shipped client keyrings only), configure (the generated configure.sh of central and of the
# negative Glance; the edge's confs are TripleO's, see step tripleo), verify-clients, glance-start, acceptance (e2e/acceptance.py), negative
# (the last edge's glance keyring removed, a separate Glance must report it broken), cow (the
# heat targets: e2e/specs/cow.yaml built for ussuri, wallaby and tht-18; wallaby's Glances as
# TripleO renders them from the generated fragments and env files (glance_conf.py): two central
# APIs sharing the staging share, a central API without conversion, the two edges; then cow.py:
# Nova's own code boots from each target's generated nova.conf at dcn0 and dcn1, the member's
# copy refused by Glance's policy and allowed by the generated GlanceApiPolicies, the generated
# distribute-images.sh, the qcow2 import converted to raw and, without conversion, refused),
# verify-addresses (the generated verify-addresses.sh against export files made from the clusters'
# mon maps and the running Glances: passes; with dcn1's mons and glance_api wrong in the spec it
# fails naming dcn1 and the difference), teardown.
# A failure prints `e2e: FAIL at step <step>`; success prints `e2e: PASS`. Daemons are always
# stopped by their pids; /tmp/dcnc-e2e is wiped at start and at the end (unless --keep).
# One run at a time: a run holds /tmp/dcnc-e2e.lock, and another one exits at once.
# Run as root. Env: DCNC_CACHE (venv location, see install.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
py=/usr/bin/python3

# The spec's ceph.conf_dir must be $ROOT/ceph: ceph-clients.sh writes there.
ROOT=/tmp/dcnc-e2e
CONF_DIR=$ROOT/ceph
ADMIN=$ROOT/admin   # the clusters: admin confs, admin keyrings, daemon state
OUT=$ROOT/out       # `dcnc build` output
NEGATIVE_PORT=19299
GLANCE_UID=42415   # kolla's glance: the acceptance's Glances run as it (glance.sh GLANCE_UID)
NEGATIVE_MAX_CONNECT=60  # s; above it the negative run is refused unless --negative-wait

dcnc=""
spec=$repo/fixtures/e2e-local.yaml
keep=0
negative=1
cow=1
negative_wait=0
break_conf=""
self_test=0
passthrough=()

die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

while (($#)); do
    case $1 in
    --dcnc) dcnc=$2; passthrough+=("$1" "$2"); shift 2 ;;
    --spec) spec=$2; passthrough+=("$1" "$2"); shift 2 ;;
    --scale) spec=$here/specs/e2e-scale.yaml; passthrough+=("$1"); shift ;;
    --keep) keep=1; shift ;;
    --no-negative) negative=0; shift ;;
    --no-cow) cow=0; shift ;;
    --negative-wait) negative_wait=1; shift ;;
    --break-conf) break_conf=$2; shift 2 ;;
    --self-test-break) self_test=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case $break_conf in "" | fsid | pool) ;; *) die "--break-conf: KIND is fsid or pool" ;; esac
[[ -f $spec ]] || die "no spec $spec"
spec="$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")"
if [[ -n $dcnc ]]; then
    [[ -x $dcnc ]] || die "--dcnc $dcnc is not executable"
    dcnc="$(cd "$(dirname "$dcnc")" && pwd)/$(basename "$dcnc")"
fi

secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# --- --self-test-break: the broken variants must fail, at the step that checks the files -----
if ((self_test)); then
    t0=$EPOCHREALTIME
    logs="$(mktemp -d -t dcnc-e2e-selftest.XXXXXX)"
    failed=0
    for kind in fsid pool; do
        case $kind in # the step that must fail, and the line that must say why
        fsid) want=ceph-clients why_re='^cluster [^ ]+: the mons in .* answer with fsid ' ;;
        pool) want=verify-clients why_re='^FAIL verify-clients' ;;
        esac
        t=$EPOCHREALTIME
        rc=0
        "$0" "${passthrough[@]}" --no-negative --break-conf "$kind" >"$logs/$kind.log" 2>&1 || rc=$?
        why="$(grep -m1 -E "$why_re" "$logs/$kind.log" || true)"
        if ((rc != 0)) && grep -q "^e2e: FAIL at step $want " "$logs/$kind.log" && [[ -n $why ]]; then
            echo "ok break-conf $kind: exit $rc at step $want ($(secs "$t" "$EPOCHREALTIME") s): $why"
        else
            failed=1
            echo "FAIL break-conf $kind: exit $rc, want nonzero at step $want; its output:"
            sed 's/^/    /' "$logs/$kind.log"
        fi
    done
    rm -rf "$logs"
    echo "self-test-break total $(secs "$t0" "$EPOCHREALTIME") s"
    if ((failed)); then echo "e2e: FAIL (self-test-break)"; exit 1; fi
    echo "e2e: PASS"
    exit 0
fi

# --- timing, steps and teardown ----------------------------------------------------
phases=()
declare -A took=()
t_start=$EPOCHREALTIME
step_name=""
step_t0=$EPOCHREALTIME
end_step() {
    [[ -n $step_name ]] || return 0
    took[$step_name]=$(secs "$step_t0" "$EPOCHREALTIME")
    phases+=("$step_name")
    step_name=""
}
step() { # step NAME: end the running step, start NAME
    end_step
    step_name=$1
    step_t0=$EPOCHREALTIME
    echo "== $1"
}

# stop_all: every Glance, PostgreSQL and Ceph daemon under $ROOT, by the pids they wrote (also those of an
# earlier run left by --keep or a crash); stop_all_glances: the Glances only.
stop_all_glances() {
    local d pids=()
    for d in "$ROOT"/*/glance "$ROOT"/cow/glance/*; do
        [[ -d $d ]] || continue
        "$here/glance.sh" stop "$d" &
        pids+=("$!")
    done
    for d in "${pids[@]}"; do wait "$d" || true; done
}
stop_all() {
    stop_all_glances
    "$here/pg.sh" stop "$ROOT/pg" || true
    "$here/ceph-cluster.sh" stop "$ADMIN" || true
}

teardown() {
    local rc=$? failed_step=$step_name
    set +e
    end_step
    step_name=teardown
    step_t0=$EPOCHREALTIME
    if ((rc != 0)) && [[ $failed_step == @(glance-start|acceptance|negative|cow-glances|cow|verify-addresses) ]]; then
        local f pid w
        for f in "$ROOT"/*/glance/glance-api.log "$ROOT"/cow/glance/*/glance-api.log; do
            [[ -s $f ]] || continue
            echo "--- last lines of $f"
            grep -v -e '^$' -e 'os_brick' "$f" | tail -n 12 | cut -c1-400
        done
        # with py-spy on PATH: every Glance worker's thread stacks, for a hung task
        if command -v py-spy >/dev/null; then
            for f in "$ROOT"/*/glance/glance.pid "$ROOT"/cow/glance/*/glance.pid; do
                [[ -f $f ]] || continue
                pid="$(cat "$f")"
                [[ $pid =~ ^[0-9]+$ ]] || continue
                for w in $(pgrep -P "$pid" || true); do
                    echo "--- py-spy dump of Glance worker $w ($(dirname "$f"))"
                    py-spy dump --pid "$w" 2>&1 | grep -v -e '^ *$' | head -n 80 || true
                done
            done
        fi
    fi
    # a Glance start of step cow still running in the background ends first (its own timeout)
    [[ -z ${cow_starter:-} ]] || wait "$cow_starter" 2>/dev/null
    stop_all
    if ((keep)); then
        echo "kept $ROOT (dcnc output: $OUT; logs: admin/*.d/log, */glance/*.log)"
    else
        rm -rf "$ROOT"
    fi
    end_step
    echo
    echo "== timing (s), spec $(basename "$spec")"
    local p
    for p in "${phases[@]}"; do
        printf '%-16s %6s\n' "$p" "${took[$p]}"
    done
    printf '%-16s %6s\n' total "$(secs "$t_start" "$EPOCHREALTIME")"
    if ((rc == 0)); then
        echo "e2e: PASS"
    else
        echo "e2e: FAIL at step ${failed_step:-startup} (exit $rc)"
        ((keep)) || echo "(rerun with --keep to inspect $ROOT)"
    fi
    e2e_release_lock
    exit "$rc"
}

# One run at a time (e2e/lock.sh): a second run would stop the first one's daemons (stop_all
# below) and wipe its files.
# shellcheck source=e2e/lock.sh
. "$here/lock.sh"
e2e_take_lock || exit 1
trap teardown EXIT
trap 'exit 130' INT TERM

stop_all
rm -rf "$ROOT"

# --- install ---------------------------------------------------------------------------
step install
venvs="$("$here/install.sh")"
nova_venv="$(tail -n 1 <<<"$venvs")"
if [[ -z $dcnc ]]; then
    # shellcheck source=scripts/lib/dcnc-bin.sh
    . "$repo/scripts/lib/dcnc-bin.sh"
    dcnc="$(dcnc_default_bin "$repo")"
    [[ -x $dcnc ]] || (cd "$repo" && cargo build -q)
fi

# --- dcnc check: the spec passes; the wrong-glance-user spec is rejected with DCN017 -----
step dcnc-check
"$dcnc" check "$spec"
bad=$here/specs/bad-glance-user.yaml
rc=0
diags="$("$dcnc" check --message-format json "$bad" 2>&1)" || rc=$?
((rc == 1)) || die "dcnc check $bad exited $rc, want 1: $diags"
grep -q '"code":"DCN017"' <<<"$diags" || die "dcnc check $bad did not report DCN017: $diags"
echo "ok: $(basename "$bad") rejected (exit 1, DCN017)"

# --- dcnc build, and what the output says about the deployment ------------------------
step dcnc-build
mkdir -p "$ROOT"
"$dcnc" build "$spec" -o "$OUT"
q() { "$py" "$here/conf_query.py" "$@"; }

# the central stack is the one with ceph-clients.sh
clients_sh="$(compgen -G "$OUT/stacks/*/ceph-clients.sh" || true)"
[[ -n $clients_sh && $(wc -l <<<"$clients_sh") == 1 ]] || die "want one stacks/*/ceph-clients.sh in $OUT"
central_stack="$(dirname "$clients_sh")"
central_fragment=$central_stack/glance-api.conf
central_store="$(q get "$central_fragment" glance_store default_backend)"
declare -A store_cluster=() edge_stack=()
store_ids=()
while IFS=$'\t' read -r sid _ cconf _; do
    store_ids+=("$sid")
    store_cluster[$sid]="$(basename "$cconf" .conf)"
done < <(q stores "$central_fragment")
central_cluster=${store_cluster[$central_store]}
for d in "$OUT"/stacks/*/; do
    d=${d%/}
    [[ $d != "$central_stack" && -f $d/glance-key.sh ]] || continue
    edge_stack[$(q get "$d/glance-api.conf" glance_store default_backend)]=$d
done
edges=()
for sid in "${store_ids[@]}"; do
    [[ $sid == "$central_store" ]] && continue
    [[ -n ${edge_stack[$sid]:-} ]] || die "store $sid has no edge stack in $OUT/stacks"
    edges+=("$sid")
done
((${#edges[@]} >= 1)) || die "no edge store in $central_fragment"
edge=${edges[0]}                          # the edge that gets a running Glance and nova.conf
edge_cluster=${store_cluster[$edge]}
broken=${edges[${#edges[@]} - 1]}         # the edge whose key the negative run removes
clusters=()
for f in "$OUT"/ceph/*.conf; do clusters+=("$(basename "$f" .conf)"); done
kr="$(ceph-conf -c "$OUT/ceph/$central_cluster.conf" --name client.openstack --lookup keyring)"
[[ $(dirname "$kr") == "$CONF_DIR" ]] \
    || die "the spec's ceph.conf_dir must be $CONF_DIR (the generated confs use $(dirname "$kr"))"
tsv() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$here/clusters.tsv"; }
for c in "${clusters[@]}"; do
    [[ -n "$(tsv "$c" 2)" ]] || die "cluster $c is not in $here/clusters.tsv"
done
central_port="$(tsv "$central_cluster" 5)"
edge_port="$(tsv "$edge_cluster" 5)"
echo "clusters ${clusters[*]}; central store $central_store; edge Glance $edge (:$edge_port); negative: $broken"

# --- --break-conf: corrupt the generated output before anything applies it -------------
if [[ -n $break_conf ]]; then
    step break-conf
    case $break_conf in
    fsid)
        old="$(ceph-conf -c "$OUT/ceph/$edge_cluster.conf" --lookup fsid)"
        new=00000000-0000-4000-8000-00000000bad0
        sed -i "s/$old/$new/g" "$OUT/ceph/$edge_cluster.conf" "$clients_sh"
        grep -q "$new" "$clients_sh" || die "break-conf: no fsid $old in $clients_sh"
        echo "broke: fsid of $edge_cluster $old -> $new in ceph/$edge_cluster.conf and ceph-clients.sh"
        ;;
    pool)
        awk -v s="[$broken]" '$0 == s {in_s = 1} /^\[/ && $0 != s {in_s = 0}
            in_s && $1 == "rbd_store_pool" {$0 = "rbd_store_pool = images-missing"; n++} {print}
            END {exit n != 1}' "$central_stack/configure.sh" >"$ROOT/configure.sh.broken" \
            || die "break-conf: no rbd_store_pool in [$broken] of $central_stack/configure.sh"
        cat "$ROOT/configure.sh.broken" >"$central_stack/configure.sh"
        echo "broke: [$broken] rbd_store_pool = images-missing in $central_stack/configure.sh"
        ;;
    esac
fi

# --- clusters ---------------------------------------------------------------------------
step clusters
"$here/ceph-cluster.sh" start-many "$ADMIN" "${clusters[@]}"

# --- TripleO's part: what each stack's deploy would have done ---------------------------
# client.openstack on every cluster, its keyring where the generated confs look for it; the
# central conf on central's Glance host, the edge's conf on the edge Glance host (one host
# here); Glance's database; central's glance-api.conf that its configure.sh then edits; and the
# edge's glance-api.conf and nova.conf as TripleO renders them from the edge's env files
# (GlanceApiEdge, THT 12.7.0 deployment/glance/glance-api-edge-container-puppet.yaml:83 sets
# nova's endpoint_override; no THT release sets its api_servers): the generated review fragments
# merged over the bases.
step tripleo
install -d -m 0755 "$CONF_DIR"
"$here/pg.sh" start "$ROOT/pg"
db_url="$("$here/pg.sh" glance-db "$ROOT/pg" glance)"
if ((negative)); then
    negative_db_url="$("$here/pg.sh" glance-db "$ROOT/pg" glance_negative)"
fi
if ((cow)); then
    cow_db_url="$("$here/pg.sh" glance-db "$ROOT/pg" glance_cow)"
fi
pids=()
for c in "${clusters[@]}"; do
    (
        key="$("$py" "$here/ceph_boot.py" user "$ADMIN/$c.conf" "$c" openstack vms volumes images)"
        umask 077
        printf '[client.openstack]\n\tkey = %s\n' "$key" >"$CONF_DIR/$c.client.openstack.keyring"
        # THT's glance_api container gives glance its own cluster's keyring (kolla permissions)
        chown "$GLANCE_UID:$GLANCE_UID" "$CONF_DIR/$c.client.openstack.keyring"
    ) &
    pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p"; done
install -m 0644 "$OUT/ceph/$central_cluster.conf" "$OUT/ceph/$edge_cluster.conf" "$CONF_DIR/"
render_glance() { # render_glance DIR PORT DB_URL: DIR/glance-api.conf from the base
    mkdir -p "$1"
    sed -e "s#@GLANCE_DIR@#$1#g" -e "s#@PORT@#$2#g" -e "s#@DB_URL@#$3#g" \
        "$here/base-glance-api.conf.in" >"$1/glance-api.conf"
}
central_conf=$ROOT/central/glance/glance-api.conf
edge_conf=$ROOT/$edge/glance/glance-api.conf
negative_conf=$ROOT/negative/glance/glance-api.conf
nova_conf=$ROOT/$edge/nova.conf
render_glance "$ROOT/central/glance" "$central_port" "$db_url"
render_glance "$ROOT/$edge/glance" "$edge_port" "$db_url"
if ((negative)); then
    render_glance "$ROOT/negative/glance" "$NEGATIVE_PORT" "$negative_db_url"
fi
cp "$here/base-nova.conf.in" "$nova_conf"
# tripleo_render BASE FRAGMENT: FRAGMENT's options (its comment lines dropped) merged into BASE
tripleo_render() { grep -v '^#' "$2" | crudini --merge "$1"; }
tripleo_render "$edge_conf" "${edge_stack[$edge]}/glance-api.conf"
tripleo_render "$nova_conf" "${edge_stack[$edge]}/nova.conf"
find "$CONF_DIR" -type f -printf '%m %p\n' | sort -k2

# --- the external-central topology: external-ceph.sh against the central cluster ----------
# e2e/specs/external-central.yaml treats the running central cluster as one deployed outside
# TripleO. Its generated external-ceph.sh must accept client.openstack's real key and write the
# key files (0600), and must refuse a wrong key, a wrong fsid and a missing pool, saying which.
if [[ -z $break_conf ]]; then
    step external-ceph
    ext_spec=$here/specs/external-central.yaml
    ext_fsid="$(tsv central 2)"
    grep -q "$ext_fsid" "$ext_spec" || die "$ext_spec does not name central's fsid $ext_fsid"
    ext_key="$(awk '$1 == "key" {print $3}' "$CONF_DIR/central.client.openstack.keyring")"
    [[ -n $ext_key ]] || die "no client.openstack key in $CONF_DIR/central.client.openstack.keyring"
    # external_run NAME SPEC KEY: builds SPEC and runs its external-ceph.sh with KEY; output in
    # $ROOT/external/NAME.log, exit status returned.
    external_run() {
        local dir=$ROOT/external/$1
        mkdir -p "$dir"
        "$dcnc" build "$2" -o "$dir/out" >/dev/null 2>&1 || die "dcnc build $2 failed"
        E2E_CENTRAL_CEPH_KEY=$3 DCNC_WORK_DIR=$dir/work \
            timeout 120 bash "$dir/out/stacks/control-plane/external-ceph.sh" >"$dir.log" 2>&1
    }
    # external_refused NAME SPEC KEY PATTERN: external-ceph.sh must fail, saying PATTERN.
    external_refused() {
        local rc=0
        external_run "$1" "$2" "$3" || rc=$?
        ((rc != 0)) || die "external-ceph.sh ($1) passed: $(cat "$ROOT/external/$1.log")"
        grep -q "$4" "$ROOT/external/$1.log" \
            || die "external-ceph.sh ($1) failed without saying '$4': $(cat "$ROOT/external/$1.log")"
        [[ ! -e $ROOT/external/$1/work/central-external-ceph.yaml ]] \
            || die "external-ceph.sh ($1) failed but wrote the key file"
        echo "ok refused ($1): $(grep -m1 "$4" "$ROOT/external/$1.log")"
    }
    external_run good "$ext_spec" "$ext_key" \
        || die "external-ceph.sh refused the real cluster: $(cat "$ROOT/external/good.log")"
    cat "$ROOT/external/good.log"
    "$py" "$here/external_check.py" "$ROOT/external/good/work" central "$ext_fsid" "$ext_key"
    wrong_key="$(head -c 16 /dev/urandom | base64)"
    external_refused wrong-key "$ext_spec" "$wrong_key" "does not answer client.openstack"
    sed "s/$ext_fsid/00000000-0000-4000-8000-00000000bad0/" "$ext_spec" >"$ROOT/external/wrong-fsid.yaml"
    external_refused wrong-fsid "$ROOT/external/wrong-fsid.yaml" "$ext_key" "has fsid $ext_fsid, but the spec says"
    sed 's/^ceph:$/glance:\n  pool: images-missing\nceph:/' "$ext_spec" >"$ROOT/external/no-pool.yaml"
    external_refused no-pool "$ROOT/external/no-pool.yaml" "$ext_key" "pool images-missing of ceph cluster central is missing"
fi

# --- the generated glance-key.sh of each edge: central Glance's key made on the edge -----
# Each runs as on a mon node of its site: with that edge cluster's admin conf alone (DCNC_CEPH) and
# its own work dir. Shipping to central is copying the one client keyring it writes, and nothing
# else, into central's work dir.
step edge-keys
EDGE_WORK=$ROOT/edge-work
CENTRAL_WORK=$ROOT/central-work
install -d -m 0700 "$CENTRAL_WORK"
for sid in "${edges[@]}"; do
    c=${store_cluster[$sid]}
    key_sh=${edge_stack[$sid]}/glance-key.sh
    [[ -f $key_sh ]] || die "no $key_sh"
    DCNC_WORK_DIR=$EDGE_WORK/$c DCNC_CEPH="ceph --conf $ADMIN/$c.conf" bash "$key_sh"
    made=()
    for f in "$EDGE_WORK/$c"/* "$EDGE_WORK/$c"/.[!.]*; do [[ -e $f ]] && made+=("$f"); done
    ((${#made[@]} == 1)) || die "$key_sh left ${#made[@]} files in its work dir, want its keyring: ${made[*]}"
    m="$(stat -c '%a %u' "${made[0]}")"
    [[ $m == "600 0" ]] || die "${made[0]} is mode/owner $m, want 600 0"
    install -m 0600 "${made[0]}" "$CENTRAL_WORK/"
done
# rerun: the user exists with these caps, so the same key comes back; with other caps, refused
c=${store_cluster[${edges[0]}]}
key_sh=${edge_stack[${edges[0]}]}/glance-key.sh
DCNC_WORK_DIR=$EDGE_WORK/$c DCNC_CEPH="ceph --conf $ADMIN/$c.conf" bash "$key_sh" >/dev/null
for f in "$EDGE_WORK/$c"/*.keyring; do
    cmp -s "$f" "$CENTRAL_WORK/$(basename "$f")" || die "a second run of $key_sh changed the key"
done
kr_user="$(sed -n 's/^\[client\.\(.*\)\]$/\1/p' "$EDGE_WORK/$c"/*.keyring)"
ceph --conf "$ADMIN/$c.conf" auth caps "client.$kr_user" mon 'profile rbd' osd 'profile rbd' >/dev/null
rc=0
out="$(DCNC_WORK_DIR=$ROOT/edge-work-widened DCNC_CEPH="ceph --conf $ADMIN/$c.conf" bash "$key_sh" 2>&1)" || rc=$?
if ((rc == 0)) || ! grep -q "could not make client.$kr_user on cluster $c" <<<"$out"; then
    die "$key_sh accepted client.$kr_user with other caps (exit $rc): $out"
fi
[[ -z "$(compgen -G "$ROOT/edge-work-widened/*.keyring")" ]] || die "$key_sh refused but wrote a keyring"
echo "ok refused (caps widened to osd 'profile rbd'): $(head -n1 <<<"$out")"
ceph --conf "$ADMIN/$c.conf" auth caps "client.$kr_user" mon 'profile rbd' osd "profile rbd pool=images" >/dev/null

# --- the generated ceph-clients.sh: the shipped keyrings installed and tested at central ----
# Central holds no edge's admin key: its work dir has only the shipped client keyrings, and the
# script runs with the clusters' admin confs and keyrings out of reach (an empty tmpfs over
# $ADMIN in its own mount namespace).
step ceph-clients
for k in "$CENTRAL_WORK"/*; do
    sections="$(grep -c '^\[' "$k")"
    if [[ $sections != 1 ]] || grep -q '^\[client\.admin\]' "$k"; then
        die "central's work dir holds $k, which is not one client keyring: $(grep '^\[' "$k")"
    fi
done
echo "central work dir: $(cd "$CENTRAL_WORK" && echo *) (no admin keyring)"
# shellcheck disable=SC2016 # the inner script's own $1
unshare --mount --propagation private -- bash -c 'mount -t tmpfs -o mode=0700 no-admin "$1" && shift && exec "$@"' \
    _ "$ADMIN" env DCNC_WORK_DIR="$CENTRAL_WORK" bash "$clients_sh"
# Glance's uid reads every keyring in the conf dir (TripleO's and the generated script's), each
# 0600 and Glance's alone, and no admin keyring.
as_glance() { setpriv --reuid="$GLANCE_UID" --regid="$GLANCE_UID" --clear-groups -- "$@"; }
for k in "$CONF_DIR"/*.keyring "$ADMIN"/*.keyring; do
    m="$(stat -c '%a %u' "$k")"
    if [[ $k == "$CONF_DIR"/* ]]; then
        [[ $m == "600 $GLANCE_UID" ]] || die "$k is mode/owner $m, want 600 $GLANCE_UID (Glance's alone)"
        as_glance cat "$k" >/dev/null || die "uid $GLANCE_UID (Glance) cannot read $k"
    elif as_glance cat "$k" >/dev/null 2>&1; then
        die "uid $GLANCE_UID (Glance) can read the admin keyring $k"
    fi
done
echo "ok keyrings: uid $GLANCE_UID reads $(compgen -G "$CONF_DIR/*.keyring" | wc -l) in $CONF_DIR, no admin keyring"

# --- the generated configure.sh scripts -------------------------------------------------
step configure
DCNC_GLANCE_API_CONF=$central_conf DCNC_GLANCE_RESTART=true bash "$central_stack/configure.sh"
if ((negative)); then
    DCNC_GLANCE_API_CONF=$negative_conf DCNC_GLANCE_RESTART=true bash "$central_stack/configure.sh"
fi
# what the central configure.sh says it does: registry_host and the single-store
# [glance_store] are gone
for opt in "DEFAULT registry_host" "glance_store default_store"; do
    # shellcheck disable=SC2086 # section and option
    if q get "$central_conf" $opt >/dev/null 2>&1; then
        die "$central_conf still has [${opt% *}] ${opt#* } after configure.sh"
    fi
done
echo "central: $(q get "$central_conf" DEFAULT enabled_backends); $edge: $(q get "$edge_conf" DEFAULT enabled_backends), nova -> $(q get "$nova_conf" glance endpoint_override)"

# --- every store's client files work, before any Glance starts --------------------------
step verify-clients
"$py" "$here/verify_clients.py" "$here/clusters.tsv" "$central_conf" "$edge_conf"

# --- Glances: central and the edge (they share the central database) ---------------------
step glance-start
pids=()
GLANCE_UID=$GLANCE_UID "$here/glance.sh" start "$ROOT/central/glance" "$central_port" &
pids+=("$!")
GLANCE_UID=$GLANCE_UID "$here/glance.sh" start "$ROOT/$edge/glance" "$edge_port" &
pids+=("$!")
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
((failed == 0)) || die "a Glance failed to start"

# --- the seed's acceptance ---------------------------------------------------------------
step acceptance
store_args=()
while IFS=$'\t' read -r sid _ cconf _; do
    c="$(basename "$cconf" .conf)"
    store_args+=(--store "$sid" "$ADMIN/$c.conf" "$(tsv "$c" 2)")
done < <(q stores "$central_conf")
edge_ids=()
while IFS=$'\t' read -r sid _; do edge_ids+=("$sid"); done < <(q stores "$edge_conf")
edge_list="$(IFS=,; echo "${edge_ids[*]}")"
"$py" "$here/acceptance.py" --glance "http://127.0.0.1:$central_port" --default "$central_store" \
    "${store_args[@]}" --edge "$edge" "http://127.0.0.1:$edge_port" \
    --edge-stores "$edge" "$edge_list" --nova-conf "$edge" "$nova_conf"

# --- cow: copy-on-write boots decided by Nova's own code, on the heat targets' generated files ---
# e2e/specs/cow.yaml built for ussuri, wallaby and tht-18 (each target's stacks/<edge>/nova.conf),
# with copy_image_by: member (GlanceApiPolicies) and without image conversion (central's
# GlanceImageImportPlugins: []). The Glances are wallaby's, as TripleO renders them
# (glance_conf.py: the base puppet renders + the generated fragment, policy.yaml from the env
# files' GlanceApiPolicies; /var/lib/glance per host, the staging share a directory both central
# hosts mount); the acceptance's Glances stop first (the edges listen on the spec's glance_api).
if ((cow)); then
    step cow-build
    cow_spec=$here/specs/cow.yaml
    COW=$ROOT/cow
    mkdir -p "$COW/specs"
    sed 's/^glance:$/glance:\n  copy_image_by: member/' "$cow_spec" >"$COW/specs/member.yaml"
    sed -e 's/^glance:$/glance:\n  raw_images_only: true/' \
        -e 's/^central:$/central:\n  parameters:\n    GlanceImageImportPlugins: []/' \
        "$cow_spec" >"$COW/specs/noconv.yaml"
    cow_targets=(ussuri wallaby tht-18)
    cow_build() { # cow_build NAME SPEC [ARG...]: $COW/out-NAME, output in $COW/build-NAME.log
        "$dcnc" build "$2" "${@:3}" -o "$COW/out-$1" >"$COW/build-$1.log" 2>&1 \
            || die "dcnc build $2 ${*:3} failed: $(cat "$COW/build-$1.log")"
    }
    for t in "${cow_targets[@]}"; do cow_build "$t" "$cow_spec" --target "$t"; done
    cow_build member "$COW/specs/member.yaml"
    cow_build noconv "$COW/specs/noconv.yaml"
    grep -q '^image_import_plugins = \[\]$' "$COW/out-noconv/stacks/control-plane/glance-api.conf" \
        || die "the noconv spec's central fragment does not show image_import_plugins = []"
    # the targets whose generated nova.conf asks the edge Glance to copy a missing image
    nova_args=() copy_targets=()
    for t in "${cow_targets[@]}"; do
        for s in dcn0 dcn1; do nova_args+=(--nova "$t" "$s" "$COW/out-$t/stacks/$s/nova.conf"); done
        if q get "$COW/out-$t/stacks/dcn1/nova.conf" libvirt images_rbd_glance_store_name >/dev/null 2>&1; then
            copy_targets+=("$t")
        fi
    done
    echo "nova.conf of ${cow_targets[*]}; Nova asks Glance for a copy in: ${copy_targets[*]:-none}"

    stop_all_glances # the acceptance's: the cow edges listen on the spec's glance_api
    install -m 0644 "$COW"/out-wallaby/ceph/*.conf "$CONF_DIR/"
    mkdir -p "$COW/nfs/glance-staging"
    # cow_glance NAME TREE STACK PORT [SHARE]: host NAME runs STACK's Glance of TREE on PORT
    cow_glance() {
        local host=$COW/hosts/$1 envs=() f
        mkdir -p "$host/var/lib/glance"
        [[ -z ${5:-} ]] || ln -sfn "$5" "$host/var/lib/glance/staging"
        for f in "$2"/stacks/"$3"/env/*.yaml; do envs+=(--env "$f"); done
        "$py" "$here/glance_conf.py" render --base "$here/tripleo-glance-api.conf.in" \
            --fragment "$2/stacks/$3/glance-api.conf" --dir "$COW/glance/$1" --port "$4" \
            --db "$cow_db_url" --host-root "$host" "${envs[@]}"
    }
    share=$COW/nfs/glance-staging
    cow_glance central-a "$COW/out-wallaby" control-plane "$central_port" "$share"
    cow_glance central-b "$COW/out-wallaby" control-plane 19390 "$share"
    cow_glance noconv "$COW/out-noconv" control-plane 19391 "$share"
    cow_glance dcn0 "$COW/out-wallaby" dcn0 "$(tsv dcn0 5)"
    cow_glance dcn1 "$COW/out-wallaby" dcn1 "$(tsv dcn1 5)"
    cow_glance dcn1-member "$COW/out-member" dcn1 "$(tsv dcn1 5)" >/dev/null # its policy.yaml only
    for f in central-a central-b noconv; do
        staging="$(q get "$COW/glance/$f/glance-api.conf" os_glance_staging_store filesystem_store_datadir)"
        [[ $(readlink -f "$staging") == "$(readlink -f "$share")" ]] \
            || die "$f stages in $staging, not on the staging share"
    done
    echo "central-a and central-b stage in $(q get "$COW/glance/central-a/glance-api.conf" os_glance_staging_store filesystem_store_datadir) (the share)"
    # the cow Glances start while the negative step (mostly waits on a timeout) runs; five
    # Glances and the negative one starting at once on 2 shared cores take more than 60 s
    cow_glances_start() {
        local x pids=() failed=0 p
        export GLANCE_START_TIMEOUT=${GLANCE_START_TIMEOUT:-240}
        for x in "central-a $central_port" "central-b 19390" "noconv 19391" "dcn0 $(tsv dcn0 5)" "dcn1 $(tsv dcn1 5)"; do
            # shellcheck disable=SC2086 # NAME PORT
            set -- $x
            "$here/glance.sh" start "$COW/glance/$1" "$2" &
            pids+=("$!")
        done
        for p in "${pids[@]}"; do wait "$p" || failed=1; done
        return "$failed"
    }
    cow_glances_start >"$COW/glances.log" 2>&1 &
    cow_starter=$!
fi

# --- negative: one edge's glance key missing -> that store is broken, the rest works -----
# glance_store connects with librados' client_mount_timeout unless the store sets
# rados_connect_timeout: with a key missing, Glance's start and every use of that store wait for
# it (300 s by default), so the negative run needs a bounded timeout in what dcnc generated.
if ((negative)); then
    step negative
    row="$(awk -F'\t' -v s="$broken" '$1 == s' < <(q stores "$negative_conf"))"
    user="$(cut -f2 <<<"$row")"
    cconf="$(cut -f3 <<<"$row")"
    wait_s="$(q get "$negative_conf" "$broken" rados_connect_timeout 2>/dev/null || echo -1)"
    if ((wait_s < 0)); then
        wait_s="$(ceph-conf -c "$cconf" --name "client.$user" --show-config-value client_mount_timeout)"
        why="client_mount_timeout $wait_s s (from $cconf; [$broken] rados_connect_timeout is not set)"
    else
        why="[$broken] rados_connect_timeout $wait_s s"
    fi
    wait_s=${wait_s%.*}
    if ((wait_s > NEGATIVE_MAX_CONNECT && !negative_wait)); then
        die "store $broken connects with $why: with its key missing, Glance's start and each use \
of the store would wait that long; dcnc should bound it (e.g. client_mount_timeout in the generated \
[client] sections). --negative-wait runs it anyway (about $((3 * wait_s)) s), --no-negative skips it"
    fi
    kr="$(ceph-conf -c "$cconf" --name "client.$user" --lookup keyring)"
    [[ -f $kr ]] || die "no keyring $kr to remove"
    rm -f "$kr"
    echo "removed $kr (store $broken, client.$user; connect timeout: $why)"
    GLANCE_UID=$GLANCE_UID GLANCE_START_TIMEOUT=$((wait_s + 60)) "$here/glance.sh" start "$ROOT/negative/glance" "$NEGATIVE_PORT"
    "$py" "$here/acceptance.py" --glance "http://127.0.0.1:$NEGATIVE_PORT" --default "$central_store" \
        "${store_args[@]}" --broken-store "$broken" \
        --timeout "$((2 * wait_s + 60))" --http-timeout "$((2 * wait_s + 60))"
fi

if ((cow)); then
    step cow-glances
    rc=0
    wait "$cow_starter" || rc=$?
    cow_starter=""
    cat "$COW/glances.log"
    ((rc == 0)) || die "a Glance of step cow failed to start"

    step cow
    printf '[libvirt]\n# the harness: poll a copy each second, not every 15 s\nimages_rbd_glance_copy_poll_interval = 1\n' \
        >"$COW/timing.conf"
    cow_stores=()
    for c in central dcn0 dcn1; do cow_stores+=(--store "$c" "$ADMIN/$c.conf" "$(tsv "$c" 2)"); done
    PATH=$nova_venv/bin:$PATH "$nova_venv/bin/python" "$here/cow.py" \
        --glance-a "http://127.0.0.1:$central_port" --glance-b http://127.0.0.1:19390 \
        --glance-noconv http://127.0.0.1:19391 "${cow_stores[@]}" \
        --present dcn0 "http://127.0.0.1:$(tsv dcn0 5)" --absent dcn1 "http://127.0.0.1:$(tsv dcn1 5)" \
        "${nova_args[@]}" --copy-targets "$(IFS=,; echo "${copy_targets[*]}")" \
        --timing-conf "$COW/timing.conf" \
        --edge-policy "$COW/glance/dcn1" "$COW/glance/dcn1/policy.yaml" "$COW/glance/dcn1-member/policy.yaml" \
        --distribute "$COW/out-wallaby/distribute-images.sh" --state "$COW/state"

    # --- the spec's addresses against the deployed ones (audit finding 12) ----------------
    # TripleO's part: the export files of a deploy (ceph_export.py, from the clusters' own mon
    # maps). The generated verify-addresses.sh must pass for the spec, and fail naming the site
    # and the difference for a spec whose dcn1 mons and glance_api are not dcn1's.
    step verify-addresses
    mkdir -p "$COW/work"
    "$py" "$here/ceph_export.py" "$COW/work/central-ceph-export.yaml" "$ADMIN/central.conf" central
    "$py" "$here/ceph_export.py" "$COW/work/edge-ceph-export.yaml" "$ADMIN/dcn0.conf" dcn0 "$ADMIN/dcn1.conf" dcn1
    admin_token="$("$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import keystone_tokens
print(keystone_tokens.token("0123456789abcdef0123456789abcdef", ["admin", "member", "reader"]))' "$here")"
    verify() { # verify TREE LOG: the tree's verify-addresses.sh; its exit status
        DCNC_WORK_DIR=$COW/work OS_AUTH_TOKEN=$admin_token DCNC_HTTP_TIMEOUT=10 \
            bash "$1/verify-addresses.sh" >"$2" 2>&1
    }
    verify "$COW/out-wallaby" "$COW/verify.log" || die "verify-addresses.sh failed: $(cat "$COW/verify.log")"
    if ! grep -q '^ok dcn1 mons: 127.0.0.1 ' "$COW/verify.log" || ! grep -q '^ok dcn1 glance_api: ' "$COW/verify.log"; then
        die "verify-addresses.sh passed without checking dcn1: $(cat "$COW/verify.log")"
    fi
    sed 's/^/    /' "$COW/verify.log"
    echo "ok verify-addresses: the spec's mons and glance_api are the deployed ones"
    sed -e 's/127\.0\.0\.1:19294/127.0.0.1:19293/' -e 's/"127\.0\.0\.1:13302"/"127.0.0.2:13302"/' "$cow_spec" \
        >"$COW/specs/wrong-addresses.yaml"
    cow_build wrong-addresses "$COW/specs/wrong-addresses.yaml"
    rc=0
    verify "$COW/out-wrong-addresses" "$COW/verify-wrong.log" || rc=$?
    ((rc == 1)) || die "verify-addresses.sh of a spec with dcn1's addresses wrong exited $rc, want 1: $(cat "$COW/verify-wrong.log")"
    for want in "site dcn1: mons: the spec says 127.0.0.2, the deployed cluster dcn1 has 127.0.0.1" \
        "site dcn1: glance_api: the spec says http://127.0.0.1:19293, but the Glance there has default store dcn0, not dcn1"; do
        grep -qF "FAIL $want" "$COW/verify-wrong.log" \
            || die "verify-addresses.sh did not say '$want': $(cat "$COW/verify-wrong.log")"
    done
    if grep -q '^FAIL site dcn0' "$COW/verify-wrong.log"; then
        die "verify-addresses.sh blamed dcn0: $(cat "$COW/verify-wrong.log")"
    fi
    echo "ok verify-addresses-wrong [expected-FAIL]: exit 1; $(grep '^FAIL' "$COW/verify-wrong.log" | paste -sd';')"
    # Without a token, each glance_api check fails saying so (the mons are still checked).
    rc=0
    DCNC_WORK_DIR=$COW/work OS_AUTH_TOKEN='' bash "$COW/out-wallaby/verify-addresses.sh" >"$COW/verify-notoken.log" 2>&1 || rc=$?
    ((rc == 1)) || die "verify-addresses.sh without OS_AUTH_TOKEN exited $rc, want 1: $(cat "$COW/verify-notoken.log")"
    grep -qF 'FAIL site dcn1: glance_api http://127.0.0.1:19294: not asked, no token: set OS_AUTH_TOKEN' "$COW/verify-notoken.log" \
        || die "verify-addresses.sh without OS_AUTH_TOKEN did not name the missing token for dcn1: $(cat "$COW/verify-notoken.log")"
    grep -q '^ok dcn1 mons: 127.0.0.1 ' "$COW/verify-notoken.log" \
        || die "verify-addresses.sh without OS_AUTH_TOKEN did not check the mons: $(cat "$COW/verify-notoken.log")"
    echo "ok verify-addresses-no-token [expected-FAIL]: exit 1, the token named"
fi
end_step
