#!/usr/bin/env bash
# Runs a private PostgreSQL server from Debian's packages, on its own data directory and port.
#
#   pg.sh start --data DIR --port P [--fast] [--owner-pid PID]
#                                              initdb if needed, start, create database "acikkapi",
#                                              print the SQLAlchemy URL; with --owner-pid, stop the
#                                              server as soon as process PID is gone (a killed test run)
#   pg.sh stop --data DIR                      pg_ctl stop -m fast
#   pg.sh restart --data DIR [--owner-pid PID] pg_ctl restart -m fast (sessions are cut, as in a
#                                              failover), waits until it accepts connections again
#   pg.sh status --data DIR                    exit 0 if running, 3 if not
#
# Development and test instance only: it listens on 127.0.0.1 and lets the superuser "postgres" in
# WITHOUT a password (trust) over loopback and the Unix socket in DIR. --fast turns off fsync,
# synchronous_commit and full_page_writes: data may be lost on a crash, which tests do not mind.
# When run as root the server runs as the "postgres" OS user (PostgreSQL refuses root), so DIR's
# parent directories must be traversable by that user. It is independent of any Debian cluster on 5432.
set -euo pipefail

DATABASE=acikkapi
SUPERUSER=postgres
READY_TIMEOUT_S=60

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

find_bin_dir() {
    local initdb
    initdb=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n $initdb ]] && dirname "$initdb"
}

ensure_installed() {
    if [[ -z $(find_bin_dir) ]]; then
        if [[ $EUID -ne 0 ]]; then
            echo "pg.sh: PostgreSQL is not installed; as root run:" \
                "apt-get update && apt-get install -y postgresql" >&2
            exit 2
        fi
        echo "pg.sh: installing Debian's postgresql package" >&2
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
    fi
    BIN=$(find_bin_dir)
    [[ -n $BIN ]] || die "initdb not found under /usr/lib/postgresql/*/bin after installing"
}

# Runs a PostgreSQL program as the data directory's owner: the postgres OS user when we are root.
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u "$SUPERUSER" -- "$@"
    else
        "$@"
    fi
}

parse_args() {
    DATA="" PORT="" FAST=0 OWNER_PID=""
    while (($#)); do
        case $1 in
            --data) DATA=${2:?--data needs a directory}; shift 2 ;;
            --port) PORT=${2:?--port needs a number}; shift 2 ;;
            --fast) FAST=1; shift ;;
            --owner-pid) OWNER_PID=${2:?--owner-pid needs a pid}; shift 2 ;;
            *) echo "pg.sh: unknown argument: $1" >&2; usage ;;
        esac
    done
    [[ -n $DATA ]] || { echo "pg.sh: --data DIR is required" >&2; usage; }
    DATA=$(realpath -m "$DATA")
}

