// The CRD manifest: in step with src/api/crd.ts, fully documented, and with the columns, names and
// defaults we promise. Its behavior against a real apiserver is in test/integration/crd.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, test } from 'node:test';
import { horizontalAutoscalerCrd, type JSONSchemaProps, type SchemaFor } from '../../src/api/crd.ts';
import { UPSTREAM_DEFAULTS } from '../../src/api/defaults.ts';
import { LIMITS } from '../../src/api/validation.ts';
import { CRD_PATH, NUMBER_QUANTITIES_PATH, renderCrdYaml, renderNumberQuantitiesYaml } from '../../scripts/gen-crd.ts';
import { numberQuantitiesCondition, numberQuantitiesExpression } from '../../src/api/number-quantities.ts';
import { QUANTITY_PATTERN } from '../../src/api/crd.ts';

const crd = horizontalAutoscalerCrd();
const version = crd.spec.versions[0];
if (!version) throw new Error('the CRD has no version');
const root = version.schema.openAPIV3Schema;

interface Node { path: string; schema: JSONSchemaProps }

/** Every schema node, with a path such as "spec.metrics[].resource.target". */
function walk(schema: JSONSchemaProps, path = ''): Node[] {
  const out: Node[] = [{ path, schema }];
  for (const [k, child] of Object.entries(schema.properties ?? {})) out.push(...walk(child, path ? `${path}.${k}` : k));
  if (schema.items) out.push(...walk(schema.items, `${path}[]`));
  if (schema.additionalProperties) out.push(...walk(schema.additionalProperties, `${path}{}`));
  return out;
}

const nodes = walk(root);
const at = (path: string): JSONSchemaProps => {
  const n = nodes.find((x) => x.path === path);
  if (!n) throw new Error(`no schema node ${path}`);
  return n.schema;
};

