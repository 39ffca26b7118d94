// Controller configuration from flags and KSCALE_* environment variables (flags win), validated
// into a Config. Defaults equal upstream kube-controller-manager's HPA defaults.
import { parseArgs } from 'node:util';
import { UPSTREAM_DEFAULTS, type ControllerDefaults } from './api/defaults.ts';
import { parseGoDuration } from './engine/duration.ts';
import { parseSelector } from './values/labels.ts';

export interface Config {
  kubeconfig?: string;
  context?: string;
  server?: string;
  /** Namespaces to watch; empty = all. */
  namespaces: string[];
  /** Only HorizontalAutoscalers with these labels (sharding). */
  labelSelector?: string;
  defaults: ControllerDefaults;
  workers: number;
  apiConcurrency: number;
  apiTimeoutMs: number;
  /** How long one namespace's pod metrics listing is shared. */
  metricsTickMs: number;
  resyncMs: number;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  httpAddress: string;
  logLevel: string;
  identity?: string;
}

export class ConfigError extends Error {}

interface FlagSpec { env: string; help: string; default?: string }

/** Every flag, its environment variable and help text: the single list the usage is printed from. */
export const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { env: 'KUBECONFIG', help: 'kubeconfig file (default: in-cluster, then ~/.kube/config)' },
  context: { env: 'KSCALE_CONTEXT', help: 'kubeconfig context to use' },
  server: { env: 'KSCALE_SERVER', help: 'API server URL, e.g. http://127.0.0.1:8001 for kubectl proxy' },
  namespace: { env: 'KSCALE_NAMESPACES', help: 'comma-separated namespaces to watch (default: all)' },
  'label-selector': { env: 'KSCALE_LABEL_SELECTOR', help: 'only HorizontalAutoscalers matching this label selector (sharding)' },
  tolerance: { env: 'KSCALE_TOLERANCE', help: 'default tolerance', default: String(UPSTREAM_DEFAULTS.tolerance) },
  'cpu-initialization-period': { env: 'KSCALE_CPU_INITIALIZATION_PERIOD', help: 'default CPU initialization period', default: '5m' },
  'initial-readiness-delay': { env: 'KSCALE_INITIAL_READINESS_DELAY', help: 'default initial readiness delay', default: '30s' },
  'downscale-stabilization': { env: 'KSCALE_DOWNSCALE_STABILIZATION', help: 'scale-down stabilization window without behavior', default: '5m' },
  'sync-period': { env: 'KSCALE_SYNC_PERIOD', help: 'default re-evaluation period', default: '15s' },
  workers: { env: 'KSCALE_WORKERS', help: 'concurrent reconciles', default: '5' },
  'api-concurrency': { env: 'KSCALE_API_CONCURRENCY', help: 'concurrent API requests', default: '20' },
  'api-timeout': { env: 'KSCALE_API_TIMEOUT', help: 'timeout of each API request', default: '10s' },
  'metrics-tick': { env: 'KSCALE_METRICS_TICK', help: 'how long one pod metrics listing serves a namespace', default: '5s' },
  resync: { env: 'KSCALE_RESYNC', help: 'full re-enqueue period', default: '5m' },
  'leader-elect': { env: 'KSCALE_LEADER_ELECT', help: 'use a Lease so only one replica acts (true/false)', default: 'true' },
  'leader-election-namespace': { env: 'KSCALE_LEADER_ELECTION_NAMESPACE', help: "the Lease's namespace (default: own namespace)" },
  'leader-election-id': { env: 'KSCALE_LEADER_ELECTION_ID', help: "the Lease's name", default: 'kscale-controller' },
  'lease-duration': { env: 'KSCALE_LEASE_DURATION', help: 'Lease duration', default: '15s' },
  'renew-deadline': { env: 'KSCALE_RENEW_DEADLINE', help: 'give up leading when not renewed within', default: '10s' },
  'retry-period': { env: 'KSCALE_RETRY_PERIOD', help: 'Lease retry period', default: '2s' },
  'http-address': { env: 'KSCALE_HTTP_ADDRESS', help: 'listen address for /metrics, /healthz, /readyz', default: '0.0.0.0:8080' },
  'log-level': { env: 'KSCALE_LOG_LEVEL', help: 'trace, debug, info, warn, error, fatal', default: 'info' },
  identity: { env: 'KSCALE_IDENTITY', help: 'leader election identity (default: hostname_<random>)' },
};

