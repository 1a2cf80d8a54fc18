#!/usr/bin/env bash
# Throughput against the limits it chases (issue 17), in interleaved, repeated rounds:
#   - signed bulk (RSA-2048, ECDSA P-256) vs `openssl speed -multi CORES rsa2048 / ecdsap256`
#   - unsigned bulk vs a bare single-threaded Python create+write+rename loop writing the same
#     files, and bulk's CPU per profile; and the kernel's floor: CORES threads doing nothing but
#     bulk's four system calls per file (examples/bare_writes.rs)
#   - lint on all cores vs one core, and vs the DTD-only Python validator `validate-plist-xml`
#     (installed into a private venv from PyPI when pip can reach it; skipped otherwise)
#   - peak memory: bulk at 200 000 rows, lint on those 200 000 files and on 10 000
# Prints the median of each figure and the ratios. Writes only under temporary directories (on
# tmpfs when /dev/shm is writable). ROUNDS=N (default 5), ROWS=N (default 10 000).
# Needs: openssl, python3, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin profilegen --example bare_writes
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/profilegen"
bare_writes="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/examples/bare_writes"
base=/tmp
if [ -d /dev/shm ] && [ -w /dev/shm ]; then base=/dev/shm; fi
work=$(mktemp -d -p "$base")
venv=$(mktemp -d)
trap 'rm -rf "$work" "$venv"' EXIT

validator=""
if python3 -m venv "$venv" >/dev/null 2>&1 &&
    "$venv/bin/pip" install -q --disable-pip-version-check validate-plist-xml >/dev/null 2>&1; then
    validator="$venv/bin/python"
fi

ROUNDS="${ROUNDS:-5}" ROWS="${ROWS:-10000}" python3 - "$bin" "$work" "$validator" "$bare_writes" <<'PY'
import os, resource, shutil, statistics, subprocess, sys, time

bin_, work, validator, bare_writes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rounds, rows = int(os.environ["ROUNDS"]), int(os.environ["ROWS"])
cores = os.cpu_count()
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
ossl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
print(f"machine: {os.uname().machine}, {cores} cores, {model}; {ossl}; files on {os.path.dirname(work)}")
print(f"{rounds} interleaved rounds, {rows} rows; medians")

domains = ["i.softbank.jp", "docomo.ne.jp", "icloud.com", "gmail.com", "yahoo.co.jp", "ocn.ne.jp", "biglobe.ne.jp"]
def users(n):
    p = f"{work}/users{n}.csv"
    with open(p, "w", encoding="utf-8") as f:
        f.write("email,name\n")
        for i in range(n):
            f.write(f"user{i}@{domains[i % len(domains)]},山田 太郎 {i}\n")
    return p
csv, csv_big = users(rows), users(200_000)

def key(kind):
    args = ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    subprocess.run(["openssl", "req", "-x509", *args, "-nodes", "-keyout", f"{work}/{kind}.key",
                    "-out", f"{work}/{kind}.pem", "-days", "30", "-subj", "/CN=profilegen bench"],
                   check=True, capture_output=True)
    return ["--sign-cert", f"{work}/{kind}.pem", "--sign-key", f"{work}/{kind}.key"]
sign = {"rsa": key("rsa"), "ec": key("ec")}

