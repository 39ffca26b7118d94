// The help texts of kscale's commands, apart from the commands themselves: `kscale --help`, shell
// completion (flags are read from these texts) and the kubectl plugin need them without loading a
// command's implementation (the Kubernetes client, the controller...), so this module and what it
// imports stay light (test/unit/cli-lazy-load.test.ts checks that `kscale version` loads no heavy module).
import { API_VERSION } from '../api/types.ts';
import { configUsage } from '../config.ts';

export const connectionUsage = `      --kubeconfig FILE    kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)
      --context NAME       kubeconfig context
      --server URL         API server URL without credentials, e.g. http://127.0.0.1:8001 (kubectl proxy)
  -n, --namespace NS       namespace of NAME (default: the context's namespace, else "default")`;

export const decideUsage = `Usage: kscale decide -f FILE [--output json|text]

Prints the decision kscale would make for a snapshot of Kubernetes objects.
  -f, --filename FILE   snapshot in YAML or JSON ("-" reads standard input)
  -o, --output FORMAT   json (default) or text
The snapshot holds: autoscaler, scale, pods, podMetrics, metricValues (one entry per spec.metrics entry),
now, config; podOwnership (selectionStrategy OwnerReference) and rollout (rollout.policy ExcludeSurge)
when the spec reads them. The older flat customMetrics/externalMetrics/metricErrors lists are still read.
See examples/decide/ for worked examples.`;

export const decideLiveUsage = `${decideUsage}

Or on a live cluster: kscale decide NAMESPACE/NAME [-o json|text]   (or NAME -n NAMESPACE)
Captures what one decision of that HorizontalAutoscaler reads (as "kscale snapshot" does) and
prints the decision kscale would make now; nothing is changed.
${connectionUsage}`;

export const convertUsage = `Usage: kscale convert -f FILE [--output yaml|json]

Converts HorizontalPodAutoscaler manifests (autoscaling/v2 or autoscaling/v1) into
HorizontalAutoscaler manifests (${API_VERSION}). "-" reads standard input.`;

export const demoUsage = `Usage: kscale demo [--duration 4m] [--period 3m] [--out demo.svg]

Starts the embedded control plane and the controller, drives a queue-depth load that rises and
falls over --period, prints every decision live, and writes a chart of the run to --out.
Ctrl-C ends early: the chart of the run so far is still written, and everything is cleaned up.`;

export const devUsage = `Usage: kscale dev metrics set TARGET NAME=VALUE... [--container NAME]
       kscale dev metrics show | clear

Programs the fake metrics APIs of the background cluster (npm run cluster:up); the values are
served until changed, cleared, or the cluster stops. TARGET decides the API:
  NAMESPACE/POD           cpu=250m memory=64Mi: pod usage (metrics.k8s.io, container --container, default "app");
                          any other NAME: a Pods metric (custom.metrics.k8s.io). POD may be a pattern
                          with *, e.g. 'web-*': every matching pod, also those created later
  NAMESPACE/RESOURCE/NAME an Object metric of that object, RESOURCE as the HPA asks for it
                          (deployments.apps, services, ingresses.networking.k8s.io)
  NAMESPACE               an External metric series: 'NAME{label=value,...}=VALUE' (labels optional)
Values are Kubernetes quantities (250m, 1.5, 64Mi, 30).`;

export const lintUsage = `Usage: kscale lint -f FILE|DIR [-f ...] [-o text|json] [--sync-period SECONDS]
       kscale lint --live NAMESPACE/NAME [-o text|json]   (or --live NAME -n NAMESPACE)

Checks HorizontalAutoscalers for mistakes. Errors: the spec is invalid (the API server would refuse
it), or another autoscaler scales the same workload (kscale refuses to). Warnings: legal settings
that are surely a mistake (the admission policy deploy/crd/kscale-lint-policy.yaml prints the spec-only
ones on kubectl apply), and with --live what needs other objects: Utilization targets on pods without
requests, a selector that picks other workloads' pods, maxReplicas above the namespace's pod quota,
a VerticalPodAutoscaler on the same resource.
Exit code: 0 clean or warnings only, 1 errors, 2 bad usage or unreadable input.

  -f, --filename FILE|DIR  manifests (YAML or JSON, several documents, Lists; "-" is standard input);
                           directories are read recursively (*.yaml, *.yml, *.json); repeatable
      --live NS/NAME       the live object, with its pods, ResourceQuotas, VPAs, HPAs and ScaledObjects
  -o, --output FORMAT      text (default) or json
      --sync-period SEC    the controller's sync period for objects without syncPeriodSeconds (default 15)
${connectionUsage}`;

