// The pod runtime on a Docker engine (dockerode): a pod is an infra
// container holding the network namespace (its IP from the node's pod CIDR)
// plus init and app containers joining it. Everything carries the node's
// labels, which are the only state: `open` rebuilds the IP allocator from
// them, `listPods` and `reconcile` find, adopt and remove what is there.
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { podDns } from "../../dns/resolv-conf.ts";
import { claimVolumes, containerConfig, emptyDirVolumeName, emptyDirVolumes, infraConfig, infraSetup, podLabels, podUid, type PodContext } from "./container-config.ts";
import { runProbe } from "../probes/prober.ts";
import { execInContainer } from "./exec.ts";
import { RuntimeError } from "./errors.ts";
import { IpAllocator } from "./ip-allocator.ts";
import { noObjects, volumeFiles, type ObjectSource } from "./objects.ts";
import { writeVolumeFiles } from "./volume-files.ts";
import {
  attemptLabel,
  containerKindLabel,
  containerNameLabel,
  nodeLabel,
  podIpLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
  type ContainerKind,
} from "./labels.ts";

export interface PodRuntimeOptions {
  docker: Docker;
  nodeName: string;
  network: string; // the cluster network (a user-defined bridge)
  podCidr: string; // this node's slice of it
  serviceCidr: string;
  hostIp: string; // the agent's own address on the network
  infraImage: string;
  // The agent's container: pods join its PID namespace, so they die with it.
  agentContainer?: string;
  extraLabels?: Record<string, string>;
  // The node's DNS server for pods with dnsPolicy ClusterFirst.
  dnsIp?: string;
  // ConfigMaps and Secrets for env and volumes.
  objects?: ObjectSource;
  clusterDomain?: string;
  // Addresses pods reach through the node (container-config.ts PodContext.viaNode).
  viaNode?: string[];
}

export interface RuntimeContainer {
  id: string;
  name: string; // the spec's container name ("POD" for the infra)
  kind: ContainerKind;
  attempt: number;
  image: string;
  imageId: string;
  state: "created" | "running" | "exited" | "other";
  exitCode: number;
  startedAt?: Date;
  finishedAt?: Date;
  oomKilled: boolean;
  error: string;
}

export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  podIp?: string;
  infra?: RuntimeContainer;
  containers: RuntimeContainer[]; // init and app, every attempt still present
}

export type StartResult =
  | { outcome: "running"; pod: RuntimePod }
  | { outcome: "init-failed"; container: string; exitCode: number; pod: RuntimePod };

const statusCode = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

function dockerTime(text: string | undefined): Date | undefined {
  if (text === undefined || text.startsWith("0001-")) return undefined;
  return new Date(text);
}

function imagePullPolicy(container: V1Container): string {
  if (container.imagePullPolicy !== undefined) return container.imagePullPolicy;
  return (container.image ?? "").endsWith(":latest") || !/:[^/]+$/.test(container.image ?? "") ? "Always" : "IfNotPresent";
}

export class DockerPodRuntime {
  private constructor(
    readonly options: PodRuntimeOptions,
    readonly ips: IpAllocator,
  ) {}

  // Opens the runtime and takes back the addresses of the pods already there.
  static async open(options: PodRuntimeOptions): Promise<DockerPodRuntime> {
    const runtime = new DockerPodRuntime(options, new IpAllocator(options.podCidr));
    for (const pod of await runtime.listPods()) {
      if (pod.podIp !== undefined) runtime.ips.restore(pod.uid, pod.podIp);
    }
    return runtime;
  }

  private get docker(): Docker {
    return this.options.docker;
  }

  private context(podIp: string, pod?: V1Pod): PodContext {
    const o = this.options;
    const dns = pod !== undefined && o.dnsIp !== undefined ? podDns(pod, o.dnsIp, o.clusterDomain) : undefined;
    return {
      ...(dns !== undefined ? { dns } : {}),
      ...(o.objects !== undefined ? { objects: o.objects } : {}),
      nodeName: o.nodeName,
      podIp,
      hostIp: o.hostIp,
      network: o.network,
      serviceCidr: o.serviceCidr,
      infraImage: o.infraImage,
      ...(o.agentContainer !== undefined ? { pidMode: `container:${o.agentContainer}` } : {}),
      extraLabels: o.extraLabels ?? {},
      ...(o.viaNode !== undefined && o.viaNode.length > 0 ? { viaNode: o.viaNode } : {}),
    };
  }

