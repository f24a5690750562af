// The Deployment controller: one ReplicaSet per pod template (named by the
// template's hash), rolled over by RollingUpdate or Recreate, old ones kept
// up to revisionHistoryLimit, and a status `kubectl rollout status` reads.
import type { V1Deployment, V1DeploymentStatus, V1ReplicaSet } from "@kubernetes/client-node";
import { type CacheEvent, type ClusterApi, isConflict, keyOf, splitKey } from "../api.ts";
import type { Clock } from "../clock.ts";
import type { SyncResult } from "../controller-loop.ts";
import { canonicalJson } from "./template-hash.ts";
import { controllerRefOf, ownerRefTo, selectorMatches, withControllerRef, withoutOwnerRef } from "../owners.ts";
import { WorkQueue } from "../work-queue.ts";
import { conditionOf, pausedCondition, rolloutStatus } from "./deployment-status.ts";
import { newReplicaSetFor, revisionOf, withRevision } from "./replica-sets.ts";
import { byCreation, desiredReplicas, fencepostsOf, isRollingUpdate, newReplicaSetReplicas, oldReplicaSetScaleDown, specReplicas } from "./rollout-math.ts";
import { isScalingEvent, proportionalSizes } from "./proportional-scale.ts";
import { equalIgnoringHash } from "./template-hash.ts";

export const revisionAnnotation = "deployment.kubernetes.io/revision";

export class DeploymentController {
  readonly name = "deployment";
  readonly queue: WorkQueue;

  constructor(
    private readonly api: ClusterApi,
    private readonly clock: Clock,
  ) {
    this.queue = new WorkQueue(clock);
    api.cache("deployments").subscribe((e) => this.queue.add(keyOf(e.object)));
    api.cache("replicasets").subscribe((e) => this.onReplicaSet(e));
  }

  private ownerKey(rs: V1ReplicaSet): string | undefined {
    const ref = controllerRefOf(rs);
    if (ref?.kind !== "Deployment") return undefined;
    const d = this.api.cache("deployments").get(rs.metadata?.namespace ?? "", ref.name);
    return d?.metadata?.uid === ref.uid ? keyOf(d) : undefined;
  }

  private onReplicaSet(e: CacheEvent<V1ReplicaSet>): void {
    if (e.type === "update") {
      const old = this.ownerKey(e.old);
      if (old !== undefined) this.queue.add(old);
    }
    const owner = this.ownerKey(e.object);
    if (owner !== undefined) return this.queue.add(owner);
    if (e.type === "delete" || controllerRefOf(e.object) !== undefined) return;
    for (const d of this.api.cache("deployments").list(e.object.metadata?.namespace)) {
      if (selectorMatches(d.spec?.selector, e.object.metadata?.labels)) this.queue.add(keyOf(d));
    }
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.api.cache("deployments").get(namespace, name);
    if (cached === undefined) return {};
    // A copy: status and annotation writes below refresh it, and the cache stays the watch's.
    const d = structuredClone(cached);
    const owned = await this.claimReplicaSets(d);
    if (d.metadata?.deletionTimestamp !== undefined) return this.syncStatus(d, owned, this.findNew(d, owned));
    if (d.spec?.paused === true || isScalingEvent(d, owned)) return this.syncScale(d, owned);
    return isRollingUpdate(d) ? this.rolloutRolling(d, owned) : this.rolloutRecreate(d, owned);
  }

