// The CustomResourceDefinition of HorizontalAutoscaler (apiextensions.k8s.io/v1), built in code so
// that the compiler proves it matches src/api/types.ts. scripts/gen-crd.ts writes it to
// deploy/crd/horizontalautoscalers.kscale.dev.yaml; test/unit/crd.test.ts fails when the two drift.
//
// No drift between schema and types, proven at compile time: the properties of every object in the
// schema are declared as `{ ... } satisfies SchemaFor<T>` for the TypeScript type T they describe.
// SchemaFor<T> has exactly the keys of T (optional ones included), so a field added to, removed from or
// renamed in types.ts without the same change here is a type error (a missing key, or an excess
// property in the literal). Each property must carry a description. `object<T>()` further takes the
// schema's `required` list as a permutation of T's non-optional keys, so requiredness cannot drift either.
//
// Admission (this schema's OpenAPI ranges and CEL rules) checks what can be checked statically, the
// same rules as validateSpec in ./validation.ts (whose limits it imports), so that the apiserver never
// accepts an object the controller would reject for a static reason. Metrics and behavior are not
// defaulted here: the engine applies upstream's defaulting, and a defaulted `behavior` would switch
// the algorithm from upstream's no-behavior path to the behavior path.
import { DEFAULT_METRICS, DEFAULT_MIN_REPLICAS, UPSTREAM_DEFAULTS } from './defaults.ts';
import { GROUP, KIND, PLURAL, ROLLOUT_POLICIES, SELECTION_STRATEGIES, SHORT_NAME, VERSION } from './types.ts';
import type {
  Condition, ContainerResourceMetricSource, CrossVersionObjectReference, DecisionSummary, ExternalMetricSource,
  HorizontalAutoscaler, HorizontalAutoscalerSpec, HorizontalAutoscalerStatus, HorizontalPodAutoscalerBehavior,
  HPAScalingPolicy, HPAScalingRules, LabelSelector, LabelSelectorRequirement, MetricIdentifier,
  MetricProposalSummary, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus, ObjectMetricSource,
  PodsMetricSource, Recommendation, ResourceMetricSource, RolloutSpec, ScaleEvent,
} from './types.ts';
import { LIMITS } from './validation.ts';
import { fallbackSchema, metricHistorySchema, proposalFallbackSchema, safetySchema } from './safety-crd.ts';

/** A CEL rule (x-kubernetes-validations). */
export interface ValidationRule {
  rule: string;
  message: string;
  /** Where the error is reported, relative to the node carrying the rule (e.g. ".maxReplicas"). */
  fieldPath?: string;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps we use, with the wire names. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-validations'?: ValidationRule[];
}

/** A property's schema: always described, so `kubectl explain` reads well. */
export type FieldSchema = JSONSchemaProps & { description: string };

/**
 * Top-level metadata: the apiserver forbids anything but its type there (a description included) and
 * publishes ObjectMeta's own documentation instead.
 */
export interface ObjectMetaSchema { type: 'object' }

/** The properties of the schema of T: one described schema per field of T, no more, no fewer. */
export type SchemaFor<T> = { [K in keyof Required<T>]-?: K extends 'metadata' ? ObjectMetaSchema : FieldSchema };

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T] & string;
/** Every ordering of the union U as a tuple: a list naming each member exactly once. */
type Permutations<U extends string, All extends string = U> =
  [U] extends [never] ? [] : U extends U ? [U, ...Permutations<Exclude<All, U>>] : never;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

// ---- Building blocks -------------------------------------------------------------------------------

// Bounds that keep CEL's estimated cost within the apiserver's budget: without them a rule inside a
// list is costed as if the list (or string) filled a whole request.
const MAX_METRICS = 50;
const MAX_POLICIES = 10;
const MAX_SELECTOR_REQUIREMENTS = 32;
const MAX_NAME = 253;
const MAX_ENUM = 32;
const MAX_QUANTITY = 64;

/** The apimachinery resource.Quantity pattern, as emitted for Quantity fields by controller-gen. */
export const QUANTITY_PATTERN =
  String.raw`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`;

const int32 = (description: string, extra: JSONSchemaProps = {}): FieldSchema =>
  ({ type: 'integer', format: 'int32', description, ...extra });
