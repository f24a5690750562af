// Pure translation of a pod's spec into Docker create options: the infra
// container that holds the pod's network namespace, and one container per
// init or app container joining it. No engine calls here, so every rule
// (command/args, env, resources, mounts, labels) is unit-tested.
import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { claimLabel, localVolumeName } from "../../../proto/kube/local-volume.ts";
import { resolvConf, type PodDns } from "../../dns/resolv-conf.ts";
import { RuntimeError } from "./errors.ts";
import { configMapKey, envFrom, noObjects, secretKey, type ObjectSource } from "./objects.ts";
import {
  attemptLabel,
  containerKindLabel,
  containerNameLabel,
  infraContainerName,
  nodeLabel,
  podIpLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
  type ContainerKind,
} from "./labels.ts";
import { bytes, cpuMillis } from "./quantity.ts";

export interface PodContext {
  nodeName: string;
  podIp: string;
  hostIp: string; // the node agent's address on the cluster network
  network: string; // the cluster network's name
  serviceCidr: string;
  infraImage: string;
  // "container:<agent id>" binds the pod's processes to the node's life.
  pidMode?: string;
  extraLabels: Record<string, string>;
  // The pod's resolver (dnsPolicy applied), undefined for Docker's own.
  dns?: PodDns;
  objects?: ObjectSource; // ConfigMaps and Secrets
  // Addresses outside the pods the pod reaches through its node (the
  // network's gateway, i.e. the host), as a pod's default route goes via its
  // node in Kubernetes: replies to externalTrafficPolicy Local traffic must
  // pass the node that DNATed it, which does not masquerade that traffic.
  viaNode?: string[];

}

export function podUid(pod: V1Pod): string {
  const uid = pod.metadata?.uid;
  if (uid === undefined || uid === "") throw new RuntimeError("CreateContainerConfigError", "pod has no metadata.uid");
  return uid;
}

export function containerName(pod: V1Pod, container: string, attempt: number): string {
  const m = pod.metadata ?? {};
  return `skiff_${container}_${m.name ?? ""}_${m.namespace ?? "default"}_${podUid(pod)}_${attempt}`;
}

export function emptyDirVolumeName(pod: V1Pod, volume: string): string {
  return `skiff_${podUid(pod)}_${volume}`;
}

export function podLabels(pod: V1Pod, ctx: PodContext): Record<string, string> {
  return {
    ...ctx.extraLabels,
    [nodeLabel]: ctx.nodeName,
    [podUidLabel]: podUid(pod),
    [podNameLabel]: pod.metadata?.name ?? "",
    [podNamespaceLabel]: pod.metadata?.namespace ?? "default",
  };
}

// $(VAR) references as kubelet expands them in env values, command and
// args: defined names are replaced, `$$` escapes a `$`, anything else stays.
export function expandVars(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    return vars.get(name) ?? whole;
  });
}

