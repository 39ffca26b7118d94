// Controller configuration from flags and KSCALE_* environment variables (flags win), validated
// into a Config. Defaults equal upstream kube-controller-manager's HPA defaults.
import { parseArgs } from 'node:util';
import { UPSTREAM_DEFAULTS, type ControllerDefaults } from './api/defaults.ts';
import { parseGoDuration } from './engine/duration.ts';
import { LEADER_JITTER_FACTOR } from './kube/leader-jitter.ts';
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
  /** Active-active: replicas split the autoscalers through member Leases (src/controller/shards.ts). */
  sharding: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** host:port of /healthz and /readyz (and /metrics unless metricsAddress says otherwise). */
  httpAddress: string;
  /** host:port of /metrics when served apart from the probes; 'off' serves no metrics. */
  metricsAddress?: string;
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
  sharding: { env: 'KSCALE_SHARDING', help: 'active-active: every replica acts on its own share of the autoscalers, through member Leases named after --leader-election-id with the same timings (true/false)', default: 'false' },
  'leader-election-namespace': { env: 'KSCALE_LEADER_ELECTION_NAMESPACE', help: "the Lease's namespace (default: own namespace)" },
  'leader-election-id': { env: 'KSCALE_LEADER_ELECTION_ID', help: "the Lease's name", default: 'kscale-controller' },
  'lease-duration': { env: 'KSCALE_LEASE_DURATION', help: 'Lease duration', default: '15s' },
  'renew-deadline': { env: 'KSCALE_RENEW_DEADLINE', help: 'give up leading when not renewed within', default: '10s' },
  'retry-period': { env: 'KSCALE_RETRY_PERIOD', help: 'Lease retry period', default: '2s' },
  'http-address': { env: 'KSCALE_HTTP_ADDRESS', help: 'listen address for /healthz and /readyz, and /metrics unless --metrics-bind-address is set', default: '0.0.0.0:8080' },
  'metrics-bind-address': { env: 'KSCALE_METRICS_BIND_ADDRESS', help: 'serve /metrics apart from the probes, e.g. 127.0.0.1:8443 behind an authenticating proxy; 0 serves no metrics (default: on --http-address)' },
  'log-level': { env: 'KSCALE_LOG_LEVEL', help: 'trace, debug, info, warn, error, fatal', default: 'info' },
  identity: { env: 'KSCALE_IDENTITY', help: 'leader election identity (default: hostname_<random>)' },
};

export function configUsage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => `  --${name.padEnd(26)} ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''} [$${f.env}]`);
  return `Usage: kscale run [flags]\n\nRuns the controller against the configured cluster.\n\nFlags:\n${lines.join('\n')}\n`;
}

// Bounds keep every duration a Node timer can hold (setTimeout overflows past 2^31-1 ms, about 24.8
// days, into a 1 ms hot loop) and every figure within what a controller can sensibly use.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function duration(name: string, text: string, min: number, max: number): number {
  let ms: number;
  try { ms = parseGoDuration(text); } catch { throw new ConfigError(`--${name}: ${JSON.stringify(text)} is not a duration (e.g. 15s, 5m, 1h30m)`); }
  if (ms < min || ms > max) throw new ConfigError(`--${name}: must be from ${human(min)} to ${human(max)}, got ${text}`);
  return ms;
}

function human(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % DAY === 0) return `${String(ms / DAY * 24)}h`;
  if (ms % HOUR === 0) return `${String(ms / HOUR)}h`;
  if (ms % 60_000 === 0) return `${String(ms / 60_000)}m`;
  return ms % 1000 === 0 ? `${String(ms / 1000)}s` : `${String(ms)}ms`;
}

// Plain decimals only: Number() would read "0x10" as 16, "1e1" as 10 and "" as 0.
const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!INTEGER.test(text) || n < min || n > max) throw new ConfigError(`--${name}: must be an integer from ${String(min)} to ${String(max)}, got ${JSON.stringify(text)}`);
  return n;
}

// A DNS-1123 subdomain (object names such as the Lease's) and label (namespaces), as the API server checks them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
function dnsSubdomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every((part) => DNS_LABEL.test(part));
}

