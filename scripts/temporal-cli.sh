#!/usr/bin/env bash
# Finds or provisions the Temporal CLI (which embeds the dev server) and prints its path on stdout.
# Order: $TEMPORAL_CLI; `temporal` on PATH; a copy cached per user and version outside the clone;
# the official release download (fails fast offline); `go install` from source; else a clear error.
# Progress goes to stderr. Safe to run concurrently (a lock serialises the download/build: flock where it
# exists, else a mkdir lock, e.g. on macOS).
set -euo pipefail

VERSION="${TEMPORAL_CLI_VERSION:-1.5.1}"
CACHE_ROOT="${S2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s2s-relay}"
DIR="$CACHE_ROOT/temporal-cli/v$VERSION"
BIN="$DIR/temporal"

say() { printf 's2s-relay: %s\n' "$*" >&2; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
  say "TEMPORAL_CLI is set to '$TEMPORAL_CLI' but that is not an executable file."
  exit 1
fi

if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

mkdir -p "$DIR"
tmp=""
lockdir=""
cleanup() {
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
  if [ -n "$lockdir" ]; then rm -rf "$lockdir"; fi
}
trap cleanup EXIT

# shellcheck source=lib/cache-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache-lock.sh"
# shellcheck source=lib/go-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"
cache_lock "$DIR" "provisioning the Temporal CLI"
# Another process may have provisioned it while we waited for the lock.
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

tmp="$(mktemp -d "$DIR.tmp.XXXXXX")"

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unsupported ;; esac
case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=unsupported ;; esac

if [ "$os" != unsupported ] && [ "$arch" != unsupported ] && command -v curl >/dev/null 2>&1; then
  url="https://temporal.download/cli/archive/v$VERSION?platform=$os&arch=$arch"
  say "downloading Temporal CLI v$VERSION from $url ..."
  if curl -fsSL --connect-timeout 5 --max-time 300 -o "$tmp/cli.tar.gz" "$url" 2>/dev/null \
    && tar -xzf "$tmp/cli.tar.gz" -C "$tmp" temporal 2>/dev/null; then
    mv "$tmp/temporal" "$BIN"
    say "installed $BIN"
    echo "$BIN"
    exit 0
  fi
  say "download not possible here (no internet access?); trying to build from source instead."
fi

if command -v go >/dev/null 2>&1; then
  say "building Temporal CLI v$VERSION with Go into $DIR (first build takes a few minutes; later runs reuse it) ..."
  start=$(date +%s)
  if go_install "$tmp" "github.com/temporalio/cli/cmd/temporal@v$VERSION"; then
    mv "$tmp/temporal" "$BIN"
    say "built $BIN in $(( $(date +%s) - start ))s"
    echo "$BIN"
    exit 0
  fi
  say "go install failed (see the output above)."
fi

cat >&2 <<MSG
s2s-relay: the Temporal CLI v$VERSION is not available and could not be downloaded or built.
Install it one of these ways, then run the command again:
  - download it from https://temporal.io/setup/install-temporal-cli and put 'temporal' on PATH, or
  - set TEMPORAL_CLI=/path/to/temporal, or
  - install Go and run: CGO_ENABLED=0 GOTOOLCHAIN=local go install github.com/temporalio/cli/cmd/temporal@v$VERSION
MSG
exit 1
