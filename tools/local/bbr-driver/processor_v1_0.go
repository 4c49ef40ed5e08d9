//go:build gie_v1_0

// v1.0.x: the ext_proc server is pkg/bbr/handlers.NewServer(streaming) (server.go:34), and the
// only argument that changes its behaviour is cmd/bbr/main.go's `--streaming` (main.go:52); the
// others set ports and logging.
package main

import (
	"context"
	"flag"
	"io"

	extProcPb "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	_ "sigs.k8s.io/gateway-api-inference-extension/cmd/epp/runner"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/handlers"
)

// eppFlagDefaults is every flag of the tag's EPP with its default: cmd/epp/runner declares them
// as package variables on the command line's flag set (runner.go:76-120), so importing it
// registers them as the EPP's binary does.
func eppFlagDefaults() map[string]string {
	defaults := map[string]string{}
	flag.CommandLine.VisitAll(func(f *flag.Flag) { defaults[f.Name] = f.DefValue })
	return defaults
}

func newProcessor(_ context.Context, in input) (extProcPb.ExternalProcessorServer, error) {
	flags := flag.NewFlagSet("bbr", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	streaming := flags.Bool("streaming", false, "")
	flags.Int("v", 0, "")
	flags.Int("grpcPort", 9004, "")
	flags.Int("grpcHealthPort", 9005, "")
	flags.Int("metricsPort", 9090, "")
	if err := flags.Parse(in.Args); err != nil {
		return nil, err
	}
	return handlers.NewServer(*streaming), nil
}