is_running() {
    [[ -f $DATA/PG_VERSION ]] && as_owner "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

# The port of the running server, from the fourth line of postmaster.pid.
running_port() {
    sed -n 4p "$DATA/postmaster.pid"
}

init_cluster() {
    mkdir -p "$DATA"
    if [[ $EUID -eq 0 ]]; then
        chown "$SUPERUSER:$SUPERUSER" "$DATA"
        as_owner test -x "$DATA" || die "the postgres user cannot reach $DATA: make its parents traversable"
    fi
    chmod 700 "$DATA"
    local locale=C
    grep -qix 'c.utf-\?8' < <(locale -a 2>/dev/null) && locale=C.UTF-8
    as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale="$locale" \
        --auth-local=trust --auth-host=reject >"$DATA.initdb.log" 2>&1 || {
        cat "$DATA.initdb.log" >&2
        die "initdb failed"
    }
    rm -f "$DATA.initdb.log"
    # Trust only the Unix socket (inside DIR) and IPv4 loopback; everything else is rejected.
    as_owner tee "$DATA/pg_hba.conf" >/dev/null <<EOF
# Written by deploy/postgres/pg.sh: development and test instance, no passwords on loopback.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
EOF
}

psql_admin() {
    as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATA" -p "$1" -U "$SUPERUSER" -d postgres -tA "${@:2}"
}

# Stops the server once the owner process is gone (fast shutdown by pid if DIR vanished); exits by
# itself when the server stops first.
start_watchdog() {
    local owner=$1 server=$2
    [[ $owner =~ ^[0-9]+$ ]] || die "--owner-pid must be a number"
    local script_dir
    script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    # shellcheck disable=SC2016  # expanded by the inner shell
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done
        if kill -0 "$2" 2>/dev/null; then "$3" stop --data "$4"; kill -INT "$2" 2>/dev/null || true; fi' \
        watchdog "$owner" "$server" "$script_dir/pg.sh" "$DATA" \
        </dev/null >>"$DATA/watchdog.log" 2>&1 &
}

cmd_start() {
    parse_args "$@"
    [[ $PORT =~ ^[0-9]+$ ]] || { echo "pg.sh: --port P is required" >&2; usage; }
    ensure_installed
    [[ -f $DATA/PG_VERSION ]] || init_cluster
    if is_running; then
        local actual
        actual=$(running_port)
        [[ $actual == "$PORT" ]] || die "already running in $DATA on port $actual, not $PORT"
        echo "PostgreSQL is already running in $DATA on port $PORT" >&2
    else
        local options="-p $PORT -k $DATA -c listen_addresses=127.0.0.1"
        if ((FAST)); then
            options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        fi
        as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$DATA/server.log" -w -t "$READY_TIMEOUT_S" \
            -o "$options" >/dev/null || {
            tail -n 30 "$DATA/server.log" >&2 || true
            die "PostgreSQL did not start"
        }
        [[ -n $OWNER_PID ]] && start_watchdog "$OWNER_PID" "$(sed -n 1p "$DATA/postmaster.pid")"
    fi
    as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t "$READY_TIMEOUT_S" \
        || die "PostgreSQL does not accept connections on 127.0.0.1:$PORT"
    if [[ -z $(psql_admin "$PORT" -c "select 1 from pg_database where datname = '$DATABASE'") ]]; then
        psql_admin "$PORT" -c "create database $DATABASE"
    fi
    echo "postgresql+asyncpg://$SUPERUSER@127.0.0.1:$PORT/$DATABASE"
}

cmd_stop() {
    parse_args "$@"
    ensure_installed
    if ! is_running; then
        echo "PostgreSQL is not running in $DATA"
        return 0
    fi
    as_owner "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 30 >/dev/null
    echo "PostgreSQL stopped in $DATA"
}

cmd_restart() {
    parse_args "$@"
    ensure_installed
    is_running || die "PostgreSQL is not running in $DATA"
    local port
    port=$(running_port)
    as_owner "$BIN/pg_ctl" restart -D "$DATA" -m fast -w -t "$READY_TIMEOUT_S" >/dev/null \
        || die "PostgreSQL did not restart"
    as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t "$READY_TIMEOUT_S" \
        || die "PostgreSQL does not accept connections on 127.0.0.1:$port"
    # The old watchdog follows the old postmaster; the new one needs its own.
    [[ -n $OWNER_PID ]] && start_watchdog "$OWNER_PID" "$(sed -n 1p "$DATA/postmaster.pid")"
    echo "PostgreSQL restarted in $DATA"
}

cmd_status() {
    parse_args "$@"
    ensure_installed
    if is_running; then
        echo "PostgreSQL is running in $DATA on port $(running_port)"
        return 0
    fi
    echo "PostgreSQL is not running in $DATA"
    return 3
}

main() {
    (($#)) || usage
    local command=$1
    shift
    case $command in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        restart) cmd_restart "$@" ;;
        status) cmd_status "$@" ;;
        *) usage ;;
    esac
}

main "$@"
