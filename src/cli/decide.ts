// `kscale decide -f snapshot.yaml|json|-` → the decision as JSON (or text with --output text).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decide } from '../engine/decide.ts';
import { renderText } from '../engine/explain.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import { parseSnapshotText, SnapshotError, toSnapshot } from './snapshot-file.ts';
import { UsageError, type CommandIO } from './io.ts';
import { decideUsage } from './usages.ts';

async function readInput(file: string, io: CommandIO): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export async function decideCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { filename: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o', default: 'json' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) { io.out(decideUsage + '\n'); return 0; }
  if (!values.filename) throw new UsageError('missing -f FILE (use "-" for standard input)');
  if (values.output !== 'json' && values.output !== 'text') throw new UsageError(`--output must be json or text, got ${JSON.stringify(values.output)}`);
  const source = values.filename === '-' ? 'stdin' : values.filename;
  const text = await readInput(values.filename, io);
  let snapshot: Snapshot;
  try {
    snapshot = toSnapshot(parseSnapshotText(text, source));
  } catch (e) {
    // A bad snapshot is bad input: exit 2 naming every bad field, as `kscale` does for any command.
    if (!(e instanceof SnapshotError)) throw e;
    io.err(`kscale decide: ${e.message}\n`);
    return 2;
  }
  const d = decide(snapshot);
  if (values.output === 'text') {
    io.out(renderText(d));
  } else {
    io.out(JSON.stringify({
      desiredReplicas: d.desiredReplicas,
      scaleTo: d.scaleTo,
      ...(d.rescaleReason ? { reason: d.rescaleReason } : {}),
      status: d.status,
      events: d.events,
      explanation: d.explanation,
      ...(d.error ? { error: d.error } : {}),
    }, null, 2) + '\n');
  }
  return 0;
}
