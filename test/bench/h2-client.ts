// A minimal HTTP/2 client (h2c, prior knowledge) for gRPC calls, written
// straight on a TCP socket. node:http2 costs the store benchmark's load
// generator ~60 µs of CPU per call, on a machine whose two cores also run the
// three members under test; this costs a few. It does only what gRPC needs:
// HEADERS (HPACK literals, never decoded on the way back), DATA, flow control,
// SETTINGS, PING, WINDOW_UPDATE, RST_STREAM and GOAWAY.
//
// A call succeeds when its reply carries a gRPC message and ends cleanly:
// gRPC servers answer errors trailers-only (no DATA), so the status itself
// is never needed and the server's headers are skipped rather than decoded.
import { connect, type Socket } from "node:net";

const enum FrameType {
  Data = 0,
  Headers = 1,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  WindowUpdate = 8,
  Continuation = 9,
}

const enum Flag {
  /** END_STREAM on DATA and HEADERS; the same bit is ACK on SETTINGS and PING. */
  EndStream = 0x1,
  EndHeaders = 0x4,
  Padded = 0x8,
}

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const maxWindow = 0x7fffffff;
const cancelCode = 8;

/** Called once per call: whether it succeeded, and the reply's message (without the gRPC prefix). */
export type CallDone = (ok: boolean, message: Buffer | undefined) => void;

interface StreamState {
  done: CallDone | undefined;
  onMessage: ((msg: Buffer) => void) | undefined;
  body: Buffer | undefined;
  endAfterHeaders: boolean;
  timer: NodeJS.Timeout | undefined;
}

function frameHeader(buf: Buffer, at: number, length: number, type: number, flags: number, stream: number): void {
  buf.writeUIntBE(length, at, 3);
  buf[at + 3] = type;
  buf[at + 4] = flags;
  buf.writeUInt32BE(stream, at + 5);
}

function controlFrame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  frameHeader(out, 0, payload.length, type, flags, stream);
  payload.copy(out, 9);
  return out;
}

