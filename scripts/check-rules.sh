#!/usr/bin/env bash
# The rules the tree holds itself to, checked before every test run:
#   1. every C++ file is as the committed .clang-format formats it;
#   2. includes follow the dependency direction in DESIGN.md: base/ is
#      ours alone; maps/, conf/ use base/ only; rpc/ base/ only; rlp/ and
#      amq/ rpc/ and base/; failover/ rlp/, rpc/ and base/; kernel-shim/
#      base/ only; relay/ failover/, rpc/, rlp/, kernel-shim/ and base/;
#      amd/ anything;
#   3. only kernel-shim/ includes kernel or FUSE headers or calls
#      mount(2)/umount2(2) (tests/ and bench/ are tools, not the product).
# Prints each breach with its file and line; exit status 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \( -name '*.cc' -o -name '*.h' \) -print | sed 's|^\./||')
fi
status=0

# 1. Formatting.
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if ((${#unformatted[@]})); then
  for f in "${unformatted[@]}"; do echo "$f: not as .clang-format formats it (run: clang-format -i $f)"; done
  status=1
fi

# 2. Include direction: folder -> the folders of ours it may include.
declare -A allowed=(
  [base]="base" [maps]="base maps" [conf]="base conf" [rpc]="base rpc" [rlp]="base rpc rlp"
  [amq]="base rpc amq" [failover]="base rpc rlp failover" [kernel-shim]="base kernel-shim"
  [relay]="base rpc rlp failover kernel-shim relay"
)
for f in "${files[@]}"; do
  top=${f%%/*}
  [[ -n ${allowed[$top]:-} ]] || continue
  while IFS=: read -r line inc; do
    dir=${inc#*\"}
    dir=${dir%%/*}
    [[ " ${allowed[$top]} " == *" $dir "* ]] && continue
    echo "$f:$line: $top/ may not include $dir/ (DESIGN.md: $top/ depends on ${allowed[$top]// /, } only)"
    status=1
  done < <(grep -nE '^#include "[a-z-]+/' "$f" | sed -E 's/^([0-9]+):#include (.*)$/\1:\2/')
done

# 3. The kernel only through kernel-shim/.
for f in "${files[@]}"; do
  case $f in kernel-shim/* | tests/* | bench/*) continue ;; esac
  while IFS= read -r hit; do
    echo "$f:${hit%%:*}: kernel interface outside kernel-shim/: ${hit#*:}"
    status=1
  done < <(grep -nE '^#include <(linux/|fuse)|::u?mount2?\(' "$f" || true)
done

exit "$status"
