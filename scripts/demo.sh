#!/usr/bin/env bash
# Quick-start demo on a fresh Debian/Ubuntu machine: installs pnpm and the dependencies, makes
# sure a local MariaDB answers (installing it from Debian's packages if missing), builds, and runs
# `ct demo` (seed synthetic data → extract → preprocess → train).
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  npm install -g "pnpm@$pnpm_version"
fi
if [ -z "${FEATURE_STORE_URL:-}" ]; then
  bash scripts/ensure-mariadb.sh
fi
pnpm install --frozen-lockfile
pnpm build
pnpm ct demo "$@"
