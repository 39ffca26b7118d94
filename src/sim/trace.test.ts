// Trace parsing: CSV and JSON read into exact milli-units with step semantics; every malformed
// input is reported with its place (line and column, or JSON path).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTrace } from './parse-trace.ts';
import { series, TraceError } from './trace.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { parseJsonTrace } from './trace-json.ts';

function problems(f: () => unknown): string[] {
  try { f(); } catch (e) {
    assert.ok(e instanceof TraceError, `expected a TraceError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail('expected the trace to be rejected');
}

describe('CSV traces', () => {
  test('seconds, quantities and plain numbers read as milli-units; comments and blank lines are skipped', () => {
    const t = parseCsvTrace('# a comment\n\ntime,cpu,queue\n0,2500m,10\n15, 2.5 ,"12"\n30,1,\n', 'x.csv');
    assert.deepEqual(t.columns, ['cpu', 'queue']);
    assert.deepEqual(t.points.map((p) => p.t), [0, 15, 30]);
    assert.equal(t.points[0]?.values.cpu, 2500n);
    assert.equal(t.points[1]?.values.cpu, 2500n);
    assert.equal(t.points[1]?.values.queue, 12000n);
    assert.equal(t.points[2]?.values.queue, null, 'an empty cell is a gap');
    assert.equal(t.startTime, undefined);
  });

  test('RFC 3339 times become seconds since the first row, which is the start time', () => {
    const t = parseCsvTrace('time,memory\n2026-11-23T10:00:00Z,512Mi\n2026-11-23T10:01:30Z,1Gi\n');
    assert.deepEqual(t.points.map((p) => p.t), [0, 90]);
    assert.equal(t.startTime, Date.parse('2026-11-23T10:00:00Z'));
    assert.equal(t.points[1]?.values.memory, 1073741824000n);
  });

  test('a bad value names its line and column', () => {
    const p = problems(() => parseCsvTrace('time,cpu,queue\n0,1,2\n15,1,2\n30,lots,2\n', 'spike.csv'));
    assert.deepEqual(p, ['spike.csv: line 4, column 2 (cpu): "lots" is not a number or a quantity such as "2500m" or "512Mi"']);
  });

  const cases: [string, string, RegExp][] = [
    ['missing time header', 'cpu\n1\n', /line 1, column 1: the header must start with "time"/],
    ['no metric column', 'time\n0\n', /line 1: the header names no metric/],
    ['duplicate metric', 'time,cpu,cpu\n0,1,1\n', /line 1, column 3 \(cpu\): duplicate metric name/],
    ['wrong cell count', 'time,cpu\n0,1\n15,1,2\n', /line 3: expected 2 columns \(time,cpu\), got 3/],
    ['time not increasing', 'time,cpu\n0,1\n30,1\n30,2\n', /line 4, column 1 \(time\): time must increase \(line 3/],
    ['bad time', 'time,cpu\nsoon,1\n', /line 2, column 1 \(time\): "soon" is neither seconds/],
    ['mixed times', 'time,cpu\n0,1\n2026-11-23T10:00:00Z,1\n', /line 3, column 1 \(time\): .* do not mix/],
    ['negative load', 'time,cpu\n0,-1\n', /line 2, column 2 \(cpu\): "-1" is negative/],
    ['no rows', 'time,cpu\n', /no data rows/],
  ];
  for (const [name, text, want] of cases) {
    test(`rejects ${name}`, () => {
      const p = problems(() => parseCsvTrace(text, 't.csv'));
      assert.ok(p.some((x) => want.test(x)), p.join('\n'));
    });
  }

  test('an empty file is rejected', () => {
    assert.match(problems(() => parseCsvTrace('\n# only a comment\n', 'e.csv'))[0] ?? '', /e\.csv: empty/);
  });
});

describe('JSON traces', () => {
  test('interval places points without t; null is a gap; an absent metric holds its value', () => {
    const t = parseJsonTrace(JSON.stringify({ interval: 60, points: [{ t: 0, cpu: '1.5', queue: 4 }, { cpu: null }, { cpu: 3 }, { t: 600, queue: 0 }] }));
    assert.deepEqual(t.points.map((p) => p.t), [0, 60, 120, 600]);
    const cpu = series(t, 'cpu');
    const queue = series(t, 'queue');
    assert.equal(cpu.at(0), 1500n);
    assert.equal(cpu.at(59), 1500n);
    assert.equal(cpu.at(60), null);
    assert.equal(cpu.at(119), null);
    assert.equal(cpu.at(700), 3000n, 'held after its last value');
    assert.equal(queue.at(300), 4000n, 'held across points that do not name it');
    assert.equal(queue.at(600), 0n);
  });

  test('RFC 3339 t values set the start time', () => {
    const t = parseJsonTrace('{"points":[{"t":"2026-11-23T10:00:00Z","cpu":1},{"t":"2026-11-23T10:00:30Z","cpu":2}]}');
    assert.equal(t.startTime, Date.parse('2026-11-23T10:00:00Z'));
    assert.deepEqual(t.points.map((p) => p.t), [0, 30]);
  });

  const cases: [string, string, RegExp][] = [
    ['bad value', '{"points":[{"t":0,"cpu":1},{"t":15,"cpu":"x"}]}', /t\.json: \$\.points\[1\]\.cpu: "x" is not a number or a quantity/],
    ['object value', '{"points":[{"t":0,"cpu":{"v":1}}]}', /\$\.points\[0\]\.cpu: must be a number, a quantity string or null/],
    ['missing t without interval', '{"points":[{"cpu":1}]}', /\$\.points\[0\]\.t: required \(or set "interval"/],
    ['bad interval', '{"interval":-5,"points":[{"t":0,"cpu":1}]}', /\$\.interval: must be a number of seconds > 0/],
    ['decreasing t', '{"points":[{"t":10,"cpu":1},{"t":5,"cpu":1}]}', /\$\.points\[1\]\.t: time must increase/],
    ['unknown root field', '{"pionts":[],"points":[{"t":0,"cpu":1}]}', /\$\.pionts: unknown field/],
    ['no points', '{"points":[]}', /\$\.points: required/],
    ['no metric', '{"points":[{"t":0}]}', /no point names a metric/],
    ['not JSON', '{"points": [', /t\.json: not valid JSON/],
    ['not an object', '[1,2]', /\$: must be an object/],
  ];
  for (const [name, text, want] of cases) {
    test(`rejects ${name}`, () => {
      const p = problems(() => parseJsonTrace(text, 't.json'));
      assert.ok(p.some((x) => want.test(x)), p.join('\n'));
    });
  }
});

describe('parseTrace', () => {
  test('chooses JSON by extension or a leading brace, else CSV', () => {
    assert.deepEqual(parseTrace('{"points":[{"t":0,"cpu":1}]}', 'stdin').columns, ['cpu']);
    assert.deepEqual(parseTrace('time,queue\n0,1\n', 'trace.txt').columns, ['queue']);
    assert.throws(() => parseTrace('time,cpu\n0,1\n', 'trace.json'), /not valid JSON/);
  });
});
