// Request bodies: a 3 MiB limit (413), the content types Kubernetes accepts
// (415 otherwise), and JSON or YAML parsing (400 with a Status when malformed).
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { ProtobufDecodeError, decodeKubernetesProtobuf } from "@skiff/proto/kube/protobuf.ts";
import { ApiError, badRequest, tooLarge, unsupportedMediaType } from "../errors.ts";

export const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      // Drain without keeping it, so the answer reaches the client.
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!failed) reject(badRequest(`reading the request body: ${err.message}`));
    });
  });
}

export type BodyFormat = "json" | "yaml" | "protobuf" | "merge-patch" | "json-patch" | "strategic-merge-patch";

const mediaTypes: Record<string, BodyFormat> = {
  "application/json": "json",
  "application/yaml": "yaml",
  "application/vnd.kubernetes.protobuf": "protobuf",
  "application/merge-patch+json": "merge-patch",
  "application/json-patch+json": "json-patch",
  "application/strategic-merge-patch+json": "strategic-merge-patch",
};

export function bodyFormat(contentType: string | undefined, allowed: BodyFormat[]): BodyFormat {
  // kubectl 1.20's create generators send JSON with no Content-Type at all; Kubernetes reads that as JSON.
  const media = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase() || "application/json";
  const format = mediaTypes[media];
  if (format === undefined || !allowed.includes(format)) {
    if (allowed.includes("strategic-merge-patch")) {
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        `the server does not support the patch type ${JSON.stringify(media)}: accepted types are application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
    }
    throw unsupportedMediaType(media === "" ? "<none>" : media);
  }
  return format;
}

/** Parses JSON (or YAML); duplicate keys are reported so Strict validation can refuse them. */
export function parseBody(buf: Buffer, format: BodyFormat): { value: unknown; duplicates: string[] } {
  if (format === "protobuf") {
    try {
      return { value: decodeKubernetesProtobuf(buf), duplicates: [] };
    } catch (err) {
      if (err instanceof ProtobufDecodeError) throw new ApiError(415, "UnsupportedMediaType", `skiff cannot read this protobuf body (${err.message}); send it as application/json`);
      throw err;
    }
  }
  const text = buf.toString("utf8");
  if (text.trim() === "") throw badRequest("the request body is empty");
  if (format === "yaml") {
    try {
      return { value: parseYaml(text, { uniqueKeys: true }), duplicates: [] };
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { value, duplicates: findDuplicateKeys(text) };
}

/**
 * Paths of keys that appear twice in one JSON object (JSON.parse keeps the
 * last silently). A small scanner over the already-valid text.
 */
export function findDuplicateKeys(text: string): string[] {
  const dups: string[] = [];
  type Frame = { keys: Set<string> | undefined; path: string; index: number; pendingKey: string | undefined };
  const stack: Frame[] = [];
  let i = 0;
  const top = (): Frame | undefined => stack[stack.length - 1];
  const childPath = (): string => {
    const f = top();
    if (f === undefined) return "";
    if (f.keys === undefined) return `${f.path}[${f.index}]`;
    return f.path === "" ? (f.pendingKey ?? "") : `${f.path}.${f.pendingKey ?? ""}`;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      const f = top();
      let k = i;
      while (k < text.length && /\s/.test(text[k]!)) k++;
      if (f?.keys !== undefined && text[k] === ":") {
        const path = f.path === "" ? s : `${f.path}.${s}`;
        if (f.keys.has(s)) dups.push(path);
        f.keys.add(s);
        f.pendingKey = s;
        i = k + 1;
      }
      continue;
    }
    if (ch === "{" || ch === "[") {
      stack.push({ keys: ch === "{" ? new Set() : undefined, path: childPath(), index: 0, pendingKey: undefined });
    } else if (ch === "}" || ch === "]") {
      stack.pop();
    } else if (ch === ",") {
      const f = top();
      if (f !== undefined && f.keys === undefined) f.index++;
    }
    i++;
  }
  return dups;
}
