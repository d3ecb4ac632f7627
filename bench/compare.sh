#!/usr/bin/env bash
# The benchmark of this tree against an earlier revision of amd, side by
# side in one run: bench/compare.sh REV [autofs_bench arguments]
# builds REV (a commit of this repository) in a git worktree under
# build-before/, then runs bench/run.sh with --before, so that both amds,
# the floor and Linux autofs are measured in the same interleaved rounds
# (in the kernel lab where this kernel has no autofs). It prints every
# figure for both, and the ratios of this amd to the earlier one.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/compare.sh REV [autofs_bench arguments]}
shift
bash scripts/install-deps.sh
src=build-before/src
git worktree remove --force "$src" 2>/dev/null || true
rm -rf build-before
git worktree prune
git worktree add --detach "$src" "$rev" >/dev/null
trap 'git worktree remove --force "$src" 2>/dev/null || true' EXIT
bash "$src/scripts/build.sh" "$PWD/build-before/build" -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
# Its own name: the lab places binaries by name as well as by path.
cp build-before/build/amd/amd build-before/amd-before
echo "== this tree ($(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', with changes')) against $rev ($(git rev-parse --short "$rev"))"
bash bench/run.sh --before "$PWD/build-before/amd-before" "$@"
