#!/usr/bin/env bash
# Wall time of one `profilegen new`, process start included. Uses hyperfine when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/profilegen"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 10 -N "$bin new --email taro@i.softbank.jp --name '山田 太郎' -o $out/t.mobileconfig -q"
else
    n=200
    start=$(date +%s%N)
    for _ in $(seq $n); do
        "$bin" new --email taro@i.softbank.jp --name '山田 太郎' -o "$out/t.mobileconfig" -q
    done
    end=$(date +%s%N)
    echo "profilegen new: $(( (end - start) / n / 1000 )) µs per run (mean of $n)"
fi
