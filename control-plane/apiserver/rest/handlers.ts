// The verbs on a resource: get, list, watch, create, update, delete. Patch
// and the scale and binding subresources live in patch.ts and subresources.ts.
import { ApiError, badRequest, methodNotAllowed, pathNotFound } from "../errors.ts";
import { bodyFormat, parseBody, readBody } from "../http/body.ts";
import { sendError, sendJson, wantsTable } from "../http/respond.ts";
import type { ApiMetrics } from "../metrics.ts";
import { FieldSelectorError, parseFieldSelector, unsupportedField } from "../selectors/fields.ts";
import { SelectorParseError, parseLabelSelector } from "../selectors/labels.ts";
import type { ResourceRequest } from "./context.ts";
import { asObject, checkFields, fieldValidationOf, readObjectBody } from "./decode.ts";
import { propagationOf } from "./deletion.ts";
import { type ObjectStore, type Selectors, fieldGetters } from "./objects.ts";
import { patchObject } from "./patch.ts";
import type { KubeletClient } from "./pod-log.ts";
import { handleSubresource } from "./subresources.ts";
import { type IncludeObject, toTable } from "./table.ts";
import { type WatchEventType, eventLine, startWatch } from "./watch.ts";
import type { WatchCaches } from "./watch-cache.ts";

export interface HandlerDeps {
  objects: ObjectStore;
  watchCaches: WatchCaches;
  metrics: ApiMetrics;
  kubelet?: KubeletClient;
}

