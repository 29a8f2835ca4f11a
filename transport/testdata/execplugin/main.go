// Command execplugin is a client.authentication.k8s.io credential plugin for
// the transport tests. It answers in the apiVersion it is asked for, and is
// steered by environment variables:
//
//	PLUGIN_MODE         token (default), static, cert, fail, garbage, wrong-version, nothing
//	PLUGIN_TOKEN        token prefix; the token printed is "<prefix>-<run number>"
//	                    (in static mode, the token itself)
//	PLUGIN_COUNT_FILE   file counting the runs (required for token mode)
//	PLUGIN_EXPIRY       expirationTimestamp to report (RFC 3339)
//	PLUGIN_INFO_FILE    file to copy KUBERNETES_EXEC_INFO into
//	PLUGIN_CERT_FILE, PLUGIN_KEY_FILE   PEM files printed in cert mode
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	info := os.Getenv("KUBERNETES_EXEC_INFO")
	if f := os.Getenv("PLUGIN_INFO_FILE"); f != "" {
		must(os.WriteFile(f, []byte(info), 0o600))
	}
	var in struct {
		APIVersion string `json:"apiVersion"`
	}
	must(json.Unmarshal([]byte(info), &in))

	run := 0
	if f := os.Getenv("PLUGIN_COUNT_FILE"); f != "" {
		b, _ := os.ReadFile(f)
		run, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		run++
		must(os.WriteFile(f, []byte(strconv.Itoa(run)), 0o600))
	}

	status := map[string]any{}
	if e := os.Getenv("PLUGIN_EXPIRY"); e != "" {
		status["expirationTimestamp"] = e
	}
	apiVersion := in.APIVersion
	switch mode := os.Getenv("PLUGIN_MODE"); mode {
	case "", "token":
		status["token"] = fmt.Sprintf("%s-%d", os.Getenv("PLUGIN_TOKEN"), run)
	case "static":
		status["token"] = os.Getenv("PLUGIN_TOKEN")
	case "cert":
		cert, err := os.ReadFile(os.Getenv("PLUGIN_CERT_FILE"))
		must(err)
		key, err := os.ReadFile(os.Getenv("PLUGIN_KEY_FILE"))
		must(err)
		status["clientCertificateData"] = string(cert)
		status["clientKeyData"] = string(key)
	case "fail":
		fmt.Fprintln(os.Stderr, "execplugin: failing as asked")
		os.Exit(3)
	case "garbage":
		fmt.Print("token: " + os.Getenv("PLUGIN_TOKEN") + " is not JSON")
		return
	case "wrong-version":
		apiVersion = "client.authentication.k8s.io/v1alpha1"
		status["token"] = os.Getenv("PLUGIN_TOKEN")
	case "nothing":
	default:
		fmt.Fprintln(os.Stderr, "execplugin: unknown PLUGIN_MODE", mode)
		os.Exit(2)
	}
	out := map[string]any{"apiVersion": apiVersion, "kind": "ExecCredential", "status": status}
	must(json.NewEncoder(os.Stdout).Encode(out))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "execplugin:", err)
		os.Exit(1)
	}
}
