package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	scalefake "k8s.io/client-go/scale/fake"
	core "k8s.io/client-go/testing"
	autoscalingv2defaults "k8s.io/kubernetes/pkg/apis/autoscaling/v2"
	metricsclient "k8s.io/kubernetes/pkg/controller/podautoscaler/metrics"
	cmapi "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emapi "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsapi "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsfake "k8s.io/metrics/pkg/client/clientset/versioned/fake"
	cmfake "k8s.io/metrics/pkg/client/custom_metrics/fake"
	emfake "k8s.io/metrics/pkg/client/external_metrics/fake"
	podautoscaler "kscale/tools/parity/upstream"
)

// testCase is one line of input: an autoscaler and the world it sees at each step (see
// test/parity/generator.ts, which writes them).
type testCase struct {
	ID     string `json:"id"`
	Config struct {
		Tolerance                      *float64 `json:"tolerance"`
		CPUInitializationPeriodSeconds *float64 `json:"cpuInitializationPeriodSeconds"`
		InitialReadinessDelaySeconds   *float64 `json:"initialReadinessDelaySeconds"`
		DownscaleStabilizationSeconds  *float64 `json:"downscaleStabilizationSeconds"`
	} `json:"config"`
	// An autoscaling/v2 HorizontalPodAutoscaler (kscale's HorizontalAutoscaler has the same shape;
	// fields upstream does not know are ignored).
	Autoscaler autoscalingv2.HorizontalPodAutoscaler `json:"autoscaler"`
	Steps      []step                                `json:"steps"`
}

type step struct {
	// The instant of this reconcile, ms since the epoch.
	Now int64 `json:"now"`
	// An autoscaling/v1 Scale, or {"error": "..."} when reading it fails.
	Scale json.RawMessage `json:"scale"`
	// When set, the target's replicas (spec and status) are the ones the previous step wrote, if it
	// wrote any: the workload followed the autoscaler.
	FollowScale bool     `json:"followScale"`
	Pods        []v1.Pod `json:"pods"`
	// metrics.k8s.io PodMetrics of the namespace (filtered by the label selector as metrics-server
	// does), or {"error": "..."}.
	PodMetrics json.RawMessage `json:"podMetrics"`
	// By index into the defaulted spec.metrics: what the custom or external metrics API answers for
	// that entry: null, {"error"}, {"custom": [MetricValue]} or {"external": [ExternalMetricValue]}.
	MetricValues []*metricFetch `json:"metricValues"`
	// When set, the scale update fails with this error.
	RescaleError *string `json:"rescaleError"`
}

type metricFetch struct {
	Error    *string                     `json:"error"`
	Custom   []cmapi.MetricValue         `json:"custom"`
	External []emapi.ExternalMetricValue `json:"external"`
}

type caseResult struct {
	ID    string       `json:"id"`
	Steps []stepResult `json:"steps"`
	Error string       `json:"error,omitempty"`
}

type condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type event struct {
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type stepResult struct {
	CurrentReplicas int32                        `json:"currentReplicas"`
	DesiredReplicas int32                        `json:"desiredReplicas"`
	ScaleWritten    *int32                       `json:"scaleWritten"`
	Conditions      []condition                  `json:"conditions"`
	CurrentMetrics  []autoscalingv2.MetricStatus `json:"currentMetrics"`
	Events          []event                      `json:"events"`
	StatusWritten   bool                         `json:"statusWritten"`
	// What reconcile returned (upstream logs it and retries at the next sync).
	Error string `json:"error,omitempty"`
}

// recorder keeps the controller's Events in order, synchronously (record.FakeRecorder would treat
// every message as a format string).
type recorder struct{ events []event }

func (r *recorder) Event(_ runtime.Object, eventtype, reason, message string) {
	r.events = append(r.events, event{eventtype, reason, message})
}
func (r *recorder) Eventf(_ runtime.Object, eventtype, reason, messageFmt string, args ...interface{}) {
	r.events = append(r.events, event{eventtype, reason, fmt.Sprintf(messageFmt, args...)})
}
func (r *recorder) AnnotatedEventf(o runtime.Object, _ map[string]string, eventtype, reason, messageFmt string, args ...interface{}) {
	r.Eventf(o, eventtype, reason, messageFmt, args...)
}

func seconds(v *float64, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	return time.Duration(*v * float64(time.Second))
}

// restMapper knows the workload kinds the generator targets.
func restMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper([]schema.GroupVersion{{Group: "apps", Version: "v1"}, {Group: "", Version: "v1"}})
	for _, k := range []schema.GroupVersionKind{
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "apps", Version: "v1", Kind: "StatefulSet"},
		{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
		{Group: "", Version: "v1", Kind: "ReplicationController"},
	} {
		m.Add(k, meta.RESTScopeNamespace)
	}
	return m
}

