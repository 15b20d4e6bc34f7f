#!/usr/bin/env bash
# Makes sure a Docker engine answers (`docker info`) and a compose command exists. Installs
# Debian's docker.io (and docker-compose, v1, when no `docker compose` v2 plugin is there) when
# missing, starts dockerd in the background when it is not running, and waits until it answers.
# Idempotent; returns at once when the engine is already up.
#
#   bash scripts/ensure-docker.sh            # quiet, one line
#   CT_DOCKER_STORAGE_DRIVER=vfs bash scripts/ensure-docker.sh   # force a storage driver
#
# On machines where Docker is managed by systemd (a developer's laptop, GitHub's runners) this
# finds the engine up and does nothing. It needs root only to install or to start the daemon.
set -euo pipefail

log() { echo "docker: $*"; }
answers() { docker info >/dev/null 2>&1; }
have_compose() { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "docker: need root for: $*" >&2
    return 1
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update once per run of this script, only when something is to be installed.
  if [ -z "${_apt_updated:-}" ]; then
    as_root apt-get update -qq
    _apt_updated=1
  fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if answers && have_compose; then
  log "engine up ($(docker info --format '{{.ServerVersion}}, storage {{.Driver}}' 2>/dev/null))"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  # The engine (dockerd, containerd, runc) and a CLI; a newer CLI already on PATH stays first.
  log "installing docker.io (Debian package)"
  apt_install docker.io
fi
if ! have_compose; then
  # Debian bookworm has no compose v2 plugin; docker-compose 1.29 (python) reads the same file.
  log "installing docker-compose (Debian package, compose v1)"
  apt_install docker-compose
fi

if ! answers; then
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    # Prefer the init system when there is one that runs (systemd); else start dockerd ourselves.
    if [ -d /run/systemd/system ] && as_root systemctl start docker >/dev/null 2>&1; then
      log "started docker.service"
    else
      args=()
      driver="${CT_DOCKER_STORAGE_DRIVER:-}"
      if [ -z "$driver" ] && ! grep -qs '"storage-driver"' /etc/docker/daemon.json; then
        # overlay2 needs the kernel's overlay filesystem and a backing fs that supports it
        # (ext4/xfs); vfs always works but copies every layer in full.
        if grep -qw overlay /proc/filesystems || as_root modprobe overlay >/dev/null 2>&1; then
          driver=overlay2
        else
          driver=vfs
        fi
      fi
      [ -n "$driver" ] && args+=(--storage-driver="$driver")
      log "starting dockerd (${driver:-storage driver from daemon.json}; log /var/log/ct-dockerd.log)"
      as_root mkdir -p /var/log
      # setsid + nohup: the daemon outlives this script and the shell that ran it.
      as_root setsid nohup dockerd "${args[@]}" >>/var/log/ct-dockerd.log 2>&1 </dev/null &
    fi
  fi
  for _ in $(seq 1 60); do
    answers && break
    sleep 0.5
  done
  if ! answers && [ "${driver:-}" = overlay2 ] && ! pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd exited with overlay2; retrying with vfs"
    as_root setsid nohup dockerd --storage-driver=vfs >>/var/log/ct-dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      answers && break
      sleep 0.5
    done
  fi
fi

if ! answers; then
  if docker info 2>&1 | grep -qi 'permission denied'; then
    echo "docker: the engine runs but $(id -un) may not use it: add yourself to the docker group (sudo usermod -aG docker $(id -un); log in again) or run as root" >&2
    exit 1
  fi
  echo "docker: the engine does not answer; last lines of /var/log/ct-dockerd.log:" >&2
  tail -n 20 /var/log/ct-dockerd.log >&2 2>/dev/null || true
  exit 1
fi
log "engine up ($(docker info --format '{{.ServerVersion}}, storage {{.Driver}}' 2>/dev/null))"
