#!/usr/bin/env bash
# Configures and builds one tree: scripts/build.sh DIR [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > "$dir.cmake.log" 2>&1 ||
  { cat "$dir.cmake.log"; exit 1; }
ninja -C "$dir"
