#!/usr/bin/env bash
# Benchmark: a full live `aksguard audit` against `kubectl get pods -A -o json` (and curl) on the
# same local HTTPS server serving a generated cluster (default 1,000 namespaces, 20,000 pods,
# 50 nodes). Prints wall time and peak memory (max RSS) of each, and the size of the JSON served.
#
#   bench/live.sh [NAMESPACES PODS NODES]
#
# Needs /usr/bin/time (GNU time) and curl; kubectl is measured when it is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin aksguard --example fake_apiserver
dir=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

target/release/examples/fake_apiserver "$dir/kubeconfig" "${1:-1000}" "${2:-20000}" "${3:-50}" &
server_pid=$!
for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
url=$(cat "$dir/url")
auth="Authorization: Bearer benchmark-token"

served() { curl -sf --cacert "$dir/ca.pem" -H "$auth" "$url$1" | wc -c; }
pods_bytes=$(served /api/v1/pods)
all_bytes=0
for path in /api/v1/namespaces /api/v1/pods /apis/networking.k8s.io/v1/networkpolicies \
            /apis/apps/v1/daemonsets /apis/apps/v1/replicasets /apis/batch/v1/jobs; do
  all_bytes=$((all_bytes + $(served "$path")))
done
echo "JSON served: pods $((pods_bytes / 1024)) KiB; every kind aksguard reads $((all_bytes / 1024)) KiB"

measure() {
  local name=$1; shift
  for run in 1 2 3; do
    /usr/bin/time -f "$name (run $run): %e s wall, %M KiB max RSS" "$@" > /dev/null
  done
}
measure "aksguard audit (every kind)" target/release/aksguard audit --kubeconfig "$dir/kubeconfig" --skip-azure --quiet --format json
if command -v kubectl > /dev/null; then
  measure "kubectl get pods -A -o json" kubectl --kubeconfig "$dir/kubeconfig" get pods -A -o json
else
  echo "kubectl is not on PATH: skipped"
fi
measure "curl, pods in pages of 500" sh -c '
  token=""; while :; do
    page=$(curl -sf --cacert "$0/ca.pem" -H "$1" "$2/api/v1/pods?limit=500${token:+&continue=$token}")
    token=$(printf "%s" "$page" | grep -o "\"continue\":\"[^\"]*\"" | cut -d\" -f4 | sed "s/+/%2B/g; s#/#%2F#g; s/=/%3D/g")
    [ -n "$token" ] || break
  done' "$dir" "$auth" "$url"
