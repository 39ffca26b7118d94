// The benchmarks start kscale as the container image does: the Dockerfile's ENTRYPOINT flags and ENV.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageLaunch } from '../../bench/image-launch.ts';

test('imageLaunch reads the final stage\'s ENTRYPOINT and ENV', () => {
  const l = imageLaunch('FROM a AS build\nENV X=build\nFROM b\nENV NODE_ENV=production A="b c" \\\n  MALLOC_ARENA_MAX=2\nENTRYPOINT ["node", "--max-semi-space-size=1", "dist/cli/main.js"]\n');
  assert.equal(l.command, process.execPath);
  assert.equal(l.args[0], '--max-semi-space-size=1');
  assert.match(l.args[1] ?? '', /\/dist\/cli\/main\.js$/);
  assert.deepEqual(l.env, { NODE_ENV: 'production', A: 'b c', MALLOC_ARENA_MAX: '2' });
});

test('the repository\'s Dockerfile starts node on dist/cli/main.js', () => {
  const l = imageLaunch();
  assert.match(l.args.at(-1) ?? '', /dist\/cli\/main\.js$/);
});