const int64 = (description: string): FieldSchema => ({ type: 'integer', format: 'int64', description });
const str = (description: string, extra: JSONSchemaProps = {}): FieldSchema => ({ type: 'string', description, ...extra });
const enumOf = (description: string, values: readonly string[]): FieldSchema =>
  str(description, { enum: [...values], maxLength: MAX_ENUM });
const time = (description: string): FieldSchema => str(description, { format: 'date-time' });
const list = (description: string, items: JSONSchemaProps, extra: JSONSchemaProps = {}): FieldSchema =>
  ({ type: 'array', description, items, ...extra });

function object<T>(description: string, properties: SchemaFor<T>, required: Permutations<RequiredKeys<T>>,
  rules: ValidationRule[] = []): FieldSchema {
  return {
    type: 'object',
    description,
    properties,
    ...(required.length > 0 ? { required: [...required] as string[] } : {}),
    ...(rules.length > 0 ? { 'x-kubernetes-validations': rules } : {}),
  };
}

/**
 * A Kubernetes quantity ("250m", "1.5", "64Mi" or a bare integer), with a CEL check of its sign: an exact
 * comparison with zero by the apiserver's quantity library (the test upstream makes with Quantity.Sign(),
 * a function this library lacks), or a plain one for an integer.
 */
function quantity(description: string, sign: 'positive' | 'nonNegative'): FieldSchema {
  const [forString, forInt, words] = sign === 'positive'
    ? ["quantity(self).isGreaterThan(quantity('0'))", 'self > 0', 'greater than 0'] as const
    : ["!quantity(self).isLessThan(quantity('0'))", 'self >= 0', 'greater than or equal to 0'] as const;
  return {
    description,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
    pattern: QUANTITY_PATTERN,
    maxLength: MAX_QUANTITY,
    'x-kubernetes-validations': [{
      rule: `type(self) == string ? isQuantity(self) && ${forString} : ${forInt}`,
      message: `must be a quantity ${words}`,
    }],
  };
}

/** A name used as a URL path segment (kinds, object names, metric names), as apimachinery requires. */
function segmentName(description: string, validated = true): FieldSchema {
  if (!validated) return str(description);
  return str(description, {
    minLength: 1,
    maxLength: MAX_NAME,
    'x-kubernetes-validations': [{
      rule: "self != '.' && self != '..' && !self.contains('/') && !self.contains('%')",
      message: "may not be '.' or '..' and may not contain '/' or '%'",
    }],
  });
}

// Status copies of spec shapes carry no CEL (the controller writes them; and rules inside unbounded
// status lists would exceed the cost budget), so several builders take `validated`.

function crossVersionObjectReference(description: string, validated: boolean): FieldSchema {
  const properties = {
    // "version" or "group/version" (upstream's ParseGroupVersion refuses a second slash).
    apiVersion: str('API version of the referent, e.g. "apps/v1".', validated ? { maxLength: MAX_NAME, pattern: '^[^/]*(/[^/]*)?$' } : {}),
    kind: segmentName('Kind of the referent, e.g. "Deployment".', validated),
    name: segmentName('Name of the referent, in the autoscaler\'s namespace.', validated),
  } satisfies SchemaFor<CrossVersionObjectReference>;
  return object<CrossVersionObjectReference>(description, properties, ['kind', 'name']);
}

/** Label values: at most 63 characters, alphanumerics, '-', '_' and '.', alphanumeric at both ends (or empty). */
export const LABEL_VALUE_PATTERN = String.raw`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`;
const labelValue = (validated: boolean): JSONSchemaProps =>
  validated ? { type: 'string', maxLength: 63, pattern: LABEL_VALUE_PATTERN } : { type: 'string' };
// The apiserver's CEL format library checks label keys exactly as apimachinery does.
const LABEL_KEY_MESSAGE = "must be a valid label key: an optional DNS subdomain prefix and '/', then a name of at most 63 "
  + "characters (alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)";

