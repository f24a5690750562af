// Run inside a skiff/node-agent container by local-iptables.test.ts: the
// proxier with the real LocalIptables (iptables-restore in this namespace)
// applies the Services and Endpoints given as JSON.
import type { V1Endpoints, V1Service } from "@kubernetes/client-node";
import { LocalIptables } from "../iptables.ts";
import { Proxier } from "../proxier.ts";

const [input] = process.argv.slice(2);
const { services, endpoints, serviceCidr, nodeIp } = JSON.parse(input ?? "{}") as {
  services: V1Service[];
  endpoints: V1Endpoints[];
  serviceCidr: string;
  nodeIp: string;
};
const proxier = new Proxier(new LocalIptables(), { serviceCidr, nodeIp });
await Promise.all([...services.map((s) => proxier.setService(s)), ...endpoints.map((e) => proxier.setEndpoints(e))]);
process.stdout.write(`restores=${proxier.restores}\n`);