export const runUsage = `${configUsage()}  --embedded[=auto]             start a local control plane (auto: only when no cluster is configured)\n`;

export const simulateUsage = `Usage: kscale simulate -f AUTOSCALER --trace TRACE [--compare AUTOSCALER] [--out FILE] [--output text|json]

Replays a metric trace through kscale's decision engine, tick by tick at the autoscaler's sync
period, and reports what it would have done: scale changes, replica-seconds, time above target.
  -f, --filename FILE      the HorizontalAutoscaler (or autoscaling/v2 HPA, or a \`kscale decide\` snapshot), YAML or JSON
      --trace FILE         the load: CSV "time,<metric>,..." or JSON {"points": [...]}; "-" reads standard input
      --compare FILE       a second autoscaler to replay on the same trace and compare with the first
      --out FILE           also write a chart: FILE.svg (plus FILE.png when rsvg-convert or ImageMagick is installed) or FILE.html
  -o, --output FORMAT      text (default) or json
      --ready-delay D      how long a new pod takes to become Ready (default 30s)
      --replicas N         replicas at the start (default: minReplicas)
      --cpu-request Q      each container's cpu request (default 1)
      --memory-request Q   each container's memory request (default 1Gi)
      --per-pod            cpu, memory and Pods metric values are per Ready pod, not totals
      --duration D         replay this long (default: until the trace's last point)
  The simulated Deployment's rolling updates (each rise of the trace's rollout column starts one):
      --rollout-max-surge P       maxSurge as a percentage of spec.replicas, rounded up (default 25%; maxUnavailable is 0)
      --rollout-min-ready D       minReadySeconds: a new pod is available, and an old one goes, this long after Ready (default 30s)
      --rollout-warm-up D         a pod a rollout creates warms up for this long after Ready (default 20s)
      --rollout-warm-up-factor F  and meanwhile uses F × its share of cpu and memory (default 1.7; 1: no warm-up)
  Instead of --trace, a Prometheus range:
      --prometheus URL --query NAME=PROMQL [--query ...] --start TIME --end TIME [--step D]
  Durations are seconds or Go durations ("90s", "5m"); TIME is RFC 3339 or seconds since the epoch.
See docs/simulate.md and examples/traces/.`;

export const snapshotUsage = `Usage: kscale snapshot NAMESPACE/NAME [--kubeconfig FILE] [--context NAME] [--server URL] [-o yaml|json]

Reads what one decision of the HorizontalAutoscaler NAMESPACE/NAME needs from the cluster (the
autoscaler, its target's scale, the selected pods, their metrics; for OwnerReference and
ExcludeSurge, the pods' ownership and the rollout, from the namespace's Deployments, ReplicaSets and
StatefulSets) and prints it as a snapshot for \`kscale decide -f\`.
      --kubeconfig FILE  kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)
      --context NAME     kubeconfig context
      --server URL       API server URL without credentials, e.g. http://127.0.0.1:8001 (kubectl proxy)
  -o, --output FORMAT    yaml (default) or json
Example: kscale snapshot shop/web > web.yaml && kscale decide -f web.yaml --output text`;

export const versionUsage = `Usage: kscale version [-o text|json]

Prints the version, the commit and build date of this build, and the Node.js version.
  -o, --output FORMAT   text (default) or json: {"version", "commit", "buildDate", "node"}
"kscale --version" is the same as "kscale version".`;

export const whyUsage = `Usage: kscale why NAMESPACE/NAME [-o text|json]      (or NAME -n NAMESPACE)

Explains the latest decision of a HorizontalAutoscaler: each metric's value against its target and
the replicas it proposed, the rule that bounded the result (tolerance, stabilization, a behavior
policy, minReplicas or maxReplicas, ...), its conditions, and the recent decisions of its ledger.
  -o, --output FORMAT      text (default) or json: {"lastDecision", "decisions"} as in status
${connectionUsage}`;

