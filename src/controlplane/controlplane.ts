// The embedded control plane: etcd + kube-apiserver (+ optionally kube-controller-manager) on
// loopback with free ports and per-run certificates, plus the fake metrics APIs behind the
// aggregation layer. Start order: etcd -> apiserver -> metrics APIServices -> KCM; teardown is the
// reverse and always runs (stop(), a failed start, SIGINT/SIGTERM/SIGHUP, process exit; a detached
// watchdog covers a parent killed with SIGKILL).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { applyYaml } from './apply.ts';
import { registerMetricsApis } from './aggregation.ts';
import { registerTeardown } from './cleanup.ts';
import { makeClient } from './clients.ts';
import { FakeMetricsServer, type FakeMetrics, type PodSelectorLookup } from './fake-metrics.ts';
import { apiserverArgs, CONTROLLERS, controllerManagerArgs, etcdArgs, type AuditFiles, type Ports } from './flags.ts';
import { writeKubeconfigFile } from './kubeconfig.ts';
import { binaryPath, controlPlaneBinaries, type BinaryName } from './paths.ts';
import { generatePki, type Pki } from './pki.ts';
import { freePorts, listensOn } from './ports.ts';
import { probe } from './probe.ts';
import { startKwokPipeline, type KwokCluster, type KwokOptions } from './pipeline.ts';
import { metricsPipelineBinaries } from './pipeline-paths.ts';
import { ManagedProcess, tailFile } from './process.ts';
import { getJson } from './raw.ts';
import { keepAlive, pollUntil } from './wait.ts';
import { startWatchdog, type Watchdog } from './watchdog.ts';

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager (deployment, replicaset, HPA and garbage-collector controllers). */
  controllerManager?: boolean;
  /** Extra kube-controller-manager flags, after (so overriding) the defaults, e.g. '--horizontal-pod-autoscaler-sync-period=1s'. */
  controllerManagerArgs?: string[];
  /** Use this directory (created if missing) and keep it after stop(); default: a fresh temp dir, removed on stop. */
  workDir?: string;
  /** An audit.k8s.io/v1 Policy (YAML text): the apiserver then writes JSON audit events, one a line, to auditLogPath. */
  auditPolicy?: string;
  /** Where the audit log goes (only with auditPolicy); default `<workDir>/logs/audit.log`. */
  auditLogPath?: string;
  /** How the fake metrics APIs resolve a labelSelector to pod names; default: a pod list on the apiserver per request. */
  metricsPodLookup?: PodSelectorLookup;
  /**
   * The kwok mode (pipeline.ts): kube-scheduler, kwok nodes that run the pods, and the real
   * metrics-server behind metrics.k8s.io (custom and external metrics stay on the fake). Pods need
   * controllerManager too (its statefulset controller is then added), or a KCM of the caller's own.
   */
  kwok?: boolean | KwokOptions;
}

export interface ControlPlane {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly metrics: FakeMetrics;
  /** The kwok mode's nodes and usage controls; undefined without `kwok`. */
  readonly kwok: KwokCluster | undefined;
  /** The work dir (certs, kubeconfigs, logs/ with one log per process). */
  readonly workDir: string;
  /** PIDs of the processes this control plane started, by name. */
  readonly pids: Readonly<Record<string, number>>;
  mintToken(namespace: string, serviceAccount: string, expirationSeconds?: number): Promise<string>;
  writeKubeconfig(token: string, file?: string): Promise<string>;
  applyYaml(yamlText: string): Promise<void>;
  stop(): Promise<void>;
}

const TIMEOUTS = { etcd: 60_000, apiserver: 90_000, metricsApis: 60_000, controllerManager: 60_000 };

/** Parent of temp work dirs: tmpfs when there is one (etcd's writes stay in memory). */
function scratchRoot(): string {
  try {
    const dir = '/dev/shm';
    mkdirSync(join(dir, '.kscale-probe'), { recursive: true });
    rmSync(join(dir, '.kscale-probe'), { recursive: true, force: true });
    return dir;
  } catch {
    return tmpdir();
  }
}

class Instance implements ControlPlane {
  server = '';
  kubeconfigPath = '';
  kubeConfig = new KubeConfig();
  kwok: KwokCluster | undefined;
  readonly workDir: string;
  readonly #ownsWorkDir: boolean;
  readonly #procs: ManagedProcess[] = [];
  readonly #metricsServer: { current?: FakeMetricsServer } = {};
  #pki: Pki | undefined;
  #watchdog: Watchdog | undefined;
  #unregister: () => void;
  #stopping: Promise<void> | undefined;
  #tokenFiles = 0;