function labelSelector(description: string, validated: boolean): FieldSchema {
  const requirement = {
    key: str('The label key the requirement applies to.', validated
      ? {
          maxLength: MAX_NAME + 64,
          'x-kubernetes-validations': [{ rule: '!format.qualifiedName().validate(self).hasValue()', message: LABEL_KEY_MESSAGE }],
        }
      : {}),
    operator: validated
      ? enumOf('How the key relates to the values: In, NotIn, Exists or DoesNotExist.', ['In', 'NotIn', 'Exists', 'DoesNotExist'])
      : str('How the key relates to the values: In, NotIn, Exists or DoesNotExist.'),
    values: list('The values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.', labelValue(validated)),
  } satisfies SchemaFor<LabelSelectorRequirement>;
  const requirementRules: ValidationRule[] = validated
    ? [{
        rule: "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
        message: 'values must be non-empty for operator In or NotIn, and empty for Exists or DoesNotExist',
        fieldPath: '.values',
      }]
    : [];
  const properties = {
    matchLabels: {
      type: 'object',
      description: 'Labels that must all match exactly ({key: value} is the requirement "key In (value)").',
      additionalProperties: labelValue(validated),
      ...(validated
        ? {
            maxProperties: MAX_SELECTOR_REQUIREMENTS,
            'x-kubernetes-validations': [{ rule: 'self.all(k, !format.qualifiedName().validate(k).hasValue())', message: `keys ${LABEL_KEY_MESSAGE}` }],
          }
        : {}),
    },
    matchExpressions: list('Label requirements that must all hold.',
      object<LabelSelectorRequirement>('A label requirement: a key, an operator and values.', requirement, ['key', 'operator'], requirementRules),
      validated ? { maxItems: MAX_SELECTOR_REQUIREMENTS } : {}),
  } satisfies SchemaFor<LabelSelector>;
  return object<LabelSelector>(description, properties, []);
}

function metricIdentifier(validated: boolean): FieldSchema {
  const properties = {
    name: segmentName('Name of the metric.', validated),
    selector: labelSelector(
      'Selects among the series of the metric by their labels; passed to the metrics API as a label selector. '
      + 'When unset, the metrics API alone decides which series to return.', validated),
  } satisfies SchemaFor<MetricIdentifier>;
  return object<MetricIdentifier>('Identifies a metric by name and, optionally, a label selector.', properties, ['name']);
}

// ---- Spec ------------------------------------------------------------------------------------------

const METRIC_SOURCE_TYPES = ['Object', 'Pods', 'Resource', 'ContainerResource', 'External'] as const;
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'] as const;

const targetProperties = {
  type: enumOf('What the target is: Utilization (averageUtilization, Resource and ContainerResource only), '
    + 'Value (value) or AverageValue (averageValue).', TARGET_TYPES),
  value: quantity('The target value of the metric as a whole (a quantity, greater than 0). Used with type Value.', 'positive'),
  averageValue: quantity('The target value of the metric per pod, that is the total divided by the number of pods '
    + '(a quantity, greater than 0). Used with type AverageValue.', 'positive'),
  averageUtilization: int32('The target average across pods of the resource\'s usage as a percentage of the pods\' '
    + 'requests for it (at least 1). Used with type Utilization, Resource and ContainerResource metrics only.', { minimum: 1 }),
} satisfies SchemaFor<MetricTarget>;

// The target's rules depend on the metric source around it, so each source has its own target schema.
// They are exactly autoscaling/v2's: which value fields must (not) be set; a type that does not match
// the field set is admitted, as upstream admits it.
const TARGET_RULES = {
  resource: [
    {
      rule: 'has(self.averageUtilization) != has(self.averageValue)',
      message: 'must set exactly one of averageUtilization or averageValue for a resource metric',
    },
  ],
  pods: [
    { rule: 'has(self.averageValue)', message: 'pods metrics need a target averageValue', fieldPath: '.averageValue' },
  ],
  object: [
    { rule: 'has(self.value) || has(self.averageValue)', message: 'must set value or averageValue for an object metric' },
  ],
  external: [
    { rule: 'has(self.value) != has(self.averageValue)', message: 'must set exactly one of value or averageValue for an external metric' },
  ],
} satisfies Record<string, ValidationRule[]>;

const metricTarget = (description: string, kind: keyof typeof TARGET_RULES): FieldSchema =>
  object<MetricTarget>(description, targetProperties, ['type'], TARGET_RULES[kind]);

const resourceSource = {
  name: segmentName('Name of the resource, e.g. "cpu" or "memory".'),
  target: metricTarget('The target for the resource: averageUtilization (percent of requests) or averageValue.', 'resource'),
  fallback: fallbackSchema,
} satisfies SchemaFor<ResourceMetricSource>;

