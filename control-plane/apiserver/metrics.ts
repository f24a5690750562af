// Prometheus metrics on /metrics: requests by verb, resource and code, their
// latency, and open watches.
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ApiMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  watches = 0;

  constructor(private readonly storeWatches: () => number = () => 0) {}

  observe(verb: string, resource: string, code: number, seconds: number): void {
    const key = `verb="${verb}",resource="${resource}",code="${code}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const lkey = `verb="${verb}",resource="${resource}"`;
    let h = this.latency.get(lkey);
    if (h === undefined) this.latency.set(lkey, (h = { counts: buckets.map(() => 0), sum: 0, count: 0 }));
    buckets.forEach((b, i) => {
      if (seconds <= b) h.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  render(): string {
    const lines = ["# HELP apiserver_request_total Requests by verb, resource and HTTP code.", "# TYPE apiserver_request_total counter"];
    for (const [k, v] of this.requests) lines.push(`apiserver_request_total{${k}} ${v}`);
    lines.push("# HELP apiserver_request_duration_seconds Request latency.", "# TYPE apiserver_request_duration_seconds histogram");
    for (const [k, h] of this.latency) {
      buckets.forEach((b, i) => lines.push(`apiserver_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      lines.push(`apiserver_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      lines.push(`apiserver_request_duration_seconds_sum{${k}} ${h.sum}`);
      lines.push(`apiserver_request_duration_seconds_count{${k}} ${h.count}`);
    }
    lines.push("# HELP apiserver_registered_watchers Open watch requests.", "# TYPE apiserver_registered_watchers gauge", `apiserver_registered_watchers ${this.watches}`);
    lines.push("# HELP skiff_apiserver_store_watches Watches open on the store (one per watched resource, shared by all clients).", "# TYPE skiff_apiserver_store_watches gauge", `skiff_apiserver_store_watches ${this.storeWatches()}`);
    return lines.join("\n") + "\n";
  }
}
