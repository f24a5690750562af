// The scheduler core: framework, queue, plugins and preemption on Kubernetes
// object types, meeting the cluster through ClusterSource, Binder and
// SchedulingRecorder (an in-memory FakeCluster, or api/ on the API server).
export { Scheduler, defaultSchedulerName, type SchedulerOptions, type SchedulerStats } from "./scheduler.ts";
export type { Binder, ClusterEvent, ClusterSource, SchedulingRecorder } from "./cluster.ts";
export { FakeCluster, type FakeClusterOptions } from "./fake-cluster.ts";
export { FakeClock, seededRandom, systemClock, type Clock, type RandomSource } from "./clock.ts";
export { defaultProfile } from "./default-profile.ts";
export { FitError } from "./framework/fit-error.ts";
export { Code, type Status } from "./framework/status.ts";
export type { ClusterView, FilterPlugin, ScorePlugin, ReservePlugin, BindPlugin, PreFilterPlugin, PreScorePlugin, Plugin } from "./framework/types.ts";
export { findPreemption, type PreemptionResult } from "./preemption/preemption.ts";
export { parseQuantity, quantityMilliValue, quantityValue } from "./quantity.ts";
export { makeNode, makePod, type NodeOptions, type PodOptions } from "./test-objects.ts";
export type * from "./kube-types.ts";
