import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { WorkQueue } from './queue.ts';

describe('WorkQueue', () => {
  test('repeated adds of a waiting key coalesce', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('b'); q.add('a'); q.add('a');
    assert.equal(q.depth, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.depth, 0);
  });

  test('a key being processed is not handed out again until done, then once', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a'); q.add('a');
    assert.equal(q.depth, 0, 'not ready while processing');
    let second: string | undefined;
    const waiting = q.get().then((k) => { second = k; });
    await sleep(5);
    assert.equal(second, undefined);
    q.done(key ?? '');
    await waiting;
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.depth, 0, 'the two adds during processing became one');
  });

  test('waiters get keys as they arrive, in order', async () => {
    const q = new WorkQueue();
    const got = Promise.all([q.get(), q.get()]);
    q.add('x'); q.add('y');
    assert.deepEqual(await got, ['x', 'y']);
  });

  test('addAfter delays, and the earliest timer per key wins', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 200);
    q.addAfter('a', 10);
    q.addAfter('a', 500);
    await sleep(40);
    assert.equal(q.depth, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    await sleep(250);
    assert.equal(q.depth, 0, 'the replaced 200 ms timer did not fire');
  });

  test('failures back off exponentially per key and forget resets', () => {
    const q = new WorkQueue({ baseBackoffMs: 100, maxBackoffMs: 1000 });
    assert.deepEqual([q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a')], [100, 200, 400, 800, 1000]);
    assert.equal(q.addRateLimited('b'), 100, 'other keys are independent');
    assert.equal(q.addRateLimited('b', 150), 150, 'a cap bounds the backoff');
    q.forget('a');
    assert.equal(q.addRateLimited('a'), 100);
    q.cancel('a'); q.cancel('b');
  });

  test('shutDown releases waiters, refuses adds, and waits for in-flight work', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    const waiter = q.get();
    let finished = false;
    const shut = q.shutDown().then(() => { finished = true; });
    assert.equal(await waiter, undefined);
    q.add('b');
    assert.equal(q.depth, 0);
    await sleep(5);
    assert.equal(finished, false, 'still processing a');
    q.done(key ?? '');
    await shut;
    assert.equal(finished, true);
  });

  test('reports how long a key waited', async () => {
    let clock = 1000;
    const waits: number[] = [];
    const q = new WorkQueue({ now: () => clock, hooks: { onGet: (_k, ms) => waits.push(ms) } });
    q.add('a');
    clock += 250;
    await q.get();
    assert.deepEqual(waits, [250]);
  });
});
