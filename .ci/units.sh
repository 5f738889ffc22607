#!/usr/bin/env bash
# The systemd units in deploy/ checked by `systemd-analyze verify` (issue 26): every directive
# known and well-formed, every command present. systemd is installed if missing; where it
# cannot be installed (no apt-get, no package), the check is skipped with a message saying so.
#
# The units run /usr/local/bin/tokenfare, /bin/sh and /usr/bin/find, and verify checks that
# each command exists, so they are checked inside a scratch root (`--root`) holding the
# release binary at that path and the system's own unit files (the targets they refer to),
# instead of installing anything into this machine's /usr/local. verify exits 0 after
# warnings (an unknown key, a time it cannot parse), so any line it prints fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    if command -v apt-get >/dev/null \
        && apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; then
        echo "units: installed systemd for systemd-analyze"
    else
        echo "units: SKIPPED: systemd-analyze is missing and systemd could not be installed here"
        exit 0
    fi
fi
cargo build --release --quiet
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/usr/bin" "$root/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system"
install -m 0755 target/release/tokenfare "$root/usr/local/bin/tokenfare"
cp "$(command -v sh)" "$root/bin/sh"
cp "$(command -v find)" "$root/usr/bin/find"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
units=()
for unit in deploy/*.service deploy/*.timer; do
    cp "$unit" "$root/etc/systemd/system/"
    units+=("/etc/systemd/system/$(basename "$unit")")
done
status=0
output=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    echo "$output"
    echo "units: systemd-analyze verify failed (exit $status) on ${units[*]}"
    exit 1
fi
echo "units: systemd-analyze verify passed: ${units[*]}"