  // Images are never pulled (no registry is reachable): whatever the pull
  // policy, a missing image is ErrImageNeverPull with kubelet's wording.
  async checkImage(container: V1Container): Promise<void> {
    const image = container.image ?? "";
    try {
      await this.docker.getImage(image).inspect();
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      const policy = imagePullPolicy(container);
      const why = policy === "Never" ? "" : ` (skiff never pulls images: imagePullPolicy ${policy} is treated as Never)`;
      throw new RuntimeError("ErrImageNeverPull", `Container image "${image}" is not present with pull policy of Never${why}`);
    }
  }

  // The infra container (and the pod's emptyDir volumes); returns its id.
  async startInfra(pod: V1Pod): Promise<{ infraId: string; podIp: string }> {
    const uid = podUid(pod);
    const podIp = this.ips.allocate(uid);
    const ctx = this.context(podIp, pod);
    try {
      for (const volume of [...emptyDirVolumes(pod, ctx), ...claimVolumes(pod, ctx)]) await this.docker.createVolume(volume);
      await this.refreshVolumes(pod);
      const infra = await this.docker.createContainer(infraConfig(pod, ctx));
      await infra.start();
      const setup = infraSetup(ctx);
      const done = await execInContainer(this.docker, infra.id, setup.cmd, 10_000, setup.env);
      if (done.exitCode !== 0) {
        throw new RuntimeError("RunContainerError", `setting up the pod network failed (${done.exitCode ?? "timeout"}): ${done.stderr.trim()}`);
      }
      return { infraId: infra.id, podIp };
    } catch (err) {
      await this.removePod(uid, 0);
      throw err;
    }
  }

  // (Re)writes the pod's configMap and secret volumes from the current
  // objects; the sync loop calls it again when one of them changes.
  async refreshVolumes(pod: V1Pod): Promise<void> {
    const ns = pod.metadata?.namespace ?? "default";
    const labels = podLabels(pod, this.context(""));
    for (const volume of pod.spec?.volumes ?? []) {
      if (volume.configMap === undefined && volume.secret === undefined) continue;
      const files = volumeFiles(this.options.objects ?? noObjects, ns, volume);
      await writeVolumeFiles(this.docker, emptyDirVolumeName(pod, volume.name), files, this.options.infraImage, labels);
    }
  }

