#!/usr/bin/env bash
# `docker compose` for ct's stack (compose/compose.yaml), whichever compose this machine has:
# the v2 plugin (`docker compose`) when present, else `docker-compose` (v1, Debian bookworm).
#
#   bash scripts/docker-compose.sh init          # write compose/.env (your uid/gid), folders, secrets
#   bash scripts/docker-compose.sh up -d
#   bash scripts/docker-compose.sh run --rm preprocess --model_name M --base_dt 2025-02-14
#   bash scripts/docker-compose.sh --profile demo run --rm seed
#
# Before running compose it fills in what compose cannot work out by itself: CT_UID/CT_GID (your
# uid/gid unless set in the environment or compose/.env), the project name `ct`, and the host
# folders and secret files (created as you, passwords random), so nothing is created as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compose_dir="$root/compose"
env_file="$compose_dir/.env"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "docker-compose.sh: neither \`docker compose\` nor docker-compose is installed (bash scripts/ensure-docker.sh)" >&2
  exit 1
fi

# A variable from the environment, else from compose/.env, else the default.
setting() {
  local name=$1 default=$2 line
  if [ -n "${!name:-}" ]; then
    printf '%s' "${!name}"
  elif [ -f "$env_file" ] && line=$(grep -E "^[[:space:]]*$name=" "$env_file" | tail -n 1) && [ -n "$line" ]; then
    line=${line#*=}
    line=${line%\"}
    line=${line#\"}
    printf '%s' "$line"
  else
    printf '%s' "$default"
  fi
}
# Host paths in compose are relative to compose/.
host_path() { case "$1" in /*) realpath -m "$1" ;; *) realpath -m "$compose_dir/$1" ;; esac; }

export CT_UID CT_GID COMPOSE_PROJECT_NAME
CT_UID=$(setting CT_UID "$(id -u)")
CT_GID=$(setting CT_GID "$(id -g)")
COMPOSE_PROJECT_NAME=$(setting COMPOSE_PROJECT_NAME ct)

if [ "${1:-}" = init ] && [ ! -f "$env_file" ]; then
  sed -e "s/^CT_UID=.*/CT_UID=$CT_UID/" -e "s/^CT_GID=.*/CT_GID=$CT_GID/" "$compose_dir/.env.example" >"$env_file"
  echo "docker-compose.sh: wrote compose/.env (CT_UID=$CT_UID CT_GID=$CT_GID)"
fi

# Folders and secrets, owned by CT_UID:CT_GID (when run as root for another uid, chown them).
owned() { if [ "$(id -u)" = 0 ] && [ "$CT_UID" != 0 ]; then chown "$CT_UID:$CT_GID" "$@"; fi; }
for name in CT_HOME:../.ct CT_ARTIFACTS_DIR:../.ct/artifacts CT_MODEL_STORE_DIR:../.ct/model-store \
  CT_MLRUNS_DIR:../.ct/mlruns CT_SECRETS_HOST_DIR:../.ct/secrets CT_MLFLOW_ARTIFACTS_DIR:../.ct/mlartifacts; do
  dir=$(host_path "$(setting "${name%%:*}" "${name#*:}")")
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    owned "$dir"
  fi
done
secrets=$(host_path "$(setting CT_SECRETS_HOST_DIR ../.ct/secrets)")
chmod 0700 "$secrets" 2>/dev/null || true
for s in feature_store_password feature_store_root_password; do
  if [ ! -s "$secrets/$s" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$secrets/$s")
    owned "$secrets/$s"
    echo "docker-compose.sh: generated $secrets/$s"
  fi
done

[ "${1:-}" = init ] && exit 0
exec "${compose[@]}" -f "$compose_dir/compose.yaml" "$@"
