// A running store member: identity, peer transport, the Raft runner with the
// store's state machine, proposals and their waiters, linearizable reads, and
// the leader's lease duties. The gRPC layer (../grpc) serves clients from it.
import { join } from "node:path";
import type { Logger } from "../../logger.ts";
import { ConfChangeType, type NodeId, StateType } from "../../raft/index.ts";
import { EtcdError, etcdErrors, toGrpcStatus } from "../errors.ts";
import type { StoreFlags } from "../flags.ts";
import type { RangeRequest, RangeResponse } from "../mvcc/index.ts";
import { faultFileEnv } from "../transport/fault-file.ts";
import { PeerTransport } from "../transport/transport.ts";
import type { ForwardCall, ForwardReply, MembersReply } from "../transport/peer-service.ts";
import type { MemberInfo } from "./cluster-state.ts";
import { HandOffRetry } from "./hand-off.ts";
import { type Identity, resolveIdentity } from "./identity.ts";
import { RaftRunner } from "./raft-runner.ts";
import { ReadIndexLoop } from "./read-index-loop.ts";
import { StoreMetrics } from "./store-metrics.ts";
import { type ApplyResult, type ClientWriteKind, encodeClientWrite, encodeRequest, type InternalRequest, StoreMachine } from "./store-machine.ts";
import { RequestIds, Waiters } from "./wait.ts";

/** etcd's default --max-request-bytes. */
export const maxRequestBytes = 1.5 * 1024 * 1024;

export interface ResponseHeader {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

type ForwardHandler = (request: Uint8Array) => Promise<Uint8Array>;

export class StoreMember {
  readonly identity: Identity;
  readonly flags: StoreFlags;
  readonly logger: Logger;
  readonly machine: StoreMachine;
  readonly transport: PeerTransport;
  runner!: RaftRunner;
  private readonly waiters = new Waiters<ApplyResult>();
  private readonly confWaiters = new Map<string, () => void>();
  private readonly reads: ReadIndexLoop;
  private readonly handOff: HandOffRetry;
  private readonly forwardHandlers = new Map<string, ForwardHandler>();
  private readonly requestIds: RequestIds;
  private leaseTimer: NodeJS.Timeout | undefined = undefined;
  private published = false;
  private stopped = false;
  private markDone: () => void = () => {};
  /** Resolves once the member has stopped, whoever stopped it (removal from the cluster, a signal). */
  readonly done = new Promise<void>((resolve) => (this.markDone = resolve));
  /** Watch streams and the like register here to be told about every applied index. */
  readonly appliedListeners = new Set<(index: number) => void>();
  readonly requestTimeoutMs: number;
  readonly metrics: StoreMetrics;

