// The spec-only lint checks, TypeScript side, over the table the integration test also applies to a
// real API server (test/support/lint-cases.ts); and the committed admission policy is what
// src/lint/policy.ts renders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { LINT_POLICY_PATH, renderLintPolicyYaml } from '../../scripts/gen-lint-policy.ts';
import { validateSpec } from '../../src/api/validation.ts';
import { lint } from '../../src/lint/lint.ts';
import { parseAdmissionWarning, WARNING_PREFIX } from '../../src/lint/policy.ts';
import { lintSpec, SPEC_CHECKS } from '../../src/lint/spec-checks.ts';
import { LINT_CASES } from '../support/lint-cases.ts';

describe('lint: spec-only checks (table)', () => {
  for (const c of LINT_CASES) {
    test(c.name, () => {
      assert.deepEqual(validateSpec(JSON.parse(JSON.stringify(c.spec))), [], 'the case is a valid spec');
      const found = lintSpec(c.spec).map((f) => `${f.check} ${f.path}`).sort();
      assert.deepEqual(found, [...c.expect].sort());
      for (const f of lintSpec(c.spec)) assert.equal(f.severity, 'warning');
    });
  }

  test('every check is exercised by at least one case that finds it', () => {
    const hit = new Set(LINT_CASES.flatMap((c) => c.expect.map((e) => e.split(' ')[0])));
    assert.deepEqual(SPEC_CHECKS.map((c) => c.name).filter((n) => !hit.has(n)), []);
  });

  test('the sync period of the controller replaces 15 s for objects without their own', () => {
    const spec = { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 20 } } };
    assert.deepEqual(lintSpec(spec, { defaultSyncPeriodSeconds: 15 }), []);
    assert.deepEqual(lintSpec(spec, { defaultSyncPeriodSeconds: 30 }).map((f) => f.check), ['StabilizationWindowBelowSyncPeriod']);
  });

  test('messages say what is wrong with the numbers', () => {
    const [t] = lintSpec({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 4, maxReplicas: 8, tolerance: '0.25' });
    assert.match(t?.message ?? '', /^tolerance 0\.25 at minReplicas 4: one replica is 1\/4 of the load/);
    const [p] = lintSpec({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 8, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Pods', value: 3, periodSeconds: 60 }] } } });
    assert.equal(p?.message, '1 Pods per 60 s never decides the step under selectPolicy Max: policies[1] (3 Pods per 60 s) always allows at least as much change');
  });

  test('an invalid spec gives errors (validation.ts), and no warnings', () => {
    const found = lint({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2, tolerance: '5' });
    assert.deepEqual(found.map((f) => [f.severity, f.check, f.path]), [['error', 'InvalidSpec', 'spec.maxReplicas']]);
  });

  test('a target conflict is an error: kscale refuses to scale', () => {
    const found = lint({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4 }, { targetConflicts: ['ScaledObject ns/web'] });
    assert.deepEqual(found.map((f) => [f.severity, f.check, f.path]), [['error', 'AmbiguousTarget', 'spec.scaleTargetRef']]);
  });
});

describe('lint: the admission policy', () => {
  test('deploy/crd/kscale-lint-policy.yaml is what src/lint/policy.ts renders', () => {
    assert.equal(readFileSync(LINT_POLICY_PATH, 'utf8'), renderLintPolicyYaml(), 'out of date: run npm run gen:crd');
  });

  test('its warnings parse back into check and paths; other warnings are not ours', () => {
    assert.deepEqual(parseAdmissionWarning(`${WARNING_PREFIX}PolicyNeverApplies: spec.behavior.scaleUp.policies[1], spec.behavior.scaleDown.policies: these policies never decide`),
      { check: 'PolicyNeverApplies', paths: ['spec.behavior.scaleUp.policies[1]', 'spec.behavior.scaleDown.policies'] });
    assert.equal(parseAdmissionWarning('unknown field "spec.foo"'), undefined);
  });
});
