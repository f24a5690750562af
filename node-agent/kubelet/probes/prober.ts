// Runs one probe once: httpGet and tcpSocket to the pod's own IP (never
// the spec's `host`: probe traffic stays on the pod), exec through the
// engine. Success as Kubernetes defines it: HTTP status 200-399, a TCP
// connection accepted, exit code 0; a timeout is a failure.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type Docker from "dockerode";
import { execInContainer } from "../runtime/exec.ts";

export interface ProbeTarget {
  docker: Docker;
  containerId: string;
  podIp: string;
  container: V1Container; // for named ports
}

export interface ProbeOutcome {
  success: boolean;
  output: string;
}

export function resolvePort(port: number | string, container: V1Container): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p) => p.name === port);
  if (named === undefined) throw new Error(`no port named ${port} in container ${container.name}`);
  return named.containerPort;
}

function httpGet(target: ProbeTarget, probe: NonNullable<V1Probe["httpGet"]>, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(probe.port, target.container);
  const https = probe.scheme === "HTTPS";
  const headers: Record<string, string> = { "User-Agent": "kube-probe/skiff", Accept: "*/*" };
  for (const h of probe.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host: target.podIp, port, path: probe.path ?? "/", method: "GET", headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ success: code >= 200 && code < 400, output: `HTTP probe status ${code}` });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      resolve({ success: false, output: `HTTP probe timed out after ${timeoutMs} ms` });
    });
    req.on("error", (err) => resolve({ success: false, output: `HTTP probe failed: ${err.message}` }));
    req.end();
  });
}

function tcpSocket(target: ProbeTarget, probe: NonNullable<V1Probe["tcpSocket"]>, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(probe.port, target.container);
  return new Promise((resolve) => {
    const socket = connect({ host: target.podIp, port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve({ success: true, output: `connected to ${target.podIp}:${port}` });
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve({ success: false, output: `TCP probe timed out after ${timeoutMs} ms` });
    });
    socket.once("error", (err) => resolve({ success: false, output: `TCP probe failed: ${err.message}` }));
  });
}

export async function runProbe(probe: V1Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (probe.httpGet !== undefined) return await httpGet(target, probe.httpGet, timeoutMs);
    if (probe.tcpSocket !== undefined) return await tcpSocket(target, probe.tcpSocket, timeoutMs);
    if (probe.exec !== undefined) {
      const r = await execInContainer(target.docker, target.containerId, probe.exec.command ?? [], timeoutMs);
      if (r.timedOut) return { success: false, output: `command timed out after ${timeoutMs} ms` };
      return { success: r.exitCode === 0, output: (r.stdout + r.stderr).slice(0, 10 * 1024) };
    }
    return { success: false, output: "probe has no handler (httpGet, tcpSocket or exec)" };
  } catch (err) {
    return { success: false, output: err instanceof Error ? err.message : String(err) };
  }
}