const containerResourceSource = {
  name: segmentName('Name of the resource, e.g. "cpu" or "memory".'),
  container: str('Name of the container in the pods whose usage counts.', { minLength: 1, maxLength: MAX_NAME }),
  target: metricTarget('The target for the resource: averageUtilization (percent of requests) or averageValue.', 'resource'),
  fallback: fallbackSchema,
} satisfies SchemaFor<ContainerResourceMetricSource>;

const podsSource = {
  metric: metricIdentifier(true),
  target: metricTarget('The target per pod: type AverageValue with averageValue.', 'pods'),
  fallback: fallbackSchema,
} satisfies SchemaFor<PodsMetricSource>;

const objectSource = {
  describedObject: crossVersionObjectReference('The object the metric describes, in the autoscaler\'s namespace.', true),
  metric: metricIdentifier(true),
  target: metricTarget('The target: value (the metric itself) or averageValue (the metric divided by the number of pods).', 'object'),
  fallback: fallbackSchema,
} satisfies SchemaFor<ObjectMetricSource>;

const externalSource = {
  metric: metricIdentifier(true),
  target: metricTarget('The target: exactly one of value (the total across series) or averageValue (the total divided by the number of pods).', 'external'),
  fallback: fallbackSchema,
} satisfies SchemaFor<ExternalMetricSource>;

const metricSpecProperties = {
  type: enumOf('The kind of metric source, which names the one member to set: Resource (resource), ContainerResource '
    + '(containerResource), Pods (pods), Object (object) or External (external).', METRIC_SOURCE_TYPES),
  resource: object<ResourceMetricSource>('A resource metric (cpu, memory) known to Kubernetes, from the resource metrics '
    + 'API (metrics.k8s.io), summed over the containers of each pod of the target and averaged across pods.', resourceSource, ['name', 'target']),
  containerResource: object<ContainerResourceMetricSource>('Like resource, but counting one named container of each pod only.',
    containerResourceSource, ['name', 'container', 'target']),
  pods: object<PodsMetricSource>('A metric describing each pod of the target, from the custom metrics API '
    + '(custom.metrics.k8s.io), averaged across pods and compared with an averageValue.', podsSource, ['metric', 'target']),
  object: object<ObjectMetricSource>('A metric describing a single Kubernetes object in the namespace (e.g. an Ingress\'s '
    + 'hits per second), from the custom metrics API.', objectSource, ['describedObject', 'metric', 'target']),
  external: object<ExternalMetricSource>('A metric of something outside Kubernetes (e.g. a queue\'s length), from the '
    + 'external metrics API (external.metrics.k8s.io).', externalSource, ['metric', 'target']),
} satisfies SchemaFor<MetricSpec>;

const metricSpecRules: ValidationRule[] = [
  {
    rule: "self.type == 'Resource' ? has(self.resource) : self.type == 'ContainerResource' ? has(self.containerResource)"
      + " : self.type == 'Pods' ? has(self.pods) : self.type == 'Object' ? has(self.object) : has(self.external)",
    message: 'the metric source named by type must be set: resource for Resource, containerResource for ContainerResource, '
      + 'pods for Pods, object for Object, external for External',
    fieldPath: '.type',
  },
  {
    rule: "(!has(self.resource) || self.type == 'Resource') && (!has(self.containerResource) || self.type == 'ContainerResource')"
      + " && (!has(self.pods) || self.type == 'Pods') && (!has(self.object) || self.type == 'Object')"
      + " && (!has(self.external) || self.type == 'External')",
    message: 'only the metric source named by type may be set',
    fieldPath: '.type',
  },
];

const scalingPolicyProperties = {
  type: enumOf('How value is counted: Pods (a number of pods) or Percent (a percentage of the replicas at the start of the period).',
    ['Pods', 'Percent']),
  value: int32('The change allowed within periodSeconds, in pods or percent (at least 1).', { minimum: 1 }),
  periodSeconds: int32(`The window, in seconds, over which past changes count against value (1 to ${LIMITS.maxPolicyPeriodSeconds}).`,
    { minimum: 1, maximum: LIMITS.maxPolicyPeriodSeconds }),
} satisfies SchemaFor<HPAScalingPolicy>;

