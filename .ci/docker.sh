#!/usr/bin/env bash
# CI step: Docker for real (called by .ci/run). Starts dockerd where it is not running (host
# networking only: no bridge, no iptables; every container stays on loopback), builds the local
# base image the production Dockerfile names (.ci/docker-base-image.sh, cached by content hash),
# builds deploy/Dockerfile unchanged, runs the image until its HEALTHCHECK says healthy and stops
# it (the drain must exit 0), then brings up the production compose stack (.ci/docker-stack.ts).
# Where Docker cannot start it prints one line and exits 0. Needs `npm ci` done (the stack script
# uses the test support's client). With --keep, a dockerd it started keeps running for the tests
# (deploy.test.ts builds the image for real where Docker runs); its pid is in $DOCKERD_PID_FILE,
# and the caller stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

skip() {
  echo "ci: docker: skipped ($1)"
  exit 0
}

export DEBIAN_FRONTEND=noninteractive
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null 2>&1 ||
    skip "could not install ${need[*]}"
fi
# The Debian client matches the Debian daemon (BuildKit included); another docker on PATH may not.
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker

KEEP=false
[ "${1:-}" = --keep ] && KEEP=true
DOCKERD_PID_FILE=${DOCKERD_PID_FILE:-/tmp/staff-sync-ci-dockerd.pid}
DOCKERD_PID=
cleanup() {
  if [ -n "$DOCKERD_PID" ] && { [ "$KEEP" = false ] || [ "${ok:-}" != true ]; }; then
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
    rm -f "$DOCKERD_PID_FILE"
  fi
}
trap cleanup EXIT

if ! "$DOCKER" info >/dev/null 2>&1; then
  log=/tmp/staff-sync-ci-dockerd.log
  dockerd --bridge=none --iptables=false --ip6tables=false >"$log" 2>&1 &
  DOCKERD_PID=$!
  echo "$DOCKERD_PID" >"$DOCKERD_PID_FILE"
  for _ in $(seq 1 60); do
    "$DOCKER" info >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 1
  done
  "$DOCKER" info >/dev/null 2>&1 || skip "dockerd does not start here: $(tail -1 "$log" | cut -c1-160)"
fi

bash .ci/docker-base-image.sh "$DOCKER"

step() { echo "ci: docker: $1 ($(($(date +%s) - started)) s)"; }

DOCKER_BUILDKIT=1 "$DOCKER" build -q --network host -f deploy/Dockerfile -t staff-sync:latest . >/dev/null
step "deploy/Dockerfile built as staff-sync:latest"
DOCKER_BUILDKIT=1 "$DOCKER" build -q --network host -f .ci/docker/services.Dockerfile -t staff-sync-ci/services:latest .ci/docker >/dev/null
step "PostgreSQL, Redis and nginx image built from Debian's packages"

# The image alone: embedded database, sign-in on (NODE_ENV=production requires it), its own HEALTHCHECK.
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cid=$("$DOCKER" run -d --network host -e HOST=127.0.0.1 -e PORT="$port" -e AUTH_JWT_SECRET=ci-only-secret-0123456789abcdef0123 staff-sync:latest)
health=
for _ in $(seq 1 120); do
  health=$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$cid")
  [ "$health" = healthy ] || [ "$health" = unhealthy ] && break
  sleep 1
done
"$DOCKER" stop -t 20 "$cid" >/dev/null
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$cid")
logs=$("$DOCKER" logs "$cid" 2>&1)
"$DOCKER" rm "$cid" >/dev/null
if [ "$health" != healthy ] || [ "$code" != 0 ]; then
  echo "$logs" | tail -20
  echo "ci: docker: the image was $health and exited with $code"
  exit 1
fi
step "the image ran healthy and drained on SIGTERM (exit 0)"

node .ci/docker-stack.ts "$DOCKER"
ok=true
step "done"
