// Prometheus metrics on /metrics (prom-client, a registry per server so that
// several servers in one process keep their own counts): requests by verb,
// resource and code, their latency, and open watches.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"verb" | "resource" | "code">;
  private readonly latency: Histogram<"verb" | "resource">;
  private openWatches = 0;

  constructor(storeWatches: () => number = () => 0) {
    const registers = [this.registry];
    this.requests = new Counter({ name: "apiserver_request_total", help: "Requests by verb, resource and HTTP code.", labelNames: ["verb", "resource", "code"], registers });
    this.latency = new Histogram({ name: "apiserver_request_duration_seconds", help: "Request latency.", labelNames: ["verb", "resource"], buckets, registers });
    const watches = (): number => this.openWatches;
    new Gauge({
      name: "apiserver_registered_watchers",
      help: "Open watch requests.",
      registers,
      collect() {
        this.set(watches());
      },
    });
    new Gauge({
      name: "skiff_apiserver_store_watches",
      help: "Watches open on the store (one per watched resource, shared by all clients).",
      registers,
      collect() {
        this.set(storeWatches());
      },
    });
  }

  get watches(): number {
    return this.openWatches;
  }

  set watches(n: number) {
    this.openWatches = n;
  }

  observe(verb: string, resource: string, code: number, seconds: number): void {
    this.requests.inc({ verb, resource, code: String(code) });
    this.latency.observe({ verb, resource }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
