// `skiff up`: the cluster without compose. Builds the images if missing,
// creates the sealed network, the credentials and the control-plane members
// and waits until the API answers and a scheduler and a controller manager
// lead, then starts the nodes and waits until every one is Ready.
import type Docker from "dockerode";
import { ensureImages } from "../images/images.ts";
import { leaseHolder, memberApi, readyNodes } from "./api.ts";
import type { ClusterLayout } from "./layout.ts";
import { clusterContainers, createMember, createNetwork, createNode, ensureCredentials } from "./machines.ts";
import { step, waitUntil, type Write } from "./progress.ts";

export async function clusterUp(docker: Docker, layout: ClusterLayout, write: Write, timeoutMs = 120_000): Promise<void> {
  const existing = await clusterContainers(docker, layout.name);
  if (existing.size > 0) {
    throw new Error(`cluster "${layout.name}" already exists (${[...existing.keys()].join(", ")}); \`skiff status\` shows it, \`skiff down\` removes it`);
  }
  write(`skiff up: cluster "${layout.name}", ${layout.members.length} members, ${layout.nodes.length} nodes, network ${layout.subnet}\n`);
  await step(write, "images (built offline when missing)", () => ensureImages({ docker }));
  await step(write, `network ${layout.network} (internal)`, () => createNetwork(docker, layout));
  await step(write, `credentials in ${layout.credentialsDir}`, () => ensureCredentials(layout));
  await step(write, `members ${layout.members.map((m) => `${m.name} ${m.ip}`).join(", ")}`, async () => {
    const containers = await Promise.all(layout.members.map((m) => createMember(docker, layout, m)));
    await Promise.all(containers.map((c) => c.start()));
  });
  for (const m of layout.members) {
    await step(write, `API server on ${m.name}`, async () => {
      const api = memberApi(layout, m);
      try {
        await waitUntil(`API server on ${m.name}`, async () => (await api.get("/readyz")) ?? true, timeoutMs);
      } finally {
        api.close();
      }
    });
  }
  const first = layout.members[0];
  if (first === undefined) return;
  const api = memberApi(layout, first);
  try {
    for (const lease of ["kube-scheduler", "kube-controller-manager"]) {
      const holder = await step(write, `${lease} leader`, () => waitUntil(`a ${lease} leader`, () => leaseHolder(api, lease), timeoutMs));
      write(`    ${lease}: ${holder}\n`);
    }
    if (layout.nodes.length > 0) {
      await step(write, `nodes ${layout.nodes.map((n) => `${n.name} ${n.ip}`).join(", ")}`, async () => {
        const containers = await Promise.all(layout.nodes.map((n, i) => createNode(docker, layout, n, i + 1)));
        await Promise.all(containers.map((c) => c.start()));
      });
      await step(write, "every node Ready", () =>
        waitUntil(
          "every node Ready",
          async () => ((await readyNodes(api)).length >= layout.nodes.length ? true : undefined),
          timeoutMs,
        ),
      );
    }
  } finally {
    api.close();
  }
  write(`
cluster "${layout.name}" is up.
  kubeconfig: ${layout.kubeconfig}
  export KUBECONFIG=${layout.kubeconfig}
  members:    ${layout.members.map((m) => `${m.name} ${m.ip}`).join(", ")}
  nodes:      ${layout.nodes.length === 0 ? "none" : layout.nodes.map((n) => `${n.name} ${n.ip}`).join(", ")}
  dashboard:  https://${first.ip}:8443/ (any member; log in with the kubeconfig's token)
`);
}
