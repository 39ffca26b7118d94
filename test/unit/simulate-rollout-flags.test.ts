// `kscale simulate --rollout-*`: the values of the four rolling-update flags, parsed into the
// simulated Deployment's RolloutModel (src/sim/deployment.ts); bad values are one-line usage errors
// naming the flag. What the flags do to a replay is in simulate-cli.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flagsOf } from '../../src/cli/completion.ts';
import { UsageError } from '../../src/cli/io.ts';
import { rolloutModel, type RolloutFlags } from '../../src/cli/simulate-flags.ts';
import { simulateUsage } from '../../src/cli/usages.ts';
import { DEFAULT_ROLLOUT, type RolloutModel } from '../../src/sim/deployment.ts';

describe('rolloutModel: good values set exactly the knobs given', () => {
  const cases: { flags: RolloutFlags; model: Partial<RolloutModel> }[] = [
    { flags: {}, model: {} },
    { flags: { 'rollout-max-surge': '25%' }, model: { maxSurgePercent: 25 } },
    { flags: { 'rollout-max-surge': '1%' }, model: { maxSurgePercent: 1 } },
    { flags: { 'rollout-max-surge': '100%' }, model: { maxSurgePercent: 100 } },
    { flags: { 'rollout-min-ready': '30s' }, model: { minReadySeconds: 30 } },
    { flags: { 'rollout-min-ready': '0' }, model: { minReadySeconds: 0 } },
    { flags: { 'rollout-min-ready': '90' }, model: { minReadySeconds: 90 } },
    { flags: { 'rollout-min-ready': '1m30s' }, model: { minReadySeconds: 90 } },
    { flags: { 'rollout-warm-up': '20s' }, model: { warmUpSeconds: 20 } },
    { flags: { 'rollout-warm-up': '0s' }, model: { warmUpSeconds: 0 } },
    { flags: { 'rollout-warm-up': '2.5' }, model: { warmUpSeconds: 2.5 } },
    { flags: { 'rollout-warm-up-factor': '1.7' }, model: { warmUpFactor: 1.7 } },
    { flags: { 'rollout-warm-up-factor': '1' }, model: { warmUpFactor: 1 } },
    { flags: { 'rollout-warm-up-factor': '0.5' }, model: { warmUpFactor: 0.5 } },
    {
      flags: { 'rollout-max-surge': '50%', 'rollout-min-ready': '1m', 'rollout-warm-up': '45s', 'rollout-warm-up-factor': '3' },
      model: { maxSurgePercent: 50, minReadySeconds: 60, warmUpSeconds: 45, warmUpFactor: 3 },
    },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.flags), () => { assert.deepEqual(rolloutModel(c.flags), c.model); });
  }
});

describe('rolloutModel: a bad value is a one-line usage error naming its flag', () => {
  const surge = /^--rollout-max-surge must be a percentage of spec\.replicas from 1% to 100% such as "25%" \(an absolute pod count is not supported\), got /;
  const duration = (flag: string): RegExp => new RegExp(`^${flag} must be seconds or a duration such as "30s" or "5m", got `);
  const factor = /^--rollout-warm-up-factor must be a number >= 0 such as "1\.7" \(1 turns the warm-up off\), got /;
  const cases: { flags: RolloutFlags; message: RegExp }[] = [
    { flags: { 'rollout-max-surge': '2' }, message: surge },
    { flags: { 'rollout-max-surge': '0%' }, message: surge },
    { flags: { 'rollout-max-surge': '101%' }, message: surge },
    { flags: { 'rollout-max-surge': '12.5%' }, message: surge },
    { flags: { 'rollout-max-surge': '-25%' }, message: surge },
    { flags: { 'rollout-max-surge': '' }, message: surge },
    { flags: { 'rollout-min-ready': 'soon' }, message: duration('--rollout-min-ready') },
    { flags: { 'rollout-min-ready': '-30s' }, message: duration('--rollout-min-ready') },
    { flags: { 'rollout-min-ready': '9'.repeat(400) }, message: duration('--rollout-min-ready') },
    { flags: { 'rollout-warm-up': '20 s' }, message: duration('--rollout-warm-up') },
    { flags: { 'rollout-warm-up': '25%' }, message: duration('--rollout-warm-up') },
    { flags: { 'rollout-warm-up-factor': 'hot' }, message: factor },
    { flags: { 'rollout-warm-up-factor': '-1' }, message: factor },
    { flags: { 'rollout-warm-up-factor': '1e3' }, message: factor },
    { flags: { 'rollout-warm-up-factor': '170%' }, message: factor },
    // The first bad flag is reported even when others are fine.
    { flags: { 'rollout-max-surge': '25%', 'rollout-warm-up': 'later' }, message: duration('--rollout-warm-up') },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.flags).slice(0, 80), () => {
      assert.throws(() => rolloutModel(c.flags), (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, c.message);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    });
  }
});

test('the usage documents the four flags, so shell completion offers them', () => {
  const flags = flagsOf(simulateUsage);
  for (const f of ['--rollout-max-surge', '--rollout-min-ready', '--rollout-warm-up', '--rollout-warm-up-factor']) assert.ok(flags.includes(f), f);
  // The defaults it states are the model's.
  const d = DEFAULT_ROLLOUT;
  const line = (flag: string): string => simulateUsage.split('\n').find((l) => l.trim().startsWith(`${flag} `)) ?? '';
  assert.ok(line('--rollout-max-surge').includes(`(default ${d.maxSurgePercent}%;`));
  assert.ok(line('--rollout-min-ready').includes(`(default ${d.minReadySeconds}s)`));
  assert.ok(line('--rollout-warm-up').includes(`(default ${d.warmUpSeconds}s)`));
  assert.ok(line('--rollout-warm-up-factor').includes(`(default ${d.warmUpFactor};`));
});
