package kinds

import "testing"

// BenchmarkPodStatusRead is what a loop reads of a listed pod's status:
// the index, the phase, the IP and every container's readiness.
func BenchmarkPodStatusRead(b *testing.B) {
	raw := statusJSON(b, "pod_running.json")
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
