//go:build gie_v1_5

// v1.5.x: the arguments are parsed by pkg/bbr/server.Options (options.go:74 AddFlags) and the
// plugins built as cmd/bbr/runner/runner.go:171-218 builds them; the ext_proc server is
// pkg/bbr/handlers.NewServer(streaming, requestPlugins, responsePlugins) (runserver.go:73).
// ConfigMaps reach the base-model plugin's store through upstream's own ConfigMapReconciler:
// from the API server of $KUBECONFIG (`cluster`), else from the objects given, read through a
// client that holds only them.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	extProcPb "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/go-logr/logr/funcr"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	eppcontroller "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/controller"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datalayer"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/datastore"
	fwkdl "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/framework/interface/datalayer"
	eppserver "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/server"

	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/framework"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/handlers"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/plugins/basemodelextractor"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/plugins/bodyfieldtoheader"
	runserver "sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/server"
)

// eppFlagDefaults is every flag of the tag's EPP with its default, as cmd/epp/runner registers
// them: pkg/epp/server.NewOptions() and its AddFlags (options.go:93, 120).
func eppFlagDefaults() map[string]string {
	fs := pflag.NewFlagSet("epp", pflag.ContinueOnError)
	eppserver.NewOptions().AddFlags(fs)
	defaults := map[string]string{}
	fs.VisitAll(func(f *pflag.Flag) { defaults[f.Name] = f.DefValue })
	return defaults
}

func newProcessor(ctx context.Context, in input) (extProcPb.ExternalProcessorServer, error) {
	opts := runserver.NewOptions()
	flags := pflag.NewFlagSet("bbr", pflag.ContinueOnError)
	flags.SetOutput(io.Discard)
	opts.AddFlags(flags)
	if err := flags.Parse(in.Args); err != nil {
		return nil, err
	}
	if err := opts.Complete(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	config := &rest.Config{Host: "https://127.0.0.1:1"} // never contacted: the manager is not started
	var err error
	if in.Cluster {
		if config, err = ctrl.GetConfig(); err != nil {
			return nil, err
		}
	}
	// As the runner: the cache sees only $NAMESPACE (runner.go:148-155); no metrics listener here.
	cacheOptions := cache.Options{}
	if in.Namespace != "" {
		cacheOptions.DefaultNamespaces = map[string]cache.Config{in.Namespace: {}}
	}
	mgr, err := ctrl.NewManager(config, ctrl.Options{Cache: cacheOptions, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return nil, err
	}
	var handle framework.Handle = framework.NewBbrHandle(ctx, mgr)
	given := configMapReader{}
	if !in.Cluster {
		handle = givenObjects{Handle: handle, reader: given}
	}
	requestPlugins, responsePlugins, err := plugins(opts, handle)
	if err != nil {
		return nil, err
	}
	if in.Cluster {
		if err := startAndSettle(ctx, mgr); err != nil {
			return nil, err
		}
	} else if err := reconcileGiven(ctx, in, given, requestPlugins); err != nil {
		return nil, err
	}
	return handlers.NewServer(opts.Streaming, requestPlugins, responsePlugins), nil
}

// plugins builds the request and response plugins as runner.go:177-218 does: the two defaults
// without --plugin, else each --plugin from the registry (registerInTreePlugins, runner.go:251).
func plugins(opts *runserver.Options, handle framework.Handle) ([]framework.RequestProcessor, []framework.ResponseProcessor, error) {
	framework.Register(bodyfieldtoheader.BodyFieldToHeaderPluginType, bodyfieldtoheader.BodyFieldToHeaderPluginFactory)
	framework.Register(basemodelextractor.BaseModelToHeaderPluginType, basemodelextractor.BaseModelToHeaderPluginFactory)
	if len(opts.PluginSpecs) == 0 {
		model, err := bodyfieldtoheader.NewBodyFieldToHeaderPlugin("model", bodyfieldtoheader.ModelHeader)
		if err != nil {
			return nil, nil, err
		}
		base, err := basemodelextractor.NewBaseModelToHeaderPlugin(handle.ReconcilerBuilder, handle.ClientReader())
		if err != nil {
			return nil, nil, err
		}
		return []framework.RequestProcessor{model, base}, nil, nil
	}
	var requestPlugins []framework.RequestProcessor
	var responsePlugins []framework.ResponseProcessor
	for _, spec := range opts.PluginSpecs {
		factory, ok := framework.Registry[spec.Type]
		if !ok {
			return nil, nil, fmt.Errorf("unknown plugin type %q", spec.Type)
		}
		instance, err := factory(spec.Name, spec.JSON, handle)
		if err != nil {
			return nil, nil, fmt.Errorf("%s#%s: %w", spec.Type, spec.Name, err)
		}
		if p, ok := instance.(framework.RequestProcessor); ok {
			requestPlugins = append(requestPlugins, p)
		}
		if p, ok := instance.(framework.ResponseProcessor); ok {
			responsePlugins = append(responsePlugins, p)
		}
	}
	return requestPlugins, responsePlugins, nil
}

// reconcileGiven feeds every given ConfigMap of $NAMESPACE (what the runner's cache would see)
// to upstream's ConfigMapReconciler for each base-model plugin's store, as its controller would
// on start; the reconciler itself skips ConfigMaps without the label (configmap_reconciler.go:68).
func reconcileGiven(ctx context.Context, in input, given configMapReader, requestPlugins []framework.RequestProcessor) error {
	for i := range in.ConfigMaps {
		if in.Namespace == "" || in.ConfigMaps[i].Namespace == in.Namespace {
			given[types.NamespacedName{Namespace: in.ConfigMaps[i].Namespace, Name: in.ConfigMaps[i].Name}] = &in.ConfigMaps[i]
		}
	}
	for _, p := range requestPlugins {
		base, ok := p.(*basemodelextractor.BaseModelToHeaderPlugin)
		if !ok {
			continue
		}
		reconciler := &basemodelextractor.ConfigMapReconciler{Reader: given, AdaptersStore: base.AdaptersStore}
		for name := range given {
			if _, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
				return err
			}
		}
	}
	return nil
}

// workersStarted is set when the controller logs "Starting workers", which it does once its
// sources have synced, that is once every listed ConfigMap is in its queue (controller.go:305).
var workersStarted atomic.Bool

// startAndSettle starts the manager (its ConfigMap controller) and waits until the controller
// has reconciled what its informer listed: the work queue empty and every add reconciled.
func startAndSettle(ctx context.Context, mgr ctrl.Manager) error {
	ctrl.SetLogger(funcr.New(func(_, args string) {
		if strings.Contains(args, `"msg"="Starting workers"`) {
			workersStarted.Store(true)
		}
	}, funcr.Options{}))
	failed := make(chan error, 1)
	go func() { failed <- mgr.Start(ctx) }()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-failed:
			return fmt.Errorf("the manager stopped: %w", err)
		case <-deadline:
			return fmt.Errorf("the ConfigMap controller did not settle in 60 s")
		case <-time.After(200 * time.Millisecond):
		}
		if settled, err := controllerSettled(); err != nil || settled {
			return err
		}
	}
}

