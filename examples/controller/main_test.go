package main

import (
	"testing"

	"github.com/kube-for-go/kube/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