function fieldValue(pod: V1Pod, ctx: PodContext, path: string): string {
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "default";
    case "metadata.uid":
      return podUid(pod);
    case "spec.nodeName":
      return ctx.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "default";
    case "status.podIP":
      return ctx.podIp;
    case "status.hostIP":
      return ctx.hostIp;
  }
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label !== null) return (label[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[label[2]!] ?? "";
  throw new RuntimeError("CreateContainerConfigError", `unsupported fieldRef ${path}`);
}

function envValue(pod: V1Pod, ctx: PodContext, env: V1EnvVar, vars: Map<string, string>): string | undefined {
  const from = env.valueFrom;
  if (from === undefined) return expandVars(env.value ?? "", vars);
  if (from.fieldRef !== undefined) return fieldValue(pod, ctx, from.fieldRef.fieldPath);
  const ns = pod.metadata?.namespace ?? "default";
  if (from.configMapKeyRef !== undefined) return configMapKey(ctx.objects ?? noObjects, ns, from.configMapKeyRef);
  if (from.secretKeyRef !== undefined) return secretKey(ctx.objects ?? noObjects, ns, from.secretKeyRef);
  throw new RuntimeError("CreateContainerConfigError", `env ${env.name}: resourceFieldRef is not supported yet`);
}

// envFrom first, then env (which wins), as kubelet builds the environment.
export function containerEnv(pod: V1Pod, container: V1Container, ctx: PodContext): Map<string, string> {
  const vars = new Map<string, string>(envFrom(ctx.objects ?? noObjects, pod.metadata?.namespace ?? "default", container.envFrom ?? []));
  for (const env of container.env ?? []) {
    const value = envValue(pod, ctx, env, vars);
    if (value !== undefined) vars.set(env.name, value);
  }
  return vars;
}

// Requests and limits as kubelet writes them to cgroups: cpu limit → CFS
// quota (NanoCpus), cpu request → shares (1024 per core, at least 2),
// memory limit → the memory limit. A request without a limit caps nothing.
export function resourceConfig(container: V1Container): Pick<Docker.HostConfig, "NanoCpus" | "CpuShares" | "Memory"> {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: Pick<Docker.HostConfig, "NanoCpus" | "CpuShares" | "Memory"> = {};
  const cpuRequest = requests.cpu ?? limits.cpu;
  if (limits.cpu !== undefined) out.NanoCpus = cpuMillis(limits.cpu) * 1e6;
  if (cpuRequest !== undefined) out.CpuShares = Math.max(2, Math.floor((cpuMillis(cpuRequest) * 1024) / 1000));
  if (limits.memory !== undefined) out.Memory = bytes(limits.memory);
  return out;
}

function mounts(pod: V1Pod, container: V1Container, nodeName: string): { Mounts: Docker.MountSettings[]; Binds: string[] } {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const out: Docker.MountSettings[] = [];
  const binds: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (volume === undefined) throw new RuntimeError("CreateContainerConfigError", `volumeMount ${m.name}: no such volume in the pod`);
    if (m.subPath !== undefined && m.subPath !== "") {
      throw new RuntimeError("CreateContainerConfigError", `volumeMount ${m.name}: subPath is not supported`);
    }
    const readOnly = m.readOnly === true;
    if (volume.emptyDir !== undefined) {
      out.push({ Type: "volume", Source: emptyDirVolumeName(pod, m.name), Target: m.mountPath, ReadOnly: readOnly });
    } else if (volume.configMap !== undefined || volume.secret !== undefined) {
      // Filled by the runtime before the containers start; always read-only.
      out.push({ Type: "volume", Source: emptyDirVolumeName(pod, m.name), Target: m.mountPath, ReadOnly: true });
    } else if (volume.hostPath !== undefined) {
      // A bind through Binds creates a missing directory (DirectoryOrCreate).
      binds.push(`${volume.hostPath.path}:${m.mountPath}${readOnly ? ":ro" : ""}`);
    } else if (volume.persistentVolumeClaim !== undefined) {
      // A node-local volume of the claim (the local provisioner's PersistentVolume on this node).
      const source = localVolumeName(nodeName, pod.metadata?.namespace ?? "default", volume.persistentVolumeClaim.claimName);
      out.push({ Type: "volume", Source: source, Target: m.mountPath, ReadOnly: readOnly || volume.persistentVolumeClaim.readOnly === true });
    } else {
      throw new RuntimeError("CreateContainerConfigError", `volume ${m.name}: only emptyDir, hostPath, configMap, secret and persistentVolumeClaim are supported yet`);
    }
  }
  return { Mounts: out, Binds: binds };
}

// The pod's emptyDir, configMap and secret volumes as Docker named volumes,
// created before the containers so they share them; medium Memory is
// tmpfs-backed.
export function emptyDirVolumes(pod: V1Pod, ctx: PodContext): Docker.VolumeCreateOptions[] {
  return (pod.spec?.volumes ?? [])
    .filter((v) => v.emptyDir !== undefined || v.configMap !== undefined || v.secret !== undefined)
    .map((v) => ({
      Name: emptyDirVolumeName(pod, v.name),
      Labels: podLabels(pod, ctx),
      // Not secrets, though kubelet keeps them in tmpfs: a tmpfs volume is
      // unmounted (emptied) when its last container goes, and the helper
      // that writes the files goes before the pod's containers start.
      ...(v.emptyDir?.medium === "Memory" ? { DriverOpts: { type: "tmpfs", device: "tmpfs" } } : {}),
    }));
}

