#!/usr/bin/env bash
# make test: vet, the static gates of scripts/lint.sh (apidiff against the
# baseline in api/, pinned staticcheck, go mod tidy -diff in every module),
# unit and end-to-end tests with -race against the local test cluster, then
# every nested module (selector conformance, interop, samples). The cluster is
# started when none is running (and stopped again afterwards); when it
# cannot be built or started the run fails with the component log tails.
# End-to-end tests (named TestE2E*) never skip: the summary counts them.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export GOFLAGS=-buildvcs=false
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "== go vet"
$GO vet ./... || exit 1

GO=$GO ./scripts/lint.sh || { echo "FAIL: a static gate failed (apidiff, staticcheck or go mod tidy; see above)"; exit 1; }

echo "== test cluster"
$GO run ./internal/testutil/cmd/kubetest build || { echo "FAIL: the test cluster binaries could not be built"; exit 1; }
if ! up=$($GO run ./internal/testutil/cmd/kubetest up); then
  echo "FAIL: the test cluster could not start (component log tails above)"
  exit 1
fi
echo "$up"
started=1
case "$up" in *"already running"*) started=0 ;; esac
stop_cluster() { if [ "$started" = 1 ]; then $GO run ./internal/testutil/cmd/kubetest down; fi; }

echo "== go test -race ./... (unit and e2e)"
$GO test -race -count=1 -timeout 25m -v ./... >"$log_dir/test.log" 2>&1
rc=$?
# Every nested module except the cluster's tool pins (internal/testutil/tools),
# the lint tools (internal/tools) and the benchmarks (bench, run by make bench):
# the selector conformance differential, the interop and sample modules...
crc=0
: >"$log_dir/conf.log"
while IFS= read -r mod; do
  dir=$(dirname "$mod")
  case "$dir" in .|./internal/testutil/tools/*|./internal/tools|./internal/tools/*|./bench|./bench/*) continue ;; esac
  echo "== nested module ${dir#./}: go test -race ./..." | tee -a "$log_dir/conf.log"
  (cd "$dir" && GOWORK=off $GO test -race -count=1 -timeout 20m -v ./...) >>"$log_dir/conf.log" 2>&1 || crc=1
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)
stop_cluster

grep -E '^(ok|FAIL|---|panic:|\?)' "$log_dir/test.log" | grep -v -- '--- PASS' | grep -v -- '--- SKIP' || true
grep -E '^(==|ok|FAIL|---|panic:|\?)' "$log_dir/conf.log" | grep -v -- '--- PASS' || true
if [ $rc -ne 0 ] || [ $crc -ne 0 ]; then
  echo "== failures (context)"
  grep -n -B2 -A40 -E -- '--- FAIL|^panic:|DATA RACE' "$log_dir/test.log" "$log_dir/conf.log" | head -400
fi

# A test is counted once per top-level or subtest result line.
pass=$(grep -cE '^\s*--- PASS' "$log_dir/test.log" "$log_dir/conf.log" | awk -F: '{s+=$NF} END{print s+0}')
fail=$(grep -cE '^\s*--- FAIL' "$log_dir/test.log" "$log_dir/conf.log" | awk -F: '{s+=$NF} END{print s+0}')
skip=$(grep -cE '^\s*--- SKIP' "$log_dir/test.log" "$log_dir/conf.log" | awk -F: '{s+=$NF} END{print s+0}')
e2e_pass=$(grep -cE '^\s*--- PASS: TestE2E' "$log_dir/test.log" "$log_dir/conf.log" | awk -F: '{s+=$NF} END{print s+0}')
e2e_fail=$(grep -cE '^\s*--- FAIL: TestE2E' "$log_dir/test.log" "$log_dir/conf.log" | awk -F: '{s+=$NF} END{print s+0}')
echo "== summary"
echo "e2e tests against the live apiserver: $e2e_pass passed, $e2e_fail failed"
if [ "$e2e_pass" -eq 0 ]; then
  echo "FAIL: no end-to-end test ran"
  rc=1
fi
if [ "$skip" -ne 0 ]; then
  echo "note: $skip tests skipped"
fi
echo "tests: $pass passed, $fail failed"
[ $rc -eq 0 ] && [ $crc -eq 0 ]