  // Creates and starts one init or app container in the pod's namespace.
  async startContainer(pod: V1Pod, container: V1Container, kind: "init" | "app", attempt: number, infraId: string, podIp: string): Promise<string> {
    await this.checkImage(container);
    const created = await this.docker.createContainer(containerConfig(pod, container, kind, attempt, infraId, this.context(podIp)));
    try {
      await created.start();
    } catch (err) {
      throw new RuntimeError("RunContainerError", `starting ${container.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return created.id;
  }

  // A whole pod from nothing: infra, init containers in order, each to
  // completion (the first failure stops there), then the app containers.
  // Restarts and back-off belong to the sync loop, not to this call.
  async startPod(pod: V1Pod): Promise<StartResult> {
    const uid = podUid(pod);
    const { infraId, podIp } = await this.startInfra(pod);
    for (const init of pod.spec?.initContainers ?? []) {
      const id = await this.startContainer(pod, init, "init", 0, infraId, podIp);
      const { StatusCode } = (await this.docker.getContainer(id).wait()) as { StatusCode: number };
      if (StatusCode !== 0) return { outcome: "init-failed", container: init.name, exitCode: StatusCode, pod: await this.mustGetPod(uid) };
    }
    for (const app of pod.spec?.containers ?? []) await this.startContainer(pod, app, "app", 0, infraId, podIp);
    return { outcome: "running", pod: await this.mustGetPod(uid) };
  }

  // SIGTERM (the image's stop signal), then SIGKILL after the grace period:
  // exactly Docker's stop with a timeout.
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      if (statusCode(err) !== 304 && statusCode(err) !== 404) throw err;
    }
  }

  // kubelet's killContainer: the preStop hook (exec, httpGet or tcpSocket,
  // to the pod's own IP) gets the grace period; what is left of it, at
  // least 2 s, goes to SIGTERM before SIGKILL.
  async killContainer(id: string, spec: V1Container, podIp: string, graceSeconds: number): Promise<void> {
    const preStop = spec.lifecycle?.preStop;
    let grace = graceSeconds;
    if (preStop !== undefined && grace > 0) {
      const started = performance.now();
      await runProbe(preStop, { docker: this.docker, containerId: id, podIp, container: spec }, grace * 1000);
      grace = Math.max(2, grace - Math.floor((performance.now() - started) / 1000));
    }
    await this.stopContainer(id, grace);
  }

  // Stops the pod's containers in parallel within the grace period, then
  // its infra, and removes containers, volumes and the pod's address.
  // With the pod's spec, each container's preStop hook runs first (within
  // the grace period, as kubelet's killContainer).
  async removePod(uid: string, graceSeconds: number, pod?: V1Pod): Promise<void> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [`${podUidLabel}=${uid}`, ...this.ownLabels()] } });
    const apps = found.filter((c) => c.Labels[containerKindLabel] !== "infra");
    const podIp = found.find((c) => c.Labels[containerKindLabel] === "infra")?.Labels[podIpLabel] ?? "";
    await Promise.all(
      apps
        .filter((c) => c.State === "running")
        .map((c) => {
          const spec = pod?.spec?.containers.find((x) => x.name === c.Labels[containerNameLabel]);
          return spec !== undefined ? this.killContainer(c.Id, spec, podIp, graceSeconds) : this.stopContainer(c.Id, graceSeconds);
        }),
    );
    for (const c of found) {
      try {
        await this.docker.getContainer(c.Id).remove({ force: true, v: true });
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    }
    const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${podUidLabel}=${uid}`, `${nodeLabel}=${this.options.nodeName}`] } });
    for (const v of Volumes ?? []) {
      try {
        await this.docker.getVolume(v.Name).remove();
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    }
    this.ips.release(uid);
  }

  // The labels that make a container this agent's: its node name, and the
  // non-empty --container-labels (the cluster, the test run), so that two
  // clusters with a node of the same name on one engine never take each
  // other's pods.
  private ownLabels(): string[] {
    const extra = Object.entries(this.options.extraLabels ?? {}).filter(([, v]) => v !== "");
    return [`${nodeLabel}=${this.options.nodeName}`, ...extra.map(([k, v]) => `${k}=${v}`)];
  }

  // Every pod of this node as the engine sees it, grouped by pod uid.
  async listPods(uid?: string): Promise<RuntimePod[]> {
    const label = [...this.ownLabels(), ...(uid !== undefined ? [`${podUidLabel}=${uid}`] : [])];
    const found = await this.docker.listContainers({ all: true, filters: { label } });
    const pods = new Map<string, RuntimePod>();
    for (const summary of found) {
      const labels = summary.Labels;
      const uid = labels[podUidLabel];
      if (uid === undefined) continue;
      let info: Docker.ContainerInspectInfo;
      try {
        info = await this.docker.getContainer(summary.Id).inspect();
      } catch (err) {
        if (statusCode(err) === 404) continue; // removed meanwhile
        throw err;
      }
      let pod = pods.get(uid);
      if (pod === undefined) {
        pod = { uid, name: labels[podNameLabel] ?? "", namespace: labels[podNamespaceLabel] ?? "default", containers: [] };
        pods.set(uid, pod);
      }
      const container = toRuntimeContainer(info);
      if (container.kind === "infra") {
        pod.infra = container;
        pod.podIp = labels[podIpLabel];
      } else {
        pod.containers.push(container);
      }
    }
    for (const pod of pods.values()) pod.containers.sort((a, b) => a.name.localeCompare(b.name) || a.attempt - b.attempt);
    return [...pods.values()];
  }

  async getPod(uid: string): Promise<RuntimePod | undefined> {
    return (await this.listPods(uid)).find((p) => p.uid === uid);
  }

  private async mustGetPod(uid: string): Promise<RuntimePod> {
    const pod = await this.getPod(uid);
    if (pod === undefined) throw new RuntimeError("RunContainerError", `pod ${uid} vanished while starting`);
    return pod;
  }

  // Converges the engine on the pods this node should run: pods it should
  // run are adopted as they are (a restarted agent does not restart healthy
  // pods), every other pod's containers, volumes and address are removed.
  async reconcile(wanted: ReadonlySet<string>, graceSeconds = 0): Promise<{ adopted: RuntimePod[]; removed: string[] }> {
    const adopted: RuntimePod[] = [];
    const removed: string[] = [];
    for (const pod of await this.listPods()) {
      if (wanted.has(pod.uid)) {
        adopted.push(pod);
      } else {
        await this.removePod(pod.uid, graceSeconds);
        removed.push(pod.uid);
      }
    }
    return { adopted, removed };
  }
}

function toRuntimeContainer(info: Docker.ContainerInspectInfo): RuntimeContainer {
  const labels = info.Config.Labels ?? {};
  const status = info.State.Status;
  const startedAt = dockerTime(info.State.StartedAt);
  const finishedAt = dockerTime(info.State.FinishedAt);
  return {
    id: info.Id,
    name: labels[containerNameLabel] ?? "",
    kind: (labels[containerKindLabel] as ContainerKind | undefined) ?? "app",
    attempt: Number(labels[attemptLabel] ?? "0"),
    image: info.Config.Image,
    imageId: info.Image,
    state: status === "running" || status === "created" || status === "exited" ? status : "other",
    exitCode: info.State.ExitCode,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    oomKilled: info.State.OOMKilled,
    error: info.State.Error,
  };
}
