#!/usr/bin/env bash
# One real Ceph cluster on 127.0.0.1: one mon + one memstore OSD, no mgr.
#
#   ceph-cluster.sh start NAME FSID V2PORT V1PORT BASEDIR
#   ceph-cluster.sh start-many BASEDIR NAME [NAME...]   (parallel; rows from clusters.tsv)
#   ceph-cluster.sh stop BASEDIR [NAME...]              (default: every cluster in BASEDIR)
#
# start writes BASEDIR/NAME.conf (the admin conf) and BASEDIR/NAME.client.admin.keyring,
# keeps data, sockets, pid and log files under BASEDIR/NAME.d/, creates the pools
# images, vms and volumes and runs `rbd pool init` on them.
# The cluster name is NAME (the conf file name tells librados) and its fsid is FSID.
# stop kills only the pids the daemons wrote to their pid files, and waits for them.
# Never touches /etc/ceph.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POOLS=(images vms volumes)
PG_NUM=8

die() { printf 'ceph-cluster: %s\n' "$*" >&2; exit 1; }

write_conf() {
    local name=$1 fsid=$2 v2=$3 v1=$4 base=$5 d=$5/$1.d
    cat >"$base/$name.conf" <<EOF
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
run_dir = $d/run
admin_socket = $d/run/\$cluster-\$name.asok
pid_file = $d/run/\$cluster-\$name.pid
log_file = $d/log/\$cluster-\$name.log
mon_data = $d/\$cluster-\$name
osd_data = $d/\$cluster-\$name
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = $PG_NUM
osd_pool_default_pgp_num = $PG_NUM
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
paxos_propose_interval = 0.1
# the mon's store is a few MB, on a shared disk whose free share is not this harness's: a mon
# refuses to start below mon_data_avail_crit (5% of the filesystem free by default)
mon_data_avail_crit = 0
mon_data_avail_warn = 0
osd_pool_default_flag_hashpspool = true
ms_bind_ipv6 = false
auth_allow_insecure_global_id_reclaim = false
osd_mon_shutdown_timeout = 1

[mon]
mon_initial_members = a

[client]
keyring = $base/$name.client.admin.keyring
EOF
}