  /** Adopts orphaned ReplicaSets matching the selector and releases owned ones that no longer match. */
  private async claimReplicaSets(d: V1Deployment): Promise<V1ReplicaSet[]> {
    const uid = d.metadata?.uid ?? "";
    const claimed: V1ReplicaSet[] = [];
    for (const rs of this.api.cache("replicasets").list(d.metadata?.namespace)) {
      const ref = controllerRefOf(rs);
      const matches = selectorMatches(d.spec?.selector, rs.metadata?.labels);
      if (ref !== undefined) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(rs);
        else await this.api.update("replicasets", withoutOwnerRef(rs, uid));
      } else if (matches && d.metadata?.deletionTimestamp === undefined && rs.metadata?.deletionTimestamp === undefined) {
        claimed.push(await this.api.update("replicasets", withControllerRef(rs, ownerRefTo(d, "Deployment", "apps/v1"))));
      }
    }
    return claimed.sort(byCreation);
  }

  /** kube's FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
  private findNew(d: V1Deployment, owned: V1ReplicaSet[]): V1ReplicaSet | undefined {
    return owned.find((rs) => equalIgnoringHash(rs.spec?.template, d.spec?.template));
  }

  /**
   * The new ReplicaSet with its revision annotations current, created when
   * asked and missing; the Deployment's revision annotation follows it.
   */
  private async newReplicaSet(d: V1Deployment, owned: V1ReplicaSet[], create: boolean): Promise<{ newRS?: V1ReplicaSet; oldRSs: V1ReplicaSet[] }> {
    const existing = this.findNew(d, owned);
    const oldRSs = owned.filter((rs) => rs !== existing);
    const revision = oldRSs.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0) + 1;
    let newRS = existing;
    if (existing !== undefined) {
      const updated = withRevision(existing, d, revision);
      if (canonicalJson(updated.metadata?.annotations) !== canonicalJson(existing.metadata?.annotations)) newRS = await this.api.update("replicasets", updated);
    } else if (create) {
      const draft = newReplicaSetFor(d, revision, newReplicaSetReplicas(d, oldRSs, undefined));
      try {
        newRS = await this.api.create("replicasets", d.metadata?.namespace ?? "", draft);
      } catch (err) {
        if (!isConflict(err)) throw err;
        const same = this.api.cache("replicasets").get(draft.metadata?.namespace ?? "", draft.metadata?.name ?? "");
        // Not seen yet (most likely our own create of a moment ago): look again once the cache has it.
        if (same === undefined) throw err;
        if (controllerRefOf(same)?.uid === d.metadata?.uid && equalIgnoringHash(same.spec?.template, d.spec?.template)) newRS = same;
        else {
          // A ReplicaSet of that name that is not this template's: a hash collision, so the next hash must differ.
          const status: V1DeploymentStatus = { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 };
          await this.api.updateStatus("deployments", { ...d, status });
          throw err;
        }
      }
    }
    if (newRS !== undefined && d.metadata?.annotations?.[revisionAnnotation] !== String(revisionOf(newRS))) {
      const updated = structuredClone(d);
      updated.metadata!.annotations = { ...updated.metadata!.annotations, [revisionAnnotation]: String(revisionOf(newRS)) };
      Object.assign(d, await this.api.update("deployments", updated));
    }
    return { newRS, oldRSs };
  }

  private async scale(rs: V1ReplicaSet, replicas: number, d: V1Deployment): Promise<V1ReplicaSet> {
    const desired = String(desiredReplicas(d));
    const max = String(desiredReplicas(d) + fencepostsOf(d).maxSurge);
    const a = rs.metadata?.annotations ?? {};
    if (specReplicas(rs) === replicas && a["deployment.kubernetes.io/desired-replicas"] === desired && a["deployment.kubernetes.io/max-replicas"] === max) return rs;
    const next = structuredClone(rs);
    next.spec!.replicas = replicas;
    next.metadata!.annotations = { ...a, "deployment.kubernetes.io/desired-replicas": desired, "deployment.kubernetes.io/max-replicas": max };
    return this.api.update("replicasets", next);
  }

  private async rolloutRolling(d: V1Deployment, owned: V1ReplicaSet[]): Promise<SyncResult> {
    const { newRS: found, oldRSs } = await this.newReplicaSet(d, owned, true);
    let newRS = found!;
    // Grow (or shrink to replicas) the new ReplicaSet; then shrink old ones as availability allows.
    const target = specReplicas(newRS) > desiredReplicas(d) ? desiredReplicas(d) : newReplicaSetReplicas(d, [...oldRSs, newRS], newRS);
    if (target !== specReplicas(newRS)) {
      newRS = await this.scale(newRS, target, d);
      return this.syncStatus(d, [...oldRSs, newRS], newRS);
    }
    const downs = oldReplicaSetScaleDown(d, oldRSs, newRS);
    if (downs.size > 0) {
      const updated = await Promise.all(oldRSs.map((rs) => (downs.has(rs.metadata?.name ?? "") ? this.scale(rs, downs.get(rs.metadata?.name ?? "")!, d) : rs)));
      return this.syncStatus(d, [...updated, newRS], newRS);
    }
    return this.finish(d, oldRSs, newRS);
  }

  private async rolloutRecreate(d: V1Deployment, owned: V1ReplicaSet[]): Promise<SyncResult> {
    const { newRS: found, oldRSs } = await this.newReplicaSet(d, owned, false);
    const active = oldRSs.filter((rs) => specReplicas(rs) > 0);
    if (active.length > 0) {
      const updated = await Promise.all(oldRSs.map((rs) => (specReplicas(rs) > 0 ? this.scale(rs, 0, d) : rs)));
      return this.syncStatus(d, found === undefined ? updated : [...updated, found], found);
    }
    // The new pods start only once the old ReplicaSets report none left.
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return this.syncStatus(d, found === undefined ? oldRSs : [...oldRSs, found], found);
    let newRS = found ?? (await this.newReplicaSet(d, owned, true)).newRS!;
    newRS = await this.scale(newRS, desiredReplicas(d), d);
    return this.finish(d, oldRSs, newRS);
  }

  /**
   * Paused, or replicas changed: no new ReplicaSet, the change shared among
   * the active ones (kube's sync).
   */
  private async syncScale(d: V1Deployment, owned: V1ReplicaSet[]): Promise<SyncResult> {
    const { newRS, oldRSs } = await this.newReplicaSet(d, owned, false);
    const sizes = proportionalSizes(d, newRS, oldRSs);
    // Every active ReplicaSet gets the new desired-replicas annotation, even with its size unchanged, which ends the scaling event.
    const scaled = await Promise.all(
      owned.map((rs) => {
        const size = sizes.get(rs.metadata?.name ?? "");
        return size !== undefined || specReplicas(rs) > 0 ? this.scale(rs, size ?? specReplicas(rs), d) : rs;
      }),
    );
    const named = (rs: V1ReplicaSet | undefined): V1ReplicaSet | undefined => scaled.find((x) => x.metadata?.name === rs?.metadata?.name);
    if (d.spec?.paused === true) await this.cleanup(d, oldRSs);
    return this.syncStatus(d, scaled, named(newRS));
  }

  private async finish(d: V1Deployment, oldRSs: V1ReplicaSet[], newRS: V1ReplicaSet): Promise<SyncResult> {
    const all = [...oldRSs, newRS];
    const result = await this.syncStatus(d, all, newRS);
    if (conditionOf(d.status, "Progressing")?.reason === "NewReplicaSetAvailable") await this.cleanup(d, oldRSs);
    return result;
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: V1Deployment, oldRSs: V1ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined).sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    let excess = cleanable.length - limit;
    for (const rs of cleanable) {
      if (excess <= 0) break;
      if (specReplicas(rs) !== 0 || (rs.status?.replicas ?? 0) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      await this.api.delete("replicasets", rs.metadata?.namespace ?? "", rs.metadata?.name ?? "", rs.metadata?.uid);
      excess--;
    }
  }

  private async syncStatus(d: V1Deployment, all: V1ReplicaSet[], newRS: V1ReplicaSet | undefined): Promise<SyncResult> {
    const now = this.clock.now();
    const { status, recheckMs } = rolloutStatus(d, all, newRS, now);
    pausedCondition(d, status, now);
    if (canonicalJson(status) !== canonicalJson(d.status ?? {})) {
      const written = await this.api.updateStatus("deployments", { ...d, status });
      Object.assign(d, written);
    }
    return recheckMs === undefined ? {} : { requeueAfterMs: recheckMs };
  }
}
