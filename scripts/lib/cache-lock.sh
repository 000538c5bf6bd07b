# Sourced by scripts/temporal-cli.sh and scripts/temporal-server.sh: one process at a time provisions a tool
# into the per-user cache. `cache_lock PATH WHAT` waits for and takes the lock of PATH: flock on PATH.lock
# where flock exists, else (macOS) a mkdir lock PATH.lock.d holding the owner's pid, taken over when its owner
# is gone or never wrote a pid within a minute. Needs the caller's `say`; sets `lockdir` (the mkdir lock, for
# the caller's EXIT trap to remove).
cache_lock() {
  local path="$1" what="$2"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$path.lock"
    flock 9
    return
  fi
  local waited=0 owner
  until mkdir "$path.lock.d" 2>/dev/null; do
    owner="$(cat "$path.lock.d/pid" 2>/dev/null || true)"
    if { [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; } || { [ -z "$owner" ] && [ "$waited" -ge 60 ]; }; then
      say "taking over the stale lock $path.lock.d${owner:+ (process $owner is gone)}"
      rm -rf "$path.lock.d"
      waited=0
      continue
    fi
    if [ "$waited" -eq 0 ]; then say "waiting for another process $what (lock $path.lock.d) ..."; fi
    sleep 1
    waited=$((waited + 1))
  done
  lockdir="$path.lock.d"
  echo $$ >"$lockdir/pid"
}
