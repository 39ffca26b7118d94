// A seeded generator of malformed HorizontalAutoscalers (issue 10), derived from the CRD schema.
// It walks the openAPIV3Schema of deploy/crd/horizontalautoscalers.kscale.dev.yaml alongside a valid
// autoscaler and breaks one field the way the schema says it can break: wrong type, out of range,
// outside int32, enum, pattern, length, a required field missing, an unknown field, a bad quantity,
// list sizes, a duplicate key in the JSON, each CEL rule (x-kubernetes-validations). Semantic faults
// admission cannot see (a target without /scale, metrics nobody serves, a bad pause annotation, a
// second autoscaler on the workload) the controller must report itself, with a condition reason from
// src/api/constants.ts. Every case names the field it broke and where it must be caught.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Annotation, EventReason, Reason } from '../../src/api/constants.ts';
import type { JSONSchemaProps } from '../../src/api/crd.ts';

export const CRD_FILE = new URL('../../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url);

/** The openAPIV3Schema of the CRD as it is applied. */
export function loadCrdSchema(): JSONSchemaProps {
  const crd = parse(readFileSync(CRD_FILE, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] } };
  const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
  if (!schema) throw new Error(`no openAPIV3Schema in ${CRD_FILE.pathname}`);
  return schema;
}

/** mulberry32: a small seeded PRNG, the same sequence for a seed on every machine. */
export class Random {
  #state: number;
  constructor(seed: number) { this.#state = seed >>> 0; }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

// ---- The world every case lives in ----------------------------------------------------------------

/**
 * What the integration suite sets up so that the valid autoscaler of every metric type scales up:
 * each target has `replicas` (= minReplicas, so a valid autoscaler can only scale up) and two Ready
 * pods of its own (named after it, labelled podLabels plus target=<name>), and every metric reads 100
 * times its target.
 */
export const FIXTURE = {
  replicas: 2,
  maxReplicas: 10,
  /** Replicas above maxReplicas: all a valid autoscaler can do is scale down. */
  aboveMax: 12,
  podLabels: { app: 'bad-input-load' },
  pods: ['load-0', 'load-1'],
  container: 'app',
  cpuRequest: '100m',
  cpuUsage: '900m', // 900 % of the request against a 50 % target
  memoryUsage: '64Mi', // usage without a request: memory utilization cannot be computed
  externalMetric: 'queue',
  externalLabels: { queue: 'orders', region: 'eu' },
  customMetric: 'rps',
  service: 'front',
  metricValue: '1000',
} as const;

export const METRIC_TYPES = ['External', 'Object', 'Pods', 'Resource', 'ContainerResource'] as const;
export type MetricType = typeof METRIC_TYPES[number];
const MEMBER = { External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource' } as const;
const FAILED_METRIC_REASON = {
  External: Reason.FailedGetExternalMetric, Object: Reason.FailedGetObjectMetric, Pods: Reason.FailedGetPodsMetric,
  Resource: Reason.FailedGetResourceMetric, ContainerResource: Reason.FailedGetContainerResourceMetric,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** A valid autoscaler with a single metric of the type, every optional field set; it scales its target up. */
export function validAutoscaler(name: string, type: MetricType): Obj {
  const selector = { matchLabels: { queue: FIXTURE.externalLabels.queue }, matchExpressions: [{ key: 'region', operator: 'In', values: [FIXTURE.externalLabels.region] }] };
  const metric = {
    External: { external: { metric: { name: FIXTURE.externalMetric, selector }, target: { type: 'AverageValue', averageValue: '10' } } },
    Object: { object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: FIXTURE.service }, metric: { name: FIXTURE.customMetric, selector }, target: { type: 'Value', value: '10' } } },
    Pods: { pods: { metric: { name: FIXTURE.customMetric, selector }, target: { type: 'AverageValue', averageValue: '10' } } },
    Resource: { resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ContainerResource: { containerResource: { name: 'cpu', container: FIXTURE.container, target: { type: 'Utilization', averageUtilization: 50 } } },
  }[type];
  const rules = (stabilizationWindowSeconds: number): Obj => ({
    stabilizationWindowSeconds, selectPolicy: 'Max', tolerance: '0.1',
    policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  });
  return {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: FIXTURE.replicas, maxReplicas: FIXTURE.maxReplicas, metrics: [{ type, ...metric }],
      behavior: { scaleUp: rules(0), scaleDown: rules(300) },
      syncPeriodSeconds: 1, cpuInitializationPeriodSeconds: 300, initialReadinessDelaySeconds: 30, tolerance: '0.1', dryRun: false,
    },
  };
}

// ---- Cases ----------------------------------------------------------------------------------------

export const MUTATION_KINDS = [
  'wrongType', 'belowMinimum', 'aboveMaximum', 'outOfInt32', 'enumViolation', 'patternViolation', 'tooLong', 'tooShort',
  'missingRequired', 'unknownField', 'badQuantity', 'emptyList', 'tooManyItems', 'duplicateField', 'celViolation', 'semantic',
] as const;
export type MutationKind = typeof MUTATION_KINDS[number];

/** Where a case must be caught: refused by the API server, reported by the controller, or either. */
export type Expectation = 'admission' | 'controller' | 'either';

export interface BadCase {
  index: number;
  /** The autoscaler's name, also its target Deployment's. */
  name: string;
  metricType: MetricType;
  kind: MutationKind;
  /** The field broken, as the API server names it: spec.metrics[0].external.target.value. */
  path: string;
  /** Its node in the schema: spec.metrics[].external.target.value ('*' for a map's values). */
  schemaPath: string;
  expect: Expectation;
  description: string;
  /** For a controller report: the condition reasons that fit (any reason from constants.ts when absent). */
  reasons?: string[];
  /** A second autoscaler on the same target, created before this one. */
  conflict?: 'hpa' | 'hza';
  /** The target's replicas when not FIXTURE.replicas. */
  targetReplicas?: number;
  manifest: Obj;
  /** The request body; differs from JSON.stringify(manifest) only for a duplicate key. */
  body: string;
}

/** A field of the valid autoscaler and its schema. */
interface Site {
  path: string;
  schemaPath: string;
  schema: JSONSchemaProps;
  value: unknown;
  parent: Obj | unknown[];
  key: string | number;
  required: boolean;
}

function sitesOf(schema: JSONSchemaProps, value: unknown, at: Omit<Site, 'schema' | 'value'>, out: Site[] = []): Site[] {
  out.push({ ...at, schema, value });
  if (isObj(value) && schema.properties) {
    for (const [k, s] of Object.entries(schema.properties)) {
      if (k in value) sitesOf(s, value[k], { path: `${at.path}.${k}`, schemaPath: `${at.schemaPath}.${k}`, parent: value, key: k, required: schema.required?.includes(k) ?? false }, out);
    }
  } else if (isObj(value) && schema.additionalProperties) {
    for (const k of Object.keys(value)) {
      sitesOf(schema.additionalProperties, value[k], { path: `${at.path}.${k}`, schemaPath: `${at.schemaPath}.*`, parent: value, key: k, required: false }, out);
    }
  } else if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((v, i) => { sitesOf(items, v, { path: `${at.path}[${i}]`, schemaPath: `${at.schemaPath}[]`, parent: value, key: i, required: false }, out); });
  }
  return out;
}

/** The schema node at a schemaPath such as spec.metrics[].external.metric.selector.matchLabels.*; undefined if none. */
export function schemaNodeAt(root: JSONSchemaProps, schemaPath: string): JSONSchemaProps | undefined {
  let node: JSONSchemaProps | undefined = root;
  for (const segment of schemaPath.split('.')) {
    const name = segment.replace(/(\[\])+$/, '');
    node = name === '*' ? node?.additionalProperties : node?.properties?.[name];
    for (let n = (segment.length - name.length) / 2; n > 0; n--) node = node?.items;
    if (!node) return undefined;
  }
  return node;
}

/** What a mutation did, and anything that changes how the case is sent or judged. */
interface Applied {
  description: string;
  expect?: Expectation;
  /** Send this key twice (the body is written with a placeholder for the second). */
  duplicateKey?: string;
  /** The field broken, when only applying the mutation names it (a new key). */
  path?: string;
}

interface Candidate {
  kind: MutationKind;
  path: string;
  schemaPath: string;
  expect: Expectation;
  reasons?: string[];
  conflict?: 'hpa' | 'hza';
  targetReplicas?: number;
  apply: (rng: Random) => Applied;
}

const show = (v: unknown): string => { const s = JSON.stringify(v); return s.length > 40 ? `${s.slice(0, 37)}...` : s; };
const DUPLICATE = '__kscale_duplicate_key__';

function set(site: Site, value: unknown): void { (site.parent as Record<string | number, unknown>)[site.key] = value; }
const remove = (o: Obj, key: string): void => { Reflect.deleteProperty(o, key); };

function typeOf(s: JSONSchemaProps): string {
  return s['x-kubernetes-int-or-string'] ? 'int-or-string' : s.type ?? 'any';
}

const WRONG_VALUES: Record<string, unknown[]> = {
  integer: ['7', true, 1.5, [], {}],
  number: ['7', true, [], {}],
  string: [7, true, [], {}],
  boolean: ['true', 1, [], {}],
  object: ['x', 7, []],
  array: ['x', 7, {}],
  'int-or-string': [true, 1.5, [], {}],
};

/** A string the pattern refuses (and short enough that the pattern is the only fault). */
function patternBreaker(pattern: string): string {
  const re = new RegExp(pattern);
  const s = ['a/b/c', '-bad-', 'a b', '%'].find((v) => !re.test(v));
  if (s === undefined) throw new Error(`no string breaks the pattern ${pattern}`);
  return s;
}

/** A string longer than maxLength that the pattern, if any, accepts. */
function overlong(s: JSONSchemaProps): string {
  const n = (s.maxLength ?? 0) + 1;
  const fill = s.pattern && !new RegExp(s.pattern).test('a') ? '1' : 'a';
  return fill.repeat(n);
}

function typo(key: string, taken: readonly string[], rng: Random): string {
  const options = [key.slice(0, -1), `${key}s`, key.charAt(0).toUpperCase() + key.slice(1), `${key}_`].filter((k) => k !== '' && !taken.includes(k));
  return rng.pick(options);
}

/** One violation per CEL rule of the schema, by the rule's message; a rule without one fails the generator. */
const CEL_VIOLATIONS: { message: RegExp; violate: (site: Site, rng: Random) => string | undefined }[] = [
  { message: /^must be a quantity greater than 0$/, violate: (site, rng) => { const v = rng.pick(['0', 0, '-0.5']); set(site, v); return `${site.path} = ${show(v)}`; } },
  { message: /^must be a quantity greater than or equal to 0$/, violate: (site, rng) => { const v = rng.pick(['-0.5', -1, '-1m']); set(site, v); return `${site.path} = ${show(v)}`; } },
  { message: /^may not be '\.' or '\.\.'/, violate: (site, rng) => { const v = rng.pick(['.', '..', 'a/b', 'cpu%']); set(site, v); return `${site.path} = ${show(v)}`; } },
  { message: /^must be a valid label key/, violate: (site, rng) => { const v = rng.pick(['bad key!', '-region', 'a/b/c']); set(site, v); return `${site.path} = ${show(v)}`; } },
  { message: /^keys must be a valid label key/, violate: (site, rng) => { const k = rng.pick(['bad key!', '-region', 'a/b/c']); (site.value as Obj)[k] = 'x'; return `${site.path} gets the key ${show(k)}`; } },
  {
    message: /^values must be non-empty for operator In or NotIn/,
    violate: (site, rng) => {
      const r = site.value as Obj;
      if (rng.next() < 0.5) { r.values = []; return `${site.path}.values = [] with operator ${String(r.operator)}`; }
      r.operator = rng.pick(['Exists', 'DoesNotExist']);
      return `${site.path}.operator = ${String(r.operator)} with values ${show(r.values)}`;
    },
  },
  {
    message: /^must set exactly one of averageUtilization or averageValue/,
    violate: (site, rng) => {
      const t = site.value as Obj;
      if (rng.next() < 0.5) { t.averageValue = '100m'; t.averageUtilization = 50; return `${site.path} sets both averageUtilization and averageValue`; }
      delete t.averageValue; delete t.averageUtilization;
      return `${site.path} sets neither averageUtilization nor averageValue`;
    },
  },
  { message: /^pods metrics need a target averageValue/, violate: (site) => { const t = site.value as Obj; delete t.averageValue; t.value = '10'; return `${site.path} has value but no averageValue`; } },
  { message: /^must set value or averageValue for an object metric/, violate: (site) => { const t = site.value as Obj; delete t.value; delete t.averageValue; return `${site.path} sets neither value nor averageValue`; } },
  {
    message: /^must set exactly one of value or averageValue for an external metric/,
    violate: (site, rng) => {
      const t = site.value as Obj;
      if (rng.next() < 0.5) { t.value = '10'; t.averageValue = '10'; return `${site.path} sets both value and averageValue`; }
      delete t.value; delete t.averageValue;
      return `${site.path} sets neither value nor averageValue`;
    },
  },
  {
    message: /^the metric source named by type must be set/,
    violate: (site) => {
      const m = site.value as Obj;
      const member = MEMBER[m.type as MetricType];
      remove(m, member);
      return `${site.path}.${member} removed (type ${String(m.type)})`;
    },
  },
  {
    message: /^only the metric source named by type may be set/,
    violate: (site) => {
      const m = site.value as Obj;
      const other: MetricType = m.type === 'Pods' ? 'External' : 'Pods';
      const spec = validAutoscaler('x', other).spec as { metrics: Obj[] };
      m[MEMBER[other]] = spec.metrics[0]?.[MEMBER[other]];
      return `${site.path}.${MEMBER[other]} set besides ${MEMBER[m.type as MetricType]} (type ${String(m.type)})`;
    },
  },
  { message: /^maxReplicas must be greater than or equal to minReplicas/, violate: (site) => { const s = site.value as Obj; s.minReplicas = Number(s.maxReplicas) + 1; return `${site.path}.minReplicas = maxReplicas + 1`; } },
  {
    message: /^minReplicas may be 0 only when/,
    violate: (site) => {
      const s = site.value as Obj & { metrics: Obj[] };
      if (s.metrics.some((m) => m.type === 'Object' || m.type === 'External')) return undefined;
      s.minReplicas = 0;
      return `${site.path}.minReplicas = 0 without an Object or External metric`;
    },
  },
];

/** The CEL violation for a rule; throws for a rule the generator does not know yet (add it above). */
export function celViolation(message: string): (site: Site, rng: Random) => string | undefined {
  const v = CEL_VIOLATIONS.find((c) => c.message.test(message));
  if (!v) throw new Error(`bad-input generator: no violation for the CEL rule "${message}"`);
  return v.violate;
}

function schemaCandidates(site: Site): Candidate[] {
  const s = site.schema;
  const out: Candidate[] = [];
  const add = (kind: MutationKind, apply: (rng: Random) => string | Applied | undefined, at: Partial<Candidate> = {}): void => {
    out.push({
      kind, path: site.path, schemaPath: site.schemaPath, expect: 'admission', ...at,
      apply: (rng) => { const r = apply(rng); if (r === undefined) throw new Error('inapplicable mutation'); return typeof r === 'string' ? { description: r } : r; },
    });
  };
  const setTo = (value: unknown, why: string) => (): string => { set(site, value); return `${site.path} = ${show(value)} (${why})`; };
  const type = typeOf(s);

  const wrong = WRONG_VALUES[type];
  if (wrong) add('wrongType', (rng) => { const v = rng.pick(wrong); set(site, v); return `${site.path} = ${show(v)} (schema type ${type})`; });
  if (s.minimum !== undefined) add('belowMinimum', setTo(s.minimum - 1, `minimum ${s.minimum}`));
  if (s.maximum !== undefined) add('aboveMaximum', setTo(s.maximum + 1, `maximum ${s.maximum}`));
  if (s.format === 'int32') add('outOfInt32', (rng) => { const v = rng.pick([2 ** 31, -(2 ** 31) - 1, 2 ** 53]); set(site, v); return `${site.path} = ${v} (format int32)`; });
  const values = s.enum;
  if (values) {
    add('enumViolation', (rng) => {
      const first = values.find((v) => v !== '') ?? 'x';
      const v = rng.pick([first.toLowerCase(), `${first}s`, ` ${first}`, 'Bogus']);
      set(site, v);
      return `${site.path} = ${show(v)} (enum ${values.join(', ')})`;
    });
  }
  if (s.pattern && type !== 'int-or-string') add('patternViolation', setTo(patternBreaker(s.pattern), `pattern ${s.pattern}`));
  if (s.maxLength !== undefined) add('tooLong', setTo(overlong(s), `maxLength ${s.maxLength}`));
  if (s.minLength !== undefined && s.minLength > 0) add('tooShort', setTo('', `minLength ${s.minLength}`));
  if (site.required) add('missingRequired', () => { remove(site.parent as Obj, String(site.key)); return `${site.path} removed (required)`; });
  const properties = s.properties;
  if (s.type === 'object' && properties && isObj(site.value)) {
    const obj = site.value;
    const names = Object.keys(properties);
    add('unknownField', (rng) => {
      const known = rng.pick(names);
      const unknown = typo(known, names, rng);
      obj[unknown] = clone(obj[known] ?? 1);
      return { description: `${site.path}.${unknown} set (a typo of ${known})`, path: `${site.path}.${unknown}` };
    });
  }
  if (type === 'int-or-string') {
    add('badQuantity', (rng) => {
      const v = rng.pick(['1.5.3', '-1', 'abc', '1e400', '10 m', '0x10']);
      set(site, v);
      // "1e400" is a quantity to apimachinery, though none of its int64 views holds it: refused or reported.
      return { description: `${site.path} = ${show(v)} (a quantity)`, ...(v === '1e400' ? { expect: 'either' as const } : {}) };
    });
  }
  if (s.minItems !== undefined && Array.isArray(site.value)) add('emptyList', setTo([], `minItems ${s.minItems}`));
  if (s.maxItems !== undefined && Array.isArray(site.value)) {
    const first: unknown = (site.value as unknown[])[0];
    const max = s.maxItems;
    add('tooManyItems', () => { set(site, Array.from({ length: max + 1 }, () => clone(first))); return `${site.path} has ${max + 1} items (maxItems ${max})`; });
  }
  if (s.maxProperties !== undefined && isObj(site.value)) {
    const max = s.maxProperties;
    add('tooManyItems', () => { set(site, Object.fromEntries(Array.from({ length: max + 1 }, (_, i) => [`k${i}`, 'v']))); return `${site.path} has ${max + 1} keys (maxProperties ${max})`; });
  }
  if (typeof site.key === 'string') {
    const key = site.key;
    add('duplicateField', () => { (site.parent as Obj)[DUPLICATE] = clone(site.value); return { description: `${site.path} appears twice in the JSON`, duplicateKey: key }; });
  }
  for (const rule of s['x-kubernetes-validations'] ?? []) {
    const violate = celViolation(rule.message);
    // Probe applicability on a copy: a rule may not apply to this autoscaler (minReplicas 0 with an External metric).
    if (violate({ ...site, value: clone(site.value), parent: clone(site.parent) }, new Random(0)) === undefined) continue;
    const at = rule.fieldPath ? { path: `${site.path}${rule.fieldPath}`, schemaPath: `${site.schemaPath}${rule.fieldPath}` } : {};
    add('celViolation', (rng) => { const d = violate(site, rng); return d === undefined ? undefined : `${d} (rule: ${rule.message})`; }, at);
  }
  return out;
}

/** Faults admission cannot see: the controller must report each (src/api/validation.ts, decide.ts). */
function semanticCandidates(manifest: Obj, type: MetricType): Candidate[] {
  const spec = manifest.spec as Obj & { scaleTargetRef: Obj; metrics: Obj[] };
  const ref = spec.scaleTargetRef;
  const member = MEMBER[type];
  const source = spec.metrics[0]?.[member] as Obj & { metric?: Obj & { selector: Obj & { matchLabels: Obj; matchExpressions: Obj[] } }; describedObject?: Obj };
  const failedMetric = [FAILED_METRIC_REASON[type]];
  const out: Candidate[] = [];
  const add = (path: string, reasons: string[], apply: (rng: Random) => string, extra: Partial<Candidate> = {}): void => {
    const schemaPath = path.startsWith('metadata') ? 'metadata' : path.replace(/\[\d+\]/g, '[]').replace(/matchLabels\.[^.]+$/, 'matchLabels.*');
    out.push({ kind: 'semantic', path, schemaPath, expect: 'controller', reasons, ...extra, apply: (rng) => ({ description: apply(rng) }) });
  };
  const refTo = (apiVersion: string, kind: string, why: string) => (): string => { ref.apiVersion = apiVersion; ref.kind = kind; return `scaleTargetRef ${apiVersion} ${kind}: ${why}`; };

  add('spec.scaleTargetRef.kind', [Reason.FailedGetScale], refTo('v1', 'ConfigMap', 'a kind without a scale subresource'));
  add('spec.scaleTargetRef.kind', [Reason.FailedGetScale], refTo('v1', 'Pod', 'a kind without a scale subresource'));
  add('spec.scaleTargetRef.kind', [Reason.FailedGetScale], refTo('apps/v1', 'Deploymnet', 'a kind the API does not serve'));
  add('spec.scaleTargetRef.apiVersion', [Reason.FailedGetScale], refTo('scale.example.com/v1', 'Deployment', 'a group the API does not serve'));
  add('spec.scaleTargetRef.apiVersion', [Reason.FailedGetScale], refTo('apps/v9', 'Deployment', 'a version the API does not serve'));
  add('spec.scaleTargetRef.name', [Reason.FailedGetScale], () => { ref.name = `${String(ref.name)}-missing`; return 'scaleTargetRef names a Deployment that does not exist'; });
  add('spec.scaleTargetRef', [Reason.AmbiguousTarget], () => 'an autoscaling/v2 HPA already targets the same Deployment', { conflict: 'hpa' });
  add('spec.scaleTargetRef', [Reason.AmbiguousTarget], () => 'another HorizontalAutoscaler (dryRun) already targets the same Deployment', { conflict: 'hza' });
  // A pause annotation kscale cannot read: whatever it means, it must not let the direction it names
  // through. For scale-down the target runs above maxReplicas, so a scale-down is all that could happen.
  for (const a of Object.values(Annotation)) {
    const down = a === Annotation.pausedScaleDown;
    add(`metadata.annotations.${a}`, [EventReason.InvalidAnnotation], (rng) => {
      const v = rng.pick(['yes', 'maybe', '1', 'on', '', 'True ', 'paused']);
      manifest.metadata = { ...(manifest.metadata as Obj), annotations: { [a]: v } };
      return `annotation ${a}: ${show(v)}${down ? ` on a target of ${FIXTURE.aboveMax} replicas, above maxReplicas ${String(spec.maxReplicas)}` : ''}`;
    }, down ? { targetReplicas: FIXTURE.aboveMax } : {});
  }
  const p = `spec.metrics[0].${member}`;
  if (source.metric) {
    const metric = source.metric;
    add(`${p}.metric.name`, failedMetric, () => { metric.name = 'no_such_metric'; return 'a metric nobody serves'; });
  }
  if (type === 'External' && source.metric) {
    const selector = source.metric.selector;
    add(`${p}.metric.selector.matchLabels.queue`, failedMetric, () => { selector.matchLabels.queue = 'nowhere'; return 'a selector no series matches'; });
    add(`${p}.metric.selector.matchExpressions[0]`, failedMetric, () => { selector.matchExpressions = [{ key: 'region', operator: 'NotIn', values: ['eu'] }]; return 'a selector that excludes every series'; });
  }
  if (type === 'Object' && source.describedObject) {
    const described = source.describedObject;
    add(`${p}.describedObject.name`, failedMetric, () => { described.name = 'nobody'; return 'a described object without the metric'; });
    add(`${p}.describedObject.kind`, failedMetric, () => { described.kind = 'Nonexistent'; return 'a described object of a kind the API does not serve'; });
  }
  if (type === 'Resource' || type === 'ContainerResource') {
    add(`${p}.name`, failedMetric, () => { source.name = 'gpu'; return 'a resource the pods do not report'; });
    add(`${p}.name`, failedMetric, () => { source.name = 'memory'; return 'utilization of a resource the pods do not request'; });
  }
  if (type === 'ContainerResource') add(`${p}.container`, failedMetric, () => { source.container = 'sidecar'; return 'a container the pods do not have'; });
  return out;
}

function candidatesFor(schema: JSONSchemaProps, manifest: Obj, type: MetricType): Candidate[] {
  const specSchema = schema.properties?.spec;
  if (!specSchema) throw new Error('the CRD schema has no spec');
  const sites = sitesOf(specSchema, manifest.spec, { path: 'spec', schemaPath: 'spec', parent: manifest, key: 'spec', required: schema.required?.includes('spec') ?? false });
  return [...sites.flatMap(schemaCandidates), ...semanticCandidates(manifest, type)];
}

/** Every candidate mutation of the valid autoscaler of a metric type (the unit test's view). */
export function allCandidates(schema: JSONSchemaProps, type: MetricType): { kind: MutationKind; path: string; schemaPath: string }[] {
  return candidatesFor(schema, validAutoscaler('x', type), type).map(({ kind, path, schemaPath }) => ({ kind, path, schemaPath }));
}

/** Semantic faults are weighted up: each needs the controller, which is what this suite is about. */
const KIND_WEIGHT: Partial<Record<MutationKind, number>> = { semantic: 4 };

function generateCase(rng: Random, schema: JSONSchemaProps, index: number): BadCase {
  const name = `bad-${String(index).padStart(4, '0')}`;
  const metricType = rng.pick(METRIC_TYPES);
  const manifest = validAutoscaler(name, metricType);
  const candidates = candidatesFor(schema, manifest, metricType);
  const kinds = MUTATION_KINDS.filter((k) => candidates.some((c) => c.kind === k)).flatMap((k) => Array<MutationKind>(KIND_WEIGHT[k] ?? 1).fill(k));
  const kind = rng.pick(kinds);
  const c = rng.pick(candidates.filter((x) => x.kind === kind));
  const applied = c.apply(rng);
  let body = JSON.stringify(manifest);
  if (applied.duplicateKey !== undefined) body = body.replace(`"${DUPLICATE}":`, `${JSON.stringify(applied.duplicateKey)}:`);
  return {
    index, name, metricType, kind, path: applied.path ?? c.path, schemaPath: c.schemaPath, expect: applied.expect ?? c.expect, description: applied.description,
    ...(c.reasons ? { reasons: c.reasons } : {}), ...(c.conflict ? { conflict: c.conflict } : {}),
    ...(c.targetReplicas !== undefined ? { targetReplicas: c.targetReplicas } : {}),
    manifest: JSON.parse(body) as Obj, body,
  };
}

/** `count` malformed autoscalers for a seed: the same seed gives the same cases. */
export function generateCases(seed: number, count: number, schema: JSONSchemaProps = loadCrdSchema()): BadCase[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, (_, i) => generateCase(rng, schema, i));
}

/** Does an API server message name the field: its whole path, or its last segment (without an index)? */
export function namesField(message: string, path: string): boolean {
  if (message.includes(path)) return true;
  const last = path.split('.').pop()?.replace(/\[\d+\]$/, '') ?? path;
  return message.includes(last);
}
