#!/usr/bin/env bash
# Builds ct's step images: ct-<step>:<version> and ct-<step>:latest, from the repository root as
# the build context (the root .dockerignore sends only the Dockerfiles and the bundles).
#
#   bash scripts/docker-build.sh                  # every step that exists: extract preprocess train
#   bash scripts/docker-build.sh preprocess       # just one
#   bash scripts/docker-build.sh --no-bundle ...  # the bundles are built already
#
# First builds the bundles on the host (`pnpm turbo run build --filter=@ct/<step>`, cached by
# turbo). Passes NODE_IMAGE, CATBOOST_VERSION and CATBOOST_SHA256 through when set. Prints each
# image's size and the size of its own layer (the bundle).
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=1
steps=()
for arg in "$@"; do
  case "$arg" in
    --no-bundle) bundle=0 ;;
    -h | --help)
      sed -n '2,11p' "$0"
      exit 0
      ;;
    extract | preprocess | train) steps+=("$arg") ;;
    *)
      echo "docker-build: unknown step or option: $arg" >&2
      exit 2
      ;;
  esac
done
if [ ${#steps[@]} -eq 0 ]; then
  for step in extract preprocess train; do
    if [ -f "steps/$step/package.json" ] && [ -f "steps/$step/Dockerfile" ]; then
      steps+=("$step")
    else
      echo "docker-build: steps/$step is not there yet, skipped"
    fi
  done
fi

if [ "$bundle" = 1 ]; then
  filters=()
  for step in "${steps[@]}"; do filters+=("--filter=@ct/$step"); done
  pnpm turbo run build "${filters[@]}" --output-logs=errors-only >/dev/null
fi

# Without the buildx plugin, `DOCKER_BUILDKIT=1` is an error and the classic builder is used
# anyway; say so explicitly. Both builders read these Dockerfiles the same way.
# The classic builder keeps a failed step's container unless told otherwise.
classic=()
if ! docker buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=0
  classic=(--force-rm)
fi

revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || revision="$revision-dirty"
# The commit's time, not now: the same commit gives the same labels.
created=$(git log -1 --format=%cI 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || true)

for step in "${steps[@]}"; do
  [ -f "steps/$step/dist/bin.js" ] || {
    echo "docker-build: steps/$step/dist/bin.js is missing: pnpm turbo run build --filter=@ct/$step" >&2
    exit 1
  }
  version=$(node -p "require('./steps/$step/package.json').version")
  args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")
  [ -n "$source_url" ] && args+=(--build-arg "SOURCE=$source_url")
  [ -n "${NODE_IMAGE:-}" ] && args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
  if [ "$step" = train ]; then
    [ -n "${CATBOOST_VERSION:-}" ] && args+=(--build-arg "CATBOOST_VERSION=$CATBOOST_VERSION")
    [ -n "${CATBOOST_SHA256:-}" ] && args+=(--build-arg "CATBOOST_SHA256=$CATBOOST_SHA256")
  fi
  started=$(date +%s%3N)
  log=$(mktemp)
  if ! docker build "${classic[@]}" "${args[@]}" -f "steps/$step/Dockerfile" -t "ct-$step:$version" -t "ct-$step:latest" . >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  ms=$(($(date +%s%3N) - started))
  size=$(docker image inspect -f '{{.Size}}' "ct-$step:latest")
  # The bundle's layer: the image's newest layer with a size (COPY …/bin.js).
  layer=$(docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "ct-$step:latest" | awk -F'\t' '/COPY .*bin\.js/ { print $1; exit }')
  printf 'docker-build: ct-%s:%s (+latest) in %d.%ds: image %s MB, bundle layer %s\n' \
    "$step" "$version" $((ms / 1000)) $((ms % 1000 / 100)) "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')" "$layer"
done
