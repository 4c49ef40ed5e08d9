package main

import (
	"context"
	"encoding/json"
	"os"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	v1 "sigs.k8s.io/gateway-api-inference-extension/api/v1"
)

// endpoint is one place the EPP may send a request: a pod and the port.
type endpoint struct {
	Pod  string `json:"pod"`
	Port string `json:"port"`
}

// poolEndpoints is what the EPP of one InferencePool holds.
type poolEndpoints struct {
	Pool      string     `json:"pool"`
	Endpoints []endpoint `json:"endpoints"`
}

// printPoolEndpoints writes, for each InferencePool in `namespace` of $KUBECONFIG's cluster, the
// endpoints the tag's EPP would hold: its InferencePoolReconciler fills a fresh datastore from
// the API server, as in the EPP's manager (the pods come from the pool's resync, which lists its
// selector's Ready pods). No metrics are scraped and nothing listens.
func printPoolEndpoints(namespace string) error {
	ctx := context.Background()
	config, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := v1.Install(scheme); err != nil {
		return err
	}
	reader, err := client.New(config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	pools := &v1.InferencePoolList{}
	if err := reader.List(ctx, pools, client.InNamespace(namespace)); err != nil {
		return err
	}
	out := []poolEndpoints{}
	for _, pool := range pools.Items {
		endpoints, err := endpointsOf(ctx, reader, types.NamespacedName{Namespace: pool.Namespace, Name: pool.Name})
		if err != nil {
			return err
		}
		sort.Slice(endpoints, func(i, j int) bool { return endpoints[i].Pod+endpoints[i].Port < endpoints[j].Pod+endpoints[j].Port })
		out = append(out, poolEndpoints{Pool: pool.Name, Endpoints: endpoints})
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