/** host:port with a port from 0 to 65535; the host may be empty (all interfaces) or a bracketed IPv6 address. */
function listenAddress(name: string, text: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new ConfigError(`--${name}: expected host:port with a port from 0 to 65535 (e.g. 127.0.0.1:8080 or :8080), got ${JSON.stringify(text)}`);
  return text;
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
  // An empty value ("--tolerance=") is a mistake, not a request for the default.
  for (const [name, v] of Object.entries(values)) {
    const fallback = FLAGS[name]?.default;
    if (v === '') throw new ConfigError(`--${name}: empty value; omit the flag to use ${fallback !== undefined ? `the default (${fallback})` : 'the default'}`);
  }

  const toleranceText = req('tolerance');
  const tolerance = Number(toleranceText);
  if (!DECIMAL.test(toleranceText) || tolerance > 1000) throw new ConfigError(`--tolerance: must be a decimal number from 0 to 1000 (e.g. 0.1), got ${JSON.stringify(toleranceText)}`);
  const labelSelector = get('label-selector');
  if (labelSelector) {
    try { parseSelector(labelSelector); } catch (e) { throw new ConfigError(`--label-selector: ${(e as Error).message}`); }
  }
  const namespaces = (get('namespace') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ns of namespaces) if (!DNS_LABEL.test(ns) || ns.length > 63) throw new ConfigError(`--namespace: ${JSON.stringify(ns)} is not a namespace name (lowercase letters, digits and '-')`);
  const leaseNamespace = get('leader-election-namespace');
  if (leaseNamespace !== undefined && (!DNS_LABEL.test(leaseNamespace) || leaseNamespace.length > 63)) throw new ConfigError(`--leader-election-namespace: ${JSON.stringify(leaseNamespace)} is not a namespace name (lowercase letters, digits and '-')`);
  const leaderElectionId = req('leader-election-id');
  if (!dnsSubdomain(leaderElectionId)) throw new ConfigError(`--leader-election-id: ${JSON.stringify(leaderElectionId)} is not a valid Lease name (lowercase letters, digits, '-' and '.', at most 253 characters)`);
  const httpAddress = listenAddress('http-address', req('http-address'));
  const metricsFlag = get('metrics-bind-address');
  const metricsAddress = metricsFlag === undefined ? undefined : metricsFlag === '0' ? 'off' : listenAddress('metrics-bind-address', metricsFlag);
  const leaseDurationMs = duration('lease-duration', req('lease-duration'), 1000, HOUR);
  const renewDeadlineMs = duration('renew-deadline', req('renew-deadline'), 1000, HOUR);
  const retryPeriodMs = duration('retry-period', req('retry-period'), 100, HOUR);
  // The rules client-go's NewLeaderElector enforces (the elector refuses to start otherwise).
  if (renewDeadlineMs >= leaseDurationMs) throw new ConfigError(`--renew-deadline (${req('renew-deadline')}) must be shorter than --lease-duration (${req('lease-duration')})`);
  if (renewDeadlineMs <= LEADER_JITTER_FACTOR * retryPeriodMs) {
    throw new ConfigError(`--renew-deadline (${req('renew-deadline')}) must be more than ${String(LEADER_JITTER_FACTOR)} × --retry-period (${req('retry-period')}): lower --retry-period to under ${human(Math.floor(renewDeadlineMs / LEADER_JITTER_FACTOR))}`);
  }
  const leaderElect = bool('leader-elect', req('leader-elect'));
  const sharding = bool('sharding', req('sharding'));
  if (sharding && !leaderElect) throw new ConfigError('--sharding: needs Leases, so it cannot be combined with --leader-elect=false');
  // The group name is also a label value (at most 63 characters) and a prefix of the member Leases' names.
  if (sharding && leaderElectionId.length > 63) throw new ConfigError(`--leader-election-id: at most 63 characters with --sharding (it is a label value), got ${String(leaderElectionId.length)}`);
  const sec = (ms: number): number => ms / 1000;

  return {
    // Only the flag: KUBECONFIG itself is read where the connection is made (src/kube/config.ts).
    ...(typeof values.kubeconfig === 'string' ? { kubeconfig: values.kubeconfig } : {}),
    ...(get('context') ? { context: get('context') } : {}),
    ...(get('server') ? { server: get('server') } : {}),
    namespaces,
    ...(labelSelector ? { labelSelector } : {}),
    defaults: {
      tolerance,
      cpuInitializationPeriodSeconds: sec(duration('cpu-initialization-period', req('cpu-initialization-period'), 0, DAY)),
      initialReadinessDelaySeconds: sec(duration('initial-readiness-delay', req('initial-readiness-delay'), 0, DAY)),
      downscaleStabilizationSeconds: sec(duration('downscale-stabilization', req('downscale-stabilization'), 0, DAY)),
      // Whole seconds, as the per-object syncPeriodSeconds, and within its bound.
      syncPeriodSeconds: sec(duration('sync-period', req('sync-period'), 1000, HOUR)),
    },
    workers: integer('workers', req('workers'), 1, 100),
    apiConcurrency: integer('api-concurrency', req('api-concurrency'), 1, 1000),
    apiTimeoutMs: duration('api-timeout', req('api-timeout'), 100, 10 * 60_000),
    metricsTickMs: duration('metrics-tick', req('metrics-tick'), 0, 10 * 60_000),
    resyncMs: duration('resync', req('resync'), 1000, DAY),
    leaderElect,
    sharding,
    ...(leaseNamespace ? { leaderElectionNamespace: leaseNamespace } : {}),
    leaderElectionId,
    leaseDurationMs, renewDeadlineMs, retryPeriodMs,
    httpAddress,
    ...(metricsAddress ? { metricsAddress } : {}),
    logLevel: req('log-level'),
    ...(get('identity') ? { identity: get('identity') } : {}),
  };
}
