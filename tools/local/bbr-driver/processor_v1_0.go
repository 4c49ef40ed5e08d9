//go:build gie_v1_0

// v1.0.x: the ext_proc server is pkg/bbr/handlers.NewServer(streaming) (server.go:34), and the
// only argument that changes its behaviour is cmd/bbr/main.go's `--streaming` (main.go:52); the
// others set ports and logging.
package main

import (
	"context"
	"flag"
	"io"
	"strconv"

	extProcPb "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	v1 "sigs.k8s.io/gateway-api-inference-extension/api/v1"
	_ "sigs.k8s.io/gateway-api-inference-extension/cmd/epp/runner"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/handlers"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/common"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/controller"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datalayer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datastore"
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

// bareEndpoints makes the datastore's endpoints without the metrics refresher the EPP's factory
// starts per pod (backend/metrics/types.go:56).
type bareEndpoints struct{}

func (bareEndpoints) NewEndpoint(_ context.Context, _ *corev1.Pod, _ datalayer.PoolInfo) datalayer.Endpoint {
	return datalayer.NewEndpoint()
}
func (bareEndpoints) ReleaseEndpoint(datalayer.Endpoint) {}

// endpointsOf is the pods the EPP of pool `name` holds, each with the port its director sends to:
// the pool's only target port (requestcontrol/director.go:243-251).
func endpointsOf(ctx context.Context, reader client.Reader, name types.NamespacedName) ([]endpoint, error) {
	ds := datastore.NewDatastore(ctx, bareEndpoints{})
	reconciler := &controller.InferencePoolReconciler{Reader: reader, Datastore: ds, PoolGKNN: common.GKNN{
		NamespacedName: name, GroupKind: schema.GroupKind{Group: v1.GroupName, Kind: "InferencePool"},
	}}
	if _, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
		return nil, err
	}
	pool, err := ds.PoolGet()
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(int(pool.Spec.TargetPorts[0].Number))
	endpoints := []endpoint{}
	for _, pod := range ds.PodList(func(datalayer.Endpoint) bool { return true }) {
		endpoints = append(endpoints, endpoint{Pod: pod.GetPod().NamespacedName.Name, Port: port})
	}
	return endpoints, nil
}
