# Sourced by scripts/with-postgres: test_postgres_start starts a throw-away PostgreSQL
# cluster on a free loopback port for the store's tests, exports PRUNELAB_TEST_POSTGRES_URL
# (postgres://prunelab@127.0.0.1:PORT/postgres, trust authentication, loopback only) and
# PRUNELAB_TEST_POSTGRES_CTL (pg_ctl for that cluster, to which a test appends restart/stop/start),
# and stops and removes the cluster when the calling shell exits (a trap on EXIT).
# Needs Debian's postgresql (.ci/run installs it). initdb refuses root, so as root the cluster runs
# as the postgres user. Without PostgreSQL it returns 2 (and says so), or 1 with
# PRUNELAB_REQUIRE_TEST_DEPENDENCIES set.
test_postgres_start() {
    local bin data port
    bin=${PRUNELAB_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        if [ -n "${PRUNELAB_REQUIRE_TEST_DEPENDENCIES:-}" ]; then
            echo "scripts/with-postgres: no PostgreSQL server (initdb) under /usr/lib/postgresql; install Debian's postgresql" >&2
            return 1
        fi
        echo "scripts/with-postgres: no PostgreSQL server found; running without PRUNELAB_TEST_POSTGRES_URL" >&2
        return 2
    fi
    test_postgres_run_as=()
    if [ "$(id -u)" -eq 0 ]; then test_postgres_run_as=(runuser -u postgres --); fi
    test_postgres_work=$(mktemp -d /tmp/prunelab-postgres.XXXXXX)
    data="$test_postgres_work/data"
    test_postgres_ctl=("${test_postgres_run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$test_postgres_work/server.log" -w -t 60)
    test_postgres_cleanup() {
        "${test_postgres_ctl[@]}" stop -m immediate >/dev/null 2>&1 || true
        rm -rf "$test_postgres_work"
    }
    trap test_postgres_cleanup EXIT
    [ ${#test_postgres_run_as[@]} -eq 0 ] || chown postgres: "$test_postgres_work"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${test_postgres_run_as[@]}" "$bin/initdb" -D "$data" -U prunelab -A trust -E UTF8 --no-sync --no-instructions >"$test_postgres_work/initdb.log" 2>&1 \
        || { cat "$test_postgres_work/initdb.log" >&2; return 1; }
    # Throw-away: no fsync; the socket file in the data folder, not /var/run/postgresql.
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF
    "${test_postgres_ctl[@]}" start >/dev/null || { cat "$test_postgres_work/server.log" >&2; return 1; }
    export PRUNELAB_TEST_POSTGRES_URL="postgres://prunelab@127.0.0.1:$port/postgres"
    printf -v PRUNELAB_TEST_POSTGRES_CTL '%q ' "${test_postgres_ctl[@]}"
    export PRUNELAB_TEST_POSTGRES_CTL
}
