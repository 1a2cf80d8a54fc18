#!/usr/bin/env bash
# Benchmarks `profilegen bulk` (issue 5):
#   - 10 000 rows unsigned: profiles/s            (target >= 20 000/s)
#   - 10 000 rows signed with RSA-2048: profiles/s, and the ratio to
#     `openssl speed -multi CORES rsa2048` sign/s  (target >= 0.8)
#   - peak RSS for 100 000 rows, and for 10 000 to show it is flat (target < 100 MB)
# Needs: openssl, python3, /usr/bin/time. Writes only under a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/profilegen"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
echo "machine: $(uname -m), $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

python3 - "$work" <<'PY'
import sys, random
work = sys.argv[1]
domains = ["i.softbank.jp", "docomo.ne.jp", "icloud.com", "gmail.com", "yahoo.co.jp", "ocn.ne.jp", "biglobe.ne.jp"]
for n in (10_000, 100_000):
    with open(f"{work}/users{n}.csv", "w", encoding="utf-8") as f:
        f.write("email,name\n")
        for i in range(n):
            f.write(f"user{i}@{domains[i % len(domains)]},山田 太郎 {i}\n")
PY

# A throw-away RSA-2048 signer.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 30 -subj "/CN=profilegen bench" 2>/dev/null

rate() { python3 -c "print(f'{$1/$2:.0f}')"; }
elapsed() { # seconds of a command's wall time
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    python3 -c "print($e-$s)"
}

# The filesystem's own limit: a bare create + write + rename loop of 10 000 files of 2 KB.
fs_limit() {
    python3 - "$1" <<'PY'
import os, sys, time
d = sys.argv[1]; os.makedirs(d, exist_ok=True); data = b"x" * 2100
t = time.time()
for i in range(10000):
    tmp = os.path.join(d, f".t{i}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644); os.write(fd, data); os.close(fd)
    os.rename(tmp, os.path.join(d, f"f{i}.mobileconfig"))
print(f"{10000 / (time.time() - t):.0f}")
PY
}

echo "filesystem limit on $work (create+write+rename, one thread): $(fs_limit "$work/fs") files/s"
t=$(elapsed "$bin" bulk "$work/users10000.csv" --out-dir "$work/u" -q)
echo "unsigned, 10 000 rows, disk: ${t}s, $(rate 10000 "$t") profiles/s (target >= 20000)"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d -p /dev/shm)
    echo "filesystem limit on tmpfs: $(fs_limit "$shm/fs") files/s"
    t=$(elapsed "$bin" bulk "$work/users10000.csv" --out-dir "$shm/u" -q)
    echo "unsigned, 10 000 rows, tmpfs: ${t}s, $(rate 10000 "$t") profiles/s (target >= 20000)"
    rm -rf "$shm"
fi

limit=$(openssl speed -seconds 3 -multi "$cores" rsa2048 2>/dev/null \
    | awk '/^rsa/ && /2048/ { print $(NF-1) }' | tail -1)
echo "openssl speed -multi $cores rsa2048: $limit sign/s (all cores)"
signed() { # $1: output directory
    local t ours
    t=$(elapsed "$bin" bulk "$work/users10000.csv" --out-dir "$1" -q \
        --sign-cert "$work/cert.pem" --sign-key "$work/key.pem")
    ours=$(rate 10000 "$t")
    python3 -c "print(f'signed RSA-2048, 10 000 rows, $2: ${t}s, $ours profiles/s, ratio {$ours/$limit:.3f} (target >= 0.8)')"
}
signed "$work/s" disk
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d -p /dev/shm)
    signed "$shm/s" tmpfs
    rm -rf "$shm"
fi

for n in 10000 100000; do
    rm -rf "$work/m"
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" bulk "$work/users$n.csv" --out-dir "$work/m" -q >/dev/null 2>&1 || true
    echo "peak RSS, $n rows unsigned: $(( $(cat "$work/rss") / 1024 )) MB (target < 100 MB)"
done
