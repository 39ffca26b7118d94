// What kwok is told to emulate (its --config file): a kubelet-like lifecycle for pods bound to its
// nodes, node initialisation, and the kubelet's resource-metrics endpoint. Stages are kwok's own
// mechanism (a selector on the object, a delay, then a status patch); these are written for kscale:
// Pending -> Running (not Ready) after the startup delay -> Ready after the readiness delay, with no
// jitter, so tests know when a pod counts. A pod annotation overrides either delay for that pod.
// Pod usage (CPU, memory) is not here: it comes from (Cluster)ResourceUsage objects, which kwok
// watches as CRDs so they can change at run time (kwok-usage.ts).

export interface KwokStageDelays {
  /** Pending -> Running (containers started, not Ready yet); default 1000 ms. */
  startupDelayMs?: number;
  /** Running -> Ready; default 1000 ms. */
  readinessDelayMs?: number;
}

/** Per-pod overrides of the stage delays (a Go duration such as "5s", or an RFC 3339 time to wait for). */
export const STARTUP_DELAY_ANNOTATION = 'kscale.dev/kwok-startup-delay';
export const READINESS_DELAY_ANNOTATION = 'kscale.dev/kwok-readiness-delay';

/** Nodes kwok manages carry this annotation (kwok's own convention; --manage-nodes-with-annotation-selector). */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

const fromAnnotation = (key: string): string => `'.metadata.annotations["${key}"]'`;

const nodeInitialize = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: kscale-node-initialize}
spec:
  resourceRef: {apiGroup: v1, kind: Node}
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: NotIn
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
      addresses:
      - {address: {{ NodeIP | Quote }}, type: InternalIP}
      - {address: {{ .metadata.name | Quote }}, type: Hostname}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ NodePort }}
      allocatable:
      {{ with .status.allocatable }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      capacity:
      {{ with .status.capacity }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      nodeInfo:
        architecture: amd64
        operatingSystem: linux
        kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
        containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
        kernelVersion: ""
        osImage: ""
        kubeProxyVersion: ""
        machineID: ""
        systemUUID: ""
        bootID: ""
      phase: Running
`;

function podStart(ms: number): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: kscale-pod-start}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: '.metadata.deletionTimestamp', operator: DoesNotExist}
    - {key: '.status.phase', operator: In, values: [Pending]}
    - {key: '.status.podIP', operator: DoesNotExist}
  delay:
    durationMilliseconds: ${String(ms)}
    durationFrom: {expressionFrom: ${fromAnnotation(STARTUP_DELAY_ANNOTATION)}}
  next:
    event: {type: Normal, reason: Started, message: 'Started containers (kwok)'}
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: false
        started: true
        restartCount: 0
        state: {running: {startedAt: {{ $now | Quote }}}}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
`;
}

function podReady(ms: number): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: kscale-pod-ready}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: '.metadata.deletionTimestamp', operator: DoesNotExist}
    - {key: '.status.phase', operator: In, values: [Running]}
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: NotIn
      values: ['True']
  delay:
    durationMilliseconds: ${String(ms)}
    durationFrom: {expressionFrom: ${fromAnnotation(READINESS_DELAY_ANNOTATION)}}
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $started := or .status.startTime $now }}
      conditions:
      - {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: true
        started: true
        restartCount: 0
        state: {running: {startedAt: {{ $started | Quote }}}}
      {{ end }}
`;
}

// A bound pod is deleted gracefully: the kubelet (here kwok) finishes the deletion.
const podDelete = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: kscale-pod-delete}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: '.metadata.deletionTimestamp', operator: Exists}
  next:
    delete: true
`;

// The kubelet's /metrics/resource, served per node by kwok at /metrics/nodes/{node}/metrics/resource
// (metrics-server is sent there by the node annotation metrics.k8s.io/resource-metrics-path). The
// metric names, kinds and labels are the kubelet's, which is what metrics-server parses.
const metricsResource = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata: {name: kscale-metrics-resource}
spec:
  path: /metrics/nodes/{nodeName}/metrics/resource
  metrics:
  - {name: scrape_error, dimension: node, kind: gauge, help: '1 if there was an error while getting metrics from the node, 0 otherwise', value: '0'}
  - name: container_start_time_seconds
    dimension: container
    kind: gauge
    help: Start time of the container since unix epoch in seconds
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.SinceSecond()
  - name: container_cpu_usage_seconds_total
    dimension: container
    kind: counter
    help: Cumulative cpu time consumed by the container in core-seconds
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.CumulativeUsage("cpu", container.name)
  - name: container_memory_working_set_bytes
    dimension: container
    kind: gauge
    help: Current working set of the container in bytes
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.Usage("memory", container.name)
  - {name: node_cpu_usage_seconds_total, dimension: node, kind: counter, help: Cumulative cpu time consumed by the node in core-seconds, value: node.CumulativeUsage("cpu")}
  - {name: node_memory_working_set_bytes, dimension: node, kind: gauge, help: Current working set of the node in bytes, value: node.Usage("memory")}
`;

/** The --config file for kwok: node and pod stages plus the resource-metrics endpoint. */
export function kwokConfigYaml(delays: KwokStageDelays = {}): string {
  return [nodeInitialize, podStart(delays.startupDelayMs ?? 1000), podReady(delays.readinessDelayMs ?? 1000), podDelete, metricsResource]
    .join('---\n');
}
