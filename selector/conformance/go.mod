module github.com/kube-for-go/kube/selector/conformance

go 1.26.0

replace github.com/kube-for-go/kube => ../..

require (
	github.com/kube-for-go/kube v0.0.0-00010101000000-000000000000
	k8s.io/apimachinery v0.34.4
)

require (
	github.com/go-logr/logr v1.4.2 // indirect
	k8s.io/klog/v2 v2.130.1 // indirect
	k8s.io/utils v0.0.0-20250604170112-4c0f3b243397 // indirect
)
