#!/usr/bin/env bash
# The first command of the README: from a fresh checkout on Debian or Ubuntu
# with Node 20, start a working skiff cluster. Installs the npm dependencies,
# finds a Docker engine (as root, installs and starts one if there is none),
# builds the bundles, then runs `skiff up` (which builds the images offline
# when they are missing). Arguments go to `skiff up` (e.g. --nodes 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'up: %s\n' "$*"; }
fail() { printf 'up: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || fail "Node.js 20 or newer is needed (e.g. apt-get install nodejs npm, or nodejs.org)"
major=$(node -p 'process.versions.node.split(".")[0]')
((major >= 20)) || fail "Node.js 20 or newer is needed; this is $(node --version)"

if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if ! docker info >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    fail "no Docker engine answers. Install Docker (Debian: sudo apt-get install docker.io), start it, and add yourself to the docker group, or run this as root"
  fi
  if ! command -v dockerd >/dev/null; then
    say "installing docker.io and iptables from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io iptables >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/skiff-dockerd.log)"
    setsid dockerd --host unix:///var/run/docker.sock >/var/log/skiff-dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    docker info >/dev/null 2>&1 || fail "dockerd did not answer within 60 s; see /var/log/skiff-dockerd.log"
  fi
fi

# Rebuild the bundles when any source is newer than the last build.
if [[ ! -f deploy/dist/skiff.mjs ]] || [[ -n $(find proto control-plane node-agent deploy -name '*.ts' -newer deploy/dist/skiff.mjs -not -path '*/node_modules/*' -print -quit) ]]; then
  say "building (npm run build)"
  npm run build
fi

exec node deploy/bin/skiff.mjs up "$@"
