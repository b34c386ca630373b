#!/usr/bin/env bash
# Runs each fuzz target of fuzz/ for a bounded time (default 60 s each), seeded with the
# contract's operations, the demo plan and the kept regressions. A crash leaves its input in
# fuzz/artifacts/<target>/; copy it into fuzz/regressions/<target>/ with a name that says
# what it is, fix the code, and the unit tests `the_fuzzers_findings_stay_fixed` keep it.
#
#   scripts/fuzz.sh            # every target, 60 s each
#   scripts/fuzz.sh 300 document
#
# cargo-fuzz needs nightly-only flags; on a stable toolchain RUSTC_BOOTSTRAP=1 allows them,
# and `-s none` skips the sanitizer (stack overflows and panics are what we look for).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=(document plan_table); fi

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
export CARGO_TARGET_DIR="${CARGO_FUZZ_TARGET_DIR:-$HOME/.cache/tongxin-fuzz-target}"
export RUSTC_BOOTSTRAP=1

# Seeds: what the apps send (the contract's operations) and the bureau's real plan table,
# copied at each run rather than kept twice in the repository.
mkdir -p corpus/document corpus/plan_table
for operation in ../api/tests/contract/operations/*.graphql; do
  cp "$operation" "corpus/document/seed-$(basename "$operation")"
done
cp ../api/data/plan-2022.csv corpus/plan_table/seed-plan-2022.csv

for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  echo "== fuzzing $target for ${seconds}s"
  # The fuzzer's stack is 2 MiB like a tokio worker's, so a recursion that would kill
  # the server kills the run; -rss_limit_mb bounds memory.
  (ulimit -s 2048 && cargo fuzz run "$target" -s none --release -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
    "corpus/$target" "regressions/$target")
done
echo "fuzzing found nothing in ${seconds}s per target"
