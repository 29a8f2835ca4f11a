package kinds

import (
	"os"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// BenchmarkPodStatusRead is what a loop reads of a listed pod's status:
// the index, the phase, the IP and every container's readiness.
func BenchmarkPodStatusRead(b *testing.B) {
	data, err := os.ReadFile("testdata/pod_running.json")
	if err != nil {
		b.Fatal(err)
	}
	var obj struct {
		Status jsontext.Value `json:"status"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		b.Fatal(err)
	}
	raw := []byte(obj.Status)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var s PodStatus
		if err := s.IndexStatus(raw); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Phase(); err != nil {
			b.Fatal(err)
		}
		_, _ = s.IP()
		n := 0
		for _, c := range s.Containers() {
			if c.Ready() {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no ready container")
		}
	}
}