function scalingRules(direction: 'up' | 'down'): FieldSchema {
  const defaults = direction === 'up'
    ? 'When scaleUp is unset or partly set (and behavior is set), the rest defaults to: stabilizationWindowSeconds 0, '
      + 'selectPolicy Max, policies [4 Pods per 15 s, 100 Percent per 15 s].'
    : `When scaleDown is unset or partly set (and behavior is set), the rest defaults to: stabilizationWindowSeconds `
      + `${UPSTREAM_DEFAULTS.downscaleStabilizationSeconds} (the controller's downscale stabilization), selectPolicy Max, `
      + 'policies [100 Percent per 15 s].';
  const properties = {
    stabilizationWindowSeconds: int32(`How far back, in seconds, past recommendations are considered: scaling ${direction} goes `
      + `only as far as the ${direction === 'up' ? 'lowest' : 'highest'} recommendation within the window, which avoids `
      + `flapping (0 to ${LIMITS.maxStabilizationWindowSeconds}).`,
    { minimum: 0, maximum: LIMITS.maxStabilizationWindowSeconds }),
    selectPolicy: enumOf('Which policy applies when several do: Max (the one allowing the largest change), Min (the smallest) '
      + `or Disabled (never scale ${direction}). Default Max.`, ['Max', 'Min', 'Disabled']),
    policies: list(`Limits on how fast the replica count may change when scaling ${direction}; at least one when set `
      + '(a list replaces the default list as a whole).',
    object<HPAScalingPolicy>('A limit on the change of the replica count over a period.', scalingPolicyProperties, ['type', 'value', 'periodSeconds']),
    { minItems: 1, maxItems: MAX_POLICIES }),
    tolerance: quantity(`The relative distance from the target below which no scale ${direction} happens (a quantity `
      + `greater than or equal to 0, e.g. "0.05" or "50m" for 5 %). Default: spec.tolerance, else the controller's tolerance `
      + `(${UPSTREAM_DEFAULTS.tolerance} unless configured otherwise). Applies only when behavior is set.`, 'nonNegative'),
  } satisfies SchemaFor<HPAScalingRules>;
  return object<HPAScalingRules>(`How to scale ${direction}. ${defaults}`, properties, []);
}

const behaviorProperties = {
  scaleUp: scalingRules('up'),
  scaleDown: scalingRules('down'),
} satisfies SchemaFor<HorizontalPodAutoscalerBehavior>;

const defaultMetric = DEFAULT_METRICS[0]?.resource;
const defaultMetricText = defaultMetric
  ? `${defaultMetric.name} at ${String(defaultMetric.target.averageUtilization)} % average utilization`
  : 'the controller\'s default metric';

