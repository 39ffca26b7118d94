// Prometheus range results become a trace: series summed per timestamp, missing samples as gaps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRangeQuery, queryRangeUrl, traceFromRanges } from './prometheus.ts';
import { series, TraceError } from './trace.ts';

const matrix = (result: { metric?: Record<string, string>; values: [number, string][] }[]): unknown => ({ status: 'success', data: { resultType: 'matrix', result } });

describe('Prometheus ranges', () => {
  test('sums the series of a query and aligns queries on their timestamps', () => {
    const t = traceFromRanges([
      { column: 'cpu', body: matrix([{ metric: { pod: 'a' }, values: [[1000, '0.5'], [1015, '0.75'], [1030, '1']] }, { metric: { pod: 'b' }, values: [[1000, '0.25'], [1030, '1']] }]) },
      { column: 'queue', body: matrix([{ values: [[1000, '12'], [1015, 'NaN'], [1030, '3']] }]) },
    ]);
    assert.equal(t.source, 'prometheus');
    assert.equal(t.startTime, 1_000_000);
    assert.deepEqual(t.columns, ['cpu', 'queue']);
    assert.deepEqual(t.points.map((p) => p.t), [0, 15, 30]);
    assert.deepEqual(t.points.map((p) => p.values.cpu), [750n, 750n, 2000n]);
    assert.equal(series(t, 'queue').at(15), null, 'NaN is a gap');
    assert.equal(series(t, 'queue').at(30), 3000n);
  });

  test('a timestamp only one query has is a gap for the others', () => {
    const t = traceFromRanges([
      { column: 'cpu', body: matrix([{ values: [[0, '1'], [15, '1']] }]) },
      { column: 'queue', body: matrix([{ values: [[0, '5']] }]) },
    ]);
    assert.equal(t.points[1]?.values.queue, null);
  });

  test('errors name the query', () => {
    assert.throws(() => traceFromRanges([{ column: 'cpu', body: { status: 'error', error: 'parse error at char 5' } }]),
      (e: unknown) => e instanceof TraceError && /prometheus query cpu: Prometheus answered parse error at char 5/.test(e.message));
    assert.throws(() => traceFromRanges([{ column: 'cpu', body: { status: 'success', data: { resultType: 'vector', result: [] } } }]), /expected data.resultType "matrix"/);
    assert.throws(() => traceFromRanges([{ column: 'cpu', body: matrix([]) }]), /returned no samples/);
  });

  test('--query NAME=PROMQL and the request URL', () => {
    const q = parseRangeQuery('cpu=sum(rate(x{a="b"}[1m]))');
    assert.deepEqual(q, { column: 'cpu', query: 'sum(rate(x{a="b"}[1m]))' });
    assert.throws(() => parseRangeQuery('sum(rate(x[1m]))'), /--query must be NAME=PROMQL/);
    const url = new URL(queryRangeUrl('http://127.0.0.1:9090/prom/', q, { start: 100, end: 200, step: 15 }));
    assert.equal(url.pathname, '/prom/api/v1/query_range');
    assert.equal(url.searchParams.get('query'), q.query);
    assert.deepEqual(['start', 'end', 'step'].map((k) => url.searchParams.get(k)), ['100', '200', '15']);
  });
});
