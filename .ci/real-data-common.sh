# Sourced (not run) by real-data.sh and official-data.sh, the checks against real saved data
# (../shared/data, never copied into the repo). Usage: `. .ci/real-data-common.sh NAME DIR`.
# From the repository root, whatever the caller's working directory: skips the check (exits 0)
# when the saved data DIR is missing, builds the release binary, and sets $bin and $work (a
# temporary directory removed on exit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d "$2" ]; then
  echo "$1: $2 not found; skipping"
  exit 0
fi
cargo build --release --quiet
bin=target/release/tokenfare
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