const specProperties = {
  scaleTargetRef: crossVersionObjectReference('The workload to scale: any resource with a scale subresource (Deployment, '
    + 'StatefulSet, ReplicaSet, or a custom resource), in the autoscaler\'s namespace.', true),
  minReplicas: int32(`The lower limit of the replica count (default ${String(DEFAULT_MIN_REPLICAS)}). It may be 0 only when `
    + 'at least one metric is of type Object or External; the target then scales to zero replicas when those metrics allow.',
  { minimum: 0, default: DEFAULT_MIN_REPLICAS }),
  maxReplicas: int32('The upper limit of the replica count (at least 1, and at least minReplicas).', { minimum: 1 }),
  metrics: list('The metrics that determine the desired replica count. Each proposes a replica count and the largest proposal '
    + `wins. When empty or unset, the controller uses ${defaultMetricText}.`,
  object<MetricSpec>('One metric and its target: type names the single source member to set.', metricSpecProperties, ['type'], metricSpecRules),
  { maxItems: MAX_METRICS }),
  behavior: object<HorizontalPodAutoscalerBehavior>('Rules for scaling up and down: stabilization windows and rate limits. '
    + 'When unset the controller behaves like an upstream HorizontalPodAutoscaler without behavior (downscale stabilization '
    + `of ${String(UPSTREAM_DEFAULTS.downscaleStabilizationSeconds)} s, scale-up capped at max(2 x current, 4) replicas).`,
  behaviorProperties, []),
  syncPeriodSeconds: int32(`How often, in seconds, this autoscaler is evaluated (1 to ${LIMITS.maxSyncPeriodSeconds}). `
    + `Default: the controller's sync period (${String(UPSTREAM_DEFAULTS.syncPeriodSeconds)} unless configured otherwise), `
    + 'as upstream\'s --horizontal-pod-autoscaler-sync-period.',
  { minimum: 1, maximum: LIMITS.maxSyncPeriodSeconds }),
  cpuInitializationPeriodSeconds: int32('For how long, in seconds, after a pod starts its CPU samples are treated with suspicion: '
    + 'an unready pod in this period, or a ready pod whose sample predates its readiness, counts as not yet ready. '
    + `0 to ${LIMITS.maxInitializationSeconds}. Default: the controller's (${String(UPSTREAM_DEFAULTS.cpuInitializationPeriodSeconds)} `
    + 'unless configured otherwise), as upstream\'s --horizontal-pod-autoscaler-cpu-initialization-period.',
  { minimum: 0, maximum: LIMITS.maxInitializationSeconds }),
  initialReadinessDelaySeconds: int32('The period, in seconds, after a pod starts during which its readiness changes count as '
    + 'initial readiness: an unready pod that has not been ready since is left out of CPU utilization as not yet ready. '
    + `0 to ${LIMITS.maxInitializationSeconds}. Default: the controller's (${String(UPSTREAM_DEFAULTS.initialReadinessDelaySeconds)} `
    + 'unless configured otherwise), as upstream\'s --horizontal-pod-autoscaler-initial-readiness-delay.',
  { minimum: 0, maximum: LIMITS.maxInitializationSeconds }),
  tolerance: quantity('The relative distance from the target within which no scaling happens, for both directions (a quantity '
    + 'greater than or equal to 0, e.g. "0.1" or "100m" for 10 %). behavior.scaleUp.tolerance and '
    + `behavior.scaleDown.tolerance override it per direction. Default: the controller's (${String(UPSTREAM_DEFAULTS.tolerance)} `
    + 'unless configured otherwise), as upstream\'s --horizontal-pod-autoscaler-tolerance.', 'nonNegative'),
  dryRun: { type: 'boolean', description: 'When true, kscale decides and reports (status, events, metrics) but never changes the '
    + 'target\'s scale. Default false.' },
  safety: safetySchema,
  selectionStrategy: enumOf('Which pods count for Resource, ContainerResource and Pods metrics and for ready-pod counts '
    + '(the field and values of KEP-5325): LabelSelector (default) every pod the target\'s selector matches, as the HPA does; '
    + 'OwnerReference only pods owned through the target\'s chain (Deployment → ReplicaSet → Pod, StatefulSet → Pod, any '
    + 'kind → Pod by ownerReference); pods of other workloads that share the labels are left out.', SELECTION_STRATEGIES),
  rollout: object<RolloutSpec>('What a rollout of the target may do to the replica count.', {
    policy: enumOf('Upstream (default): pods of a rollout count as any pod, as the HPA counts them. ExcludeSurge: while the '
      + 'target rolls out (a Deployment\'s generation not yet observed, more pods than spec.replicas, or two ReplicaSets with '
      + 'pods; a StatefulSet between revisions), a scale-up is bounded by what the target\'s spec.replicas oldest pods '
      + 'propose: surge pods beyond them cannot ratchet the replica count up. Scale-downs are as upstream.', ROLLOUT_POLICIES),
  }, []),
} satisfies SchemaFor<HorizontalAutoscalerSpec>;

const specRules: ValidationRule[] = [
  {
    rule: '!has(self.minReplicas) || self.minReplicas <= self.maxReplicas',
    message: 'maxReplicas must be greater than or equal to minReplicas',
    fieldPath: '.maxReplicas',
  },
  {
    rule: "!has(self.minReplicas) || self.minReplicas != 0 || (has(self.metrics) && self.metrics.exists(m, m.type == 'Object' || m.type == 'External'))",
    message: 'minReplicas may be 0 only when at least one Object or External metric is specified (required to scale to zero replicas)',
    fieldPath: '.minReplicas',
  },
];

// ---- Status ----------------------------------------------------------------------------------------

const metricValueStatus = object<MetricValueStatus>('The current value of the metric, in the form of its target.', {
  value: str('The current value of the metric as a whole (a quantity).'),
  averageValue: str('The current value of the metric per pod (a quantity).'),
  averageUtilization: int32('The current average utilization across pods, as a percentage of their requests.'),
} satisfies SchemaFor<MetricValueStatus>, []);

type StatusSource<K extends keyof MetricStatus> = NonNullable<MetricStatus[K]>;