  private constructor(flags: StoreFlags, identity: Identity, logger: Logger) {
    this.flags = flags;
    this.identity = identity;
    this.logger = logger;
    // etcd: 5 s plus two election timeouts.
    this.requestTimeoutMs = 5000 + 2 * flags.electionTimeoutMs;
    this.requestIds = new RequestIds(identity.memberId);
    this.metrics = new StoreMetrics({
      isLeader: () => this.runner?.raw.raft.state === StateType.Leader,
      leader: () => this.runner?.raw.raft.lead ?? 0,
      term: () => this.runner?.raw.raft.term ?? 0,
      commitIndex: () => this.runner?.raw.raft.raftLog.committed ?? 0,
      appliedIndex: () => this.runner?.raw.raft.raftLog.applied ?? 0,
      pendingProposals: () => this.waiters.size(),
    });
    this.handOff = new HandOffRetry(() => this.runner?.raw, flags.electionTimeoutMs);
    this.machine = new StoreMachine({
      clusterId: identity.clusterId,
      memberId: identity.memberId,
      now: () => performance.now(),
      // etcd's minLeaseTTL: 1.5 election timeouts, rounded up to a second.
      minLeaseTtl: Math.ceil((3 * flags.electionTimeoutMs) / 2 / 1000),
      onResult: (id, result) => this.waiters.trigger(id, result),
      onMembership: (cc, info) => this.onMembership(cc.type, cc.nodeId, info),
      onRestore: (index, previousApplied) => {
        logger.info("installed snapshot", { index, previousApplied });
        // The snapshot's membership may name members this one has not heard of.
        this.syncPeers();
        if (this.machine.cluster.removed.has(identity.memberId)) this.leaveCluster("the snapshot says this member was removed from the cluster; stopping");
      },
    });
    this.transport = new PeerTransport({
      selfId: identity.memberId,
      clusterId: identity.clusterId,
      log: (e) => logger.info(String(e.msg ?? "transport"), e),
      events: {
        onMessages: (msgs) => {
          this.runner?.step(msgs);
          this.handOff.stepped(msgs);
        },
        onUnreachable: (peer) => {
          this.runner?.raw.reportUnreachable(peer);
        },
        onPeerDown: (peer) => this.runner?.peerDown(peer),
        onSnapshotSent: (peer, ok) => {
          this.runner?.raw.reportSnapshot(peer, ok ? "finish" : "failure");
          this.runner?.notify();
        },
        onRemoved: () => this.leaveCluster("a peer says this member was removed from the cluster; stopping"),
      },
      isRemoved: (id) => this.machine.cluster.removed.has(id),
      members: () => this.membersReply(),
      forward: (call) => this.onForward(call),
      faultFile: process.env[faultFileEnv] || undefined,
    });
    this.reads = new ReadIndexLoop(
      {
        requestReadIndex: (ctx) => {
          this.runner.raw.readIndex(ctx);
          this.runner.notify();
        },
        // What the state machine has applied: reads are served from it.
        appliedIndex: () => this.machine.mvcc.appliedIndex,
      },
      this.requestTimeoutMs,
      () => (this.leader() === 0 ? etcdErrors.noLeader() : etcdErrors.timeout()),
    );
  }

  static async start(flags: StoreFlags, logger: Logger, onFatal: (err: Error) => void): Promise<StoreMember> {
    const identity = await resolveIdentity(flags);
    const log = logger.with({ member: identity.memberId.toString(16), name: flags.name });
    const m = new StoreMember(flags, identity, log);
    let started;
    try {
      await m.transport.listen(flags.listenPeerUrls);
      for (const [id, urls] of identity.peers) m.transport.setPeer(id, urls);
      const electionTicks = Math.max(2, Math.round(flags.electionTimeoutMs / flags.heartbeatIntervalMs));
      started = await RaftRunner.start(
        {
          id: identity.memberId,
          walDir: join(flags.dataDir, "member", "wal"),
          snapDir: join(flags.dataDir, "member", "snap"),
          heartbeatMs: flags.heartbeatIntervalMs,
          electionTicks,
          snapshotCount: flags.snapshotCount,
          machine: m.machine,
          send: (msgs) => m.transport.send(msgs),
          logger: log,
          onReadState: (rs) => m.reads.onReadState(rs.requestCtx, rs.index),
          onSoftState: (ss, term) => m.onSoftState(ss.raftState, ss.lead, term),
          onApplied: (index) => m.onApplied(index),
          onFatal,
          onWalFsync: (seconds) => m.metrics.walFsynced(seconds),
        },
        // Used only when the data directory has no WAL yet.
        { metadata: new TextEncoder().encode(JSON.stringify(identity)), initialMembers: identity.initialMembers },
      );
    } catch (err) {
      // Nothing may keep the process alive after a failed start.
      await m.transport.close();
      throw err;
    }
    m.runner = started.runner;
    m.syncPeers();
    m.leaseTimer = setInterval(() => m.revokeExpiredLeases(), 500);
    log.info("store member started", {
      cluster: identity.clusterId.toString(16),
      restarted: started.restarted,
      peers: flags.listenPeerUrls.map((u) => u.href),
    });
    return m;
  }

  leader(): NodeId {
    return this.runner.raw.raft.lead;
  }

  isLeader(): boolean {
    return this.runner.raw.raft.state === StateType.Leader;
  }

  header(revision = this.machine.mvcc.currentRevision): ResponseHeader {
    return { clusterId: this.identity.clusterId, memberId: this.identity.memberId, revision, raftTerm: this.runner.raw.raft.term };
  }

