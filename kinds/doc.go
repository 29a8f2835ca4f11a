// Package kinds declares the built-in kinds of the SDK as data: one small
// file per kind with its descriptor (an *sdk.Kind[S] bound to the status
// type S), its item type (an alias of sdk.Item[S]) and the typed status
// attributes of the seed library. The status type's markers say where it
// decodes from and which subresources the kind serves (see sdk.Status).
//
// The nine kinds of the seed are Node, Namespace, Pod, ReplicaSet,
// ReplicationController, DaemonSet, Deployment, Service and Secret; Event
// (the events about an object, EventsFor) and Lease (coordination, used by
// package controller's leader election) are the tenth and eleventh. Each is
// registered with sdk.Register when the package loads, so sdk.Client.Create
// returns the right typed item for a manifest of any of them. Every other
// built-in kind is declared by package catalog. The most-read spec fields
// are typed too, decoded from the item's raw JSON only when asked
// (PodSpecOf, DeploymentSpecOf, ServiceSpecOf, NodeSpecOf, ...).
//
// # Absent status attributes
//
// The server leaves many status attributes unset: before a controller or
// kubelet first reports, or because they do not apply (a pending pod has
// no IP). Every accessor of every kind follows one rule, by what it
// returns:
//
//  1. A scalar attribute the server may leave unset returns (value, error).
//     When it is unset the error is an *sdk.UnavailableError matching
//     sdk.ErrStatusUnavailable, whose Kind names the kind and whose Field
//     the attribute (e.g. "status.podIP"), never a zero value that could
//     be mistaken for a real one. A value that is set but unusable (a pod
//     IP that is not an IP address) is unavailable too, and Field quotes
//     it. Replica counters, which the server omits when they are zero, are
//     unavailable only until the controller first reports status
//     (status.observedGeneration), and read as zero when omitted after
//     that.
//  2. A collection (a slice, a map, Conditions, ResourceList, or a struct
//     of several optional parts such as EventSource) is returned as is,
//     empty when unset, never with an error. A lookup into one
//     (Conditions.Get, ResourceList.Get/CPU/Memory/Pods, SecretStatus.Get,
//     NodeStatus.Info, EventStatus.Related, NodeAddress.IP) follows rule 1:
//     it returns (value, error), and the error says which kind and which
//     entry, e.g. "status.conditions[type=Ready]".
//  3. A predicate answers a yes/no question and returns a bool, false when
//     the information is unset: PodStatus.Ready, NodeStatus.Ready,
//     Container.Ready, Container.Started, ContainerState.Waiting, Running
//     and Terminated, Condition.IsTrue, Conditions.IsTrue,
//     DeploymentStatus.Available.
//  4. A value always present in an object the server returns is returned
//     plainly, and its doc says why: a container's Name and Image, its
//     RestartCount (omitted only when 0), an event's InvolvedObject, Count
//     (at least 1) and FirstSeen/LastSeen (which fall back to the creation
//     time).
//
// Items of lists and watches decode their status on first access (see
// sdk.Item.Err): a status member of the wrong JSON type then reads as an
// absent status (every attribute unavailable, rule 1), and the item's Err
// returns the *sdk.DecodeError that says which member and where. Items of
// Get and sdk.DecodeItem are decoded whole and fail instead.
//
// Status types have no exported fields: each decodes its wire form into
// an unexported struct, so the accessors above are the only way to read
// it. Quantity.MilliValue and Quantity.Int64 keep their (value, ok) form:
// they are conversions that can overflow, not attributes the server may
// leave unset.
package kinds
