#!/usr/bin/env bash
# Runs `lint --fix` over a folder of third-party profiles (default: ../shared/corpus) and checks
# that it never crashes and never writes a file that no longer parses: `--diff` for every file,
# then `--fix --unsafe-fixes --unsign -o` into a temporary folder, each output read back with
# Python's plistlib (a parser nobody here wrote). Prints the counts; exits 1 on any failure.
set -euo pipefail
corpus="${1:-../shared/corpus}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/profilegen"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
files=0 changed=0 crashed=0 unparsable=0
while IFS= read -r -d '' f; do
    files=$((files + 1))
    set +e
    "$bin" -q lint --diff --unsafe-fixes "$f" >/dev/null 2>&1
    rc=$?
    set -e
    if [ "$rc" -gt 2 ]; then
        echo "CRASH (exit $rc): --diff $f"
        crashed=$((crashed + 1))
        continue
    fi
    target="$out/$files.out"
    set +e
    "$bin" -q lint --fix --unsafe-fixes --unsign "$f" -o "$target" >/dev/null 2>&1
    rc=$?
    set -e
    if [ "$rc" -gt 2 ]; then
        echo "CRASH (exit $rc): --fix $f"
        crashed=$((crashed + 1))
        continue
    fi
    if [ -e "$target" ]; then
        changed=$((changed + 1))
        if ! python3 -c 'import plistlib,sys; plistlib.load(open(sys.argv[1],"rb"))' "$target" 2>/dev/null; then
            echo "UNPARSABLE after --fix: $f"
            unparsable=$((unparsable + 1))
        fi
    fi
done < <(find "$corpus" -type f \( -name '*.mobileconfig' -o -name '*.plist' -o -name '*.xml' -o -name '*.mobileconfig.*' \) -print0 | sort -z)
echo "files: $files, fixed: $changed, crashed: $crashed, unparsable after fixing: $unparsable"
[ "$crashed" -eq 0 ] && [ "$unparsable" -eq 0 ]