cmd_start() {
    (($# == 5)) || die "usage: start NAME FSID V2PORT V1PORT BASEDIR"
    local name=$1 fsid=$2 v2=$3 v1=$4
    local base
    mkdir -p "$5"
    base="$(cd "$5" && pwd)"
    local d=$base/$name.d conf=$base/$name.conf admin=$base/$name.client.admin.keyring
    [[ ! -e $d ]] || die "$d exists: stop and remove it first"
    mkdir -p "$d/run" "$d/log" "$d/$name-osd.0"
    write_conf "$name" "$fsid" "$v2" "$v1" "$base"
    local c=(--cluster "$name" -c "$conf")

    # keys and monmap
    ceph-authtool --create-keyring "$d/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool --create-keyring "$admin" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
    chmod 0600 "$admin"
    ceph-authtool "$d/mon.keyring" --import-keyring "$admin" >/dev/null
    monmaptool --create --clobber --fsid "$fsid" --enable-all-features \
        --addv a "[v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]" "$d/monmap" >/dev/null

    # mon
    ceph-mon "${c[@]}" --mkfs -i a --monmap "$d/monmap" --keyring "$d/mon.keyring"
    ceph-mon "${c[@]}" -i a 2>>"$d/log/daemon.err"

    # osd (memstore: data lives in the daemon's memory) and pools
    local uuid key id
    uuid="$(uuidgen)"
    key="$(ceph-authtool --gen-print-key)"
    id="$(/usr/bin/python3 "$here/ceph_boot.py" prep "$conf" "$name" "$uuid" "$key" "${POOLS[@]}")"
    [[ $id == 0 ]] || die "$name: expected osd id 0, got '$id'"
    ceph-authtool --create-keyring "$d/$name-osd.0/keyring" --name osd.0 --add-key "$key" >/dev/null
    ceph-osd "${c[@]}" -i 0 --mkfs --osd-uuid "$uuid" --no-mon-config 2>"$d/log/osd-mkfs.err" \
        || { cat "$d/log/osd-mkfs.err" >&2; die "$name: osd mkfs failed"; }
    ceph-osd "${c[@]}" -i 0 2>>"$d/log/daemon.err"
    /usr/bin/python3 "$here/ceph_boot.py" finish "$conf" "$name" "${POOLS[@]}"
    echo "ceph-cluster: $name up (fsid $fsid, mon v2 :$v2 v1 :$v1, conf $conf)" >&2
}

# start-many BASEDIR NAME...: start clusters named in clusters.tsv in parallel.
cmd_start_many() {
    (($# >= 2)) || die "usage: start-many BASEDIR NAME [NAME...]"
    local base=$1; shift
    mkdir -p "$base"
    local name fsid v2 v1 pids=() names=() rc=0 i
    if [[ -n "$(printf '%s\n' "$@" | sort | uniq -d)" ]]; then
        die "start-many: a cluster is named twice: $*"
    fi
    for name in "$@"; do
        read -r fsid v2 v1 < <(awk -v n="$name" '$1 == n {print $2, $3, $4}' "$here/clusters.tsv")
        [[ -n ${fsid:-} ]] || die "no row for '$name' in $here/clusters.tsv"
        "${BASH_SOURCE[0]}" start "$name" "$fsid" "$v2" "$v1" "$base" >"$base/$name.start.log" 2>&1 &
        pids+=("$!"); names+=("$name")
        fsid=""
    done
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            rc=1
            echo "ceph-cluster: ${names[$i]} failed to start:" >&2
            tail -n 20 "$base/${names[$i]}.start.log" >&2
        fi
    done
    return "$rc"
}

# alive PID: the process exists and is not a zombie.
alive() {
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n $state && $state != Z ]]
}

# stop BASEDIR [NAME...]: OSDs first (an OSD tells its mon it is going down, and waits up to
# osd_mon_shutdown_timeout when the mon is gone already), then the mons.
cmd_stop() {
    (($# >= 1)) || die "usage: stop BASEDIR [NAME...]"
    local base=$1; shift
    [[ -d $base ]] || return 0
    local names=("$@") f
    if ((${#names[@]} == 0)); then
        for f in "$base"/*.d; do
            [[ -d $f ]] && names+=("$(basename "$f" .d)")
        done
    fi
    local kind
    for kind in osd mon; do
        kill_pidfiles "$base" "$kind" "${names[@]}"
    done
}

# kill_pidfiles BASEDIR KIND NAME...: TERM the daemons of KIND whose pid files are under
# BASEDIR/NAME.d/run, then wait for them (KILL after 15 s).
kill_pidfiles() {
    local base=$1 kind=$2; shift 2
    local name f pid pids=()
    for name in "$@"; do
        for f in "$base/$name.d/run/"*"-$kind".*.pid; do
            [[ -f $f ]] || continue
            pid="$(cat "$f")"
            # only a pid whose process is a ceph daemon of this cluster
            if [[ $pid =~ ^[0-9]+$ ]] && grep -qa -- "$base/$name.conf" "/proc/$pid/cmdline" 2>/dev/null; then
                kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
            fi
        done
    done
    local deadline=$((SECONDS + 15))
    for pid in "${pids[@]}"; do
        while alive "$pid"; do
            if ((SECONDS >= deadline)); then
                kill -KILL "$pid" 2>/dev/null || true
            fi
            sleep 0.05
        done
    done
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
start-many) shift; cmd_start_many "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) die "usage: $0 start NAME FSID V2PORT V1PORT BASEDIR | start-many BASEDIR NAME... | stop BASEDIR [NAME...]" ;;
esac
