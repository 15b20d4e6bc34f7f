#!/usr/bin/env bash
# Builds, without any image registry, the base images ct's Dockerfiles and compose file name, and
# tags them with the official names so those files build and run unchanged:
#
#   debian:bookworm-slim    debootstrap --variant=minbase bookworm, trimmed like the official slim
#   node:20-bookworm-slim   that + this machine's node binary (`command -v node`) + user node (1000)
#   mariadb:10.11           that + Debian's mariadb-server 10.11, with an entrypoint and
#                           healthcheck.sh compatible with the official image (compose/feature-store/)
#
# Each image is skipped when its tag already exists (an official image pulled earlier is never
# replaced); CT_REBUILD_BASE_IMAGES=1 rebuilds ours. Needs root (debootstrap), a running engine
# (scripts/ensure-docker.sh) and Debian's package mirror. Where a registry is reachable, skip
# this script: `docker pull node:20-bookworm-slim mariadb:10.11` gives the real images.
#
# Overrides: NODE_IMAGE (tag of the node image), FEATURE_STORE_IMAGE (tag of the MariaDB image),
# CT_DEBIAN_MIRROR (default http://deb.debian.org/debian), CT_NODE_BIN (the node binary to copy).
set -euo pipefail
cd "$(dirname "$0")/.."

now_ms() { date +%s%3N; }
started=$(now_ms)
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
log() { echo "base-images: $*"; }

node_bin=${CT_NODE_BIN:-$(readlink -f "$(command -v node)")}
node_version=$("$node_bin" --version) # v20.20.2
node_major=${node_version#v}
node_major=${node_major%%.*}
debian_tag=debian:bookworm-slim
node_tag=${NODE_IMAGE:-node:${node_major}-bookworm-slim}
mariadb_tag=${FEATURE_STORE_IMAGE:-mariadb:10.11}
mirror=${CT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
rebuild=${CT_REBUILD_BASE_IMAGES:-0}
label=org.ct.offline-base

exists() { docker image inspect "$1" >/dev/null 2>&1; }
ours() { [ "$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null)" = "true" ]; }
# Build when missing, or when asked to rebuild an image this script made (never an official one).
wanted() { ! exists "$1" || { [ "$rebuild" = 1 ] && ours "$1"; }; }

# debootstrap needs root: run the whole script again through sudo when the Debian image is to be made.
if [ "$(id -u)" != 0 ] && wanted "$debian_tag"; then
  log "debootstrap needs root: running again with sudo"
  exec sudo CT_NODE_BIN="$node_bin" NODE_IMAGE="$node_tag" FEATURE_STORE_IMAGE="$mariadb_tag" \
    CT_DEBIAN_MIRROR="$mirror" CT_REBUILD_BASE_IMAGES="$rebuild" bash "$0" "$@"
fi

if [ "$node_major" != 20 ] && [ -z "${NODE_IMAGE:-}" ]; then
  log "note: node here is $node_version; the Dockerfiles default to node:20-bookworm-slim," \
    "so build them with --build-arg NODE_IMAGE=$node_tag"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. debian:bookworm-slim from debootstrap.
if wanted "$debian_tag"; then
  t=$(now_ms)
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  rootfs="$work/rootfs"
  log "debootstrap --variant=minbase bookworm ($mirror)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  # What the official image does to stay slim: no docs/man/locales from later installs, apt caches
  # cleaned after each install, no translations, gzipped indexes.
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'APT::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/root/.cache
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  : >"$rootfs/etc/machine-id"
  tar -C "$rootfs" --numeric-owner -c . |
    docker import \
      --change 'CMD ["bash"]' \
      --change "LABEL $label=true org.opencontainers.image.description=\"debootstrap minbase bookworm (offline stand-in for the official image)\"" \
      - "$debian_tag" >/dev/null
  rm -rf "$rootfs"
  log "built $debian_tag in $(elapsed "$t") ($(docker image inspect -f '{{.Size}}' "$debian_tag" | numfmt --to=si)B)"
else
  log "$debian_tag present, skipped"
fi

# 2. node:<major>-bookworm-slim: the official image's layout (node in /usr/local/bin, user node
# with uid/gid 1000, CMD node) minus npm/yarn, which ct's images do not use.
if wanted "$node_tag"; then
  t=$(now_ms)
  ctx="$work/node"
  mkdir -p "$ctx"
  cp "$node_bin" "$ctx/node"
  cat >"$ctx/Dockerfile" <<EOF
FROM $debian_tag
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
ENV NODE_VERSION=${node_version#v}
LABEL $label=true org.opencontainers.image.description="offline stand-in for the official node image: this machine's node binary on $debian_tag"
CMD ["node"]
EOF
  DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$node_tag" "$ctx" >/dev/null 2>"$work/build.log" || {
    cat "$work/build.log" >&2
    exit 1
  }
  docker run --rm "$node_tag" node -e 'process.exit(0)' # the binary runs on this glibc
  log "built $node_tag ($node_version) in $(elapsed "$t") ($(docker image inspect -f '{{.Size}}' "$node_tag" | numfmt --to=si)B)"
else
  log "$node_tag present, skipped"
fi

# 3. mariadb:10.11 from Debian's mariadb-server (10.11 in bookworm, the same series).
if wanted "$mariadb_tag"; then
  t=$(now_ms)
  DOCKER_BUILDKIT=0 docker build -q --force-rm --build-arg "DEBIAN_IMAGE=$debian_tag" --label "$label=true" \
    -t "$mariadb_tag" compose/feature-store >/dev/null 2>"$work/build.log" || {
    cat "$work/build.log" >&2
    exit 1
  }
  log "built $mariadb_tag in $(elapsed "$t") ($(docker image inspect -f '{{.Size}}' "$mariadb_tag" | numfmt --to=si)B)"
else
  log "$mariadb_tag present, skipped"
fi

log "done in $(elapsed "$started")"
