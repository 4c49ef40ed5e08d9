// NetworkPolicy semantics as sig-network's conformance tooling reads them: cyclonus's matcher
// (github.com/mattfenwick/cyclonus pkg/matcher, which the upstream network-policy-api's
// policy-assistant grew from), asked whether each connection is admitted. No CNI runs here, so
// this is the reading of NetworkPolicies the test suite can run. Label selectors are also asked of
// apimachinery itself (metav1.LabelSelectorAsSelector), which controllers and CNIs use, where
// cyclonus reads one differently. It reads one JSON document on stdin:
//
//	{"connections": [{"policies": [NetworkPolicy, ...], "destination": {...}, "source": {...}}, ...],
//	 "selections": [{"selector": LabelSelector, "labels": {...}}, ...]}
//
// and writes {"admitted": [...], "selected": [...]}: whether each connection's ingress is allowed,
// and whether each selector selects the labels.
package main

import (
	"encoding/json"
	"os"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// podAddress is a pod's address where a case gives none (TEST-NET-2, outside every case's blocks).
const podAddress = "198.51.100.7"

type pod struct {
	Labels          map[string]string `json:"labels"`
	Namespace       string            `json:"namespace"`
	NamespaceLabels map[string]string `json:"namespaceLabels"`
}

type question struct {
	Policies    []*networkingv1.NetworkPolicy `json:"policies"`
	Destination struct {
		pod
		Port       int            `json:"port"`
		Protocol   string         `json:"protocol"`
		NamedPorts map[string]int `json:"namedPorts"`
	} `json:"destination"`
	Source struct {
		Pod *pod   `json:"pod"`
		IP  string `json:"ip"`
	} `json:"source"`
}

type selection struct {
	Selector metav1.LabelSelector `json:"selector"`
	Labels   map[string]string    `json:"labels"`
}

func main() {
	var in struct {
		Connections []question  `json:"connections"`
		Selections  []selection `json:"selections"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	selected := make([]bool, len(in.Selections))
	for i, s := range in.Selections {
		selector, err := metav1.LabelSelectorAsSelector(&s.Selector)
		if err != nil {
			panic(err)
		}
		selected[i] = selector.Matches(labels.Set(s.Labels))
	}
	answers := make([]bool, len(in.Connections))
	for i, q := range in.Connections {
		d := q.Destination
		portName := ""
		for name, number := range d.NamedPorts {
			if number == d.Port {
				portName = name
			}
		}
		protocol := corev1.ProtocolTCP
		if d.Protocol != "" {
			protocol = corev1.Protocol(d.Protocol)
		}
		// cyclonus needs every peer's address.
		source := &matcher.TrafficPeer{IP: q.Source.IP}
		if source.IP == "" {
			source.IP = podAddress
		}
		if p := q.Source.Pod; p != nil {
			source.Internal = &matcher.InternalPeer{PodLabels: p.Labels, NamespaceLabels: p.NamespaceLabels, Namespace: p.Namespace}
		}
		traffic := &matcher.Traffic{
			Source:           source,
			Destination:      &matcher.TrafficPeer{IP: podAddress, Internal: &matcher.InternalPeer{PodLabels: d.Labels, NamespaceLabels: d.NamespaceLabels, Namespace: d.Namespace}},
			ResolvedPort:     d.Port,
			ResolvedPortName: portName,
			Protocol:         protocol,
		}
		for _, policy := range q.Policies {
			// The API server's defaulting (kubernetes v1.34.4 pkg/apis/networking/v1/defaults.go:38-46,
			// SetDefaults_NetworkPolicy), which cyclonus expects done: Ingress, and Egress with egress rules.
			if len(policy.Spec.PolicyTypes) == 0 {
				policy.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
				if len(policy.Spec.Egress) > 0 {
					policy.Spec.PolicyTypes = append(policy.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
				}
			}
		}
		answers[i] = matcher.BuildNetworkPolicies(false, q.Policies).IsIngressOrEgressAllowed(traffic, true).IsAllowed()
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string][]bool{"admitted": answers, "selected": selected}); err != nil {
		panic(err)
	}
}
