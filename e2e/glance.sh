#!/usr/bin/env bash
# A real Glance API (glance 33: gunicorn + glance.wsgi.api) on 127.0.0.1, no keystone.
#
#   glance.sh start DIR PORT   DIR holds a complete glance-api.conf whose database has Glance's
#                              schema (pg.sh glance-db); starts gunicorn with
#                              OS_GLANCE_CONFIG_DIR=DIR, waits for /healthcheck,
#                              writes DIR/glance.pid; gives up after GLANCE_START_TIMEOUT s (60)
#   glance.sh stop DIR         QUIT the pid in DIR/glance.pid, wait for it (KILL after 15 s)
#
# DIR/glance-api-paste.ini is copied from e2e/ when absent (the `trusted` flavor).
# GLANCE_UID=N runs it unprivileged, as uid and gid N with no other group (kolla's glance is
# 42415), as TripleO's glance_api container does: DIR and the directories its conf names become
# N's; the venv and e2e/ are bind-mounted read-only into DIR/.root in a mount namespace of its own
# (the cache may sit under a 0700 /root). All else it reads, keyrings above all, N must be able
# to read on its own.
# Logs: DIR/gunicorn.log and the conf's log_file. Env: DCNC_CACHE (venv location).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${DCNC_CACHE:-$HOME/.cache/dcnc}/e2e-venv"

die() { printf 'glance: %s\n' "$*" >&2; exit 1; }

alive() {
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n $state && $state != Z ]]
}

cmd_start() {
    (($# == 2)) || die "usage: start DIR PORT"
    local dir port=$2
    dir="$(cd "$1" && pwd)"
    local conf=$dir/glance-api.conf
    [[ -f $conf ]] || die "no $conf"
    [[ -x $venv/bin/gunicorn ]] || die "no venv at $venv: run e2e/install.sh"
    if [[ -f $dir/glance.pid ]] && alive "$(cat "$dir/glance.pid")"; then
        die "already running: pid $(cat "$dir/glance.pid")"
    fi
    [[ -f $dir/glance-api-paste.ini ]] || cp "$here/glance-api-paste.ini" "$dir/"

    # Create the directories the conf names (stores' datadirs, lock path, log dir); print them.
    local made
    made="$("$venv/bin/python" - "$conf" <<'EOF'
import configparser, os, sys
cp = configparser.ConfigParser(interpolation=None, default_section="__none__")
cp.optionxform = str
cp.read(sys.argv[1])
dirs = []
for sec in cp.sections():
    for key in ("filesystem_store_datadir", "lock_path"):
        if cp.has_option(sec, key):
            dirs.append(cp.get(sec, key))
if cp.has_option("DEFAULT", "log_file"):
    dirs.append(os.path.dirname(cp.get("DEFAULT", "log_file")))
for d in dirs:
    os.makedirs(d, exist_ok=True)
    print(d)
EOF
)"

    local uid=${GLANCE_UID:-}
    local gunicorn=(--no-control-socket --bind "127.0.0.1:$port" --workers 1
        --timeout 300 --graceful-timeout 1 --pid "$dir/gunicorn.pid" glance.wsgi.api:application)
    if [[ -n $uid ]]; then
        [[ $uid =~ ^[1-9][0-9]*$ ]] || die "GLANCE_UID must be a uid other than 0, not '$uid'"
        local d r=$dir/.root
        chown -R "$uid:$uid" "$dir"
        while IFS= read -r d; do [[ -z $d ]] || chown -R "$uid:$uid" "$d"; done <<<"$made"
        mkdir -p "$r/venv" "$r/e2e"
        chown root:root "$r" "$r/venv" "$r/e2e"
        chmod 0755 "$r"
        (
            cd "$dir"
            # shellcheck disable=SC2016 # the inner script's own arguments
            OS_GLANCE_CONFIG_DIR="$dir" exec unshare --mount --propagation private -- bash -c '
                set -e
                mount --bind "$1" "$3/venv"; mount -o remount,bind,ro "$3/venv"
                mount --bind "$2" "$3/e2e"; mount -o remount,bind,ro "$3/e2e"
                uid=$4; shift 4
                exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs -- "$@"' \
                glance "$venv" "$here" "$r" "$uid" \
                "$r/venv/bin/python" -m gunicorn --pythonpath "$r/e2e" "${gunicorn[@]}"
        ) >"$dir/gunicorn.log" 2>&1 </dev/null &
    else
        (
            cd "$dir"
            OS_GLANCE_CONFIG_DIR="$dir" exec "$venv/bin/gunicorn" --pythonpath "$here" "${gunicorn[@]}"
        ) >"$dir/gunicorn.log" 2>&1 </dev/null &
    fi
    local pid=$!
    echo "$pid" >"$dir/glance.pid"

    local limit=${GLANCE_START_TIMEOUT:-60}
    local deadline=$((SECONDS + limit))
    until curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$port/healthcheck"; do
        if ! alive "$pid"; then
            tail -n 40 "$dir/gunicorn.log" >&2
            die "gunicorn exited (see $dir/gunicorn.log)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 40 "$dir/gunicorn.log" >&2
            cmd_stop "$dir"
            die "no answer on :$port after $limit s"
        fi
        sleep 0.1
    done
    # /healthcheck does not load the v2 app's stores: ask the API itself once.
    curl -sf --max-time "$limit" -o /dev/null -H 'X-Identity-Status: Confirmed' -H 'X-Roles: admin,member,reader' \
        -H 'X-Project-Id: 00000000000000000000000000000001' -H 'X-User-Id: e2e' \
        "http://127.0.0.1:$port/v2/info/stores" \
        || { cmd_stop "$dir"; die "GET /v2/info/stores failed on :$port (no enabled_backends?)"; }
    echo "glance: up on 127.0.0.1:$port (pid $pid, uid $(awk '$1 == "Uid:" {print $2}' "/proc/$pid/status"), dir $dir)" >&2
}

cmd_stop() {
    (($# == 1)) || die "usage: stop DIR"
    local dir=$1 pid
    [[ -f $dir/glance.pid ]] || return 0
    pid="$(cat "$dir/glance.pid")"
    [[ $pid =~ ^[0-9]+$ ]] || die "bad pid file $dir/glance.pid"
    # gunicorn rewrites its command line: check its working directory instead.
    if alive "$pid" && [[ "$(readlink "/proc/$pid/cwd")" == "$(cd "$dir" && pwd)" ]]; then
        # QUIT: gunicorn's quick shutdown (TERM waits graceful-timeout for the worker)
        kill -QUIT "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        while alive "$pid"; do
            if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; fi
            sleep 0.05
        done
    fi
    rm -f "$dir/glance.pid"
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) die "usage: $0 start DIR PORT | stop DIR" ;;
esac