// The pod's persistentVolumeClaim volumes as this node's Docker volumes of
// those claims, created if missing; labelled with the node and the claim but
// not the pod, so removing the pod keeps them.
export function claimVolumes(pod: V1Pod, ctx: PodContext): Docker.VolumeCreateOptions[] {
  const ns = pod.metadata?.namespace ?? "default";
  return (pod.spec?.volumes ?? []).flatMap((v) => {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim === undefined) return [];
    return [{ Name: localVolumeName(ctx.nodeName, ns, claim), Labels: { ...ctx.extraLabels, [nodeLabel]: ctx.nodeName, [claimLabel]: `${ns}.${claim}` } }];
  });
}

export function infraConfig(pod: V1Pod, ctx: PodContext): Docker.ContainerCreateOptions {
  return {
    name: containerName(pod, infraContainerName, 0),
    Image: ctx.infraImage,
    // It only holds the namespaces; the network is set up by infraSetup.
    Entrypoint: ["/bin/busybox", "sleep", "2147483647"],
    Hostname: (pod.spec?.hostname ?? pod.metadata?.name ?? "pod").slice(0, 63),
    Labels: { ...podLabels(pod, ctx), [containerNameLabel]: infraContainerName, [containerKindLabel]: "infra", [attemptLabel]: "0", [podIpLabel]: ctx.podIp },
    HostConfig: {
      NetworkMode: ctx.network,
      CapAdd: ["NET_ADMIN"],
      ...(ctx.pidMode !== undefined ? { PidMode: ctx.pidMode } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [ctx.network]: { IPAMConfig: { IPv4Address: ctx.podIp } } } },
  };
}

// Run in the started infra container (and awaited) before any app
// container starts: the route that sends Service traffic to the node agent,
// whose iptables rules play the host's part, and the pod's resolv.conf.
// The app containers share both: the namespace, and the infra's resolv.conf
// file, which Docker mounts into containers joining its network. Writing
// the file in place is needed because on an --internal network Docker's
// embedded resolver (127.0.0.11) does not forward to `--dns` servers.
export function infraSetup(ctx: PodContext): { cmd: string[]; env: string[] } {
  const steps = [`busybox ip route add ${ctx.serviceCidr} via ${ctx.hostIp}`];
  for (const ip of ctx.viaNode ?? []) steps.push(`busybox ip route add ${ip}/32 via ${ctx.hostIp}`);
  const env: string[] = [];
  if (ctx.dns !== undefined) {
    steps.push('printf "%s" "$RESOLV_CONF" > /etc/resolv.conf');
    env.push(`RESOLV_CONF=${resolvConf(ctx.dns)}`);
  }
  return { cmd: ["/bin/sh", "-c", steps.join(" && ")], env };
}

export function containerConfig(
  pod: V1Pod,
  container: V1Container,
  kind: Exclude<ContainerKind, "infra">,
  attempt: number,
  infraId: string,
  ctx: PodContext,
): Docker.ContainerCreateOptions {
  if (container.image === undefined || container.image === "") {
    throw new RuntimeError("CreateContainerConfigError", `container ${container.name} has no image`);
  }
  const vars = containerEnv(pod, container, ctx);
  const { Mounts, Binds } = mounts(pod, container, ctx.nodeName);
  const options: Docker.ContainerCreateOptions = {
    name: containerName(pod, container.name, attempt),
    Image: container.image,
    Env: [...vars].map(([k, v]) => `${k}=${v}`),
    Labels: { ...podLabels(pod, ctx), [containerNameLabel]: container.name, [containerKindLabel]: kind, [attemptLabel]: String(attempt) },
    Tty: container.tty === true,
    OpenStdin: container.stdin === true,
    HostConfig: {
      NetworkMode: `container:${infraId}`,
      ...(ctx.pidMode !== undefined ? { PidMode: ctx.pidMode } : {}),
      ...resourceConfig(container),
      Mounts,
      Binds,
    },
  };
  if (container.command !== undefined) options.Entrypoint = container.command.map((c) => expandVars(c, vars));
  if (container.args !== undefined) options.Cmd = container.args.map((a) => expandVars(a, vars));
  if (container.workingDir !== undefined && container.workingDir !== "") options.WorkingDir = container.workingDir;
  return options;
}