  constructor(workDir: string, ownsWorkDir: boolean) {
    this.workDir = workDir;
    this.#ownsWorkDir = ownsWorkDir;
    this.#unregister = registerTeardown({ stop: () => this.stop(), killNow: () => { this.#killNow(); } });
  }

  get metrics(): FakeMetrics {
    const m = this.#metricsServer.current;
    if (!m) throw new Error('the control plane has no metrics server (not started, or stopped)');
    return m;
  }

  get pids(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#procs.map((p) => [p.name, p.pid]));
  }

  async start(opts: ControlPlaneOptions): Promise<void> {
    const logs = join(this.workDir, 'logs');
    await mkdir(logs, { recursive: true });
    this.#watchdog = startWatchdog(this.workDir, join(this.workDir, 'pids'), this.#ownsWorkDir);
    const pki = (this.#pki = await generatePki(join(this.workDir, 'pki')));
    const [etcdClient = 0, etcdPeer = 0, apiserver = 0, controllerManager = 0] = await freePorts(4);
    const ports: Ports = { etcdClient, etcdPeer, apiserver, controllerManager };

    // etcd
    const etcd = await this.#spawn('etcd', etcdArgs(this.workDir, ports));
    await pollUntil('etcd /health', async () => {
      const r = await probe(`http://127.0.0.1:${String(etcdClient)}/health`);
      return r.status === 200 && r.body.includes('"health":"true"') && listensOn(etcd.pid, etcdClient) ? true : undefined;
    }, { timeoutMs: TIMEOUTS.etcd, abortIf: () => { etcd.assertRunning(); } });

    // kube-apiserver
    let audit: AuditFiles | undefined;
    if (opts.auditPolicy !== undefined) {
      audit = { policyFile: join(this.workDir, 'audit-policy.yaml'), logPath: opts.auditLogPath ?? join(logs, 'audit.log') };
      await writeFile(audit.policyFile, opts.auditPolicy);
    }
    const api = await this.#spawn('kube-apiserver', apiserverArgs(pki, ports, audit));
    const tls = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
    this.server = `https://127.0.0.1:${String(apiserver)}`;
    await pollUntil('kube-apiserver /readyz', async () => {
      const r = await probe(`${this.server}/readyz`, tls);
      if (r.status === 200) return true;
      throw new Error(`HTTP ${String(r.status)} ${r.body.slice(0, 300)}`);
    }, { timeoutMs: TIMEOUTS.apiserver, intervalMs: 500, abortIf: () => { api.assertRunning(); } });

    this.kubeconfigPath = await writeKubeconfigFile(join(this.workDir, 'admin.kubeconfig'), this.server, pki.caCert,
      { kind: 'cert', certFile: pki.adminCert, keyFile: pki.adminKey });
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromFile(this.kubeconfigPath);

    // Fake metrics APIs behind the aggregation layer.
    const core = makeClient(this.kubeConfig, CoreV1Api);
    const metrics = new FakeMetricsServer({
      cert: await readFile(pki.metricsCert), key: await readFile(pki.metricsKey),
      podLookup: opts.metricsPodLookup ?? (async (namespace, labelSelector) => {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        return new Set(list.items.map((p) => p.metadata?.name ?? ''));
      }),
    });
    this.#metricsServer.current = metrics;
    const metricsPort = await metrics.listen();
    await registerMetricsApis(this.kubeConfig, metricsPort, pki.caCert, TIMEOUTS.metricsApis);
    await pollUntil('metrics.k8s.io through the apiserver', async () => {
      await getJson(this.kubeConfig, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
      return true;
    }, { timeoutMs: TIMEOUTS.metricsApis, abortIf: () => { api.assertRunning(); } });

    // kube-controller-manager
    if (opts.controllerManager) {
      // kwok mode: StatefulSets too (their pods get real nodes there); the caller's flags still win.
      const kwokControllers = opts.kwok ? [`--controllers=${[...CONTROLLERS, 'statefulset-controller'].join(',')}`] : [];
      const kcm = await this.#spawn('kube-controller-manager',
        controllerManagerArgs(this.workDir, this.kubeconfigPath, ports, [...kwokControllers, ...(opts.controllerManagerArgs ?? [])]));
      await pollUntil('kube-controller-manager /healthz', async () => {
        // KCM serves a self-signed cert it made itself; this is a loopback liveness check only.
        const r = await probe(`https://127.0.0.1:${String(controllerManager)}/healthz`, { insecure: true });
        if (r.status !== 200) throw new Error(`HTTP ${String(r.status)} ${r.body.slice(0, 300)}`);
        return listensOn(kcm.pid, controllerManager) ? true : undefined;
      }, { timeoutMs: TIMEOUTS.controllerManager, intervalMs: 500, abortIf: () => { kcm.assertRunning(); } });
    }

    if (opts.kwok) {
      this.kwok = await startKwokPipeline({
        workDir: this.workDir, pki, kubeConfig: this.kubeConfig, kubeconfigPath: this.kubeconfigPath,
        spawn: (name, command, args) => this.#spawn(name, args, command),
        applyYaml: (y) => this.applyYaml(y),
      }, opts.kwok === true ? {} : opts.kwok);
    }
  }

  async #spawn(name: string, args: string[], command = binaryPath(name as BinaryName)): Promise<ManagedProcess> {
    const proc = await ManagedProcess.start({
      name, command, args, logFile: join(this.workDir, 'logs', `${name}.log`),
    });
    this.#procs.push(proc);
    // For the watchdog and for humans cleaning up after a crash: kill by these PIDs, never by name.
    writeFileSync(join(this.workDir, 'pids'), this.#procs.map((p) => `${String(p.pid)}\n`).join(''));
    return proc;
  }

  async mintToken(namespace: string, serviceAccount: string, expirationSeconds = 3600): Promise<string> {
    const core = makeClient(this.kubeConfig, CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name: serviceAccount, namespace,
      body: { spec: { audiences: [], expirationSeconds } }, // no audiences: the apiserver's own (its issuer)
    });
    const token = tr.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    return token;
  }

