#!/bin/bash
# One schema and one user per service, each user granted only its own schema: a service
# can neither read nor write another service's data (the services own their data; nothing
# reads another service's tables).
#
# This file names no service: deploy/render/mysql-init.ts copies it into
# gen/deploy/mysql/10-service-schemas.sh (npm run generate) and adds one
# `shopmesh_service_schema` line per service of services/manifest.ts with a database, with
# the schema default of its <NAME>_DB_NAME setting. docker-compose.yml mounts gen/deploy/mysql
# at /docker-entrypoint-initdb.d, where the mysql image runs the script once, on an empty
# data directory. It is sourced, not executed (it stays non-executable), so
# docker_process_sql — the entrypoint's client, logged in as root — is at hand. Passwords
# come from the environment (<NAME>_DB_PASSWORD, which `npm run compose:env` puts into
# .env); the script holds none. The user is named after the schema; each service's
# MYSQL_URL logs in as it (mysql://shop_users:...@mysql:3306).

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
