// PATCH in the three formats kubectl sends: JSON merge patch (label,
// annotate, scale), JSON patch (rollout undo) and strategic merge patch
// (apply, set image, rollout restart). Retried on conflicts unless the
// patch pins a resourceVersion.
// fast-json-patch is CommonJS for Node: named exports only through its default.
import jsonPatch, { type Operation } from "fast-json-patch";
import { ApiError, badRequest } from "../errors.ts";
import { type BodyFormat, bodyFormat, parseBody, readBody } from "../http/body.ts";
import { type Json, applyMergePatch } from "../patch/merge-patch.ts";
import { PatchError, applyStrategicMergePatch } from "../patch/strategic-merge.ts";
import type { KubeObject } from "../registry/types.ts";
import type { ResourceRequest } from "./context.ts";
import { asObject, checkFields, fieldValidationOf } from "./decode.ts";
import type { ObjectStore } from "./objects.ts";

const patchFormats: BodyFormat[] = ["merge-patch", "json-patch", "strategic-merge-patch"];

export function applyPatch(format: BodyFormat, current: Json, patch: unknown): unknown {
  try {
    switch (format) {
      case "merge-patch":
        if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw badRequest("a merge patch must be a JSON object");
        return applyMergePatch(current, patch as Json);
      case "strategic-merge-patch":
        return applyStrategicMergePatch(current, patch as Json);
      case "json-patch": {
        if (!Array.isArray(patch)) throw badRequest("a JSON patch must be a list of operations");
        return jsonPatch.applyPatch(current, patch as Operation[], true, false).newDocument;
      }
      default:
        throw badRequest(`unsupported patch type ${format}`);
    }
  } catch (err) {
    if (err instanceof PatchError) throw badRequest(err.message);
    if (err instanceof jsonPatch.JsonPatchError) throw badRequest(`the JSON patch could not be applied: ${err.message.split("\n")[0]}`);
    throw err;
  }
}

export async function readPatch(r: ResourceRequest): Promise<{ format: BodyFormat; patch: unknown; duplicates: string[] }> {
  const format = bodyFormat(r.req.headers["content-type"], patchFormats);
  if (format === "strategic-merge-patch" && r.type.refusesStrategicMerge === true) {
    throw new ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  const { value, duplicates } = parseBody(await readBody(r.req), "json");
  return { format, patch: value, duplicates };
}

export async function patchObject(objects: ObjectStore, r: ResourceRequest): Promise<{ object: KubeObject; warnings: string[] }> {
  const { format, patch, duplicates } = await readPatch(r);
  const mode = fieldValidationOf(r.query);
  let warnings: string[] = [];
  const object = await objects.modify(r.type, r.version, r.namespace, r.name!, r.subresource === "status" ? "status" : "", (current) => {
    const patched = asObject(r.type, r.version, applyPatch(format, current as unknown as Json, patch));
    warnings = checkFields(r.type, patched, duplicates, mode);
    return patched;
  });
  return { object, warnings };
}
