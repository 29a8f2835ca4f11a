module example.com/usertest

go 1.26

require (
	github.com/kube-for-go/kube v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace github.com/kube-for-go/kube => ../../
