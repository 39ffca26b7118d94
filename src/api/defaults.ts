// API defaulting (autoscaling/v2 rules) and the controller-wide defaults, resolved into the effective
// settings the engine works with. Defaults equal upstream kube-controller-manager's.
import { approximateFloat64, parseQuantity } from '../values/quantity.ts';
import type { HPAScalingPolicy, HPAScalingRules, HorizontalAutoscalerSpec, MetricSpec, ScalingPolicySelect } from './types.ts';

/** Controller-wide defaults; each has a per-object override in the spec. */
export interface ControllerDefaults {
  tolerance: number;
  cpuInitializationPeriodSeconds: number;
  initialReadinessDelaySeconds: number;
  downscaleStabilizationSeconds: number;
  syncPeriodSeconds: number;
}

export const UPSTREAM_DEFAULTS: Readonly<ControllerDefaults> = Object.freeze({
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  downscaleStabilizationSeconds: 300,
  syncPeriodSeconds: 15,
});

export const DEFAULT_MIN_REPLICAS = 1;
export const DEFAULT_METRICS: readonly MetricSpec[] = Object.freeze([
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
]);

export interface EffectiveRules {
  stabilizationWindowSeconds: number;
  selectPolicy: ScalingPolicySelect;
  policies: HPAScalingPolicy[];
}

export interface EffectiveBehavior {
  scaleUp: EffectiveRules;
  scaleDown: EffectiveRules;
}

export interface EffectiveSpec {
  minReplicas: number;
  maxReplicas: number;
  metrics: readonly MetricSpec[];
  /** Undefined when spec.behavior is absent: upstream then takes the legacy (no-behavior) path. */
  behavior: EffectiveBehavior | undefined;
  tolerance: { up: number; down: number };
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  downscaleStabilizationMs: number;
  syncPeriodSeconds: number;
}

const defaultScaleUp = (): EffectiveRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});

const defaultScaleDown = (window: number): EffectiveRules => ({
  stabilizationWindowSeconds: window,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

// A user's field replaces the default field; a user's policy list replaces the whole default list.
function overlay(base: EffectiveRules, user: HPAScalingRules | undefined): EffectiveRules {
  if (!user) return base;
  return {
    stabilizationWindowSeconds: user.stabilizationWindowSeconds ?? base.stabilizationWindowSeconds,
    selectPolicy: user.selectPolicy ?? base.selectPolicy,
    policies: user.policies ?? base.policies,
  };
}

function quantityOr(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : approximateFloat64(parseQuantity(value));
}

/** Resolves a (validated) spec into effective settings. */
export function effectiveSpec(spec: HorizontalAutoscalerSpec, config: ControllerDefaults = UPSTREAM_DEFAULTS): EffectiveSpec {
  const baseTolerance = quantityOr(spec.tolerance, config.tolerance);
  const downscaleStabilizationSeconds = config.downscaleStabilizationSeconds;
  const behavior = spec.behavior
    ? {
        scaleUp: overlay(defaultScaleUp(), spec.behavior.scaleUp),
        scaleDown: overlay(defaultScaleDown(downscaleStabilizationSeconds), spec.behavior.scaleDown),
      }
    : undefined;
  return {
    minReplicas: spec.minReplicas ?? DEFAULT_MIN_REPLICAS,
    maxReplicas: spec.maxReplicas,
    metrics: spec.metrics && spec.metrics.length > 0 ? spec.metrics : DEFAULT_METRICS,
    behavior,
    tolerance: {
      up: quantityOr(spec.behavior?.scaleUp?.tolerance, baseTolerance),
      down: quantityOr(spec.behavior?.scaleDown?.tolerance, baseTolerance),
    },
    cpuInitializationPeriodMs: (spec.cpuInitializationPeriodSeconds ?? config.cpuInitializationPeriodSeconds) * 1000,
    initialReadinessDelayMs: (spec.initialReadinessDelaySeconds ?? config.initialReadinessDelaySeconds) * 1000,
    downscaleStabilizationMs: downscaleStabilizationSeconds * 1000,
    syncPeriodSeconds: spec.syncPeriodSeconds ?? config.syncPeriodSeconds,
  };
}