def run(cmd):
    """Wall seconds and CPU seconds (user + system) of a command."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0 and os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime

def speed(alg):
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "-multi", str(cores), alg],
                         capture_output=True, text=True).stdout
    lines = [l for l in out.splitlines() if ("rsa" in l and "2048" in l) or "nistp256" in l]
    return float(lines[-1].split()[-2])

def bulk(out, extra=()):
    shutil.rmtree(out, ignore_errors=True)
    return run([bin_, "bulk", csv, "--out-dir", out, "-q", *extra])

def bare_loop(src, dst):
    """A bare single-threaded create+write+rename loop writing the same files."""
    names = sorted(os.listdir(src))
    data = [open(os.path.join(src, n), "rb").read() for n in names]
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    t = time.perf_counter()
    for i, (n, b) in enumerate(zip(names, data)):
        tmp = os.path.join(dst, f".t{i}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b)
        os.close(fd)
        os.rename(tmp, os.path.join(dst, n))
    return time.perf_counter() - t

def floor(src, dst):
    """The kernel's floor: CORES threads doing only bulk's system calls for the same files."""
    shutil.rmtree(dst, ignore_errors=True)
    out = subprocess.run([bare_writes, src, dst, str(cores)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())

fig = {k: [] for k in ["rsa_limit", "rsa", "ec_limit", "ec", "unsigned", "cpu_us", "bare", "floor", "lint1", "lintN", "dtd"]}
unsigned_dir = f"{work}/u"
for r in range(rounds):
    fig["rsa_limit"].append(speed("rsa2048"))
    fig["rsa"].append(rows / bulk(f"{work}/s", sign["rsa"])[0])
    fig["ec_limit"].append(speed("ecdsap256"))
    fig["ec"].append(rows / bulk(f"{work}/s", sign["ec"])[0])
    wall, cpu = bulk(unsigned_dir)
    fig["unsigned"].append(rows / wall)
    fig["cpu_us"].append(cpu / rows * 1e6)
    fig["bare"].append(rows / bare_loop(unsigned_dir, f"{work}/bare"))
    fig["floor"].append(floor(unsigned_dir, f"{work}/floor"))
    fig["lint1"].append(rows / run([bin_, "lint", "-q", "--jobs", "1", unsigned_dir])[0])
    fig["lintN"].append(rows / run([bin_, "lint", "-q", "--jobs", str(cores), unsigned_dir])[0])
    if validator:
        code = "import sys, validate_plist_xml.validate_plist_xml as v; v.validate_plist_files(sys.argv[1], ('.mobileconfig',))"
        fig["dtd"].append(rows / run([validator, "-c", code, unsigned_dir])[0])
    print(f"  round {r + 1}: rsa {fig['rsa'][-1]:.0f}/s of {fig['rsa_limit'][-1]:.0f}, "
          f"ecdsa {fig['ec'][-1]:.0f}/s of {fig['ec_limit'][-1]:.0f}, unsigned {fig['unsigned'][-1]:.0f}/s, "
          f"bare loop {fig['bare'][-1]:.0f}/s, lint {fig['lint1'][-1]:.0f}/s → {fig['lintN'][-1]:.0f}/s", flush=True)

med = {k: statistics.median(v) for k, v in fig.items() if v}
def line(what, ours, limit, target):
    print(f"{what:<44} {ours:>9.0f}/s vs {limit:>9.0f}/s  ratio {ours / limit:6.3f}  (target {target})")
print()
line(f"bulk signed RSA-2048 vs openssl speed -multi {cores}", med["rsa"], med["rsa_limit"], ">= 0.85")
line(f"bulk signed ECDSA P-256 vs openssl speed -multi {cores}", med["ec"], med["ec_limit"], ">= 0.5")
line("bulk unsigned vs bare Python create+write+rename", med["unsigned"], med["bare"], ">= 2")
line(f"  (kernel floor: {cores} threads of bare system calls)", med["floor"], med["bare"], "the most any writer gets")
line("bulk unsigned vs that floor", med["unsigned"], med["floor"], "-")
print(f"{'bulk unsigned, CPU per profile':<44} {med['cpu_us']:>9.1f} µs (target <= 20 µs)")
line(f"lint --jobs {cores} vs --jobs 1", med["lintN"], med["lint1"], ">= 1.6")
if "dtd" in med:
    line("lint vs validate-plist-xml (DTD only)", med["lintN"], med["dtd"], ">= 2")
else:
    print("validate-plist-xml: not installed (pip could not reach PyPI); skipped")

def peak(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    return int(out.stderr.strip().splitlines()[-1]) // 1024
shutil.rmtree(f"{work}/big", ignore_errors=True)
print(f"{'peak RSS, bulk 200 000 rows unsigned':<44} {peak([bin_, 'bulk', csv_big, '--out-dir', f'{work}/big', '-q']):>9} MB (target < 50 MB)")
print(f"{'peak RSS, lint of 200 000 files':<44} {peak([bin_, 'lint', '-q', f'{work}/big']):>9} MB (bounded: files in flight, plus each file's name and UUIDs)")
shutil.rmtree(f"{work}/big", ignore_errors=True)
print(f"{'peak RSS, lint of ' + str(rows) + ' files':<44} {peak([bin_, 'lint', '-q', unsigned_dir]):>9} MB")
PY