// world is what the fake clients answer during the current step.
type world struct {
	c            *testCase
	metrics      []autoscalingv2.MetricSpec
	step         *step
	scale        *autoscalingv1.Scale
	scaleErr     error
	written      *int32
	lastIndex    int // last spec.metrics index a custom/external request was routed to
	podMetrics   []metricsapi.PodMetrics
	podMetricErr error
	hpa          *autoscalingv2.HorizontalPodAutoscaler
	statusWrites int
}

func errorOf(raw json.RawMessage) (string, bool) {
	var e struct {
		Error *string `json:"error"`
	}
	if len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &e) == nil && e.Error != nil {
		return *e.Error, true
	}
	return "", false
}

// route finds the spec.metrics entry a custom/external metrics request belongs to: the next entry
// (in spec order, as the controller walks them) of that type and metric name.
func (w *world) route(match func(m autoscalingv2.MetricSpec) bool) (*metricFetch, bool) {
	for i := w.lastIndex + 1; i < len(w.metrics); i++ {
		if match(w.metrics[i]) {
			w.lastIndex = i
			if i < len(w.step.MetricValues) && w.step.MetricValues[i] != nil {
				return w.step.MetricValues[i], true
			}
			return &metricFetch{}, true
		}
	}
	return nil, false
}

func runCase(c *testCase) *caseResult {
	res := &caseResult{ID: c.ID, Steps: []stepResult{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	hpa := c.Autoscaler.DeepCopy()
	if hpa.Namespace == "" {
		hpa.Namespace = "default"
	}
	autoscalingv2defaults.SetObjectDefaults_HorizontalPodAutoscaler(hpa) // API server defaulting
	w := &world{c: c, metrics: hpa.Spec.Metrics, hpa: hpa}
	key := hpa.Namespace + "/" + hpa.Name

	hpaClient := &fake.Clientset{}
	hpaClient.AddReactor("update", "horizontalpodautoscalers", func(a core.Action) (bool, runtime.Object, error) {
		obj := a.(core.UpdateAction).GetObject().(*autoscalingv2.HorizontalPodAutoscaler)
		w.hpa = obj.DeepCopy()
		w.statusWrites++
		return true, obj, nil
	})
	scaleClient := &scalefake.FakeScaleClient{}
	scaleClient.AddReactor("get", "*", func(core.Action) (bool, runtime.Object, error) {
		if w.scaleErr != nil {
			return true, nil, w.scaleErr
		}
		return true, w.scale.DeepCopy(), nil
	})
	scaleClient.AddReactor("update", "*", func(a core.Action) (bool, runtime.Object, error) {
		if w.step.RescaleError != nil {
			return true, nil, errors.New(*w.step.RescaleError)
		}
		obj := a.(core.UpdateAction).GetObject().(*autoscalingv1.Scale)
		n := obj.Spec.Replicas
		w.written = &n
		return true, obj, nil
	})
	resourceClient := &metricsfake.Clientset{}
	resourceClient.AddReactor("list", "pods", func(a core.Action) (bool, runtime.Object, error) {
		if w.podMetricErr != nil {
			return true, nil, w.podMetricErr
		}
		sel := a.(core.ListAction).GetListRestrictions().Labels
		if sel == nil {
			sel = labels.Everything()
		}
		list := &metricsapi.PodMetricsList{}
		for _, m := range w.podMetrics {
			if sel.Matches(labels.Set(m.Labels)) {
				list.Items = append(list.Items, *m.DeepCopy())
			}
		}
		return true, list, nil
	})
	customClient := &cmfake.FakeCustomMetricsClient{}
	customClient.AddReactor("get", "*", func(a core.Action) (bool, runtime.Object, error) {
		get := a.(cmfake.GetForAction)
		pods := get.GetName() == "*"
		f, ok := w.route(func(m autoscalingv2.MetricSpec) bool {
			if pods {
				return m.Type == autoscalingv2.PodsMetricSourceType && m.Pods != nil && m.Pods.Metric.Name == get.GetMetricName()
			}
			return m.Type == autoscalingv2.ObjectMetricSourceType && m.Object != nil && m.Object.Metric.Name == get.GetMetricName()
		})
		if !ok {
			return true, nil, fmt.Errorf("harness: no metric entry for custom metric request %v", a)
		}
		if f.Error != nil {
			return true, nil, errors.New(*f.Error)
		}
		return true, &cmapi.MetricValueList{Items: f.Custom}, nil
	})
	externalClient := &emfake.FakeExternalMetricsClient{}
	externalClient.AddReactor("list", "*", func(a core.Action) (bool, runtime.Object, error) {
		name := a.GetResource().Resource
		f, ok := w.route(func(m autoscalingv2.MetricSpec) bool {
			return m.Type == autoscalingv2.ExternalMetricSourceType && m.External != nil && m.External.Metric.Name == name
		})
		if !ok {
			return true, nil, fmt.Errorf("harness: no metric entry for external metric request %v", a)
		}
		if f.Error != nil {
			return true, nil, errors.New(*f.Error)
		}
		return true, &emapi.ExternalMetricValueList{Items: f.External}, nil
	})

	// Listers fed directly (informers never started): each step replaces what they hold.
	factory := informers.NewSharedInformerFactory(&fake.Clientset{}, 0)
	hpaInformer := factory.Autoscaling().V2().HorizontalPodAutoscalers()
	podInformer := factory.Core().V1().Pods()
	eventClient := &fake.Clientset{}
	controller := podautoscaler.NewHorizontalController(ctx, eventClient.CoreV1(), scaleClient, hpaClient.AutoscalingV2(), restMapper(),
		metricsclient.NewRESTMetricsClient(resourceClient.MetricsV1beta1(), customClient, externalClient),
		hpaInformer, podInformer,
		15*time.Second,
		seconds(c.Config.DownscaleStabilizationSeconds, 5*time.Minute),
		valueOr(c.Config.Tolerance, 0.1),
		seconds(c.Config.CPUInitializationPeriodSeconds, 5*time.Minute),
		seconds(c.Config.InitialReadinessDelaySeconds, 30*time.Second),
	)
	defer controller.ShutdownForParity()
	rec := &recorder{}
	controller.SetEventRecorderForParity(rec)

	var replicas *int32 // the target's replicas after the previous step's write, for followScale
	for i := range c.Steps {
		s := &c.Steps[i]
		w.step, w.written, w.lastIndex, w.statusWrites = s, nil, -1, 0
		rec.events = nil
		now := time.UnixMilli(s.Now)
		podautoscaler.SetClockForParity(func() time.Time { return now })

		w.scale, w.scaleErr = nil, nil
		if msg, isErr := errorOf(s.Scale); isErr {
			w.scaleErr = errors.New(msg)
		} else {
			sc := &autoscalingv1.Scale{}
			if err := json.Unmarshal(s.Scale, sc); err != nil {
				res.Error = fmt.Sprintf("step %d: bad scale: %v", i, err)
				return res
			}
			if s.FollowScale && replicas != nil {
				sc.Spec.Replicas, sc.Status.Replicas = *replicas, *replicas
			}
			sc.Name, sc.Namespace = hpa.Spec.ScaleTargetRef.Name, hpa.Namespace
			w.scale = sc
		}
		w.podMetrics, w.podMetricErr = nil, nil
		if msg, isErr := errorOf(s.PodMetrics); isErr {
			w.podMetricErr = errors.New(msg)
		} else if len(s.PodMetrics) > 0 && string(s.PodMetrics) != "null" {
			if err := json.Unmarshal(s.PodMetrics, &w.podMetrics); err != nil {
				res.Error = fmt.Sprintf("step %d: bad podMetrics: %v", i, err)
				return res
			}
		}
		for j := range w.podMetrics {
			if w.podMetrics[j].Namespace == "" {
				w.podMetrics[j].Namespace = hpa.Namespace
			}
		}
		pods := make([]interface{}, 0, len(s.Pods))
		for j := range s.Pods {
			p := s.Pods[j].DeepCopy()
			if p.Namespace == "" {
				p.Namespace = hpa.Namespace
			}
			pods = append(pods, p)
		}
		if err := podInformer.Informer().GetIndexer().Replace(pods, ""); err != nil {
			res.Error = err.Error()
			return res
		}
		if err := hpaInformer.Informer().GetIndexer().Replace([]interface{}{w.hpa.DeepCopy()}, ""); err != nil {
			res.Error = err.Error()
			return res
		}

		_, err := controller.ReconcileKeyForParity(ctx, key)

		out := stepResult{
			CurrentReplicas: w.hpa.Status.CurrentReplicas,
			DesiredReplicas: w.hpa.Status.DesiredReplicas,
			ScaleWritten:    w.written,
			Conditions:      []condition{},
			CurrentMetrics:  w.hpa.Status.CurrentMetrics,
			Events:          append([]event{}, rec.events...),
			StatusWritten:   w.statusWrites > 0,
		}
		for _, cond := range w.hpa.Status.Conditions {
			out.Conditions = append(out.Conditions, condition{string(cond.Type), string(cond.Status), cond.Reason, cond.Message})
		}
		if err != nil {
			out.Error = err.Error()
		}
		res.Steps = append(res.Steps, out)
		if w.written != nil {
			replicas = w.written
		} else if w.scale != nil {
			r := w.scale.Spec.Replicas
			replicas = &r
		}
	}
	return res
}

func valueOr(v *float64, def float64) float64 {
	if v == nil {
		return def
	}
	return *v
}