  async writeKubeconfig(token: string, file?: string): Promise<string> {
    if (!this.#pki) throw new Error('the control plane is not started');
    const target = file ?? join(this.workDir, `token-${String(++this.#tokenFiles)}.kubeconfig`);
    return writeKubeconfigFile(target, this.server, this.#pki.caCert, { kind: 'token', token });
  }

  applyYaml(yamlText: string): Promise<void> {
    return applyYaml(this.kubeConfig, yamlText);
  }

  stop(): Promise<void> {
    this.#stopping ??= keepAlive(this.#stop());
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // Reverse start order: KCM, then the metrics server, then the apiserver, then etcd.
    const byName = (n: string): ManagedProcess | undefined => this.#procs.find((p) => p.name === n);
    // The kwok mode's processes first (they only watch the apiserver), together.
    await Promise.all(['metrics-server', 'kwok', 'kube-scheduler'].map(async (n) => { await byName(n)?.stop(); }));
    await byName('kube-controller-manager')?.stop();
    await this.#metricsServer.current?.close();
    this.#metricsServer.current = undefined;
    await byName('kube-apiserver')?.stop();
    await byName('etcd')?.stop();
    await Promise.all(this.#procs.map((p) => p.stop())); // anything else, should there ever be
    this.#watchdog?.stop();
    if (this.#ownsWorkDir) await rm(this.workDir, { recursive: true, force: true, maxRetries: 3 });
    this.#unregister();
  }

  #killNow(): void {
    for (const p of this.#procs) p.killNow();
    this.#watchdog?.stop();
    if (this.#ownsWorkDir) {
      try { rmSync(this.workDir, { recursive: true, force: true }); } catch { /* best effort at exit */ }
    }
  }
}

function isPortClash(err: unknown): boolean {
  return err instanceof Error && /address already in use/i.test(err.message);
}

/** Starts a control plane; on failure everything started so far is torn down and the error carries log tails. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = controlPlaneBinaries();
  if (!bins.ok) throw new Error(bins.reason);
  if (opts.kwok) {
    const extra = metricsPipelineBinaries();
    if (!extra.ok) throw new Error(extra.reason);
  }
  for (let attempt = 1; ; attempt++) {
    let workDir: string;
    if (opts.workDir) {
      workDir = opts.workDir;
      await mkdir(workDir, { recursive: true });
    } else {
      workDir = await mkdtemp(join(scratchRoot(), 'kscale-cp-'));
    }
    const cp = new Instance(workDir, !opts.workDir);
    try {
      await keepAlive(cp.start(opts));
      return cp;
    } catch (err) {
      const logs = describeLogs(cp);
      await cp.stop();
      // Free ports are probed, then bound by the child later: another suite may win the race.
      if (isPortClash(err) && attempt < 3) continue;
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`embedded control plane failed to start: ${msg}${logs}`, { cause: err });
    }
  }
}

function describeLogs(cp: Instance): string {
  return Object.keys(cp.pids)
    .map((name) => `\n--- last lines of ${name}.log ---\n${tailFile(join(cp.workDir, 'logs', `${name}.log`)) || '(empty)'}`)
    .join('');
}