  /** Replicates a request through Raft and resolves with what applying it returned. */
  propose(body: Omit<InternalRequest, "id">): Promise<unknown> {
    return this.proposeEncoded((id) => encodeRequest({ ...body, id }));
  }

  /** propose() for a client's put, delete or txn, given as the bytes the client sent. */
  proposeClientWrite(kind: ClientWriteKind, request: Uint8Array): Promise<unknown> {
    return this.proposeEncoded((id) => encodeClientWrite(id, kind, request));
  }

  private async proposeEncoded(encode: (id: number) => Uint8Array): Promise<unknown> {
    if (this.stopped) throw etcdErrors.stopped();
    const id = this.requestIds.next();
    const data = encode(id);
    if (data.byteLength > maxRequestBytes) throw etcdErrors.requestTooLarge();
    const done = this.waiters.register(id, this.requestTimeoutMs, etcdErrors.timeout);
    // The runner proposes everything that arrives while it handles a Ready as one batch.
    this.runner.propose(data, () => this.waiters.fail(id, this.leader() === 0 ? etcdErrors.noLeader() : etcdErrors.timeout()));
    const result = await done.catch((err: unknown) => {
      this.metrics.proposalFailed();
      throw err;
    });
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** Resolves when a linearizable read may be served from this member's state. */
  linearizable(): Promise<void> {
    return this.reads.read();
  }

  async range(req: RangeRequest, serializable: boolean): Promise<RangeResponse> {
    if (!serializable) await this.linearizable();
    return this.machine.mvcc.range(req);
  }

  /** Runs `method` on the leader: here if we lead, otherwise forwarded to it. */
  async onLeader(method: string, request: Uint8Array): Promise<Uint8Array> {
    const handler = this.forwardHandlers.get(method);
    if (handler === undefined) throw new Error(`no leader handler for ${method}`);
    if (this.isLeader()) return handler(request);
    const lead = this.leader();
    if (lead === 0) throw etcdErrors.noLeader();
    let reply: ForwardReply;
    try {
      reply = await this.transport.forwardTo(lead, { method, request }, this.requestTimeoutMs);
    } catch {
      throw etcdErrors.timeout();
    }
    if (reply.code !== 0) throw new EtcdError(reply.code, reply.message);
    return reply.response;
  }

  handleOnLeader(method: string, handler: ForwardHandler): void {
    this.forwardHandlers.set(method, handler);
  }

  private async onForward(call: ForwardCall): Promise<ForwardReply> {
    try {
      if (!this.isLeader()) throw etcdErrors.notLeader();
      const handler = this.forwardHandlers.get(call.method);
      if (handler === undefined) throw new EtcdError(12, `unknown forwarded method ${call.method}`);
      return { response: await handler(call.request), code: 0, message: "" };
    } catch (err) {
      const { code, details } = toGrpcStatus(err);
      return { response: new Uint8Array(0), code, message: details };
    }
  }

  /** Waits until a membership change for `nodeId` is applied here. */
  waitForConfChange(type: ConfChangeType, nodeId: NodeId): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${type}:${nodeId}`;
      const timer = setTimeout(() => {
        this.confWaiters.delete(key);
        reject(etcdErrors.timeout());
      }, this.requestTimeoutMs);
      timer.unref();
      this.confWaiters.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onMembership(type: ConfChangeType, nodeId: NodeId, info: MemberInfo | undefined): void {
    this.syncPeers();
    this.confWaiters.get(`${type}:${nodeId}`)?.();
    this.confWaiters.delete(`${type}:${nodeId}`);
    if (type === ConfChangeType.RemoveNode && nodeId === this.identity.memberId) this.leaveCluster("this member was removed from the cluster; stopping");
    if (info !== undefined) this.logger.info("membership changed", { change: ConfChangeType[type], member: nodeId.toString(16), name: info.name });
  }

  /**
   * Stops once the client that removed us has had its answer (100 ms) and the
   * runner has finished two more Readies: the one that applied the removal
   * and the next, which sends a removed leader's hand-off (MsgTimeoutNow) to
   * its successor. A runner that makes no progress is stopped after 2 s.
   */
  private leaveCluster(reason: string): void {
    if (this.stopped || this.leaving) return;
    this.leaving = true;
    this.logger.warn(reason);
    const from = this.readies;
    const started = performance.now();
    const check = (): void => {
      const waited = performance.now() - started;
      if ((waited >= 100 && this.readies >= from + 2) || waited >= 2000) void this.stop();
      else setTimeout(check, 10);
    };
    setTimeout(check, 10);
  }

  private leaving = false;
  /** Readies the runner has finished (counted where it reports the applied index). */
  private readies = 0;

  /** Points the transport at every member the cluster state knows. */
  private syncPeers(): void {
    for (const m of this.machine.cluster.list()) {
      if (m.id !== this.identity.memberId && m.peerUrls.length > 0) this.transport.setPeer(m.id, m.peerUrls.map((u) => new URL(u)));
    }
    for (const id of this.machine.cluster.removed) this.transport.removePeer(id);
  }

  private onSoftState(state: StateType, lead: NodeId, term: number): void {
    this.logger.info("raft state changed", { state: StateType[state], leader: lead.toString(16), term });
    this.metrics.leaderSeen(lead);
    if (state === StateType.Leader) this.machine.lessor.promote(this.flags.electionTimeoutMs);
    else if (this.machine.lessor.isPrimary) this.machine.lessor.demote();
    if (lead !== 0 && !this.published) this.publish();
  }

  private onApplied(index: number): void {
    this.readies++;
    const handOff = this.handOff.retry();
    if (handOff !== undefined) {
      this.logger.info("campaigning on a leader's hand-off that came before a membership change was applied", { from: handOff.from.toString(16) });
      this.runner.step([handOff]);
    }
    this.reads.onApplied();
    for (const l of this.appliedListeners) l(index);
    this.syncWatchers();
  }

  private syncScheduled = false;

  /** Delivers owed history to lagging watchers, a slice at a time, until none lags. */
  syncWatchers(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      if (this.machine.mvcc.syncWatchers(256) > 0) this.syncWatchers();
    });
  }

  /** Announces our name and client URLs to the cluster, once, retrying until it is applied. */
  private publish(): void {
    this.published = true;
    const attempt = (): void => {
      if (this.stopped) return;
      this.propose({
        publish: { id: this.identity.memberId, name: this.flags.name, clientUrls: this.flags.advertiseClientUrls.map((u) => u.origin) },
      }).catch(() => setTimeout(attempt, 500).unref());
    };
    attempt();
  }

  private revokeExpiredLeases(): void {
    if (!this.isLeader()) return;
    for (const id of this.machine.lessor.expired(64)) {
      this.propose({ leaseRevoke: { ID: id } }).catch((err: unknown) =>
        this.logger.warn("revoking an expired lease failed", { lease: id.toString(16), error: err instanceof Error ? err.message : String(err) }),
      );
    }
  }

  membersReply(): MembersReply {
    return { clusterId: this.identity.clusterId, members: this.machine.cluster.list() };
  }

  /**
   * As etcd's Stop: a leader first hands leadership to its most up-to-date
   * voter, so the cluster need not wait out an election timeout.
   */
  private async transferLeadership(): Promise<void> {
    const raft = this.runner.raw.raft;
    let best = 0;
    let bestMatch = -1;
    for (const id of raft.trk.voters()) {
      const pr = raft.trk.progress.get(id);
      if (id !== this.identity.memberId && pr !== undefined && pr.match > bestMatch) [best, bestMatch] = [id, pr.match];
    }
    if (best === 0) return;
    this.logger.info("handing leadership over before stopping", { to: best.toString(16) });
    this.runner.raw.transferLeader(best);
    this.runner.notify();
    const deadline = performance.now() + this.flags.electionTimeoutMs;
    while (this.isLeader() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(opts: { transferLeadership?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    if (opts.transferLeadership === true && !this.leaving && this.isLeader()) {
      this.leaving = true;
      await this.transferLeadership();
    }
    if (this.stopped) return;
    this.stopped = true;
    if (this.leaseTimer !== undefined) clearInterval(this.leaseTimer);
    this.waiters.failAll(etcdErrors.stopped());
    this.reads.failAll(etcdErrors.stopped());
    try {
      await this.runner.stop();
    } finally {
      await this.transport.close();
      this.markDone();
    }
  }
}
