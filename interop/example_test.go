package interop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// Decode an item into appsv1.Deployment: metav1.Time, resource.Quantity
// and intstr.IntOrString decode through their own methods. (The item is
// decoded offline here; items read from a cluster work the same way.)
func Example_into() {
	raw := []byte(`{"apiVersion":"apps/v1","kind":"Deployment",
	"metadata":{"name":"web","namespace":"default","creationTimestamp":"2026-01-02T03:04:05Z"},
	"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
		"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
		"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
			{"name":"web","image":"nginx:1.27","resources":{"limits":{"cpu":"250m","memory":"64Mi"}}}]}}},
	"status":{"readyReplicas":2}}`)
	item, err := sdk.DecodeItem(nil, kinds.DeploymentKind, raw)
	if err != nil {
		log.Fatal(err)
	}
	d, err := sdk.Into[appsv1.Deployment](item)
	if err != nil {
		log.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	fmt.Println(d.Name, *d.Spec.Replicas, d.CreationTimestamp.UTC().Format(time.RFC3339))
	fmt.Println(c.Image, c.Resources.Limits.Cpu(), c.Resources.Limits.Memory().Value())
	fmt.Println(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue())
	fmt.Println(d.Status.ReadyReplicas)
	// Output:
	// web 3 2026-01-02T03:04:05Z
	// nginx:1.27 250m 67108864
	// 25% 1
	// 2
}

// What server-side apply sends for a typed Deployment: encoding/json writes
// spec.strategy, the container's resources and status as empty objects,
// which the server would record as owned by the field manager;
// sdk.MarshalApply (used by Apply) leaves them out.
func Example_marshalApply() {
	replicas := int32(1)
	dep := appsv1.Deployment{ // TypeMeta empty, as client-go users write it
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	std, err := json.Marshal(dep)
	if err != nil {
		log.Fatal(err)
	}
	body, err := sdk.MarshalApply(dep)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("encoding/json:", string(std))
	fmt.Println("MarshalApply: ", string(body))
	// Output:
	// encoding/json: {"metadata":{"name":"web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}}
	// MarshalApply:  {"metadata":{"name":"web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx","name":"web"}]}}}}
}

// Create, apply and read k8s.io/api types through the typed views of a
// cluster (not run: it needs one).
func Example_views() {
	ctx := context.Background()
	cluster, err := kube.New(kube.Options{URL: "http://127.0.0.1:8001"}) // kubectl proxy
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	deployments := cluster.Deployments.In("default")

	replicas := int32(2)
	dep := appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	// The view fills apiVersion and kind; Apply sends only the fields set.
	item, err := deployments.Apply(ctx, dep, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "example"}})
	if err != nil {
		log.Fatal(err)
	}
	stored, err := sdk.Into[appsv1.Deployment](item)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stored.Name, stored.Spec.Strategy.Type, stored.UID)
}
