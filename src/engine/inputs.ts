// The Kubernetes objects a decision reads, as the API serves them (JSON), reduced to the fields the
// HPA algorithm looks at. Timestamps are RFC 3339 strings; quantities are API strings.
import type { QuantityValue } from '../api/types.ts';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export interface Container {
  name: string;
  resources?: { requests?: Record<string, QuantityValue>; limits?: Record<string, QuantityValue> };
  /** Only for init containers: "Always" marks a sidecar, whose requests count. */
  restartPolicy?: string;
}

export interface Pod {
  metadata: {
    name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string | null;
    /** Read by the controller only (ownership, rollout classification); the engine reads names. */
    creationTimestamp?: string;
    ownerReferences?: { uid?: string; kind?: string; name?: string; apiVersion?: string; controller?: boolean }[];
  };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    /** Pod-level resources (PodLevelResources): used when set and no container is targeted. */
    resources?: { requests?: Record<string, QuantityValue> };
    /** RuntimeClass overhead, added to pod-level requests as upstream's PodRequests adds it. */
    overhead?: Record<string, QuantityValue>;
  };
  status?: { phase?: string; startTime?: string; conditions?: PodCondition[] };
}

/** autoscaling/v1 Scale of the target. */
export interface Scale {
  /** uid: the scaled object's own (the API server copies its parent's); selectionStrategy reads it. */
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Record<string, QuantityValue> }[];
}

/** custom.metrics.k8s.io/v1beta2 MetricValue. */
export interface MetricValue {
  describedObject: { kind: string; name: string; namespace?: string; apiVersion?: string };
  metric: { name: string; selector?: import('../values/labels.ts').LabelSelector | null };
  timestamp: string;
  windowSeconds?: number | null;
  value: QuantityValue;
}

/** external.metrics.k8s.io/v1beta1 ExternalMetricValue. */
export interface ExternalMetricValue {
  metricName: string;
  metricLabels?: Record<string, string>;
  timestamp: string;
  windowSeconds?: number | null;
  value: QuantityValue;
}
