#!/usr/bin/env bash
# make demo: start the local cluster and run examples/pods, which creates a
# sample Deployment through the SDK, lists its pods and watches them become
# Running, printing their names, phases and IPs.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
$GO run ./internal/testutil/cmd/kubetest up
eval "$($GO run ./internal/testutil/cmd/kubetest env)"
K="$KUBECTL --kubeconfig=$KUBECONFIG"
$K create namespace demo --dry-run=client -o yaml | $K apply -f - >/dev/null
# Start from nothing so the watch shows the pods being born.
$K -n demo delete deployment demo-web --ignore-not-found --wait=true >/dev/null
$K -n demo wait --for=delete pod -l app=demo-web --timeout=60s >/dev/null 2>&1 || true
bin=$(mktemp -d)/pods
$GO build -o "$bin" ./examples/pods
echo "--- examples/pods -url $KUBE_PROXY_URL -namespace demo -want 3 -manifest examples/pods/deployment.yaml"
"$bin" -url "$KUBE_PROXY_URL" -namespace demo -want 3 -manifest examples/pods/deployment.yaml
rm -rf "$(dirname "$bin")"
echo "--- the cluster keeps running; make cluster-down stops it"
