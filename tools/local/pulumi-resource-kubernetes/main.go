// The Kubernetes provider's entry point. The module's own (cmd/pulumi-resource-kubernetes) embeds a
// schema file its Makefile generates, which no module archive holds; this one embeds the
// committed schema.json beside it in the build directory (tools/local/toolchain.ts copies it).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, []byte("{}"))
}
