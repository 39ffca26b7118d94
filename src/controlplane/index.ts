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
export { installKscaleApi } from './kscale-api.ts';
export { type KwokCluster, type KwokOptions } from './pipeline.ts';
export { metricsPipelineBinaries, ensureMetricsPipelineBinaries, pipelineBinaryPath, KWOK_VERSION, METRICS_SERVER_VERSION } from './pipeline-paths.ts';
export { setPodUsage, startSplitLoad, splitLoad, type PodUsageValues, type TotalLoad } from './kwok-usage.ts';
export { STARTUP_DELAY_ANNOTATION, READINESS_DELAY_ANNOTATION } from './kwok-config.ts';
export { USAGE_ANNOTATIONS } from './kwok.ts';
