// ClaimVolumes on the API server: caches of PersistentVolumeClaims and
// PersistentVolumes (the shared informer), read by the VolumeBinding filter.
import type { KubeConfig, V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { ApiClient } from "../../../proto/kube/api-client.ts";
import { Informer } from "../../../proto/kube/informer.ts";
import { nodeOfVolume } from "../../../proto/kube/local-volume.ts";
import type { ClaimVolumes } from "../plugins/volume-binding/volume-binding.ts";

export class ApiClaimVolumes implements ClaimVolumes {
  private readonly claims: Informer<V1PersistentVolumeClaim & { metadata?: { name?: string } }>;
  private readonly volumes: Informer<V1PersistentVolume>;

  constructor(kc: KubeConfig, client: ApiClient) {
    this.claims = new Informer(kc, client, "/api/v1/persistentvolumeclaims");
    this.volumes = new Informer(kc, client, "/api/v1/persistentvolumes");
  }

  nodeOfClaim(namespace: string, claim: string): string | undefined {
    const volume = this.claims.get(namespace, claim)?.spec?.volumeName ?? "";
    return volume === "" ? undefined : nodeOfVolume(this.volumes.get("", volume));
  }

  async start(): Promise<void> {
    await Promise.all([this.claims.start(), this.volumes.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.claims.stop(), this.volumes.stop()]);
  }
}
