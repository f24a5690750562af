// The probes of every container of the node's pods. `tick(now)` starts the
// probes that are due (the kubelet loop calls it about once a second) and
// the results are read by the pod worker: startup gates liveness and
// readiness, which are not run until the container has started.
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import type { RuntimePod } from "../runtime/pod-runtime.ts";
import { ProbeState, probeTiming, type ProbeKind } from "./probe-state.ts";
import { runProbe, type ProbeOutcome } from "./prober.ts";

export interface PodProbeResults {
  livenessFailed: Set<string>;
  readiness: Map<string, boolean>;
  startup: Map<string, boolean>;
}

const kinds: ProbeKind[] = ["startup", "liveness", "readiness"];

function probeOf(c: V1Container, kind: ProbeKind) {
  return kind === "startup" ? c.startupProbe : kind === "liveness" ? c.livenessProbe : c.readinessProbe;
}

export class ProbeManager {
  private readonly states = new Map<string, ProbeState>(); // uid/container/kind
  private readonly inFlight = new Set<string>();
  readonly lastOutput = new Map<string, ProbeOutcome>();

  constructor(
    private readonly docker: Docker,
    private readonly onChange: (podUid: string) => void = () => {},
  ) {}

  private state(uid: string, c: V1Container, kind: ProbeKind): ProbeState | undefined {
    const probe = probeOf(c, kind);
    if (probe === undefined) return undefined;
    const key = `${uid}/${c.name}/${kind}`;
    let s = this.states.get(key);
    if (s === undefined) {
      s = new ProbeState(kind, probeTiming(probe, kind));
      this.states.set(key, s);
    }
    return s;
  }

  // Starts the due probes of one pod's running app containers; resolves
  // when they have all answered (the loop need not wait for it).
  async tick(pod: V1Pod, runtime: RuntimePod, now: number): Promise<void> {
    const uid = runtime.uid;
    const runs: Promise<void>[] = [];
    for (const spec of pod.spec?.containers ?? []) {
      const live = runtime.containers
        .filter((c) => c.name === spec.name && c.kind === "app" && c.state === "running")
        .sort((a, b) => b.attempt - a.attempt)[0];
      if (live === undefined || runtime.podIp === undefined) continue;
      const startup = this.state(uid, spec, "startup");
      for (const kind of kinds) {
        const s = this.state(uid, spec, kind);
        if (s === undefined) continue;
        const startedAt = live.startedAt?.getTime() ?? now;
        if (!s.due(live.id, startedAt, now)) continue;
        if (kind !== "startup" && startup !== undefined && !startup.result) continue;
        const key = `${uid}/${spec.name}/${kind}`;
        if (this.inFlight.has(key)) continue;
        this.inFlight.add(key);
        s.started(now);
        const probe = probeOf(spec, kind)!;
        const target = { docker: this.docker, containerId: live.id, podIp: runtime.podIp, container: spec };
        runs.push(
          runProbe(probe, target, s.timing.timeoutSeconds * 1000).then((outcome) => {
            this.inFlight.delete(key);
            this.lastOutput.set(key, outcome);
            const before = s.result;
            if (s.record(outcome.success) !== before) this.onChange(uid);
          }),
        );
      }
    }
    await Promise.all(runs);
  }

  // Results about the containers running now: a result about an older
  // attempt (the one a failed liveness probe had killed) does not count.
  results(pod: V1Pod, runtime: RuntimePod | undefined): PodProbeResults {
    const uid = pod.metadata?.uid ?? "";
    const out: PodProbeResults = { livenessFailed: new Set(), readiness: new Map(), startup: new Map() };
    for (const c of pod.spec?.containers ?? []) {
      const running = runtime?.containers.find((x) => x.name === c.name && x.kind === "app" && x.state === "running");
      if (running === undefined) continue;
      const current = (kind: ProbeKind): ProbeState | undefined => {
        const s = this.states.get(`${uid}/${c.name}/${kind}`);
        return s !== undefined && s.containerId === running.id ? s : undefined;
      };
      if (current("liveness")?.result === false) out.livenessFailed.add(c.name);
      if (c.readinessProbe !== undefined) out.readiness.set(c.name, current("readiness")?.result ?? false);
      if (c.startupProbe !== undefined) out.startup.set(c.name, current("startup")?.result ?? false);
    }
    return out;
  }

  forget(uid: string): void {
    for (const key of this.states.keys()) if (key.startsWith(`${uid}/`)) this.states.delete(key);
  }
}
