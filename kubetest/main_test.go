package kubetest_test

import (
	"testing"

	"github.com/kube-for-go/kube/kubetest"
)

func TestMain(m *testing.M) { kubetest.Main(m) }
