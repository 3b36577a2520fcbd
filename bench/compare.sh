#!/usr/bin/env bash
# The speed gate of a change: the offline audit of a generated cluster by this checkout's build
# and by an earlier revision's, run in turns on the same data, so that both see the same machine.
# A gate stated in seconds measured on another day says little on a machine whose speed drifts
# (this project's development machine ran the same build 1.38 s one week and 2.2 s the next);
# the ratio of two builds measured together does.
#
#   bench/compare.sh REV [PODS] [RUNS]    # e.g. bench/compare.sh 6bb3359 100000 10
#
# REV's aksguard is built once in a worktree of its own (target/bench/rev-REV, about 2 GB and ten
# minutes the first time). The cluster is the one bench/run.sh generates (default 100,000 pods).
# Prints the median, fastest and slowest wall time and the peak memory of each build, and the
# ratio of the medians. Needs GNU time. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

rev=${1:?usage: bench/compare.sh REV [PODS] [RUNS]}
pods=${2:-100000}
runs=${3:-10}
command -v /usr/bin/time >/dev/null || { echo "bench/compare.sh needs GNU time: apt-get install time" >&2; exit 2; }

commit=$(git rev-parse --short "$rev^{commit}")
old=target/bench/rev-$commit
if [ ! -x "$old/aksguard" ]; then
    rm -rf "$old/src"
    git worktree prune  # a run stopped half-way leaves its worktree registered
    git worktree add --detach "$old/src" "$commit" >/dev/null
    CARGO_TARGET_DIR="$old/target" cargo build --quiet --release --locked --manifest-path "$old/src/Cargo.toml" --bin aksguard
    cp "$old/target/release/aksguard" "$old/aksguard"
    git worktree remove --force "$old/src"
fi
cargo build --quiet --release --bin aksguard --example gen-cluster

dir=target/bench/cluster-$pods
if [ ! -f "$dir/kubectl-get.json" ]; then
    target/release/examples/gen-cluster --namespaces $((pods / 20)) --pods "$pods" -o "$dir" 2>/dev/null
fi

# Older builds named the report file flag `--output`.
output_flag() { "$1" audit --help | grep -q -- '--output-file' && echo --output-file || echo --output; }

# One audit: "wall-seconds max-rss-KiB".
audit() {
    /usr/bin/time -f '%e %M' "$1" audit --from-az "$dir"/az/*.json --from-kubectl "$dir/kubectl-get.json" \
        --format json "$(output_flag "$1")" /dev/null 2>&1 >/dev/null | tail -1
}

builds=("$old/aksguard" target/release/aksguard)
names=("$commit" "this checkout")
results=$(mktemp)
trap 'rm -f "$results"' EXIT
audit "${builds[0]}" >/dev/null
audit "${builds[1]}" >/dev/null
for _ in $(seq "$runs"); do
    for i in 0 1; do
        echo "$i $(audit "${builds[$i]}")" >>"$results"
    done
done

# The sorted wall times of build $1, one a line.
walls() { awk -v i="$1" '$1 == i { print $2 }' "$results" | sort -n; }
median() { walls "$1" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'; }
peak_mb() { awk -v i="$1" '$1 == i && $3 > rss { rss = $3 } END { printf "%d", rss / 1024 }' "$results"; }

echo "| build | median | fastest | slowest | peak RSS |"
echo "|---|---:|---:|---:|---:|"
for i in 0 1; do
    printf "| %s | %.2f s | %.2f s | %.2f s | %s MB |\n" "${names[$i]}" "$(median "$i")" "$(walls "$i" | head -1)" \
        "$(walls "$i" | tail -1)" "$(peak_mb "$i")"
done
awk -v old="$(median 0)" -v new="$(median 1)" -v runs="$runs" -v pods="$pods" 'BEGIN {
    printf "\n%d pods, %d runs of each in turns: this checkout takes %.2f× the time of the earlier build.\n", pods, runs, new / old }'
