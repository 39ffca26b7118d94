// Differential test: a fixed seed of generated cases through kscale's engine (decide()) and through
// upstream's own HPA controller code (k8s.io/kubernetes v1.36.3 pkg/controller/podautoscaler, built
// by tools/parity/build.sh). Every disagreement must be a deliberate deviation listed in
// deviations.ts; known, reported bugs (KNOWN_BUGS there) are reported as todo tests until fixed.
// Without Go or the module cache the suite is skipped, unless KSCALE_REQUIRE_CONTROL_PLANE=1 (CI).
// More cases, other seeds, one case in full: `npm run fuzz:parity -- --cases 20000 --seed 2`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { controlPlaneRequired } from '../support/control-plane.ts';
import { DEVIATIONS, KNOWN_BUGS, matchingDeviation, matchingKnownBug } from './deviations.ts';
import { generateCase, type ParityCase } from './generator.ts';
import { compare, ensureHarness, runKscale, UpstreamHarness, type CaseOutcome, type Disagreement } from './harness.ts';
import { shrink } from './run.ts';

const SEED = 'ci-1';
const CASES = 4000;

const built = ensureHarness();
const suiteOptions = built.ok || controlPlaneRequired()
  ? {}
  : { skip: `${built.reason}; set KSCALE_REQUIRE_CONTROL_PLANE=1 to make this a failure` };

interface Unexplained { c: ParityCase; d: Disagreement; up: CaseOutcome; ks: CaseOutcome }

describe(`differential: kscale engine vs upstream HPA controller v1.36.3 (${CASES} cases, seed ${SEED})`, suiteOptions, () => {
  let harness: UpstreamHarness;
  const unexplained: Unexplained[] = [];
  const perDeviation = new Map<string, number>();
  const perBug = new Map<string, number>();
  let agreeing = 0;

  before(async () => {
    if (!built.ok) throw new Error(`KSCALE_REQUIRE_CONTROL_PLANE=1 but ${built.reason}`);
    harness = new UpstreamHarness(built.path);
    const cases = Array.from({ length: CASES }, (_, i) => generateCase(SEED, i));
    const ups = await harness.runAll(cases);
    cases.forEach((c, i) => {
      const up = ups[i]!;
      const ks = runKscale(c);
      const found = compare(up, ks);
      if (found.length === 0) { agreeing++; return; }
      // Every difference at the first differing step must be explained, each by some entry.
      for (const d of found) {
        const dev = matchingDeviation(c, d.kind);
        const bug = dev ? undefined : matchingKnownBug(c, d.kind);
        if (dev) perDeviation.set(dev.id, (perDeviation.get(dev.id) ?? 0) + 1);
        else if (bug) perBug.set(bug.id, (perBug.get(bug.id) ?? 0) + 1);
        else { unexplained.push({ c, d, up, ks }); break; }
      }
    });
  });

  after(() => { harness?.close(); });

  test('every disagreement is a listed deliberate deviation or a known bug', async (t) => {
    t.diagnostic(`${agreeing} of ${CASES} cases agree step by step`);
    for (const d of DEVIATIONS) t.diagnostic(`deviation ${d.id}: ${perDeviation.get(d.id) ?? 0} disagreements excused`);
    if (unexplained.length === 0) return;
    // Group by kind; shrink one example per kind (at most 5) for the failure message.
    const kinds = new Map<string, Unexplained[]>();
    for (const u of unexplained) kinds.set(u.d.kind, [...(kinds.get(u.d.kind) ?? []), u]);
    const lines: string[] = [];
    for (const [kind, list] of [...kinds].slice(0, 5)) {
      const first = list[0]!;
      const small = await shrink(harness, { kind, count: list.length, excused: 0, deviations: [], known: 0, bugs: [], example: { case: first.c, disagreement: first.d, upstream: first.up, kscale: first.ks } }, 60);
      const ex = small.example;
      lines.push(`- ${kind}: ${list.length} case(s), e.g. ${first.c.id} (\`npm run fuzz:parity -- --case ${first.c.id}\`); shrunk, step ${ex.disagreement.step}:`,
        `  case: ${JSON.stringify(ex.case)}`,
        `  upstream: ${JSON.stringify(ex.disagreement.upstream)}`,
        `  kscale:   ${JSON.stringify(ex.disagreement.kscale)}`);
    }
    assert.fail(`${unexplained.length} case(s) disagree with upstream in ${kinds.size} kind(s) that no deviation lists:\n${lines.join('\n')}`);
  });

  for (const bug of KNOWN_BUGS) {
    test(`known bug ${bug.id} no longer shows (then delete it from KNOWN_BUGS)`, { todo: bug.reason }, () => {
      assert.equal(perBug.get(bug.id) ?? 0, 0, `${perBug.get(bug.id) ?? 0} disagreement(s) still explained by ${bug.id}`);
    });
  }
});
