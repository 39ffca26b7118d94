// Every example manifest is a valid HorizontalAutoscaler (as the controller validates it).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { formatFieldErrors, validateSpec } from '../../src/api/validation.ts';

const dir = new URL('../../examples/autoscalers/', import.meta.url);

describe('examples/autoscalers', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  test('covers every metric type', () => {
    const types = new Set(files.flatMap((f) => ((parse(readFileSync(new URL(f, dir), 'utf8')) as { spec: { metrics?: { type: string }[] } }).spec.metrics ?? []).map((m) => m.type)));
    assert.deepEqual([...types].sort(), ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']);
  });
  for (const f of files) {
    test(f, () => {
      const doc = parse(readFileSync(new URL(f, dir), 'utf8')) as { apiVersion: string; kind: string; spec: unknown };
      assert.equal(doc.apiVersion, 'kscale.dev/v1alpha1');
      assert.equal(doc.kind, 'HorizontalAutoscaler');
      const problems = validateSpec(doc.spec);
      assert.deepEqual(problems, [], formatFieldErrors(problems));
    });
  }
});
