// The default plugins, in kube-scheduler's filter order, with its score weights.
import type { ProfileEntry } from "./framework/framework.ts";
import type { ClusterView } from "./framework/types.ts";
import { BalancedAllocation } from "./plugins/balanced-allocation/balanced-allocation.ts";
import { ImageLocality } from "./plugins/image-locality/image-locality.ts";
import { InterPodAffinity } from "./plugins/inter-pod-affinity/inter-pod-affinity.ts";
import { LeastAllocated } from "./plugins/least-allocated/least-allocated.ts";
import { NodeAffinity } from "./plugins/node-affinity/node-affinity.ts";
import { NodeName } from "./plugins/node-name/node-name.ts";
import { NodePorts } from "./plugins/node-ports/node-ports.ts";
import { NodeResourcesFit } from "./plugins/node-resources-fit/node-resources-fit.ts";
import { NodeUnschedulable } from "./plugins/node-unschedulable/node-unschedulable.ts";
import { SelectorSpread } from "./plugins/selector-spread/selector-spread.ts";
import { TaintToleration } from "./plugins/taint-toleration/taint-toleration.ts";
import { type ClaimVolumes, VolumeBinding } from "./plugins/volume-binding/volume-binding.ts";

/** With volumes, the VolumeBinding filter keeps pods of node-local claims on their volume's node. */
export function defaultProfile(view: ClusterView, volumes?: ClaimVolumes): ProfileEntry[] {
  return [
    { plugin: new NodeUnschedulable() },
    { plugin: new NodeName() },
    { plugin: new TaintToleration(), weight: 3 },
    { plugin: new NodeAffinity(), weight: 2 },
    { plugin: new NodePorts() },
    { plugin: new NodeResourcesFit() },
    ...(volumes === undefined ? [] : [{ plugin: new VolumeBinding(volumes) }]),
    { plugin: new InterPodAffinity(view), weight: 2 },
    { plugin: new LeastAllocated(), weight: 1 },
    { plugin: new BalancedAllocation(), weight: 1 },
    { plugin: new SelectorSpread(view), weight: 2 },
    { plugin: new ImageLocality(view), weight: 1 },
  ];
}
