#!/usr/bin/env bash
# Entrypoint of the offline MariaDB image (compose/feature-store/Dockerfile): the subset of the
# official mariadb image's entrypoint that ct's compose stack uses, with the same variables.
# On the first start (no `mysql` folder in the datadir) it initializes the datadir, sets the root
# password, creates MARIADB_DATABASE and MARIADB_USER, runs /docker-entrypoint-initdb.d/*, then
# runs the server as user mysql.
set -Eeuo pipefail

log() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
die() {
  printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2
  exit 1
}

# file_env VAR [DEFAULT]: VAR from $VAR, ${VAR}_FILE or the MYSQL_* alias (and its _FILE).
file_env() {
  local var=$1 def=${2:-} alias=${1/MARIADB_/MYSQL_}
  local val=$def
  for name in "$var" "$alias"; do
    local fileVar="${name}_FILE"
    if [ -n "${!name:-}" ] && [ -n "${!fileVar:-}" ]; then
      die "both $name and $fileVar are set (but are exclusive)"
    fi
    if [ -n "${!name:-}" ]; then
      val=${!name}
      break
    elif [ -n "${!fileVar:-}" ]; then
      [ -f "${!fileVar}" ] || die "$fileVar=${!fileVar} is not a file"
      val=$(<"${!fileVar}")
      break
    fi
  done
  export "$var"="$val"
  unset "${var}_FILE" "$alias" "${alias}_FILE"
}

# A setting of the server as it will run with these arguments (datadir, socket, port).
mysql_get_config() {
  local conf=$1
  shift
  "$@" --verbose --help 2>/dev/null | awk -v conf="$conf" '$1 == conf && /^[^ \t]/ { sub(/^[^ \t]+[ \t]+/, ""); print; exit }'
}

