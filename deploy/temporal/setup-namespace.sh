#!/bin/sh
# Namespace and search-attribute setup for s2s-relay (runs in temporalio/admin-tools once the server is
# healthy; also usable against any cluster where you may administer namespaces). Creates NAMESPACE with
# NAMESPACE_RETENTION if missing and registers the S2S* search attributes (domain/search-attributes.ts).
# Idempotent. The Temporal CLI reads TEMPORAL_ADDRESS (and TEMPORAL_API_KEY / TLS settings) itself.
set -eu

NAMESPACE="${NAMESPACE:-default}"
NAMESPACE_RETENTION="${NAMESPACE_RETENTION:-7d}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"

attempt=0
until temporal operator cluster health >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then
    echo "setup: Temporal at $TEMPORAL_ADDRESS is not healthy after $attempt tries" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "setup: namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$NAMESPACE_RETENTION"
  echo "setup: namespace $NAMESPACE created (retention $NAMESPACE_RETENTION)"
fi

# A new namespace takes a few seconds to reach every frontend's namespace cache.
attempt=0
until temporal operator search-attribute list --namespace "$NAMESPACE" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "setup: namespace $NAMESPACE is not usable after $attempt tries" >&2
    exit 1
  fi
  sleep 1
done

# A create that fails is fine only if the attribute is there already (a re-run).
registered() {
  temporal operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$1"
}

# Search attributes: one line per attribute, as worker/search-attributes.ts searchAttributeCommands() prints them.
temporal operator search-attribute create --namespace "$NAMESPACE" --name S2SUserId --type Keyword || registered S2SUserId
temporal operator search-attribute create --namespace "$NAMESPACE" --name S2SApp --type Keyword || registered S2SApp
temporal operator search-attribute create --namespace "$NAMESPACE" --name S2SState --type Keyword || registered S2SState
temporal operator search-attribute create --namespace "$NAMESPACE" --name S2SPending --type Int || registered S2SPending
temporal operator search-attribute create --namespace "$NAMESPACE" --name S2SDeadLetters --type Int || registered S2SDeadLetters

echo "setup: search attributes registered in $NAMESPACE"
