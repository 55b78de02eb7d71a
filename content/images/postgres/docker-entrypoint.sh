#!/bin/bash
# Dockyard's postgres entrypoint. It follows Docker Hub's postgres image:
#   POSTGRES_PASSWORD  the superuser's password (required for a new cluster)
#   POSTGRES_USER      the superuser's name (default postgres)
#   POSTGRES_DB        a database created at first start (default: the user)
#   PGDATA             where the cluster lives (default /var/lib/postgresql/data)
# and, for each of the first three and POSTGRES_INITDB_ARGS, the _FILE form
# (POSTGRES_PASSWORD_FILE=/run/secrets/pg-password): the value is read from
# that file, so a secret mounted read-only need not be in the environment
# docker inspect shows. Setting both forms is an error.
# As root it makes PGDATA, gives it to the postgres user and starts itself
# again as that user; an empty PGDATA gets a new cluster (a copy of the one
# the image made at build time, or initdb when POSTGRES_INITDB_ARGS is set)
# that listens on all addresses with password (scram-sha-256) auth.
# PostgreSQL then runs as the container's main process, so a stop signal
# shuts it down cleanly.
set -Eeuo pipefail

# file_env VAR [DEFAULT] sets VAR from VAR, else from the file VAR_FILE
# names, else to DEFAULT, as Docker Hub's image does. It runs before the
# switch to the postgres user, so a secret file only root can read works.
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(<"${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# sql_literal and sql_ident quote a value for a '...' literal and a "..."
# identifier: the quote character is doubled.
sql_literal() { printf '%s' "${1//\'/\'\'}"; }
sql_ident() { printf '%s' "${1//\"/\"\"}"; }

# "docker run postgres -c shared_buffers=64MB" passes flags to postgres.
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

# "postgres --version" (or --help) only prints: no data folder, no
# password needed, as with Docker Hub's image.
want_help() {
	local arg
	for arg; do
		case "$arg" in
		-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}
if [ "$1" = 'postgres' ] && want_help "$@"; then
	exec "$@"
fi

if [ "$1" = 'postgres' ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
fi
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA"
	chmod 03775 /var/run/postgresql
	# A host folder mounted at PGDATA (or above it) belongs to whoever made
	# it; the server refuses to start unless the postgres user owns it.
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	# A folder above PGDATA may be one the postgres user cannot enter: a
	# host folder made with mode 0700 (mktemp -d) mounted at
	# /var/lib/postgresql/data with PGDATA=/var/lib/postgresql/data/pgdata.
	# Let it pass through (search only, not list) instead of failing.
	dir=$(dirname "$PGDATA")
	while [ "$dir" != / ]; do
		if ! setpriv --reuid=postgres --regid=postgres --init-groups test -x "$dir"; then
			chmod o+x "$dir"
		fi
		dir=$(dirname "$dir")
	done
	chown postgres:postgres /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		cat >&2 <<-'MSG'
		Error: Database is uninitialized and superuser password is not specified.
		       You must specify POSTGRES_PASSWORD to a non-empty value for the
		       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
		MSG
		exit 1
	fi
	echo "initialising a new database cluster in $PGDATA for user \"$POSTGRES_USER\""
	template=/usr/share/postgresql/dockyard-template
	if [ -z "${POSTGRES_INITDB_ARGS:-}" ] && [ -s "$template/PG_VERSION" ]; then
		# The image's ready-made cluster: copy it, then, in single-user mode
		# (no server, no socket), give the bootstrap superuser (oid 10) its
		# name and password and create the database.
		cp -a --sparse=always "$template/." "$PGDATA/"
		{
			if [ "$POSTGRES_USER" != 'postgres' ]; then
				echo "UPDATE pg_authid SET rolname = '$(sql_literal "$POSTGRES_USER")' WHERE oid = 10;"
			fi
			echo "ALTER ROLE \"$(sql_ident "$POSTGRES_USER")\" PASSWORD '$(sql_literal "$POSTGRES_PASSWORD")';"
			if [ "$POSTGRES_DB" != 'postgres' ]; then
				echo "CREATE DATABASE \"$(sql_ident "$POSTGRES_DB")\";"
			fi
		} | postgres --single -D "$PGDATA" -c fsync=off -c exit_on_error=on postgres >/dev/null
	else
		pwfile="$(mktemp)"
		trap 'rm -f "$pwfile"' EXIT
		printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
		# --no-sync and fsync=off below, then one syncfs at the end: as
		# durable as initdb's own file-by-file fsync, and seconds faster.
		initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --no-sync \
			--auth-local=trust --auth-host=scram-sha-256 \
			--encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
		rm -f "$pwfile"
		trap - EXIT
		printf '\n# Dockyard: every address, with a password\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
		printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
		if [ "$POSTGRES_DB" != 'postgres' ]; then
			echo "CREATE DATABASE \"$(sql_ident "$POSTGRES_DB")\";" | postgres --single -D "$PGDATA" -c fsync=off -c exit_on_error=on postgres >/dev/null
		fi
	fi
	if [ "$POSTGRES_DB" != 'postgres' ]; then
		echo "created database \"$POSTGRES_DB\""
	fi
	sync -f "$PGDATA"
	echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