describe('CRD manifest', () => {
  test('the committed YAML is what src/api/crd.ts generates', () => {
    let committed = '';
    try { committed = readFileSync(CRD_PATH, 'utf8'); } catch { /* reported below */ }
    assert.ok(committed === renderCrdYaml(),
      `${relative(process.cwd(), CRD_PATH)} is out of date with src/api/crd.ts: run \`scripts/node.sh scripts/gen-crd.ts\` (npm run gen:crd)`);
  });

  test('names, scope, version and subresources', () => {
    assert.equal(crd.metadata.name, 'horizontalautoscalers.kscale.dev');
    assert.equal(crd.spec.group, 'kscale.dev');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, {
      kind: 'HorizontalAutoscaler', listKind: 'HorizontalAutoscalerList', plural: 'horizontalautoscalers',
      singular: 'horizontalautoscaler', shortNames: ['hza'], categories: ['kscale'],
    });
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version.name, 'v1alpha1');
    assert.equal(version.served, true);
    assert.equal(version.storage, true);
    assert.deepEqual(version.subresources, { status: {} }, 'status subresource only, no scale subresource');
  });

  test('printer columns are those of kubectl get hpa, with the wide ones at priority 1', () => {
    assert.deepEqual(version.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath, c.priority ?? 0]), [
      ['Reference', 'string', '.status.reference', 0],
      ['Targets', 'string', '.status.targets', 0],
      ['MinPods', 'integer', '.spec.minReplicas', 0],
      ['MaxPods', 'integer', '.spec.maxReplicas', 0],
      ['Replicas', 'integer', '.status.currentReplicas', 0],
      ['Age', 'date', '.metadata.creationTimestamp', 0],
      ['Desired', 'integer', '.status.desiredReplicas', 1],
      ['Last Scale', 'date', '.status.lastScaleTime', 1],
      ['Reason', 'string', '.status.lastDecision.reason', 1],
    ]);
    for (const c of version.additionalPrinterColumns) assert.ok(c.description.length > 0, `column ${c.name} has a description`);
  });

  test('every field of every object has a description (kubectl explain)', () => {
    const missing: string[] = [];
    for (const { path, schema } of nodes) {
      for (const [k, child] of Object.entries(schema.properties ?? {})) {
        // The apiserver forbids a description on top-level metadata; it serves ObjectMeta's own.
        if (path === '' && k === 'metadata') continue;
        if (!child.description?.trim()) missing.push(path ? `${path}.${k}` : k);
      }
      if (schema.items?.properties && !schema.items.description) missing.push(`${path}[]`);
    }
    assert.deepEqual(missing, []);
    assert.ok(root.description);
  });

  test('the schema is structural: every node has a type, or is an int-or-string quantity', () => {
    for (const { path, schema } of nodes) {
      if (schema['x-kubernetes-int-or-string']) {
        assert.equal(schema.type, undefined, path);
        assert.deepEqual(schema.anyOf, [{ type: 'integer' }, { type: 'string' }], path);
        assert.ok(schema.pattern, `${path} has the quantity pattern`);
      } else {
        assert.ok(schema.type, `${path} has a type`);
      }
      for (const r of schema.required ?? []) assert.ok(schema.properties && r in schema.properties, `${path}: required ${r} is a property`);
    }
  });

  test('the quantity fields are exactly the targets and the tolerances', () => {
    assert.deepEqual(nodes.filter((n) => n.schema['x-kubernetes-int-or-string']).map((n) => n.path).sort(), [
      'spec.behavior.scaleDown.tolerance',
      'spec.behavior.scaleUp.tolerance',
      ...['containerResource', 'external', 'object', 'pods', 'resource'].flatMap((s) =>
        [`spec.metrics[].${s}.target.averageValue`, `spec.metrics[].${s}.target.value`]),
      'spec.tolerance',
    ].sort());
  });

  test('the only default is minReplicas 1: metrics and behavior are defaulted by the engine', () => {
    assert.deepEqual(nodes.filter((n) => n.schema.default !== undefined).map((n) => [n.path, n.schema.default]), [['spec.minReplicas', 1]]);
  });

  test('ranges follow upstream and validateSpec', () => {
    const range = (path: string): [number | undefined, number | undefined] => [at(path).minimum, at(path).maximum];
    assert.deepEqual(range('spec.minReplicas'), [0, undefined]);
    assert.deepEqual(range('spec.maxReplicas'), [1, undefined]);
    assert.deepEqual(range('spec.syncPeriodSeconds'), [1, LIMITS.maxSyncPeriodSeconds]);
    assert.deepEqual(range('spec.cpuInitializationPeriodSeconds'), [0, LIMITS.maxInitializationSeconds]);
    assert.deepEqual(range('spec.initialReadinessDelaySeconds'), [0, LIMITS.maxInitializationSeconds]);
    for (const dir of ['scaleUp', 'scaleDown']) {
      const rules = `spec.behavior.${dir}`;
      assert.deepEqual(range(`${rules}.stabilizationWindowSeconds`), [0, 3600]);
      assert.deepEqual(range(`${rules}.policies[].periodSeconds`), [1, 1800]);
      assert.deepEqual(range(`${rules}.policies[].value`), [1, undefined]);
      assert.equal(at(`${rules}.policies`).minItems, 1);
      assert.deepEqual(at(`${rules}.selectPolicy`).enum, ['Max', 'Min', 'Disabled']);
      assert.deepEqual(at(`${rules}.policies[].type`).enum, ['Pods', 'Percent']);
    }
    assert.deepEqual(at('spec.metrics[].type').enum, ['Object', 'Pods', 'Resource', 'ContainerResource', 'External']);
    assert.deepEqual(at('spec.metrics[].resource.target.type').enum, ['Utilization', 'Value', 'AverageValue']);
    assert.equal(at('spec.metrics[].resource.target.averageUtilization').minimum, 1);
    assert.deepEqual(at('status.currentMetrics[].type').enum, ['', 'Object', 'Pods', 'Resource', 'ContainerResource', 'External']);
  });

  test('every CEL rule has a message, and the lists and strings its cost depends on are bounded', () => {
    const rules = nodes.flatMap((n) => (n.schema['x-kubernetes-validations'] ?? []).map((r) => ({ ...r, path: n.path })));
    assert.ok(rules.length >= 20, `rules: ${String(rules.length)}`);
    for (const r of rules) {
      assert.ok(r.message.length > 10, `${r.path}: ${r.rule} has a message`);
      if (r.fieldPath !== undefined) assert.match(r.fieldPath, /^\.[A-Za-z]+$/, `${r.path}: fieldPath`);
    }
    // The apiserver costs a rule by the largest list (or string) it may run over: keep them bounded.
    const hasRules = (s: JSONSchemaProps): boolean => walk(s).some((n) => n.schema['x-kubernetes-validations'] !== undefined);
    for (const { path, schema } of nodes) {
      if (schema.type === 'array' && schema.items && hasRules(schema.items)) assert.ok(schema.maxItems, `${path} has maxItems`);
      if (schema.type === 'object' && schema.additionalProperties && schema['x-kubernetes-validations']) {
        assert.ok(schema.maxProperties, `${path} has maxProperties`);
      }
      if (schema.type !== 'object' && schema.type !== 'array' && schema['x-kubernetes-validations'] && schema.type !== 'integer') {
        assert.ok(schema.maxLength, `${path} has maxLength`);
      }
    }
    assert.equal(at('spec.metrics').maxItems, 50);
    assert.equal(at('spec.behavior.scaleUp.policies').maxItems, 10);
    assert.ok(nodes.filter((n) => n.path.startsWith('status')).every((n) => !n.schema['x-kubernetes-validations']), 'no CEL on status');
  });

  test('the kscale knobs document their controller-wide defaults', () => {
    const doc = (f: string): string => at(`spec.${f}`).description ?? '';
    assert.match(doc('syncPeriodSeconds'), new RegExp(`\\(${String(UPSTREAM_DEFAULTS.syncPeriodSeconds)} unless`));
    assert.match(doc('cpuInitializationPeriodSeconds'), new RegExp(`\\(${String(UPSTREAM_DEFAULTS.cpuInitializationPeriodSeconds)} unless`));
    assert.match(doc('initialReadinessDelaySeconds'), new RegExp(`\\(${String(UPSTREAM_DEFAULTS.initialReadinessDelaySeconds)} unless`));
    assert.match(doc('tolerance'), new RegExp(`\\(${String(UPSTREAM_DEFAULTS.tolerance)} unless`));
    assert.match(doc('dryRun'), /Default false/);
    assert.match(doc('metrics'), /cpu at 80 % average utilization/);
    assert.match(at('spec.behavior.scaleDown').description ?? '', new RegExp(`stabilizationWindowSeconds ${String(UPSTREAM_DEFAULTS.downscaleStabilizationSeconds)}`));
  });

  test('SchemaFor rejects a missing or an extra field at compile time', () => {
    interface Sample { a: string; b?: number }
    const d = { type: 'string', description: 'd' } as const;
    const exact = { a: d, b: d } satisfies SchemaFor<Sample>;
    // @ts-expect-error -- b is missing: an optional field must be described too.
    const missing = { a: d } satisfies SchemaFor<Sample>;
    // @ts-expect-error -- c is not a field of Sample.
    const extra = { a: d, b: d, c: d } satisfies SchemaFor<Sample>;
    // @ts-expect-error -- every field needs a description.
    const undescribed = { a: d, b: { type: 'integer' } } satisfies SchemaFor<Sample>;
    assert.deepEqual([exact, missing, extra, undescribed].map((x) => Object.keys(x).length), [2, 1, 3, 2]);
  });
});

