#!/usr/bin/env bash
# The browser tests (issue 9): real headless Chromium, driven through chromedriver, against the
# real release binary serving on 127.0.0.1. Installs Debian's chromium and chromium-driver when
# missing. Arguments select flows by name, e.g. `bash .ci/browser.sh calculator`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "== installing chromium and chromium-driver"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
fi

# The site runs as the release binary every other check uses (built once, no test features);
# only the WebDriver harness is compiled, in the test profile whose dependencies `cargo test`
# has already built. Compiling it with `--release` rebuilt every dependency a second time in
# release with the dev-dependencies' features, minutes of CI for a harness that waits on a browser.
cargo build --release --quiet
TOKENFARE_BIN="$PWD/target/release/tokenfare" cargo test --features browser --test browser -- "$@"
