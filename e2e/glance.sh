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

    # Create the directories the conf names (stores' datadirs, lock path, log dir).
    "$venv/bin/python" - "$conf" <<'EOF'
import configparser, os, sys
cp = configparser.ConfigParser(interpolation=None, default_section="__none__")
cp.optionxform = str
cp.read(sys.argv[1])
for sec in cp.sections():
    for key in ("filesystem_store_datadir", "lock_path"):
        if cp.has_option(sec, key):
            os.makedirs(cp.get(sec, key), exist_ok=True)
if cp.has_option("DEFAULT", "log_file"):
    os.makedirs(os.path.dirname(cp.get("DEFAULT", "log_file")), exist_ok=True)
EOF

    (
        cd "$dir"
        OS_GLANCE_CONFIG_DIR="$dir" exec "$venv/bin/gunicorn" \
            --no-control-socket --bind "127.0.0.1:$port" --workers 1 --pythonpath "$here" \
            --timeout 300 --graceful-timeout 1 --pid "$dir/gunicorn.pid" \
            glance.wsgi.api:application
    ) >"$dir/gunicorn.log" 2>&1 </dev/null &
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
    echo "glance: up on 127.0.0.1:$port (pid $pid, dir $dir)" >&2
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