const metricStatusProperties = {
  type: str('The kind of metric source (as in spec.metrics[].type); empty when the metric could not be computed this time.',
    { enum: ['', ...METRIC_SOURCE_TYPES] }),
  resource: object<StatusSource<'resource'>>('Current value of a Resource metric.', {
    name: str('Name of the resource.'),
    current: metricValueStatus,
  } satisfies SchemaFor<StatusSource<'resource'>>, ['name', 'current']),
  containerResource: object<StatusSource<'containerResource'>>('Current value of a ContainerResource metric.', {
    name: str('Name of the resource.'),
    container: str('Name of the container.'),
    current: metricValueStatus,
  } satisfies SchemaFor<StatusSource<'containerResource'>>, ['name', 'container', 'current']),
  pods: object<StatusSource<'pods'>>('Current value of a Pods metric.', {
    metric: metricIdentifier(false),
    current: metricValueStatus,
  } satisfies SchemaFor<StatusSource<'pods'>>, ['metric', 'current']),
  object: object<StatusSource<'object'>>('Current value of an Object metric.', {
    describedObject: crossVersionObjectReference('The object the metric describes.', false),
    metric: metricIdentifier(false),
    current: metricValueStatus,
  } satisfies SchemaFor<StatusSource<'object'>>, ['describedObject', 'metric', 'current']),
  external: object<StatusSource<'external'>>('Current value of an External metric.', {
    metric: metricIdentifier(false),
    current: metricValueStatus,
  } satisfies SchemaFor<StatusSource<'external'>>, ['metric', 'current']),
} satisfies SchemaFor<MetricStatus>;

const conditionProperties = {
  type: str('The kind of condition: AbleToScale, ScalingActive or ScalingLimited (as upstream), or another kscale condition.'),
  status: enumOf('Whether the condition holds: True, False or Unknown.', ['True', 'False', 'Unknown']),
  lastTransitionTime: time('When the condition last changed status.'),
  reason: str('A CamelCase reason for the last transition.'),
  message: str('A human-readable explanation of the last transition.'),
} satisfies SchemaFor<Condition>;

const metricProposalProperties = {
  metric: str('The metric, as a human-readable name (e.g. "cpu resource utilization").'),
  replicas: int32('The replica count this metric proposed.'),
  ratio: { type: 'number', description: 'The usage ratio: current value divided by target.' },
  current: str('The current value, formatted.'),
  target: str('The target value, formatted.'),
  error: str('Why the metric could not be computed, if it could not.'),
  fallback: proposalFallbackSchema,
} satisfies SchemaFor<MetricProposalSummary>;

const decisionProperties = {
  time: time('When the decision was made.'),
  currentReplicas: int32('The replica count of the target when deciding.'),
  proposedReplicas: int32('The replica count the metrics proposed, before stabilization, rate limits and min/max.'),
  desiredReplicas: int32('The replica count decided.'),
  reason: str('Why the decision came out as it did, in a few words.'),
  limitedBy: str('Which rule bounded the result last, e.g. tolerance, stabilization, policy, minReplicas or maxReplicas.'),
  metrics: list('What each metric proposed.', object<MetricProposalSummary>('One metric\'s proposal.', metricProposalProperties, ['metric'])),
} satisfies SchemaFor<DecisionSummary>;

const recommendationProperties = {
  replicas: int32('The recommended replica count (before stabilization).'),
  time: time('When it was recommended.'),
} satisfies SchemaFor<Recommendation>;

const scaleEventProperties = {
  replicaChange: int32('By how many replicas the target was scaled (always positive; the list says which direction).'),
  time: time('When the target was scaled.'),
  outdated: { type: 'boolean', description: 'Set once the event has left every policy period; its slot may then be reused.' },
} satisfies SchemaFor<ScaleEvent>;

const scaleEvents = (direction: 'up' | 'down'): FieldSchema =>
  list(`Recent scale-${direction} events, recorded so that the scale-${direction} policies hold across controller restarts.`,
    object<ScaleEvent>(`A scale-${direction} event.`, scaleEventProperties, ['replicaChange', 'time']));