describe('number-quantities admission policy (deploy/admission)', () => {
  test('the committed manifest is what src/api/number-quantities.ts generates', () => {
    let committed = '';
    try { committed = readFileSync(NUMBER_QUANTITIES_PATH, 'utf8'); } catch { /* reported below */ }
    assert.ok(committed === renderNumberQuantitiesYaml(), `${relative(process.cwd(), NUMBER_QUANTITIES_PATH)} is out of date: run npm run gen:crd`);
  });

  test('covers every quantity field under spec, in the patch and in the match condition', () => {
    const quantities = nodes.filter((n) => n.path.startsWith('spec.') && n.schema['x-kubernetes-int-or-string'] === true && n.schema.pattern === QUANTITY_PATTERN);
    assert.ok(quantities.length >= 13, `${String(quantities.length)} quantity fields`);
    const patch = numberQuantitiesExpression();
    const condition = numberQuantitiesCondition();
    for (const { path } of quantities) {
      // spec.metrics[].external.target.value -> m0.external.target.value and .../external/target/value
      const tail = path.includes('[]') ? `m0.${path.split('[].')[1] ?? ''}` : `object.${path}`;
      assert.ok(patch.includes(`type(${tail}) == double`), `patch covers ${path}`);
      assert.ok(condition.includes(`type(${tail}) == double`), `condition covers ${path}`);
      const pointer = (path.includes('[]') ? path.split('[].')[1] ?? '' : path).replaceAll('.', '/');
      assert.ok(patch.includes(`${pointer}", value: string(${tail})`) , `patch writes ${path} as a string`);
    }
  });
});
