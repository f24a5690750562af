// An example operator, for people learning how to build one on skiff (or on
// Kubernetes: nothing here is skiff-specific). It watches Greeting custom
// resources (test/support/greeting-crd.ts) and, for each, keeps a ConfigMap
// `<name>-greeting` holding the message repeated spec.replicas times, then
// reports what it did in the Greeting's status.
//
// The shape is the one Kubernetes controllers use:
// - informers list and watch Greetings and the ConfigMaps we own; their
//   event handlers only put a key ("namespace/name") on a queue;
// - one worker takes keys off the queue and runs reconcile(key), which reads
//   the current state and makes the world match it. Running it twice is
//   harmless, so a missed or repeated event does no harm;
// - a failed reconcile is retried later with a growing delay.
//
// Run it against a cluster:  npx tsx test/operator/greeting-operator.ts KUBECONFIG
import { ApiException, CoreV1Api, CustomObjectsApi, type Informer, KubeConfig, type KubernetesObject, type V1ConfigMap, makeInformer } from "@kubernetes/client-node";

export const group = "example.com";
export const version = "v1";
export const plural = "greetings";
const ownerLabel = "example.com/greeting";

interface Greeting extends KubernetesObject {
  spec: { message: string; replicas?: number };
  status?: { readyReplicas?: number; message?: string; observedGeneration?: number };
}

const isNotFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

export class GreetingOperator {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly informers: Informer<KubernetesObject>[] = [];
  private readonly queue = new Set<string>();
  private readonly failures = new Map<string, number>();
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    const greetings = makeInformer<KubernetesObject>(kc, `/apis/${group}/${version}/${plural}`, () =>
      this.custom.listCustomObjectForAllNamespaces({ group, version, plural }),
    );
    // Our ConfigMaps too: if someone deletes or edits one, its Greeting is reconciled again.
    const configMaps = makeInformer<V1ConfigMap>(kc, "/api/v1/configmaps", () => this.core.listConfigMapForAllNamespaces({ labelSelector: ownerLabel }), ownerLabel);
    const enqueueGreeting = (o: KubernetesObject): void => this.enqueue(`${o.metadata?.namespace}/${o.metadata?.name}`);
    const enqueueOwner = (o: V1ConfigMap): void => this.enqueue(`${o.metadata?.namespace}/${o.metadata?.labels?.[ownerLabel]}`);
    for (const verb of ["add", "update", "delete"] as const) {
      greetings.on(verb, enqueueGreeting);
      configMaps.on(verb, enqueueOwner);
    }
    this.informers.push(greetings, configMaps as unknown as Informer<KubernetesObject>);
    for (const informer of this.informers) {
      // A broken watch stops an informer; starting it again relists and resumes.
      informer.on("error", () => {
        if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
      });
    }
  }

  async start(): Promise<void> {
    for (const informer of this.informers) await informer.start();
    void this.work();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    for (const informer of this.informers) await informer.stop();
  }

  private enqueue(key: string): void {
    this.queue.add(key);
    this.wake?.();
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const key = this.queue.values().next().value;
      if (key === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.queue.delete(key);
      try {
        await this.reconcile(key);
        this.failures.delete(key);
      } catch (err) {
        // Retry later, waiting longer after each failure (at most 30 s).
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        console.error(JSON.stringify({ component: "greeting-operator", key, error: err instanceof Error ? err.message : String(err) }));
        setTimeout(() => this.enqueue(key), Math.min(30_000, 100 * 2 ** n));
      }
    }
  }

  /** Makes `<name>-greeting` match the Greeting `key`, or removes it when the Greeting is gone. */
  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const cmName = `${name}-greeting`;
    let greeting: Greeting;
    try {
      greeting = (await this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as Greeting;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The Greeting is gone. (Its ownerReference lets a cluster's garbage collector do this too.)
      await this.core.deleteNamespacedConfigMap({ namespace, name: cmName }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      return;
    }
    const replicas = greeting.spec.replicas ?? 1;
    const desired: V1ConfigMap = {
      metadata: {
        name: cmName,
        namespace,
        labels: { [ownerLabel]: name },
        ownerReferences: [{ apiVersion: `${group}/${version}`, kind: "Greeting", name, uid: greeting.metadata!.uid!, controller: true }],
      },
      data: { "greeting.txt": `${greeting.spec.message}\n`.repeat(replicas) },
    };
    let current: V1ConfigMap | undefined;
    try {
      current = await this.core.readNamespacedConfigMap({ namespace, name: cmName });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (current === undefined) await this.core.createNamespacedConfigMap({ namespace, body: desired });
    else if (current.data?.["greeting.txt"] !== desired.data!["greeting.txt"]) {
      // Replace with the resourceVersion we read: if someone changed it meanwhile, we get a 409 and retry.
      await this.core.replaceNamespacedConfigMap({ namespace, name: cmName, body: { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata!.resourceVersion } } });
    }
    const status = { readyReplicas: replicas, observedGeneration: greeting.metadata!.generation, message: `ConfigMap ${cmName} holds the greeting` };
    if (JSON.stringify(greeting.status) !== JSON.stringify(status)) {
      // The status subresource: only the operator writes status, users write spec.
      await this.custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body: [{ op: "add", path: "/status", value: status }] });
    }
  }
}

if (process.argv[1]?.endsWith("greeting-operator.ts")) {
  const kc = new KubeConfig();
  if (process.argv[2] === undefined) kc.loadFromDefault();
  else kc.loadFromFile(process.argv[2]);
  const operator = new GreetingOperator(kc);
  await operator.start();
  process.once("SIGINT", () => void operator.stop());
  process.once("SIGTERM", () => void operator.stop());
}
