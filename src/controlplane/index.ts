// The embedded Kubernetes control plane for tests, demos, benchmarks and kscale's own no-cluster mode.
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './controlplane.ts';
export { controlPlaneBinaries, binDir, binaryPath, kscaleCacheDir, KUBERNETES_VERSION, ETCD_VERSION } from './paths.ts';
export { FakeMetricsServer, type FakeMetrics, type FakeMetricsServerOptions, type MetricsApi } from './fake-metrics.ts';
export {
  markPodReady, markPodNotReady, markPodFailed, markPodPending, deletePod, startPodReadier,
  type ReadyOptions, type PodReadierOptions,
} from './pods.ts';
export { getJson, RawHttpError } from './raw.ts';
export { ensureControlPlaneBinaries } from './ensure.ts';