const statusProperties = {
  observedGeneration: int64('The metadata.generation of the spec this status was computed from.'),
  reference: str('The target as "Kind/name", for kubectl get.'),
  targets: str('Each metric\'s current value against its target, for kubectl get (e.g. "cpu: 93%/60%").'),
  lastScaleTime: time('When the target\'s replica count was last changed by this autoscaler.'),
  currentReplicas: int32('The replica count of the target, as last seen.'),
  desiredReplicas: int32('The replica count last decided.'),
  currentMetrics: list('The last read value of each metric, in the order of spec.metrics.',
    object<MetricStatus>('The current value of one metric.', metricStatusProperties, ['type'])),
  conditions: list('The latest observations of the autoscaler\'s state.',
    object<Condition>('An observation of one aspect of the autoscaler\'s state.', conditionProperties, ['type', 'status'])),
  lastDecision: object<DecisionSummary>('The explanation of the last decision.', decisionProperties,
    ['time', 'currentReplicas', 'desiredReplicas', 'reason']),
  // One line per decision, so that kubectl describe stays readable (engine/ledger.ts writes at most
  // 384 characters a line; the schema admits a little more).
  decisions: list('The last decisions that changed the replica count or were held by a rule (stabilization, a policy, '
    + 'min/max, tolerance, a pause, an error), oldest first: at most 10, and a few KiB. One line each: the time, '
    + 'current→desired replicas, the proposal and the rule that limited it, the reason, and each metric\'s '
    + 'current/target, ratio and proposed replicas (or its error or fallback), e.g. "2026-12-03T12:02:15Z 11→12 '
    + '(proposed 14, limited by scaleUpLimit) cpu above target | cpu 84%/60% ratio 1.4 → 14". status.lastDecision has '
    + 'the latest in structured form.',
  str('One decision, in one line.', { maxLength: 512 }), { maxItems: 10 }),
  recommendations: list('Recent recommendations, kept for stabilization so that a restart or failover loses nothing.',
    object<Recommendation>('A recommendation: the unstabilized desired replica count at a time.', recommendationProperties, ['replicas', 'time'])),
  scaleUpEvents: scaleEvents('up'),
  scaleDownEvents: scaleEvents('down'),
  metricHistory: metricHistorySchema,
} satisfies SchemaFor<HorizontalAutoscalerStatus>;

// ---- The resource ----------------------------------------------------------------------------------

const rootProperties = {
  apiVersion: str('The versioned schema of this representation of an object (here kscale.dev/v1alpha1).'),
  kind: str('The REST resource this object represents (here HorizontalAutoscaler).'),
  metadata: { type: 'object' },
  spec: object<HorizontalAutoscalerSpec>('The desired behavior of the autoscaler: what to scale, within which bounds, on which '
    + 'metrics and how fast. It mirrors autoscaling/v2 HorizontalPodAutoscaler field for field, plus per-object knobs that '
    + 'upstream keeps controller-wide.', specProperties, ['scaleTargetRef', 'maxReplicas'], specRules),
  status: object<HorizontalAutoscalerStatus>('The observed state of the autoscaler, written by kscale.', statusProperties, []),
} satisfies SchemaFor<HorizontalAutoscaler>;

export const PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Reference', type: 'string', jsonPath: '.status.reference', description: 'The scale target, as Kind/name.' },
  { name: 'Targets', type: 'string', jsonPath: '.status.targets', description: 'Current value against target, per metric.' },
  { name: 'MinPods', type: 'integer', jsonPath: '.spec.minReplicas', description: 'The lower limit of the replica count.' },
  { name: 'MaxPods', type: 'integer', jsonPath: '.spec.maxReplicas', description: 'The upper limit of the replica count.' },
  { name: 'Replicas', type: 'integer', jsonPath: '.status.currentReplicas', description: 'The current replica count.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the autoscaler was created.' },
  { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas', description: 'The replica count last decided.', priority: 1 },
  { name: 'Last Scale', type: 'date', jsonPath: '.status.lastScaleTime', description: 'When the target was last scaled.', priority: 1 },
  { name: 'Reason', type: 'string', jsonPath: '.status.lastDecision.reason', description: 'Why the last decision came out as it did.', priority: 1 },
];

/** The CustomResourceDefinition object, ready to apply or to serialize. */
export function horizontalAutoscalerCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'kscale' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        // Not "all": `kubectl get all` should stay about workloads, as it does for upstream HPAs.
        categories: ['kscale'],
      },
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
        schema: {
          openAPIV3Schema: object<HorizontalAutoscaler>('HorizontalAutoscaler scales a workload on its metrics with the '
            + 'decisions of the Kubernetes HorizontalPodAutoscaler, explained, and with per-object settings.', rootProperties, ['spec']),
        },
      }],
    },
  };
}
