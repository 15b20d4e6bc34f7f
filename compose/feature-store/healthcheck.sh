#!/usr/bin/env bash
# healthcheck.sh of the offline MariaDB image, compatible with the official image's for the tests
# ct uses: `healthcheck.sh --connect --innodb_initialized`. Exit 0 when every test passes.
#   --connect                 a TCP connection succeeds and the server is not the temporary,
#                             networkless one of the first-start initialization
#   --innodb_initialized      InnoDB is available
#   --innodb_buffer_pool_loaded  the buffer pool load at startup finished
# It logs in as the `healthcheck` user the entrypoint created, through
# <datadir>/.my-healthcheck.cnf (override with --defaults-extra-file=FILE).
set -uo pipefail

defaults=/var/lib/mysql/.my-healthcheck.cnf
tests=()
for arg in "$@"; do
  case "$arg" in
    --connect | --innodb_initialized | --innodb_buffer_pool_loaded) tests+=("${arg#--}") ;;
    --defaults-extra-file=*) defaults=${arg#*=} ;;
    --su-mysql | --su=*) ;; # accepted for compatibility; this script needs no user switch
    *)
      echo "healthcheck.sh: unsupported option $arg" >&2
      exit 2
      ;;
  esac
done
[ ${#tests[@]} -gt 0 ] || tests=(connect)

query() {
  mariadb --defaults-extra-file="$defaults" --protocol=tcp -h127.0.0.1 --skip-column-names --batch -e "$1" 2>/dev/null
}

for t in "${tests[@]}"; do
  case "$t" in
    connect)
      [ "$(query 'SELECT @@skip_networking')" = 0 ] || {
        echo "healthcheck connect failed" >&2
        exit 1
      }
      ;;
    innodb_initialized)
      [ "$(query "SELECT 1 FROM information_schema.ENGINES WHERE engine='innodb' AND support IN ('YES','DEFAULT','ENABLED')")" = 1 ] || {
        echo "healthcheck innodb_initialized failed" >&2
        exit 1
      }
      ;;
    innodb_buffer_pool_loaded)
      query "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='Innodb_buffer_pool_load_status'" |
        grep -q '^Buffer pool(s) load completed' || {
        echo "healthcheck innodb_buffer_pool_loaded failed" >&2
        exit 1
      }
      ;;
  esac
done
exit 0
