// The reads and writes the HPA controller needs beyond its cache: the scale
// subresource of the target, the target's pods, their metrics
// (metrics.k8s.io, as kube-controller-manager's resource metrics client)
// and the HPA's status. One implementation on the shared API client.
import { ApiClient } from "../../../proto/kube/api-client.ts";
import type { KubeConfig } from "@kubernetes/client-node";

export interface Scale {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface PodSummary {
  metadata?: { name?: string; deletionTimestamp?: unknown };
  spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

export interface PodMetrics {
  metadata?: { name?: string };
  containers?: { name: string; usage?: { cpu?: string } }[];
}

export interface HpaStatus {
  observedGeneration?: number;
  currentReplicas: number;
  desiredReplicas: number;
  currentCPUUtilizationPercentage?: number;
  lastScaleTime?: string;
}

export interface AutoscalingClient {
  getScale(scalePath: string): Promise<Scale>;
  setScaleReplicas(scalePath: string, replicas: number): Promise<void>;
  pods(namespace: string, selector: string): Promise<PodSummary[]>;
  podMetrics(namespace: string, selector: string): Promise<PodMetrics[]>;
  writeStatus(namespace: string, name: string, status: HpaStatus): Promise<void>;
}

export class KubeAutoscalingClient implements AutoscalingClient {
  private readonly client: ApiClient;

  constructor(kc: KubeConfig) {
    this.client = new ApiClient(kc);
  }

  getScale(scalePath: string): Promise<Scale> {
    return this.client.get<Scale>(scalePath);
  }

  async setScaleReplicas(scalePath: string, replicas: number): Promise<void> {
    await this.client.patch(scalePath, { spec: { replicas } }, "merge");
  }

  async pods(namespace: string, selector: string): Promise<PodSummary[]> {
    return (await this.client.get<{ items: PodSummary[] }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`)).items;
  }

  async podMetrics(namespace: string, selector: string): Promise<PodMetrics[]> {
    return (await this.client.get<{ items: PodMetrics[] }>(`/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`)).items;
  }

  async writeStatus(namespace: string, name: string, status: HpaStatus): Promise<void> {
    await this.client.patch(`/apis/autoscaling/v1/namespaces/${namespace}/horizontalpodautoscalers/${name}/status`, { status }, "merge");
  }

  close(): void {
    this.client.close();
  }
}