sql_escape() {
  local v=$1
  v=${v//\\/\\\\}
  v=${v//\'/\\\'}
  printf '%s' "$v"
}

# Runs SQL on the temporary server (socket only, root).
process_sql() {
  local database=()
  if [ "${1:-}" = --database ]; then
    database=(--database="$2")
    shift 2
  fi
  # Once root has its password, pass it in an option file on a pipe (never on a command line).
  local pw=${ROOT_PASSWORD_SET:+$MARIADB_ROOT_PASSWORD}
  pw=${pw//\\/\\\\}
  pw=${pw//\"/\\\"}
  mariadb --defaults-extra-file=<(printf '[client]\npassword="%s"\n' "$pw") \
    --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --comments "${database[@]}" "$@"
}

temp_server_start() {
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
    --expire-logs-days=0 --skip-log-bin --loose-innodb_buffer_pool_load_at_startup=0 &
  TEMP_PID=$!
  for _ in $(seq 30 -1 0); do
    if mariadb --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --database=mysql \
      -e 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server exited during initialization"
    sleep 1
  done
  die "the temporary server did not start within 30 s"
}

temp_server_stop() {
  kill "$TEMP_PID"
  wait "$TEMP_PID" || true
}

setup_env() {
  file_env MARIADB_ROOT_HOST '%'
  file_env MARIADB_DATABASE
  file_env MARIADB_USER
  file_env MARIADB_PASSWORD
  file_env MARIADB_ROOT_PASSWORD
  : "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:=${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
  : "${MARIADB_RANDOM_ROOT_PASSWORD:=${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
}

verify_env() {
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] &&
    [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    die "the database is uninitialized and no password option is given: set one of" \
      "MARIADB_ROOT_PASSWORD (or MARIADB_ROOT_PASSWORD_FILE), MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "$MARIADB_USER" ] && [ "$MARIADB_USER" = root ]; then
    die "MARIADB_USER=root: root is created already; set MARIADB_ROOT_PASSWORD instead"
  fi
  if [ -n "$MARIADB_USER" ] && [ -z "$MARIADB_PASSWORD" ]; then
    die "MARIADB_USER is set without MARIADB_PASSWORD (or MARIADB_PASSWORD_FILE)"
  fi
}

init_datadir() {
  log "initializing the datadir $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
    --skip-test-db --default-time-zone=SYSTEM --enforce-storage-engine= --skip-log-bin \
    --expire-logs-days=0 --loose-innodb_buffer_pool_load_at_startup=0 \
    --loose-innodb_buffer_pool_dump_at_shutdown=0 >/dev/null
}

setup_db() {
  if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    MARIADB_ROOT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
    log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi
  local root_pw health_pw
  root_pw=$(sql_escape "$MARIADB_ROOT_PASSWORD")
  health_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)

  local root_remote=""
  if [ "$MARIADB_ROOT_HOST" != localhost ]; then
    root_remote="CREATE USER 'root'@'$(sql_escape "$MARIADB_ROOT_HOST")' IDENTIFIED BY '$root_pw';
      GRANT ALL ON *.* TO 'root'@'$(sql_escape "$MARIADB_ROOT_HOST")' WITH GRANT OPTION;
      GRANT PROXY ON ''@'%' TO 'root'@'$(sql_escape "$MARIADB_ROOT_HOST")' WITH GRANT OPTION;"
  fi
  local create_db="" create_user=""
  if [ -n "$MARIADB_DATABASE" ]; then
    log "creating database $MARIADB_DATABASE"
    create_db="CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
  fi
  if [ -n "$MARIADB_USER" ]; then
    log "creating user $MARIADB_USER"
    create_user="CREATE USER '$(sql_escape "$MARIADB_USER")'@'%' IDENTIFIED BY '$(sql_escape "$MARIADB_PASSWORD")';"
    if [ -n "$MARIADB_DATABASE" ]; then
      create_user+="GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO '$(sql_escape "$MARIADB_USER")'@'%';"
    fi
  fi

  process_sql --database mysql <<-EOSQL
	SET @@SESSION.SQL_LOG_BIN=0;
	SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
	DROP USER IF EXISTS root@'127.0.0.1', root@'::1';
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
	SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$root_pw');
	$root_remote
	CREATE USER healthcheck@'127.0.0.1' IDENTIFIED BY '$health_pw';
	CREATE USER healthcheck@'::1' IDENTIFIED BY '$health_pw';
	CREATE USER healthcheck@localhost IDENTIFIED BY '$health_pw';
	$create_db
	$create_user
	EOSQL
  ROOT_PASSWORD_SET=1

  # healthcheck.sh reads this (as the official image does).
  local port
  port=$(mysql_get_config port "${SERVER[@]}")
  printf '[mariadb-client]\nport=%s\nsocket=%s\nuser=healthcheck\npassword=%s\n' \
    "${port:-3306}" "$SOCKET" "$health_pw" >"$DATADIR/.my-healthcheck.cnf"
  chmod 0600 "$DATADIR/.my-healthcheck.cnf"
}

process_init_files() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    local db=()
    [ -n "$MARIADB_DATABASE" ] && db=(--database "$MARIADB_DATABASE")
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          log "running $f"
          "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql)
        log "running $f"
        process_sql "${db[@]}" <"$f"
        ;;
      *.sql.gz)
        log "running $f"
        gunzip -c "$f" | process_sql "${db[@]}"
        ;;
      *.sql.xz)
        log "running $f"
        xzcat "$f" | process_sql "${db[@]}"
        ;;
      *.sql.zst)
        log "running $f"
        zstd -dc "$f" | process_sql "${db[@]}"
        ;;
      *) log "ignoring $f" ;;
    esac
  done
}

# `docker run image --some-option` → mariadbd --some-option
if [ "${1:0:1}" = - ]; then
  set -- mariadbd "$@"
fi

if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  SERVER=("$@")
  DATADIR=$(mysql_get_config datadir "$@")
  DATADIR=${DATADIR%/}
  SOCKET=$(mysql_get_config socket "$@")
  SOCKET=${SOCKET:-/run/mysqld/mysqld.sock}

  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" /run/mysqld
    find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
    # Re-run this script as mysql; the secret files were read by nothing yet, so root can read
    # them now and pass the values on.
    setup_env
    exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
  fi

  setup_env
  if [ ! -d "$DATADIR/mysql" ]; then
    verify_env
    init_datadir
    temp_server_start "$@"
    setup_db
    process_init_files
    temp_server_stop
    log "initialization finished; starting the server"
  fi
  unset MARIADB_ROOT_PASSWORD MARIADB_PASSWORD
fi

exec "$@"
