#!/usr/bin/env bash
# Refreshes schema/apple/ from a checkout of Apple's apple/device-management repository (MIT),
# or from the project's shared reference copy. build.rs turns the YAML into the key table.
set -euo pipefail
src="${1:-../shared/reference/apple-device-management/all}"
dest="$(dirname "$0")/../schema/apple"
[ -d "$src/profiles" ] || { echo "usage: $0 DIR (with profiles/*.yaml)" >&2; exit 2; }
rm -rf "$dest/profiles" "$dest/declarations"
mkdir -p "$dest"
cp -r "$src/profiles" "$dest/profiles"
cp -r "$src/declarations" "$dest/declarations"
echo "copied $(ls "$dest/profiles" | wc -l) payload and $(ls "$dest/declarations" | wc -l) declaration schemas into $dest"
