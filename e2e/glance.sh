#!/usr/bin/env bash
# A real Glance API (glance 33: gunicorn + glance.wsgi.api) on 127.0.0.1, no keystone.
#
#   glance.sh start DIR PORT   DIR holds a complete glance-api.conf; db_sync (once), starts
#                              gunicorn with OS_GLANCE_CONFIG_DIR=DIR, waits for /healthcheck,
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

# prepare_db DIR CONF SQLITE_FILE: db_sync once per database. Glances sharing one sqlite
# file (central + edges, as edge Glances share the central database in TripleO DCN) may start
# in parallel: a lock serialises them. db_sync costs 2-4 s of CPU, so an empty synced sqlite
# file is kept in the venv (rebuilt with it whenever the pins change) and copied next time.
prepare_db() {
    local dir=$1 conf=$2 db=$3 template=$venv/glance-empty-db.sqlite
    if [[ -z $db ]]; then
        OS_GLANCE_CONFIG_DIR="$dir" "$venv/bin/glance-manage" --config-file "$conf" db_sync \
            >"$dir/db_sync.log" 2>&1 || { tail -n 30 "$dir/db_sync.log" >&2; die "db_sync failed"; }
        return
    fi
    mkdir -p "$(dirname "$db")"
    (
        flock 9
        [[ ! -f $db.dcnc-synced ]] || exit 0
        if [[ -f $template && ! -e $db ]]; then
            cp "$template" "$db"
        else
            OS_GLANCE_CONFIG_DIR="$dir" "$venv/bin/glance-manage" --config-file "$conf" db_sync \
                >"$dir/db_sync.log" 2>&1 || { tail -n 30 "$dir/db_sync.log" >&2; exit 1; }
            if [[ ! -f $template ]] && [[ "$(sqlite_rows "$db")" == 0 ]]; then
                cp "$db" "$template.$$" && mv "$template.$$" "$template"
            fi
        fi
        # WAL: readers (the acceptance polls) no longer block Glance's writers; without it a
        # task's UPDATE could fail with "database is locked" under load.
        "$venv/bin/python" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("pragma journal_mode=wal")' "$db"
        touch "$db.dcnc-synced"
    ) 9>"$db.lock" || die "db_sync failed for $db"
}

# sqlite_rows FILE: number of images in a glance sqlite file (template only when empty)
sqlite_rows() {
    "$venv/bin/python" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from images").fetchone()[0])' "$1"
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

    # Create the directories the conf names (stores' datadirs, lock path, log dir);
    # print the sqlite file, if the database is one.
    local db
    db="$("$venv/bin/python" - "$conf" <<'EOF'
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
url = cp.get("database", "connection", fallback="")
if url.startswith("sqlite:///"):
    print(url[len("sqlite:///"):].split("?")[0])
EOF
)"

    prepare_db "$dir" "$conf" "$db"

    (
        cd "$dir"
        OS_GLANCE_CONFIG_DIR="$dir" exec "$venv/bin/gunicorn" \
            --no-control-socket --bind "127.0.0.1:$port" --workers 1 \
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
