# kube for Go — the two commands: `make demo` and `make test`.
GO ?= go
KUBETEST := $(GO) run ./internal/testutil/cmd/kubetest
export GOFLAGS := -buildvcs=false

.PHONY: test demo bins cluster-up cluster-down cluster-logs unit conformance fuzz bench vet lint api-baseline

## test: unit and end-to-end tests (with -race) against a local cluster it starts when needed.
test:
	./scripts/test.sh

## demo: start the local cluster, create a Deployment, list and watch its pods through the SDK.
demo:
	./scripts/demo.sh

## bins: build the pinned cluster binaries into the cache (once per machine, ~10 minutes cold).
bins:
	$(KUBETEST) build

## cluster-up / cluster-down: start or stop the shared local cluster by hand.
cluster-up:
	$(KUBETEST) up

cluster-down:
	$(KUBETEST) down

cluster-logs:
	$(KUBETEST) logs

## conformance: differential tests of the selector package against apimachinery.
conformance:
	cd selector/conformance && $(GO) test -count=1 ./...

## fuzz: a bounded fuzz run of every parser and decoder, FUZZTIME per
## target (the issue's 2-minute run: make fuzz FUZZTIME=2m).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./selector/
	$(GO) test -run='^$$' -fuzz='^FuzzParseFields$$' -fuzztime=$(FUZZTIME) ./selector/
	$(GO) test -run='^$$' -fuzz='^FuzzWatchStream$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzListBody$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzScannerMatchesJSONText$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzValid$$' -fuzztime=$(FUZZTIME) ./internal/jsonscan/
	$(GO) test -run='^$$' -fuzz='^FuzzTrustedWalk$$' -fuzztime=$(FUZZTIME) ./internal/jsonscan/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeItem$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzParseManifests$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzDiscovery$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzInto$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzMarshalApply$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzTypeMetaFill$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzDropManagedFields$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzDropFields$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeLabels$$' -fuzztime=$(FUZZTIME) ./sdk/
	$(GO) test -run='^$$' -fuzz='^FuzzKubeconfig$$' -fuzztime=$(FUZZTIME) ./transport/
	$(GO) test -run='^$$' -fuzz='^FuzzExecCredential$$' -fuzztime=$(FUZZTIME) ./transport/
	$(GO) test -run='^$$' -fuzz='^FuzzStatusAccessors$$' -fuzztime=$(FUZZTIME) ./kinds/
	$(GO) test -run='^$$' -fuzz='^FuzzLeaseAccessors$$' -fuzztime=$(FUZZTIME) ./kinds/
	$(GO) test -run='^$$' -fuzz='^FuzzSpecs$$' -fuzztime=$(FUZZTIME) ./kinds/
	$(GO) test -run='^$$' -fuzz='^FuzzPodStatusLazy$$' -fuzztime=$(FUZZTIME) ./kinds/
	$(GO) test -run='^$$' -fuzz='^FuzzCatalogStatus$$' -fuzztime=$(FUZZTIME) ./catalog/
	$(GO) test -run='^$$' -fuzz='^FuzzForwardedPort$$' -fuzztime=$(FUZZTIME) ./internal/testutil/
	$(GO) test -run='^$$' -fuzz='^FuzzStoreConverges$$' -fuzztime=$(FUZZTIME) ./watch/
	$(GO) test -run='^$$' -fuzz='^FuzzSetControllerReference$$' -fuzztime=$(FUZZTIME) ./controller/
	$(GO) test -run='^$$' -fuzz='^FuzzServer$$' -fuzztime=$(FUZZTIME) ./kubefake/
	$(GO) test -run='^$$' -fuzz='^FuzzExecFrames$$' -fuzztime=$(FUZZTIME) ./remote/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeStatus$$' -fuzztime=$(FUZZTIME) ./remote/
	$(GO) test -run='^$$' -fuzz='^FuzzPortFrames$$' -fuzztime=$(FUZZTIME) ./remote/
	$(GO) test -run='^$$' -fuzz='^FuzzSafeName$$' -fuzztime=$(FUZZTIME) ./remote/

## bench: benchmarks side by side with client-go; regenerates BENCHMARKS.md.
bench:
	$(MAKE) -C bench

vet:
	$(GO) vet ./...

## lint: the static gates of `make test`: the API check against api/, pinned staticcheck, go mod tidy -diff.
lint:
	GO=$(GO) ./scripts/lint.sh

## api-baseline: rewrite the API baseline in api/ from the code (commit it with a deliberate API change).
api-baseline:
	GO=$(GO) ./scripts/lint.sh api-baseline
