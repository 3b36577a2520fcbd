#!/usr/bin/env bash
# Fuzzes aksguard's file readers, one target after another, each for a bounded time.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 150 seconds, every target)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Not part of
# `cargo test` or .ci/run. Each target starts from the repository's real inputs (fixtures/) as
# its seed corpus. A crash is saved under fuzz/artifacts/TARGET/; turn it into a regression test
# of the main crate (tests/). The summary line of each run gives the executions.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-150}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(kubectl_files az_files snapshot_file config baseline)
fi

# Seeds: what each reader is meant to read, so the fuzzer starts inside the format.
seed() {
  local target="$1" dir="corpus/$1"
  mkdir -p "$dir"
  case "$target" in
    kubectl_files) cp ../fixtures/inputs/*/kubectl-get.json "$dir/" 2>/dev/null || true ;;
    az_files) for f in ../fixtures/inputs/contoso-insecure/*.json; do
                [ "$(basename "$f")" = kubectl-get.json ] || cp "$f" "$dir/"; done ;;
    snapshot_file) cp ../fixtures/demo/*.json "$dir/" ;;
    config) printf 'fail_on = "high"\nnamespaces = ["shop"]\n[[waiver]]\nrule = "local-accounts"\nresource = "*"\nreason = "r"\nexpires = 2030-01-01\n' > "$dir/seed.toml" ;;
    baseline) printf '{"schema_version":1,"target":{"cluster":"a","resource_group":"g","subscription":"s"},"findings":[{"rule":"r","resource":"x","status":"fail"}]}' > "$dir/seed.json" ;;
  esac
}

# No sanitizer: the readers are safe Rust, and libFuzzer still catches panics, aborts, stack
# overflows, timeouts and memory blow-ups (-rss_limit_mb); uninstrumented builds run faster. -O:
# release without debug assertions, as aksguard ships (-a would add overflow checks).
# -close_fd_mask=3: the readers' warnings on stderr (a part of a wrong type) would flood the log
# and slow the run; libFuzzer's own report still goes to stderr.
cargo +nightly fuzz build -O --sanitizer none
for target in "${targets[@]}"; do
  seed "$target"
  echo "== $target: ${seconds}s"
  cargo +nightly fuzz run -O --sanitizer none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3 \
    2>&1 | tee "/tmp/aksguard-fuzz-$target.log" | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
  if ls "artifacts/$target"/crash-* "artifacts/$target"/oom-* "artifacts/$target"/timeout-* >/dev/null 2>&1; then
    echo "!! $target: findings in fuzz/artifacts/$target/"
  fi
done
