#!/usr/bin/env bash
# Provisions an official Node.js binary from the npm registry (package node-<os>-<arch>@<version>: the
# release binary, no install script) into a per-user cache, and prints the directory holding `node`, for
# running the test suite on another Node version: PATH="$(scripts/node-binary.sh 26.12.1):$PATH" npm test.
# Safe to run concurrently (flock where it exists). Progress goes to stderr.
set -euo pipefail

VERSION="${1:-${S2S_NODE_VERSION:-26.12.1}}"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "usage: scripts/node-binary.sh VERSION (e.g. 26.12.1)" >&2; exit 2; }
CACHE_ROOT="${S2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s2s-relay}"
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "s2s-relay: no Node.js binary package for $(uname -s)" >&2; exit 1 ;; esac
case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "s2s-relay: no Node.js binary package for $(uname -m)" >&2; exit 1 ;; esac
PACKAGE="node-$os-$arch@$VERSION"
DIR="$CACHE_ROOT/node/v$VERSION-$os-$arch"

if [ -x "$DIR/bin/node" ]; then echo "$DIR/bin"; exit 0; fi
mkdir -p "$CACHE_ROOT/node"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  flock 9
  if [ -x "$DIR/bin/node" ]; then echo "$DIR/bin"; exit 0; fi
fi
tmp="$(mktemp -d "$DIR.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "s2s-relay: fetching $PACKAGE from the npm registry into $DIR ..." >&2
(cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null) || { echo "s2s-relay: npm pack $PACKAGE failed (no such version, or no access to the npm registry)" >&2; exit 1; }
tar -xzf "$tmp"/node-*.tgz -C "$tmp"
[ -x "$tmp/package/bin/node" ] || { echo "s2s-relay: $PACKAGE has no bin/node" >&2; exit 1; }
got="$("$tmp/package/bin/node" --version)"
[ "$got" = "v$VERSION" ] || { echo "s2s-relay: $PACKAGE's node reports $got" >&2; exit 1; }
rm -rf "$DIR"
mv "$tmp/package" "$DIR"
echo "s2s-relay: node $got in $DIR/bin" >&2
echo "$DIR/bin"
