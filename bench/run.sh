#!/usr/bin/env bash
# The scale benchmark: for generated clusters of 2,000, 20,000 and 100,000 pods, the wall time and
# peak memory of `aksguard audit --from-az ... --from-kubectl ... --format json`, next to the time
# just to parse the same JSON with serde_json, so aksguard's own cost is visible, and the CPU time
# rules and report take on top of reading. Prints the Markdown table the README shows.
#
#   bench/run.sh                 # 2000 20000 100000 pods, and 100000 as compact JSON; 5 runs each
#   RUNS=10 bench/run.sh 20000 20000:compact   # other sizes, more runs
#
# kubectl prints JSON indented by 4 spaces; SIZE:compact writes the compact JSON an API server
# sends (what live collection reads), about 40% of the bytes for the same pods.
#
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time). Generated clusters are
# kept in target/bench (about 1.1 GB for 100,000 pods) and reused. Run it on a quiet machine:
# other builds on the same cores make every number worse.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/run.sh needs $tool: apt-get install hyperfine time (Debian/Ubuntu)" >&2
        exit 2
    fi
done

runs=${RUNS:-5}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 20000 100000 100000:compact)
data=target/bench

cargo build --quiet --release --bin aksguard --example gen-cluster --example parse-only
aksguard=target/release/aksguard
parse_only=target/release/examples/parse-only

# Median wall seconds and mean CPU seconds (user + system) of one command, measured by hyperfine.
# CPU time says what a command costs even when other work shares the cores and stretches its wall
# time; the audit runs its rules on several threads, so its CPU time can exceed its wall time.
median() {
    local csv
    csv=$(mktemp)
    hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$csv" "$1" >/dev/null 2>&1
    awk -F, 'NR == 2 { print $4, $5 + $6 }' "$csv"
    rm -f "$csv"
}

# Peak resident memory of one run, in MB.
peak_mb() {
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'
}

echo "| pods | namespaces | input | parse only (serde_json) | read into snapshot | aksguard audit | rules + report | rules + report, CPU | audit / parse | peak RSS | RSS / input |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for size in "${sizes[@]}"; do
    pods=${size%%:*}
    namespaces=$((pods / 20))
    dir=$data/cluster-${size/:/-}
    compact=()
    [ "$size" = "$pods" ] || compact=(--compact)
    if [ ! -f "$dir/kubectl-get.json" ]; then
        target/release/examples/gen-cluster --namespaces "$namespaces" --pods "$pods" "${compact[@]}" -o "$dir" 2>/dev/null
    fi
    files=("$dir"/az/*.json "$dir/kubectl-get.json")
    input_mb=$(du -bc "${files[@]}" | awk 'END { printf "%.1f", $1 / 1e6 }')
    audit=("$aksguard" audit --from-az "$dir"/az/*.json --from-kubectl "$dir/kubectl-get.json" --format json --output-file /dev/null)

    read -r parse _ < <(median "$parse_only ignored ${files[*]}")
    read -r snapshot snapshot_cpu < <(median "$parse_only snapshot ${files[*]}")
    read -r total total_cpu < <(median "${audit[*]}")
    rss=$(peak_mb "${audit[@]}")

    awk -v pods="$size" -v ns="$namespaces" -v input="$input_mb" -v parse="$parse" -v snap="$snapshot" \
        -v total="$total" -v cpu="$total_cpu" -v snap_cpu="$snapshot_cpu" -v rss="$rss" 'BEGIN {
        printf "| %s | %d | %.0f MB | %.2f s | %.2f s | **%.2f s** | %+.0f%% | %.2f s | %.2f× | %d MB | %.2f× |\n",
            pods, ns, input, parse, snap, total, (total - snap) / snap * 100, cpu - snap_cpu, total / parse, rss,
            rss / input
    }'
done
echo
echo "Medians of $runs runs after a warm-up, files in the page cache; $(nproc) cores, $(uptime | sed 's/.*load average: /load /')."
