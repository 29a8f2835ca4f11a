package scaler_test

import (
	"testing"

	"github.com/kube-for-go/kube/kubetest"
)

// TestMain runs the package's tests through kubetest.Main, which stops the
// cluster kubetest.Shared starts when no shared one is running.
func TestMain(m *testing.M) { kubetest.Main(m) }
