# Sourced by scripts/temporal-cli.sh and scripts/temporal-server.sh: `go_install GOBIN PACKAGE@VERSION` builds one
# Temporal binary from source (static, with the Go on PATH) into GOBIN, and tries once more after 10 s when the
# first try fails: a module download the proxy or the network drops once should not fail a fresh machine's setup
# or a CI run. Returns non-zero when both tries failed (the output of each is on stderr).
go_install() {
  local gobin="$1" pkg="$2" try
  for try in 1 2; do
    if CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$gobin" GOFLAGS=-mod=mod go install "$pkg" >&2; then return 0; fi
    if [ "$try" -eq 1 ]; then
      echo "s2s-relay: go install $pkg failed; trying once more in 10 s ..." >&2
      sleep 10
    fi
  done
  return 1
}
