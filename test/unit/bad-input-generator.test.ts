// The bad-input generator (test/support/bad-input.ts) behind the integration suite bad-input.test.ts:
// deterministic for a seed, every mutation kind produced, every CEL rule of the CRD violated, and
// every case names a field the schema has.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateSpec } from '../../src/api/validation.ts';
import type { JSONSchemaProps } from '../../src/api/crd.ts';
import {
  allCandidates, celViolation, generateCases, loadCrdSchema, METRIC_TYPES, MUTATION_KINDS, namesField, Random, schemaNodeAt, validAutoscaler,
} from '../support/bad-input.ts';

const schema = loadCrdSchema();
const cases = generateCases(20261110, 500, schema);

/** Every CEL rule message in the schema. */
function ruleMessages(s: JSONSchemaProps, out = new Set<string>()): Set<string> {
  for (const r of s['x-kubernetes-validations'] ?? []) out.add(r.message);
  for (const child of [...Object.values(s.properties ?? {}), s.items, s.additionalProperties, ...(s.anyOf ?? [])]) if (child) ruleMessages(child, out);
  return out;
}

describe('bad-input generator', () => {
  test('the same seed gives the same cases; another seed, others', () => {
    assert.deepEqual(generateCases(20261110, 500, schema), cases);
    assert.notDeepEqual(generateCases(7, 50, schema), cases.slice(0, 50));
    const [a, b] = [new Random(42), new Random(42)];
    assert.deepEqual([a.next(), a.next(), a.int(1000)], [b.next(), b.next(), b.int(1000)]);
  });

  test('500 cases produce every mutation kind and every expectation', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    assert.deepEqual([...MUTATION_KINDS].filter((k) => !kinds.has(k)), [], 'kinds never produced');
    assert.deepEqual(new Set(cases.map((c) => c.expect)), new Set(['admission', 'controller', 'either']));
    assert.ok(cases.filter((c) => c.expect === 'controller').length >= 50, 'enough cases reach the controller');
  });

  test('every case path names a field of the schema', () => {
    for (const c of cases) {
      assert.ok(schemaNodeAt(schema, c.schemaPath), `${c.name}: ${c.schemaPath} is not in the schema`);
      if (c.kind === 'unknownField') {
        const field = c.path.slice(c.path.lastIndexOf('.') + 1);
        assert.equal(schemaNodeAt(schema, c.schemaPath)?.properties?.[field], undefined, `${c.name}: ${c.path} is a known field`);
      } else if (!c.path.startsWith('metadata')) {
        const generic = c.path.replace(/\[\d+\]/g, '[]');
        assert.equal(c.schemaPath.endsWith('.*') ? generic.replace(/\.[^.]+$/, '.*') : generic, c.schemaPath, `${c.name}: path and schema path disagree`);
      }
    }
  });

  test('every CEL rule of the CRD has a violation, and each is generated for some metric type', () => {
    const messages = ruleMessages(schema);
    assert.ok(messages.size >= 10, `the CRD has its CEL rules (${messages.size})`);
    for (const m of messages) assert.doesNotThrow(() => celViolation(m), m);
    const produced = new Set(METRIC_TYPES.flatMap((t) => allCandidates(schema, t)).filter((c) => c.kind === 'celViolation').map((c) => c.path));
    // Every node that carries a rule in the valid autoscalers gets a violation candidate.
    for (const path of ['spec.maxReplicas', 'spec.minReplicas', 'spec.metrics[0].type', 'spec.metrics[0].external.target', 'spec.metrics[0].pods.target.averageValue',
      'spec.metrics[0].object.target', 'spec.metrics[0].resource.target', 'spec.metrics[0].external.metric.selector.matchLabels',
      'spec.metrics[0].external.metric.selector.matchExpressions[0].values', 'spec.metrics[0].external.metric.selector.matchExpressions[0].key',
      'spec.scaleTargetRef.name', 'spec.tolerance', 'spec.metrics[0].external.target.averageValue']) {
      assert.ok(produced.has(path), `no CEL violation at ${path}`);
    }
  });

  test('the base of every case is a valid autoscaler', () => {
    for (const t of METRIC_TYPES) assert.deepEqual(validateSpec(validAutoscaler('x', t).spec), [], t);
  });

  test('a case sends its manifest, and a duplicate key only in its body', () => {
    for (const c of cases) {
      if (c.kind === 'duplicateField') {
        const key = c.path.slice(c.path.lastIndexOf('.') + 1);
        assert.equal(c.body.split(`"${key}":`).length, JSON.stringify(c.manifest).split(`"${key}":`).length + 1, `${c.name}: ${key} twice`);
      } else {
        assert.equal(c.body, JSON.stringify(c.manifest), c.name);
      }
    }
  });

  test('namesField: the whole path, or its last segment', () => {
    assert.ok(namesField('spec.metrics[0].type: Unsupported value', 'spec.metrics[0].type'));
    assert.ok(namesField('strict decoding error: unknown field "spec.behavior.scaleUp.polices"', 'spec.behavior.scaleUp.polices'));
    assert.ok(namesField('Checked value must be of type integer with format int32 in maxReplicas', 'spec.maxReplicas'));
    assert.ok(namesField('metrics: Too many: 51', 'spec.metrics[3]'));
    assert.ok(!namesField('something else is wrong', 'spec.maxReplicas'));
  });
});
