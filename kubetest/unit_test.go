package kubetest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kubetest"
)

func TestContainerFailureMetadata(t *testing.T) {
	const run, init = "pod-container-running-failed.stage.kwok.x-k8s.io", "pod-init-container-running-failed.stage.kwok.x-k8s.io"
	tests := []struct {
		reason      string
		f           kubetest.ContainerFailure
		labels      map[string]string
		annotations map[string]string
		invalid     bool
	}{
		{
			reason:      "the zero value fails every container with kwok's defaults",
			labels:      map[string]string{run: "true"},
			annotations: map[string]string{},
		},
		{
			reason: "every field becomes an annotation of the running stage",
			f:      kubetest.ContainerFailure{Container: "web", ExitCode: 137, Reason: "OOMKilled", Message: "out of memory"},
			labels: map[string]string{run: "true"},
			annotations: map[string]string{
				run + "/container-name": "web", run + "/exit-code": "137",
				run + "/reason": "OOMKilled", run + "/message": "out of memory",
			},
		},
		{
			reason:      "Init selects the init-container stage",
			f:           kubetest.ContainerFailure{Container: "setup", ExitCode: 2, Init: true},
			labels:      map[string]string{init: "true"},
			annotations: map[string]string{init + "/container-name": "setup", init + "/exit-code": "2"},
		},
		{reason: "a negative exit code does not exist", f: kubetest.ContainerFailure{ExitCode: -1}, invalid: true},
		{reason: "exit codes stop at 255", f: kubetest.ContainerFailure{ExitCode: 256}, invalid: true},
		{reason: "a reason is one word", f: kubetest.ContainerFailure{Reason: "Out Of Memory"}, invalid: true},
		{reason: "a colon would break kwok's YAML", f: kubetest.ContainerFailure{Message: "boom: bad"}, invalid: true},
		{reason: "a line break would break kwok's YAML", f: kubetest.ContainerFailure{Message: "a\nb"}, invalid: true},
		{reason: "a leading dash would make a YAML list", f: kubetest.ContainerFailure{Message: "- x"}, invalid: true},
		{reason: "a container name is a DNS label", f: kubetest.ContainerFailure{Container: "Web_1"}, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			labels, annotations, err := tt.f.Metadata()
			if tt.invalid {
				require.ErrorIs(t, err, kubetest.ErrInvalidFailure)
				assert.Nil(t, labels)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.labels, labels)
			assert.Equal(t, tt.annotations, annotations)
		})
	}
}
