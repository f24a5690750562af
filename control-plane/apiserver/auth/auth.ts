// Authentication (bearer tokens from kube-apiserver's --token-auth-file
// format, client certificates signed by --client-ca-file) and a minimal
// authorizer: members of system:masters may do anything, every other
// authenticated user may only read (get, list, watch). RBAC comes later.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export interface User {
  name: string;
  uid: string;
  groups: string[];
}

export class TokenFileError extends Error {}

/** Parses `token,user,uid,"group1,group2"` lines (the group column optional). */
export function parseTokenFile(text: string): Map<string, User> {
  const users = new Map<string, User>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cols: string[] = [];
    const re = /\s*("([^"]*)"|[^,]*)\s*(,|$)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null && m[0] !== "") {
      cols.push(m[2] ?? m[1]!.trim());
      if (m[3] === "") break;
    }
    if (cols.length < 3 || cols[0] === "" || cols[1] === "") throw new TokenFileError(`token file line ${i + 1}: want token,user,uid[,"groups"]`);
    const groups = (cols[3] ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
    users.set(cols[0]!, { name: cols[1]!, uid: cols[2]!, groups: [...groups, "system:authenticated"] });
  });
  return users;
}

export class Authenticator {
  /** The certificate user of each TLS connection: getPeerCertificate() builds a new object per call, and a kept-alive connection carries thousands of requests. */
  private readonly byConnection = new WeakMap<TLSSocket, User | null>();

  constructor(private readonly tokens: Map<string, User>) {}

  private certificateUser(socket: TLSSocket): User | undefined {
    const known = this.byConnection.get(socket);
    if (known !== undefined) return known ?? undefined;
    const cert = socket.getPeerCertificate();
    const subject = cert?.subject as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    let user: User | null = null;
    if (typeof cn === "string" && cn !== "") {
      const o = subject?.O;
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      user = { name: cn, uid: "", groups: [...groups, "system:authenticated"] };
    }
    this.byConnection.set(socket, user);
    return user ?? undefined;
  }

  /**
   * The user a request proves it is, or undefined (401). As kube-apiserver's
   * authenticator chain: a client certificate from the CA first, then a
   * bearer token.
   */
  authenticate(req: IncomingMessage): User | undefined {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === "function" && socket.authorized) {
      const user = this.certificateUser(socket);
      if (user !== undefined) return user;
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    return m === null ? undefined : this.tokens.get(m[1]!);
  }
}

const readVerbs = new Set(["get", "list", "watch"]);

export function authorize(user: User, verb: string): boolean {
  if (user.groups.includes("system:masters")) return true;
  return readVerbs.has(verb);
}
