#!/usr/bin/env bash
# A private PostgreSQL server for the e2e Glances (Debian's postgresql 15), on a unix socket only.
#
#   pg.sh start DIR            initdb (a cached fresh data dir is copied) + start; socket in DIR/run
#   pg.sh glance-db DIR NAME   create database NAME holding Glance's schema (a cached dump of an
#                              empty db_sync'ed database is loaded; made on first use); prints
#                              its SQLAlchemy URL
#   pg.sh stop DIR             stop the postmaster whose pid is in DIR/data/postmaster.pid
#
# Why not sqlite: Glance's import flow and API threads write concurrently; with sqlite a write
# sometimes fails at once with "database is locked" (oslo.db begins deferred transactions),
# and a failed `task_repo.save` in begin_processing is swallowed by the thread pool, leaving
# the task `pending` and the image locked. TripleO runs Glance on MariaDB/Galera anyway.
# The server runs as the `postgres` user, durability off (fsync, synchronous_commit).
# Env: DCNC_CACHE (cache dir; the schema dump lives in the venv, rebuilt with it).
set -euo pipefail

cache="${DCNC_CACHE:-$HOME/.cache/dcnc}"
venv="$cache/e2e-venv"
bin="$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n 1 || true)"
bin=${bin%/postgres}

die() { printf 'pg: %s\n' "$*" >&2; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }

alive() {
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n $state && $state != Z ]]
}

cmd_start() {
    (($# == 1)) || die "usage: start DIR"
    [[ -n $bin ]] || die "no /usr/lib/postgresql/*/bin/postgres: apt-get install postgresql"
    mkdir -p "$1"
    local dir
    dir="$(cd "$1" && pwd)"
    [[ ! -e $dir/data ]] || die "$dir/data exists"
    install -d -o postgres -g postgres -m 0700 "$dir/data"
    install -d -o postgres -g postgres -m 0755 "$dir/run"
    # a fresh initdb costs about 2 s: keep one per server version and copy it
    local version template
    version="$("$bin/postgres" --version | awk '{print $NF}')"
    template=$cache/e2e-pg-initdb-$version.tar
    if [[ ! -f $template ]]; then
        as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        mkdir -p "$cache"
        tar -C "$dir/data" -cf "$template.$$" . && mv "$template.$$" "$template"
    else
        tar -C "$dir/data" -xf "$template"
        chown -R postgres:postgres "$dir/data"
    fi
    install -o postgres -g postgres -m 0644 /dev/null "$dir/postgres.log"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -s -t 30 -o \
        "-c listen_addresses= -c unix_socket_directories=$dir/run -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start \
        || { tail -n 20 "$dir/postgres.log" >&2; die "postgres did not start"; }
    echo "pg: up, socket in $dir/run (pid $(head -n 1 "$dir/data/postmaster.pid"))" >&2
}

cmd_glance_db() {
    (($# == 2)) || die "usage: glance-db DIR NAME"
    local dir name=$2
    dir="$(cd "$1" && pwd)"
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name $name"
    local url="postgresql+psycopg2://postgres@/$name?host=$dir/run"
    local psql=(as_pg "$bin/psql" -h "$dir/run" -U postgres -q -v ON_ERROR_STOP=1)
    "${psql[@]}" -c "create database $name" >/dev/null
    local dump=$venv/glance-pg-schema.sql
    if [[ -f $dump ]]; then
        "${psql[@]}" -d "$name" <"$dump" >/dev/null # stdin: postgres cannot read the cache
    else
        local tmp
        tmp="$(mktemp -d)"
        printf '[database]\nconnection = %s\n' "$url" >"$tmp/glance-api.conf"
        OS_GLANCE_CONFIG_DIR="$tmp" "$venv/bin/glance-manage" --config-file "$tmp/glance-api.conf" \
            db_sync >"$dir/db_sync-$name.log" 2>&1 \
            || { rm -rf "$tmp"; tail -n 30 "$dir/db_sync-$name.log" >&2; die "db_sync of $name failed"; }
        rm -rf "$tmp"
        as_pg "$bin/pg_dump" -h "$dir/run" -U postgres --no-owner "$name" >"$dump.$$"
        mv "$dump.$$" "$dump"
    fi
    echo "$url"
}

cmd_stop() {
    (($# == 1)) || die "usage: stop DIR"
    [[ -f $1/data/postmaster.pid ]] || return 0
    local dir pid
    dir="$(cd "$1" && pwd)"
    pid="$(head -n 1 "$dir/data/postmaster.pid")"
    [[ $pid =~ ^[0-9]+$ ]] || die "bad pid in $dir/data/postmaster.pid"
    # only the postmaster of this data dir
    if alive "$pid" && grep -qa -- "$dir/data" "/proc/$pid/cmdline"; then
        kill -INT "$pid" 2>/dev/null || true # fast shutdown
        local deadline=$((SECONDS + 15))
        while alive "$pid"; do
            if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; fi
            sleep 0.05
        done
    fi
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
glance-db) shift; cmd_glance_db "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) die "usage: $0 start DIR | glance-db DIR NAME | stop DIR" ;;
esac
