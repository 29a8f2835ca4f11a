#!/usr/bin/env bash
# Static gates, run by `make test` (after go vet) and `make lint`:
#   apidiff      the exported API against the baseline committed in api/
#                (internal/tools/apicheck; see api/README.md)
#   staticcheck  the pinned staticcheck over the root module, bench/ and
#                internal/tools/
#   tidy         `go mod tidy -diff` in every module of the repository
# Every step runs; the script fails when any of them failed.
#
#   scripts/lint.sh [apidiff|staticcheck|tidy]...   the named steps (default: all)
#   scripts/lint.sh api-baseline                    rewrite api/ from the code
#
# The tools are pinned by internal/tools/go.mod and built from the Go module
# proxy into $KUBE_GO_CACHE/tools (default ~/.cache/kube-for-go/tools), never
# into the repository.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export GOFLAGS=-buildvcs=false GOWORK=off

if [ -n "${KUBE_GO_CACHE:-}" ]; then
  cache=$(mkdir -p "$KUBE_GO_CACHE" && cd "$KUBE_GO_CACHE" && pwd) || exit 1
elif [ "$(uname -s)" = Darwin ]; then
  cache=$HOME/Library/Caches/kube-for-go
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/kube-for-go
fi
tools=$cache/tools

# bounded runs a command with a time limit (in seconds) where timeout(1) exists.
bounded() {
  local secs=$1
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout --kill-after=10 "$secs" "$@"
  else
    "$@"
  fi
}

build_tools() {
  mkdir -p "$tools" || return 1
  (cd internal/tools && bounded 600 $GO build -o "$tools/" honnef.co/go/tools/cmd/staticcheck ./apicheck) || {
    echo "FAIL: the lint tools (internal/tools) could not be built into $tools"
    return 1
  }
}

step_apidiff() {
  echo "== apidiff"
  "$tools/apicheck" -root . -timeout 5m
}

step_staticcheck() {
  echo "== staticcheck ($("$tools/staticcheck" -version 2>/dev/null))"
  local rc=0 out dir
  bounded 900 "$tools/staticcheck" ./... || rc=1
  # bench and the tools module are modules of their own; their findings are
  # printed with paths from the repository root.
  for dir in bench internal/tools; do
    out=$(cd "$dir" && bounded 900 "$tools/staticcheck" ./... 2>&1) || rc=1
    if [ -n "$out" ]; then printf '%s\n' "$out" | sed "s|^\([^ /][^:]*\.go:\)|$dir/\1|"; fi
  done
  [ $rc -eq 0 ] || echo "FAIL: staticcheck findings above"
  return $rc
}

step_tidy() {
  echo "== go mod tidy"
  local rc=0 mod dir
  while IFS= read -r mod; do
    dir=$(dirname "$mod")
    if ! (cd "$dir" && bounded 600 $GO mod tidy -diff); then
      echo "FAIL: module $dir is not tidy: run (cd $dir && go mod tidy)"
      rc=1
    fi
  done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)
  [ $rc -eq 0 ] && echo "every module is tidy"
  return $rc
}

if [ "${1:-}" = api-baseline ]; then
  build_tools || exit 1
  exec "$tools/apicheck" -root . -write
fi

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(apidiff staticcheck tidy)
build_tools || exit 1
failed=()
for s in "${steps[@]}"; do
  case "$s" in
    apidiff | staticcheck | tidy) "step_$s" || failed+=("$s") ;;
    *) echo "lint.sh: unknown step $s (want apidiff, staticcheck, tidy or api-baseline)"; exit 2 ;;
  esac
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAIL: ${failed[*]}"
  exit 1
fi
