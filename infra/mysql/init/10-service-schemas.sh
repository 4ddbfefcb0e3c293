#!/bin/bash
# One schema and one user per service, each user granted only its own schema: a service
# can neither read nor write another service's data (the services own their data; nothing
# reads another service's tables).
#
# The mysql image runs this once, on an empty data directory, from
# /docker-entrypoint-initdb.d (docker-compose.yml mounts this folder there). It is sourced,
# not executed (keep it non-executable), so docker_process_sql — the entrypoint's client,
# logged in as root — is at hand. Passwords come from the environment
# (<SERVICE>_DB_PASSWORD, see .env.example); this file holds none. The user is named after
# the schema; each service's MYSQL_URL logs in as it (mysql://shop_users:...@mysql:3306).
#
# A new service with a database adds one line at the bottom, with the same schema
# default as its <NAME>_DB_NAME setting (test/deploy checks both).

if ! declare -F docker_process_sql >/dev/null; then
  # Run outside the image's entrypoint (e.g. executed by hand): a root client of our own.
  docker_process_sql() { mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" "$@"; }
fi

# shopmesh_service_schema <schema> <password>
shopmesh_service_schema() {
  local schema="$1" password="$2"
  if [[ ! "$schema" =~ ^[a-z][a-z0-9_]{0,31}$ ]]; then
    echo "mysql init: invalid schema name '$schema'" >&2
    exit 1
  fi
  # Unreserved URL characters only: the password goes into MYSQL_URL unencoded and into
  # SQL unescaped (`openssl rand -hex 24` makes a good one).
  if [[ ! "$password" =~ ^[A-Za-z0-9._~-]{16,}$ ]]; then
    echo "mysql init: the password for $schema must be at least 16 characters of A-Z a-z 0-9 . _ ~ -" >&2
    exit 1
  fi
  # A half-initialised server must not start: exit (this file is sourced by the entrypoint).
  docker_process_sql --database=mysql <<-SQL || exit 1
	CREATE DATABASE IF NOT EXISTS \`${schema}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
	CREATE USER IF NOT EXISTS '${schema}'@'%' IDENTIFIED BY '${password}';
	GRANT ALL PRIVILEGES ON \`${schema}\`.* TO '${schema}'@'%';
	SQL
  echo "mysql init: schema ${schema} with its own user"
}

shopmesh_service_schema "${USERS_DB_NAME:-shop_users}" "${USERS_DB_PASSWORD:?set USERS_DB_PASSWORD (see .env.example)}"
shopmesh_service_schema "${CATALOG_DB_NAME:-shop_catalog}" "${CATALOG_DB_PASSWORD:?set CATALOG_DB_PASSWORD (see .env.example)}"
shopmesh_service_schema "${ORDERS_DB_NAME:-shop_orders}" "${ORDERS_DB_PASSWORD:?set ORDERS_DB_PASSWORD (see .env.example)}"
shopmesh_service_schema "${PAYMENTS_DB_NAME:-shop_payments}" "${PAYMENTS_DB_PASSWORD:?set PAYMENTS_DB_PASSWORD (see .env.example)}"
shopmesh_service_schema "${NOTIFICATIONS_DB_NAME:-shop_notifications}" "${NOTIFICATIONS_DB_PASSWORD:?set NOTIFICATIONS_DB_PASSWORD (see .env.example)}"
shopmesh_service_schema "${RECOMMENDATIONS_DB_NAME:-shop_recommendations}" "${RECOMMENDATIONS_DB_PASSWORD:?set RECOMMENDATIONS_DB_PASSWORD (see .env.example)}"
