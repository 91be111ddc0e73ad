#!/bin/bash
# Writes pgbouncer.ini and the auth file from the environment, then runs the command.
#
#   DB_HOST, DB_PORT             the PostgreSQL server every database is forwarded to
#   AUTH_USER, AUTH_PASSWORD     the role PgBouncer signs in as to look up other roles' SCRAM
#                                secrets (auth_query on pg_shadow: a superuser, or a role
#                                granted a SECURITY DEFINER lookup function)
#   POOL_MODE                    transaction (default) | session | statement
#   DEFAULT_POOL_SIZE            server connections per (database, role) pair
#   MAX_DB_CONNECTIONS           server connections per database, all roles (0: no limit)
#   MAX_CLIENT_CONN, LISTEN_PORT, IGNORE_STARTUP_PARAMETERS, SERVER_IDLE_TIMEOUT
#
# Tenant roles authenticate with SCRAM-SHA-256: PgBouncer checks the client's proof against the
# secret auth_query returns and reuses the exchange to sign in to PostgreSQL (SCRAM
# pass-through), so no tenant password is ever written here.
set -euo pipefail

: "${DB_HOST:?DB_HOST must be set}"
: "${AUTH_PASSWORD:?AUTH_PASSWORD must be set}"
DB_PORT="${DB_PORT:-5432}"
AUTH_USER="${AUTH_USER:-postgres}"
case "$AUTH_USER$AUTH_PASSWORD" in
  *'"'*)
    echo 'pgbouncer: AUTH_USER and AUTH_PASSWORD must not contain a double quote' >&2
    exit 1
    ;;
esac

umask 077
printf '"%s" "%s"\n' "$AUTH_USER" "$AUTH_PASSWORD" >/etc/pgbouncer/userlist.txt
cat >/etc/pgbouncer/pgbouncer.ini <<INI
[databases]
* = host=$DB_HOST port=$DB_PORT auth_user=$AUTH_USER

[pgbouncer]
listen_addr = *
listen_port = ${LISTEN_PORT:-6432}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
auth_user = $AUTH_USER
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = \$1
admin_users = $AUTH_USER
stats_users = $AUTH_USER
pool_mode = ${POOL_MODE:-transaction}
max_client_conn = ${MAX_CLIENT_CONN:-5000}
default_pool_size = ${DEFAULT_POOL_SIZE:-4}
max_db_connections = ${MAX_DB_CONNECTIONS:-0}
server_idle_timeout = ${SERVER_IDLE_TIMEOUT:-10}
min_pool_size = 0
reserve_pool_size = 0
ignore_startup_parameters = ${IGNORE_STARTUP_PARAMETERS:-extra_float_digits}
log_connections = 0
log_disconnections = 0
INI

exec "$@"
