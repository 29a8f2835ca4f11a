// Package kinds declares the built-in kinds of the SDK as data: one small
// file per kind with its descriptor (an *sdk.Kind), its item type (an alias
// of sdk.Item with the kind's status type) and the typed status
// attributes of the seed library.
//
// The nine kinds of the seed are Node, Namespace, Pod, ReplicaSet,
// ReplicationController, DaemonSet, Deployment, Service and Secret; Event
// is the tenth, for the events about an object (EventsFor). Each is
// registered with sdk.Register when the package loads, so sdk.Client.Create
// returns the right typed item for a manifest of any of them.
//
// # Absent status attributes
//
// Every scalar status accessor returns (value, error); when the server has
// not reported the attribute the error is an *sdk.UnavailableError matching
// sdk.ErrStatusUnavailable (the seed's StatusError). Replica counters,
// which the server omits when they are zero, are unavailable only until the
// controller first reports status (status.observedGeneration), and are
// zero-when-omitted after that. Collections (conditions, containers,
// addresses, ports, ingress points) return an empty slice when absent, as
// the seed did for node addresses.
package kinds