export function selectorsOf(r: ResourceRequest): Selectors {
  try {
    const labels = parseLabelSelector(r.query.get("labelSelector") ?? "");
    const fields = parseFieldSelector(r.query.get("fieldSelector") ?? "");
    const bad = unsupportedField(fields, fieldGetters(r.type));
    if (bad !== undefined) throw badRequest(`field label not supported: ${bad}`);
    return { labels, fields };
  } catch (err) {
    if (err instanceof SelectorParseError || err instanceof FieldSelectorError) throw badRequest(err.message);
    throw err;
  }
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

function warningHeaders(warnings: string[]): Record<string, string> {
  return warnings.length === 0 ? {} : { Warning: warnings.join(", ") };
}

async function list(deps: HandlerDeps, r: ResourceRequest): Promise<void> {
  const sel = selectorsOf(r);
  const limit = Number(r.query.get("limit") ?? "0");
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit ${JSON.stringify(r.query.get("limit"))}`);
  const page = await deps.objects.list(r.type, r.version, r.namespace, {
    ...sel,
    limit,
    continueToken: r.query.get("continue") ?? undefined,
    resourceVersion: r.query.get("resourceVersion") ?? undefined,
    resourceVersionMatch: r.query.get("resourceVersionMatch") ?? undefined,
  });
  const metadata: Record<string, string> = { resourceVersion: String(page.revision) };
  if (page.continueToken !== undefined) metadata.continue = page.continueToken;
  if (wantsTable(r.req.headers.accept)) {
    sendJson(r.res, 200, toTable(r.type, page.items, includeObjectOf(r.query), metadata));
    return;
  }
  const apiVersion = r.type.group === "" ? r.version : `${r.type.group}/${r.version}`;
  sendJson(r.res, 200, { kind: `${r.type.kind}List`, apiVersion, metadata, items: page.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) });
}

async function watch(deps: HandlerDeps, r: ResourceRequest): Promise<void> {
  const sel = selectorsOf(r);
  const table = wantsTable(r.req.headers.accept);
  const include = includeObjectOf(r.query);
  let open = true;
  const started = { value: false };
  const begin = (): void => {
    if (started.value) return;
    started.value = true;
    r.res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    r.res.socket?.setNoDelay(true);
    // Headers go out now: a client waits for them before it reads any event.
    r.res.flushHeaders();
  };
  const sink = {
    event: (type: WatchEventType, object: object): void => {
      if (!open) return;
      begin();
      r.res.write(table && type !== "ERROR" ? `${JSON.stringify({ type, object: toTable(r.type, [object as never], include, {}) })}\n` : eventLine(type, object));
    },
    end: (): void => {
      if (!open) return;
      open = false;
      begin();
      r.res.end();
    },
  };
  const handle = await startWatch(deps.objects, deps.watchCaches, {
    ...sel,
    type: r.type,
    version: r.version,
    namespace: r.namespace,
    resourceVersion: r.query.get("resourceVersion") ?? undefined,
    bookmarks: r.query.get("allowWatchBookmarks") === "true",
  }, sink);
  begin();
  deps.metrics.watches++;
  const timeoutSeconds = Number(r.query.get("timeoutSeconds") ?? "0");
  const limitMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  const timer = setTimeout(() => sink.end(), limitMs);
  const stop = (): void => {
    clearTimeout(timer);
    handle.close();
    if (open) {
      open = false;
      r.res.end();
    }
  };
  r.res.once("close", () => {
    deps.metrics.watches--;
    stop();
  });
  r.res.once("finish", stop);
}

async function create(deps: HandlerDeps, r: ResourceRequest): Promise<void> {
  const { value, duplicates } = await readObjectBody(r);
  const obj = asObject(r.type, r.version, value);
  const warnings = checkFields(r.type, obj, duplicates, fieldValidationOf(r.query));
  if (r.type.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== "" && obj.metadata.namespace !== r.namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  const created = await deps.objects.create(r.type, r.version, r.namespace, obj);
  sendJson(r.res, 201, created, warningHeaders(warnings));
}

async function update(deps: HandlerDeps, r: ResourceRequest): Promise<void> {
  const { value, duplicates } = await readObjectBody(r);
  const obj = asObject(r.type, r.version, value);
  const warnings = checkFields(r.type, obj, duplicates, fieldValidationOf(r.query));
  if (r.type.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== "" && obj.metadata.namespace !== r.namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  const subresource = r.subresource === "status" || r.subresource === "finalize" ? r.subresource : "";
  const updated = await deps.objects.update(r.type, r.version, r.namespace, r.name!, obj, subresource);
  sendJson(r.res, 200, updated, warningHeaders(warnings));
}

async function remove(deps: HandlerDeps, r: ResourceRequest): Promise<void> {
  let options: Record<string, unknown> = {};
  const body = await readBody(r.req);
  if (body.length > 0 && body.toString("utf8").trim() !== "") {
    const parsed = parseBody(body, bodyFormat(r.req.headers["content-type"] ?? "application/json", ["json", "yaml"])).value;
    if (typeof parsed !== "object" || parsed === null) throw badRequest("DeleteOptions must be an object");
    options = parsed as Record<string, unknown>;
  }
  const propagation = propagationOf(r.type, r.name!, options, r.query);
  const pre = (options.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
  const grace = options.gracePeriodSeconds ?? r.query.get("gracePeriodSeconds") ?? undefined;
  const deleted = await deps.objects.delete(r.type, r.version, r.namespace, r.name!, {
    uid: pre.uid,
    resourceVersion: pre.resourceVersion,
    gracePeriodSeconds: grace === undefined ? undefined : Number(grace),
    ...propagation,
  });
  sendJson(r.res, 200, deleted);
}

export async function handleResource(deps: HandlerDeps, r: ResourceRequest, verb: string): Promise<void> {
  try {
    // Server-side dry run is not implemented: refusing it is safer than writing.
    if (r.query.has("dryRun") && !["get", "list", "watch"].includes(verb)) {
      throw badRequest("dryRun is not supported by skiff yet; leave out --dry-run=server");
    }
    if (r.subresource === "finalize") {
      // Namespaces only, PUT only: how the namespace controller hands back its "kubernetes" finalizer.
      if (r.type.resource !== "namespaces" || r.type.group !== "") throw pathNotFound(r.req.url ?? "");
      if (verb !== "update") throw methodNotAllowed(r.req.method ?? "");
      return await update(deps, r);
    }
    if (r.subresource !== undefined && r.subresource !== "status") {
      await handleSubresource(deps.objects, r, verb, deps.kubelet);
      return;
    }
    if (r.subresource === "status" && !r.type.statusSubresource) throw pathNotFound(r.req.url ?? "");
    if (r.subresource === "status" && !["get", "update", "patch"].includes(verb)) throw methodNotAllowed(r.req.method ?? "");
    if (r.type.namespaced && r.namespace === undefined && !["list", "watch"].includes(verb)) {
      throw pathNotFound(r.req.url ?? "");
    }
    switch (verb) {
      case "get":
        {
          const obj = await deps.objects.get(r.type, r.version, r.namespace, r.name!);
          if (wantsTable(r.req.headers.accept)) sendJson(r.res, 200, toTable(r.type, [obj], includeObjectOf(r.query), { resourceVersion: obj.metadata.resourceVersion ?? "" }));
          else sendJson(r.res, 200, obj);
        }
        return;
      case "list":
        return await list(deps, r);
      case "watch":
        return await watch(deps, r);
      case "create":
        if (r.name !== undefined) throw methodNotAllowed("POST");
        return await create(deps, r);
      case "update":
        return await update(deps, r);
      case "patch":
        {
          const result = await patchObject(deps.objects, r);
          sendJson(r.res, 200, result.object, warningHeaders(result.warnings));
        }
        return;
      case "delete":
        return await remove(deps, r);
      default:
        throw methodNotAllowed(r.req.method ?? "");
    }
  } catch (err) {
    if (err instanceof ApiError) sendError(r.res, err);
    else throw err;
  }
}
