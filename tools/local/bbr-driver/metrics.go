package main

import (
	"encoding/json"
	"os"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	bbrmetrics "sigs.k8s.io/gateway-api-inference-extension/pkg/bbr/metrics"
	eppmetrics "sigs.k8s.io/gateway-api-inference-extension/pkg/epp/metrics"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/metrics/collectors"
)

// metric is one name a collector describes, and its type where the collector's Go type says it
// (a custom collector's is known only when it collects, which needs a live datastore).
type metric struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// recorder is the registry the tag's Register functions fill: controller-runtime's, as theirs,
// keeping the collectors so that each can be described.
type recorder struct {
	*prometheus.Registry
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registry.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// fqName is how a Desc prints its name (client_golang's desc.go, String()).
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func typeOf(c prometheus.Collector) string {
	switch c.(type) {
	case *prometheus.CounterVec, prometheus.Counter:
		return "counter"
	case *prometheus.GaugeVec, prometheus.Gauge:
		return "gauge"
	case *prometheus.HistogramVec, prometheus.Histogram:
		return "histogram"
	case *prometheus.SummaryVec, prometheus.Summary:
		return "summary"
	}
	return ""
}

// described is every metric the collectors registered by register describe.
func described(register func()) []metric {
	r := &recorder{Registry: prometheus.NewRegistry()}
	ctrlmetrics.Registry = r
	register()
	var out []metric
	for _, c := range r.collectors {
		descs := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			out = append(out, metric{Name: fqName.FindStringSubmatch(d.String())[1], Type: typeOf(c)})
		}
	}
	return out
}

// printMetrics writes what BBR's and the EPP's binaries register at this tag, as their runners
// call Register (cmd/bbr, cmd/epp/runner: the EPP with its inference-pool collector).
func printMetrics() error {
	return json.NewEncoder(os.Stdout).Encode(map[string][]metric{
		"bbr": described(func() { bbrmetrics.Register() }),
		"epp": described(func() { eppmetrics.Register(collectors.NewInferencePoolMetricsCollector(nil)) }),
	})
}
