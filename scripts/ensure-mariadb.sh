#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306 for root with an empty password (the
# development and CI feature store). Installs mariadb-server from Debian's packages when missing,
# starts it when down, and waits until it answers. Idempotent.
set -euo pipefail

host=127.0.0.1
port=3306
answers() { mariadb-admin --protocol=tcp -h "$host" -P "$port" -uroot ping >/dev/null 2>&1; }

if answers; then
  echo "mariadb: answering on $host:$port"
  exit 0
fi

if [ ! -x /usr/sbin/mariadbd ]; then
  echo "mariadb: installing mariadb-server (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server >/dev/null
fi

if ! mariadb-admin ping >/dev/null 2>&1; then
  echo "mariadb: starting server"
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi

for _ in $(seq 1 60); do
  mariadb-admin ping >/dev/null 2>&1 && break
  sleep 1
done

if ! answers; then
  # A fresh Debian install authenticates root by unix socket only; allow the empty password on
  # TCP too (a local development server, never a production one).
  echo "mariadb: allowing root with an empty password on TCP (local dev/CI server)"
  mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
  mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" || true
fi

for _ in $(seq 1 30); do
  if answers; then
    echo "mariadb: answering on $host:$port"
    exit 0
  fi
  sleep 1
done
echo "mariadb: not answering on $host:$port" >&2
exit 1
