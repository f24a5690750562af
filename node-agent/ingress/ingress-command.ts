// `node-agent.mjs ingress --kubeconfig F [--port 8080] [--controller skiff.io/ingress]`
// (the skiff/node-agent image's entrypoint with `ingress` first): the ingress
// controller, run as a skiff workload, until SIGTERM.
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { ApiClient } from "../../proto/kube/api-client.ts";
import { IngressController } from "./ingress-controller.ts";

export async function runIngressController(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        kubeconfig: { type: "string" },
        port: { type: "string", default: "8080" },
        address: { type: "string", default: "0.0.0.0" },
        controller: { type: "string", default: "skiff.io/ingress" },
      },
    }));
  } catch (err) {
    process.stderr.write(`ingress: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (values.kubeconfig === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write("usage: ingress --kubeconfig FILE [--port 8080] [--address 0.0.0.0] [--controller skiff.io/ingress]\n");
    return 2;
  }
  const log = (msg: string, fields: Record<string, unknown> = {}): void => {
    process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "info", component: "ingress", msg, ...fields })}\n`);
  };
  const kc = new KubeConfig();
  kc.loadFromFile(values.kubeconfig);
  const client = new ApiClient(kc);
  const controller = new IngressController(kc, client, { controller: values.controller, host: values.address, port, log });
  const listening = await controller.start();
  log("serving", { port: listening, controller: values.controller });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await controller.stop();
  client.close();
  return 0;
}
