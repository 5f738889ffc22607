#!/usr/bin/env bash
# Do two revisions answer the same? The check for a change meant to alter no behaviour (issue
# 23's redesign): both builds serve the same database, made from the real saved data, and a
# fixed list of URLs (every route, several filters, sorts and sources, the exports and feeds,
# the redirects, 404s and 400s; the list is URLS in .ci/same_answers.py) is fetched from each
# and compared byte for byte: status, content-type, location and body.
#
#   bash .ci/same-answers.sh OLD_REV NEW_REV      # e.g. main i23-web; exit 1 when any differ
#
# Prints one line per URL (same/DIFFER, status, bytes), a trimmed unified diff for each
# difference (JSON indented first, so a one-line body shows where it differs), then
# "N URLs compared, M differ". The bodies of every differing URL are kept in
# $SAME_ANSWERS_DIR/last-diff/{old,new}/NN.body (NN = the URL's place in the list).
#
# Too slow for .ci/run: about 45 s once both builds are there (40 s of it the endpoints pass's
# polite half-second pauses over 309 models), plus the builds: on the shared 2-core machine a
# release build from scratch took 21 min, a new revision seeded from another's target 6 min.
# Measured: `bash .ci/same-answers.sh main main` -> 77 URLs compared, 0 differ, 45 s;
# `bash .ci/same-answers.sh e643333 main` -> 1 differs, the calculator's JSON export, whose
# rounding 4b3f8a5 changed on purpose.
#
# How:
# - Each revision is built in release mode in its own detached git worktree under
#   $SAME_ANSWERS_DIR (default /tmp/tokenfare-same-answers), wt-NAME with target-NAME as its
#   CARGO_TARGET_DIR, NAME the revision as typed; both are kept, so a re-run (after more
#   commits on the same branch) builds incrementally. A new NAME's target starts as a copy of
#   the newest target there, so only the crate itself is compiled again. Two names for one
#   commit build once. Remove the directory to reclaim its space (about 1.3 GB a revision);
#   `git worktree prune` then forgets its worktrees.
# - One database is prepared with the OLD build from ../shared/data (never copied into the
#   repo): import-history of the 22 daily catalogues, ingest --file of the 400-model catalogue
#   (models-2026-08-08.json), import-history --source official of the 8 dated official feeds,
#   then one `ingest` from a fake OpenRouter on loopback serving the saved catalogue, provider
#   list (providers-2026-05-20.json) and endpoints of openai/gpt-4o (the only saved list for a
#   model of the catalogue; every other model's list comes back empty, which ingest records as
#   that model's failed fetch). The NEW build serves the OLD build's data: what is compared is
#   reading, rendering and exporting, not ingesting.
# - Each build gets its own copy of that database, so every stored time is the same, and both
#   serve at once (`serve --refresh-every off`, the same --public-url, upstream URLs pointing
#   nowhere) on two loopback ports; every request names the same Host and asks for
#   Accept-Encoding: identity, and the two answers to a URL are fetched back to back.
#
# Normalised: nothing. Not compared: headers other than content-type and location (ETag,
# Last-Modified, Date and the like carry times and versions, not answers). Ages on pages are
# counted in days from now, so a run across midnight UTC could see one page differ.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
  echo "usage: bash .ci/same-answers.sh OLD_REV NEW_REV" >&2
  exit 2
fi
data=$(realpath -m ../shared/data)
if [ ! -d "$data/openrouter" ] || [ ! -d "$data/official" ]; then
  echo "same-answers: $data not found (the saved data sits beside the repository)" >&2
  exit 2
fi
cache=${SAME_ANSWERS_DIR:-/tmp/tokenfare-same-answers}
mkdir -p "$cache"
started=$(date +%s)

# Builds revision $1 (resolved to commit $2) and sets $bin to the binary's path.
build() {
  local name worktree target
  name=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '-')
  worktree=$cache/wt-$name
  target=$cache/target-$name
  if [ -d "$worktree" ]; then
    git -C "$worktree" checkout --quiet --force --detach "$2"
  else
    # --force: the folder may have been removed while git still lists it.
    git worktree add --quiet --force --detach "$worktree" "$2"
  fi
  if [ ! -d "$target" ]; then
    # A first build starts from another revision's target (its dependencies are the same or
    # nearly), which saves most of a release build from scratch.
    seed=$(ls -td "$cache"/target-* 2>/dev/null | head -1)
    if [ -n "$seed" ]; then
      echo "-- seeding $target from $seed"
      cp -a "$seed" "$target"
    fi
  fi
  echo "-- building $1 ($(git log -1 --format='%h %s' "$2" | cut -c1-70)) in $worktree"
  (cd "$worktree" && CARGO_TARGET_DIR=$target cargo build --release --quiet)
  bin=$target/release/tokenfare
}

old_commit=$(git rev-parse --verify "$1^{commit}")
new_commit=$(git rev-parse --verify "$2^{commit}")
build "$1" "$old_commit"
old_bin=$bin
if [ "$new_commit" != "$old_commit" ]; then
  build "$2" "$new_commit"
else
  echo "-- $2 is the same commit as $1: one build serves both"
fi
new_bin=$bin
built=$(date +%s)
echo "-- builds ready in $((built - started)) s"

rm -rf "$cache/last-diff"
status=0
python3 .ci/same_answers.py "$old_bin" "$data/openrouter/models-2026-08-08.json" "$new_bin" "$data" "$cache/last-diff" || status=$?
echo "-- same-answers: $(($(date +%s) - started)) s in all ($((built - started)) s building)"
exit $status
