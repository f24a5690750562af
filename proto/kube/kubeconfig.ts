// A kubeconfig with its server replaced: how a component on a control-plane
// member reaches its own API server on loopback, and how a node reaches the
// API servers through its local balancer, with the cluster's credentials.
import { KubeConfig } from "@kubernetes/client-node";

export function kubeconfigWithServer(kubeconfigFile: string, server: string): string {
  const from = new KubeConfig();
  from.loadFromFile(kubeconfigFile);
  const to = new KubeConfig();
  to.loadFromOptions({
    clusters: from.clusters.map((c) => ({ ...c, server })),
    users: from.users,
    contexts: from.contexts,
    currentContext: from.currentContext,
  });
  return to.exportConfig();
}