function hpackString(s: string): Buffer {
  const bytes = Buffer.from(s, "latin1");
  if (bytes.length < 127) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  const len: number[] = [0x7f];
  let n = bytes.length - 127;
  while (n >= 128) {
    len.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  len.push(n);
  return Buffer.concat([Buffer.from(len), bytes]);
}

/** The request's header block: static-table indexes and literals without indexing, no Huffman. */
function headerBlock(authority: string, path: string, timeoutMs: number | undefined): Buffer {
  const parts = [
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http
    Buffer.from([0x04]), // :path, name from the static table
    hpackString(path),
    Buffer.from([0x01]), // :authority
    hpackString(authority),
    Buffer.from([0x0f, 0x10]), // content-type (static index 31)
    hpackString("application/grpc"),
    Buffer.from([0x00]),
    hpackString("te"),
    hpackString("trailers"),
  ];
  if (timeoutMs !== undefined) parts.push(Buffer.from([0x00]), hpackString("grpc-timeout"), hpackString(`${Math.max(1, Math.round(timeoutMs))}m`));
  return Buffer.concat(parts);
}

export interface CallStream {
  write(frame: Buffer): void;
  close(): void;
}

/** One HTTP/2 connection to one server; calls are concurrent streams on it. */
export class H2Connection {
  private socket: Socket | undefined;
  private connected: Promise<void> | undefined;
  private readonly streams = new Map<number, StreamState>();
  private nextStreamId = 1;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private inbuf: Buffer | undefined;
  private sendWindow = 65535;
  private received = 0;
  private peerMaxFrame = 16384;
  /** Frames waiting for connection send window. */
  private blocked: { frame: Buffer; data: number }[] = [];
  private readonly blocks = new Map<string, Buffer>();
  private headerStream = 0;
  private closed = false;

  /** `endpoint` is host:port. */
  constructor(readonly endpoint: string) {}

  connect(): Promise<void> {
    if (this.socket !== undefined && this.connected !== undefined) return this.connected;
    const [host, port] = [this.endpoint.slice(0, this.endpoint.lastIndexOf(":")), Number(this.endpoint.slice(this.endpoint.lastIndexOf(":") + 1))];
    const socket = connect({ host, port, noDelay: true });
    this.socket = socket;
    this.sendWindow = 65535;
    this.received = 0;
    this.inbuf = undefined;
    this.blocked = [];
    this.nextStreamId = 1;
    this.connected = new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    this.connected.catch(() => {});
    socket.on("error", () => {});
    socket.on("close", () => this.lost(socket));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // Our settings: no server push, the largest stream window; then open the connection window too.
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(0x2, 0); // ENABLE_PUSH
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(0x4, 6); // INITIAL_WINDOW_SIZE
    settings.writeUInt32BE(maxWindow, 8);
    const inc = Buffer.alloc(4);
    inc.writeUInt32BE(maxWindow - 65535, 0);
    this.queue(Buffer.concat([preface, controlFrame(FrameType.Settings, 0, 0, settings), controlFrame(FrameType.WindowUpdate, 0, 0, inc)]));
    return this.connected;
  }

  /**
   * Sends one unary call. `frame` is a whole gRPC message (5-byte prefix and
   * protobuf). With `timeoutMs` the server is told the deadline; with
   * `cancelAfter` too, the call is also cancelled here when it passes.
   */
  unary(path: string, frame: Buffer, timeoutMs: number | undefined, done: CallDone, cancelAfter = false): number {
    if (this.closed) {
      done(false, undefined);
      return 0;
    }
    if (this.socket === undefined) void this.connect();
    const id = this.open(path, timeoutMs, { done, onMessage: undefined, body: undefined, endAfterHeaders: false, timer: undefined });
    if (timeoutMs !== undefined && cancelAfter) {
      const st = this.streams.get(id)!;
      st.timer = setTimeout(() => this.cancel(id), timeoutMs + 50);
    }
    this.sendData(id, frame, true);
    return id;
  }

  /** Opens a bidirectional call; every whole message the server sends goes to `onMessage`. */
  stream(path: string, onMessage: (msg: Buffer) => void, onClose: () => void): CallStream {
    if (this.socket === undefined) void this.connect();
    const id = this.open(path, undefined, { done: () => onClose(), onMessage, body: undefined, endAfterHeaders: false, timer: undefined });
    return {
      write: (frame) => this.sendData(id, frame, false),
      close: () => this.cancel(id),
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(path: string, timeoutMs: number | undefined, st: StreamState): number {
    const key = `${path}|${timeoutMs ?? ""}`;
    let block = this.blocks.get(key);
    if (block === undefined) {
      block = headerBlock(this.endpoint, path, timeoutMs);
      this.blocks.set(key, block);
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    this.streams.set(id, st);
    const f = Buffer.allocUnsafe(9 + block.length);
    frameHeader(f, 0, block.length, FrameType.Headers, Flag.EndHeaders, id);
    block.copy(f, 9);
    this.queue(f);
    return id;
  }

  private sendData(id: number, payload: Buffer, end: boolean): void {
    for (let at = 0; at < payload.length || at === 0; ) {
      const n = Math.min(this.peerMaxFrame, payload.length - at);
      const last = at + n >= payload.length;
      const f = Buffer.allocUnsafe(9 + n);
      frameHeader(f, 0, n, FrameType.Data, end && last ? Flag.EndStream : 0, id);
      payload.copy(f, 9, at, at + n);
      if (this.blocked.length > 0 || n > this.sendWindow) this.blocked.push({ frame: f, data: n });
      else {
        this.sendWindow -= n;
        this.queue(f);
      }
      at += n;
      if (n === 0) break;
    }
  }

  private cancel(id: number): void {
    const st = this.streams.get(id);
    if (st === undefined) return;
    const code = Buffer.alloc(4);
    code.writeUInt32BE(cancelCode, 0);
    this.queue(controlFrame(FrameType.RstStream, 0, id, code));
    this.finish(id, false);
  }

  private finish(id: number, ok: boolean): void {
    const st = this.streams.get(id);
    if (st === undefined) return;
    this.streams.delete(id);
    if (st.timer !== undefined) clearTimeout(st.timer);
    const body = st.body;
    // A success is a reply with a whole gRPC message in it.
    const success = ok && body !== undefined && body.length >= 5 && body.length >= 5 + body.readUInt32BE(1);
    st.done?.(success, success ? body.subarray(5, 5 + body.readUInt32BE(1)) : undefined);
  }

  private queue(b: Buffer): void {
    this.out.push(b);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const bufs = this.out;
    this.out = [];
    if (this.socket === undefined || bufs.length === 0) return;
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connected = undefined;
    this.out = [];
    for (const id of [...this.streams.keys()]) this.finish(id, false);
  }

  private onData(chunk: Buffer): void {
    let buf = this.inbuf === undefined ? chunk : Buffer.concat([this.inbuf, chunk]);
    let at = 0;
    while (buf.length - at >= 9) {
      const length = buf.readUIntBE(at, 3);
      if (buf.length - at < 9 + length) break;
      const type = buf[at + 3]!;
      const flags = buf[at + 4]!;
      const stream = buf.readUInt32BE(at + 5) & 0x7fffffff;
      this.onFrame(type, flags, stream, buf.subarray(at + 9, at + 9 + length));
      at += 9 + length;
    }
    buf = buf.subarray(at);
    this.inbuf = buf.length > 0 ? buf : undefined;
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    switch (type) {
      case FrameType.Data: {
        this.received += payload.length;
        if (this.received > 1 << 30) {
          const inc = Buffer.alloc(4);
          inc.writeUInt32BE(this.received, 0);
          this.queue(controlFrame(FrameType.WindowUpdate, 0, 0, inc));
          this.received = 0;
        }
        const st = this.streams.get(id);
        if (st === undefined) return;
        let data = payload;
        if (flags & Flag.Padded) data = payload.subarray(1, payload.length - payload[0]!);
        if (data.length > 0) {
          st.body = st.body === undefined ? Buffer.from(data) : Buffer.concat([st.body, data]);
          if (st.onMessage !== undefined) this.deliver(st);
        }
        if (flags & Flag.EndStream) this.finish(id, true);
        return;
      }
      case FrameType.Headers: {
        const st = this.streams.get(id);
        if (st !== undefined && flags & Flag.EndStream) st.endAfterHeaders = true;
        if (flags & Flag.EndHeaders) this.headersDone(id);
        else this.headerStream = id;
        return;
      }
      case FrameType.Continuation:
        if (flags & Flag.EndHeaders) this.headersDone(this.headerStream);
        return;
      case FrameType.RstStream:
        this.finish(id, false);
        return;
      case FrameType.Settings:
        if (flags & Flag.EndStream) return;
        for (let p = 0; p + 6 <= payload.length; p += 6) {
          const key = payload.readUInt16BE(p);
          const value = payload.readUInt32BE(p + 2);
          if (key === 0x5) this.peerMaxFrame = value;
        }
        this.queue(controlFrame(FrameType.Settings, Flag.EndStream, 0, Buffer.alloc(0)));
        return;
      case FrameType.Ping:
        if (!(flags & Flag.EndStream)) this.queue(controlFrame(FrameType.Ping, Flag.EndStream, 0, payload));
        return;
      case FrameType.WindowUpdate:
        if (id === 0) {
          this.sendWindow += payload.readUInt32BE(0) & 0x7fffffff;
          this.unblock();
        }
        return;
      case FrameType.GoAway:
        // The server is going away: fail what is open (a benchmark client can afford
        // to), and the next call opens a new connection.
        if (this.socket !== undefined) {
          const s = this.socket;
          this.lost(s);
          s.destroy();
        }
        return;
      default:
        return;
    }
  }

  private headersDone(id: number): void {
    const st = this.streams.get(id);
    if (st !== undefined && st.endAfterHeaders) this.finish(id, true);
  }

  /** Hands a streaming call every whole message received so far. */
  private deliver(st: StreamState): void {
    let body = st.body!;
    let at = 0;
    while (body.length - at >= 5) {
      const len = body.readUInt32BE(at + 1);
      if (body.length - at - 5 < len) break;
      st.onMessage!(body.subarray(at + 5, at + 5 + len));
      at += 5 + len;
    }
    body = body.subarray(at);
    st.body = body.length > 0 ? body : undefined;
  }

  private unblock(): void {
    while (this.blocked.length > 0 && this.blocked[0]!.data <= this.sendWindow) {
      const b = this.blocked.shift()!;
      this.sendWindow -= b.data;
      this.queue(b.frame);
    }
  }
}