// controllerSettled: workers started, nothing queued or in progress, every add reconciled
// (controller-runtime's own metrics: workqueue_*, controller_runtime_*).
func controllerSettled() (bool, error) {
	if !workersStarted.Load() {
		return false, nil
	}
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return false, err
	}
	sums := map[string]float64{}
	for _, family := range families {
		for _, m := range family.GetMetric() {
			sums[family.GetName()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sums["workqueue_depth"] == 0 && sums["controller_runtime_active_workers"] == 0 && sums["workqueue_adds_total"] == sums["controller_runtime_reconcile_total"], nil
}

// configMapReader is a client.Reader over the given ConfigMaps only.
type configMapReader map[types.NamespacedName]*corev1.ConfigMap

func (r configMapReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	found, ok := r[key]
	target, isConfigMap := obj.(*corev1.ConfigMap)
	if !ok || !isConfigMap {
		return apierrors.NewNotFound(corev1.Resource("configmaps"), key.Name)
	}
	found.DeepCopyInto(target)
	return nil
}

func (r configMapReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return fmt.Errorf("the driver's ConfigMap reader does not list")
}

// givenObjects is the runner's handle with reads served from the given ConfigMaps.
type givenObjects struct {
	framework.Handle
	reader client.Reader
}

func (g givenObjects) ClientReader() client.Reader { return g.reader }

// bareEndpoints makes the datastore's endpoints without the collectors the EPP's factory starts
// per endpoint.
type bareEndpoints struct{}

func (bareEndpoints) NewEndpoint(_ context.Context, meta *fwkdl.EndpointMetadata, _ datalayer.PoolInfo) fwkdl.Endpoint {
	return fwkdl.NewEndpoint(meta, nil)
}
func (bareEndpoints) ReleaseEndpoint(fwkdl.Endpoint) {}

// endpointsOf is the endpoints the EPP of pool `name` holds: one per Ready pod and target port,
// but the ports a pod's `inference.networking.k8s.io/active-ports` annotation leaves out
// (datastore.go:288-320, 422-440), each with the port its director sends to (director.go:326).
func endpointsOf(ctx context.Context, reader client.Reader, name types.NamespacedName) ([]endpoint, error) {
	ds := datastore.NewDatastore(ctx, bareEndpoints{}, 0)
	reconciler := &eppcontroller.InferencePoolReconciler{Reader: reader, Datastore: ds}
	if _, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
		return nil, err
	}
	endpoints := []endpoint{}
	for _, ep := range ds.PodList(func(fwkdl.Endpoint) bool { return true }) {
		meta := ep.GetMetadata()
		endpoints = append(endpoints, endpoint{Pod: meta.PodName, Port: meta.Port})
	}
	return endpoints, nil
}