export function configUsage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => `  --${name.padEnd(26)} ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''} [$${f.env}]`);
  return `Usage: kscale run [flags]\n\nRuns the controller against the configured cluster.\n\nFlags:\n${lines.join('\n')}\n`;
}

function duration(name: string, text: string, min = 0): number {
  let ms: number;
  try { ms = parseGoDuration(text); } catch { throw new ConfigError(`--${name}: ${JSON.stringify(text)} is not a duration (e.g. 15s, 5m, 1h30m)`); }
  if (ms < min) throw new ConfigError(`--${name}: must be at least ${min / 1000}s, got ${text}`);
  return ms;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function bool(name: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new ConfigError(`--${name}: must be true or false, got ${JSON.stringify(text)}`);
}

export function parseConfig(args: string[], env: NodeJS.ProcessEnv = process.env): Config {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])), strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${configUsage()}`);
  }
  const get = (name: string): string | undefined => {
    const f = FLAGS[name];
    const v = values[name];
    return typeof v === 'string' ? v : (f && env[f.env] !== undefined && env[f.env] !== '' ? env[f.env] : f?.default);
  };
  const req = (name: string): string => get(name) ?? '';

  const tolerance = Number(req('tolerance'));
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new ConfigError(`--tolerance: must be a number >= 0, got ${JSON.stringify(req('tolerance'))}`);
  const labelSelector = get('label-selector');
  if (labelSelector) {
    try { parseSelector(labelSelector); } catch (e) { throw new ConfigError(`--label-selector: ${(e as Error).message}`); }
  }
  const httpAddress = req('http-address');
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:]*):\d+$/.test(httpAddress)) throw new ConfigError(`--http-address: expected host:port, got ${JSON.stringify(httpAddress)}`);
  const leaseDurationMs = duration('lease-duration', req('lease-duration'), 1000);
  const renewDeadlineMs = duration('renew-deadline', req('renew-deadline'), 1000);
  const retryPeriodMs = duration('retry-period', req('retry-period'), 100);
  if (renewDeadlineMs >= leaseDurationMs) throw new ConfigError('--renew-deadline must be shorter than --lease-duration');
  if (retryPeriodMs >= renewDeadlineMs) throw new ConfigError('--retry-period must be shorter than --renew-deadline');
  const sec = (ms: number): number => ms / 1000;

  return {
    // Only the flag: KUBECONFIG itself is read where the connection is made (src/kube/config.ts).
    ...(typeof values.kubeconfig === 'string' ? { kubeconfig: values.kubeconfig } : {}),
    ...(get('context') ? { context: get('context') } : {}),
    ...(get('server') ? { server: get('server') } : {}),
    namespaces: (get('namespace') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ...(labelSelector ? { labelSelector } : {}),
    defaults: {
      tolerance,
      cpuInitializationPeriodSeconds: sec(duration('cpu-initialization-period', req('cpu-initialization-period'))),
      initialReadinessDelaySeconds: sec(duration('initial-readiness-delay', req('initial-readiness-delay'))),
      downscaleStabilizationSeconds: sec(duration('downscale-stabilization', req('downscale-stabilization'))),
      syncPeriodSeconds: sec(duration('sync-period', req('sync-period'), 1000)),
    },
    workers: integer('workers', req('workers'), 1, 100),
    apiConcurrency: integer('api-concurrency', req('api-concurrency'), 1, 1000),
    apiTimeoutMs: duration('api-timeout', req('api-timeout'), 100),
    metricsTickMs: duration('metrics-tick', req('metrics-tick')),
    resyncMs: duration('resync', req('resync'), 1000),
    leaderElect: bool('leader-elect', req('leader-elect')),
    ...(get('leader-election-namespace') ? { leaderElectionNamespace: get('leader-election-namespace') } : {}),
    leaderElectionId: req('leader-election-id'),
    leaseDurationMs, renewDeadlineMs, retryPeriodMs,
    httpAddress,
    logLevel: req('log-level'),
    ...(get('identity') ? { identity: get('identity') } : {}),
  };
}
