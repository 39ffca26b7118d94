// The API server's audit log as `--vs-hpa` reads it: only the two controllers' identities are logged
// (one ServiceAccount each), at Metadata level, without the RequestReceived stage. Each request is
// counted once (by audit ID, the last stage wins) at its requestReceivedTimestamp.
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const auditPolicy = (users: readonly string[]): string => `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: [${users.map((u) => JSON.stringify(u)).join(', ')}]
  - level: None
`;

export interface AuditRecord {
  /** requestReceivedTimestamp, ms since the epoch (µs in the log; ms is enough here). */
  t: number;
  user: string;
  verb: string;
  /** "deployments.apps/scale", "pods.metrics.k8s.io", "events" */
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  code: number;
}

interface RawEvent {
  auditID?: string; verb?: string; requestReceivedTimestamp?: string;
  user?: { username?: string };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** Every audit file in `dir` (lumberjack's rotated `audit-<time>.log` first, then `audit.log`), deduplicated. */
export async function readAudit(dir: string): Promise<AuditRecord[]> {
  const files = (await readdir(dir)).filter((f) => /^audit.*\.log$/.test(f) && f !== 'audit.log').sort();
  files.push('audit.log');
  const byId = new Map<string, AuditRecord>();
  for (const f of files) {
    let stream;
    try { stream = createReadStream(join(dir, f), { encoding: 'utf8' }); } catch { continue; }
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) {
        if (line === '') continue;
        let e: RawEvent;
        try { e = JSON.parse(line) as RawEvent; } catch { continue; } // a line cut by a kill
        if (!e.auditID || !e.objectRef?.resource) continue; // discovery and other non-resource URLs
        const ref = e.objectRef;
        const group = ref.apiGroup ? `.${ref.apiGroup}` : '';
        byId.set(e.auditID, {
          t: Date.parse(e.requestReceivedTimestamp ?? ''),
          user: e.user?.username ?? '',
          verb: e.verb ?? '',
          resource: `${ref.resource ?? ''}${group}${ref.subresource ? `/${ref.subresource}` : ''}`,
          subresource: ref.subresource ?? '',
          namespace: ref.namespace ?? '',
          name: ref.name ?? '',
          code: e.responseStatus?.code ?? 0,
        });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return [...byId.values()].sort((a, b) => a.t - b.t);
}

export interface Window { from: number; to: number }
const inWindow = (r: AuditRecord, w: Window): boolean => r.t >= w.from && r.t < w.to;

/** Requests of a user in a window by "verb resource". */
export function requestsByKind(records: readonly AuditRecord[], user: string, w: Window): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    if (r.user !== user || !inWindow(r, w)) continue;
    const k = `${r.verb} ${r.resource}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

export const isStatusWrite = (r: AuditRecord): boolean => r.subresource === 'status' && (r.verb === 'update' || r.verb === 'patch');

/** Reads of a Deployment's /scale by a user: one at the start of every evaluation, for both controllers today. */
export const isScaleRead = (r: AuditRecord): boolean => r.resource === 'deployments.apps/scale' && r.verb === 'get';
export const isScaleWrite = (r: AuditRecord): boolean => r.resource === 'deployments.apps/scale' && (r.verb === 'update' || r.verb === 'patch');

/** Times (ms) of the matching requests of a user, per "namespace/name". */
export function timesByObject(records: readonly AuditRecord[], user: string, pick: (r: AuditRecord) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of records) {
    if (r.user !== user || !pick(r)) continue;
    const k = `${r.namespace}/${r.name}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r.t);
  }
  return out;
}

/** Gaps between consecutive times of each object, both ends inside the window, pooled (seconds). */
export function spacings(times: ReadonlyMap<string, readonly number[]>, w: Window): number[] {
  const gaps: number[] = [];
  for (const list of times.values()) {
    const inside = list.filter((t) => t >= w.from && t < w.to).sort((a, b) => a - b);
    for (let i = 1; i < inside.length; i++) gaps.push(((inside[i] ?? 0) - (inside[i - 1] ?? 0)) / 1000);
  }
  return gaps;
}
