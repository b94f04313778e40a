#!/usr/bin/env bash
# Lint: runs shellcheck on deploy.sh and every tests/**/*.sh, one result line per file.
# Installs shellcheck with apt-get if it is missing. Ends with "shellcheck: N passed, N failed".
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if ! command -v shellcheck >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "# installing shellcheck"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q shellcheck >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q shellcheck >/dev/null 2>&1; }
  fi
fi
if ! command -v shellcheck >/dev/null; then
  echo "not ok - shellcheck is not installed (apt-get install shellcheck)"
  echo "shellcheck: 0 passed, 1 failed"
  exit 1
fi

files=("$REPO/deploy.sh" "$REPO/test.sh" "$REPO/dpcpi" "$REPO/.ci/run")
while IFS= read -r -d '' f; do
  files+=("$f")
done < <(find "$REPO/tests" -type f -name '*.sh' -not -path '*/bin/*' -not -path '*/obj/*' -print0 | LC_ALL=C sort -z)

passed=0
failed=0
for f in "${files[@]}"; do
  rel=${f#"$REPO"/}
  if out=$(cd "$REPO" && shellcheck -x "$rel" 2>&1); then
    passed=$((passed + 1))
    echo "ok - shellcheck $rel"
  else
    failed=$((failed + 1))
    echo "not ok - shellcheck $rel"
    printf '%s\n' "$out" | sed 's/^/#   /'
  fi
done
echo "shellcheck: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
