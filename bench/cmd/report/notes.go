package main

// methodNotes explain how the figures were obtained.
var methodNotes = []string{
	"Pods: `bench/fixture` builds them with k8s.io/api types, deterministically from their index: two containers with env, probes, resources and volume mounts, four volumes, five conditions, two container statuses, two managed-fields entries, seven or eight labels, five annotations, an owner reference; about 6.9 KB of JSON and 3.9 KB of protobuf each. Every 41st pod is Pending without an IP, every 13th has an IPv6 address, every 7th has a container that is not ready, so a reader returning constants fails the guard.",
	"Encodings: JSON and protobuf are produced by client-go's scheme codecs (`scheme.Codecs`, the encoders the apiserver uses), so list items carry no apiVersion/kind and the top-level list does. Served as `application/json` and `application/vnd.kubernetes.protobuf`, with limit/continue pagination, the same page size (500) for every reader.",
	"client-go v0.34's generated typed clients ask for protobuf for built-in kinds unless a content type is configured (`Request.UseProtobufAsDefault`). The \"client-go JSON\" rows therefore set `ContentType` and `AcceptContentTypes` to `application/json`; the guard checks from the server's request log that every reader spoke the encoding it is named after. Client-side rate limiting is off for client-go (QPS < 0); the SDK's default transport in these runs has none.",
	"Correctness guard: before timing, each reader's values for every object are compared with the expected values taken directly from the Go objects (no encoding involved); the benchmarks then check a digest of all values on every iteration. Benchmarks only: no test asserts on time.",
	"The fixture server runs in the benchmark process (httptest over loopback TCP), so the transfer cost is in every row; the transfer-only rows show it.",
}

// The notes printed for missed targets.
var (
	noteListTime   = "**List and read time.** TODO"
	noteListAllocs = "**List allocations.** TODO"
	noteWatch      = "**Watch throughput.** TODO"
	noteMemory     = "**Memory.** TODO"
	noteSize       = "**Binary size.** TODO"
)
