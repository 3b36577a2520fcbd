#!/usr/bin/env bash
# Fleet benchmark: `aksguard fleet --skip-kubernetes -o json` (the ARM-only fleet audit) against
# the local Resource Graph stand-in serving a generated estate, every request delayed by a
# simulated latency. Prints wall time and peak memory (max RSS) of three runs.
#
#   bench/fleet.sh [CLUSTERS SUBSCRIPTIONS LATENCY_MS]     # default 500 50 50
#   PODS=200 bench/fleet.sh 100 10 50                     # with the Kubernetes side: every
#       cluster read with its own credential (listClusterUserCredential), PODS pods each;
#       CONTEXTS=1 reads them through kubeconfig contexts (--kubeconfig-contexts) instead
#   REFUSE_TABLES=1 bench/fleet.sh                       # Resource Graph refuses securityresources
#       and policyresources: the Defender and Policy data are read from ARM instead, for comparison
#
# Needs /usr/bin/time (GNU time). Not part of .ci/run. PROFILE=debug measures the debug build
# (slower; for machines without room for a release build).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-release}
case "$profile" in
  release) cargo build --release --quiet --bin aksguard --example fake_resource_graph; bin=${CARGO_TARGET_DIR:-target}/release ;;
  *) cargo build --quiet --bin aksguard --example fake_resource_graph; bin=${CARGO_TARGET_DIR:-target}/debug ;;
esac
dir=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

clusters=${1:-500}
$bin/examples/fake_resource_graph "$dir" "$clusters" "${2:-50}" "${3:-50}" "${PODS:-0}" &
server_pid=$!
for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
url=$(cat "$dir/url")

# The Azure CLI credential, faked: a token and a default subscription.
mkdir "$dir/bin"
cat > "$dir/bin/az" <<'AZ'
#!/bin/sh
case "$1 $2" in
  'account get-access-token') echo '{"accessToken":"benchmark-token","expiresOn":"2030-01-01 00:00:00.000000","expires_on":1893456000,"subscription":"00000000-0000-0000-0000-000000000000","tenant":"t","tokenType":"Bearer"}' ;;
  'account show') echo 00000000-0000-0000-0000-000000000000 ;;
  *) exit 2 ;;
esac
AZ
chmod +x "$dir/bin/az"

side=(--skip-kubernetes)
label="--skip-kubernetes"
if [ "${PODS:-0}" -gt 0 ] && [ -n "${CONTEXTS:-}" ]; then
  for _ in $(seq 100); do [ -s "$dir/kubeconfig" ] && break; sleep 0.1; done
  side=(--kubeconfig-contexts --kubeconfig "$dir/kubeconfig")
  label="--kubeconfig-contexts, $PODS pods each"
elif [ "${PODS:-0}" -gt 0 ]; then
  side=()
  label="listClusterUserCredential, $PODS pods each"
fi
for run in 1 2 3; do
  env -i HOME="$dir" PATH="$dir/bin:/usr/bin:/bin" SSL_CERT_FILE="$dir/ca.pem" \
    /usr/bin/time -f "fleet $label ($profile), $clusters clusters (run $run): %e s wall, %M KiB max RSS" \
    $bin/aksguard fleet "${side[@]}" -o json --show all --arm-endpoint "$url" > "$dir/report.json"
done
echo "report: $(wc -c < "$dir/report.json") bytes, $(grep -o '"clusters": [0-9]*' "$dir/report.json" | tail -1), $(grep -o '"read": [0-9]*' "$dir/report.json" | tail -1)"
