// Login with the same bearer token as the kubeconfig: the admin token of the
// API server's --token-auth-file (the line whose groups include
// system:masters). A browser sends it once (login form or ?token=) and then
// carries it in an HttpOnly cookie; scripts may send `Authorization: Bearer`.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const cookieName = "skiff_token";

/** The admin token of a kube-apiserver token file (token,user,uid,"group1,group2"). */
export function adminToken(tokenFile: string): string {
  for (const line of tokenFile.split("\n")) {
    const token = line.split(",")[0]?.trim() ?? "";
    if (token !== "" && line.includes("system:masters")) return token;
  }
  throw new Error("the token file has no system:masters token");
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

/** The token a request presents: bearer header, cookie, or ?token=. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ") === true) return auth.slice(7).trim();
  return cookies(req.headers.cookie).get(cookieName) ?? url.searchParams.get("token") ?? undefined;
}

export function sessionCookie(token: string): string {
  return `${cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}
