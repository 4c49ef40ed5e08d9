// The Body-Based Router of one inference-extension tag, driven as Envoy's ext_proc filter drives
// it: upstream's own ext_proc server (the tag's pkg/bbr), served over an in-process connection
// (bufconn: the tag's cmd/bbr listens on every interface and has no bind-address flag), and this
// program as the Envoy side. It reads one JSON document on stdin:
//
//	{"args": [...], "namespace": "...", "configMaps": [...], "cluster": false,
//	 "streams": [[ProcessingRequest, ...], ...]}
//
// `args` are the BBR container's arguments as the chart renders them; each stream is the
// ProcessingRequest messages (protojson) Envoy sends for one HTTP request, in order. It writes
// one JSON array: per stream, the ProcessingResponse messages BBR sent back (protojson), and the
// gRPC error that ended the stream, if any. With the argument `metrics` it writes instead the
// metrics BBR and the EPP of the tag register (metrics.go); with `epp-flags`, the EPP's flags and
// their defaults; with `pool-endpoints <namespace>`, the endpoints each InferencePool's EPP holds
// on $KUBECONFIG's cluster (endpoints.go); with `chart-reads`, the values paths of the chart
// templates on stdin (chartreads.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	extProcPb "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	corev1 "k8s.io/api/core/v1"
)

// input is what the test sends on stdin.
type input struct {
	Args       []string            `json:"args"`
	Namespace  string              `json:"namespace"`
	ConfigMaps []corev1.ConfigMap  `json:"configMaps"`
	Cluster    bool                `json:"cluster"`
	Streams    [][]json.RawMessage `json:"streams"`
}

// outcome is one stream's answer.
type outcome struct {
	Responses []json.RawMessage `json:"responses"`
	Error     string            `json:"error,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bbr-driver:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) > 1 && os.Args[1] == "metrics" {
		return printMetrics()
	}
	if len(os.Args) > 1 && os.Args[1] == "epp-flags" {
		return json.NewEncoder(os.Stdout).Encode(eppFlagDefaults())
	}
	if len(os.Args) > 1 && os.Args[1] == "chart-reads" {
		return printChartReads(os.Stdin)
	}
	if len(os.Args) > 1 && os.Args[1] == "pool-endpoints" {
		if len(os.Args) != 3 {
			return errors.New("usage: bbr-driver pool-endpoints <namespace>")
		}
		return printPoolEndpoints(os.Args[2])
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return fmt.Errorf("reading the input: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	processor, err := newProcessor(ctx, in)
	if err != nil {
		return err
	}
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	extProcPb.RegisterExternalProcessorServer(server, processor)
	go func() { _ = server.Serve(listener) }()
	defer server.Stop()
	conn, err := grpc.NewClient("passthrough:///bbr",
		grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) { return listener.Dial() }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := extProcPb.NewExternalProcessorClient(conn)
	outcomes := make([]outcome, 0, len(in.Streams))
	for _, stream := range in.Streams {
		result, err := send(ctx, client, stream)
		if err != nil {
			return err
		}
		outcomes = append(outcomes, result)
	}
	return json.NewEncoder(os.Stdout).Encode(outcomes)
}

// send plays one request as Envoy does: every message in order on one stream, then the end of
// the stream, reading what BBR sends back until it closes its side.
func send(ctx context.Context, client extProcPb.ExternalProcessorClient, messages []json.RawMessage) (outcome, error) {
	stream, err := client.Process(ctx)
	if err != nil {
		return outcome{}, err
	}
	for _, raw := range messages {
		request := &extProcPb.ProcessingRequest{}
		if err := protojson.Unmarshal(raw, request); err != nil {
			return outcome{}, fmt.Errorf("a ProcessingRequest: %w", err)
		}
		if err := stream.Send(request); err != nil && !errors.Is(err, io.EOF) {
			return outcome{}, err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return outcome{}, err
	}
	result := outcome{Responses: []json.RawMessage{}}
	for {
		response, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return result, nil
		}
		if err != nil {
			result.Error = err.Error()
			return result, nil
		}
		text, err := protojson.Marshal(response)
		if err != nil {
			return outcome{}, err
		}
		result.Responses = append(result.Responses, text)
	}
}
