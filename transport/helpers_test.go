package transport

// Test helpers shared by the internal and the external (transport_test)
// tests. They are exported only to the test binary.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
)

// TestCA is a certificate authority made for one test.
type TestCA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte
}

// NewTestCA creates a certificate authority.
func NewTestCA(t testing.TB, name string) *TestCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &TestCA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

var serial struct {
	sync.Mutex
	n int64
}

// Issue signs a certificate: a server certificate for hosts (names or IP
// addresses), or a client certificate when hosts is empty.
func (ca *TestCA) Issue(t testing.TB, cn string, hosts ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial.Lock()
	serial.n++
	sn := serial.n + 1
	serial.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sn),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if len(hosts) > 0 {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
}

// NewTLSServer starts an HTTPS server with HTTP/2 whose certificate, for
// hosts (default 127.0.0.1), is signed by ca. When clientCA is set it asks
// for (but does not require) client certificates signed by it.
func NewTLSServer(t testing.TB, ca, clientCA *TestCA, h http.Handler, hosts ...string) *httptest.Server {
	t.Helper()
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1"}
	}
	certPEM, keyPEM := ca.Issue(t, "server", hosts...)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA.Cert)
		s.TLS.ClientCAs = pool
		s.TLS.ClientAuth = tls.VerifyClientCertIfGiven
	}
	s.Config.ErrorLog = nil
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// WriteFile writes data to name in dir and returns the path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var plugin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	// Main stops the private test cluster the e2e tests may have started.
	testutil.Main(m)
}

// ExecPlugin builds testdata/execplugin once per test binary and returns
// the path of the program. The program is kept, like a build cache, in a
// temporary directory named after the hash of its source.
func ExecPlugin(t testing.TB) string {
	t.Helper()
	plugin.once.Do(func() {
		src, err := os.ReadFile(filepath.Join("testdata", "execplugin", "main.go"))
		if err != nil {
			plugin.err = err
			return
		}
		sum := sha256.Sum256(src)
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("kube-for-go-execplugin-%x", sum[:8]))
		plugin.path = filepath.Join(dir, "execplugin")
		if _, err := os.Stat(plugin.path); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			plugin.err = err
			return
		}
		tmp := fmt.Sprintf("%s.%d", plugin.path, os.Getpid())
		cmd := exec.Command("go", "build", "-o", tmp, "./testdata/execplugin/main.go")
		if plugin.out, plugin.err = cmd.CombinedOutput(); plugin.err == nil {
			plugin.err = os.Rename(tmp, plugin.path)
		}
	})
	if plugin.err != nil {
		t.Fatalf("building the exec plugin: %v\n%s", plugin.err, plugin.out)
	}
	return plugin.path
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CaptureLogger returns a debug-level text logger writing into buf.
func CaptureLogger() (*slog.Logger, *SyncBuffer) {
	buf := &SyncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}
