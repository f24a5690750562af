// ConfigMaps and Secrets as a pod sees them: env values (configMapKeyRef,
// secretKeyRef, envFrom) and volume files (items, defaultMode, per-item
// mode), with kubelet's error wording. The objects come from an
// ObjectSource: the API client's informer cache later, a map in tests.
import type { V1ConfigMap, V1EnvFromSource, V1KeyToPath, V1Secret, V1Volume } from "@kubernetes/client-node";
import { RuntimeError } from "./errors.ts";

export interface ObjectSource {
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
  secret(namespace: string, name: string): V1Secret | undefined;
}

export const noObjects: ObjectSource = { configMap: () => undefined, secret: () => undefined };

const configError = (message: string): RuntimeError => new RuntimeError("CreateContainerConfigError", message);

function secretData(s: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, "base64").toString();
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

type Ref = { name?: string; key: string; optional?: boolean };

export function configMapKey(objects: ObjectSource, namespace: string, ref: Ref): string | undefined {
  const cm = objects.configMap(namespace, ref.name ?? "");
  if (cm === undefined) {
    if (ref.optional === true) return undefined;
    throw configError(`configmap "${ref.name ?? ""}" not found`);
  }
  const value = cm.data?.[ref.key];
  if (value === undefined && ref.optional !== true) throw configError(`couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name ?? ""}`);
  return value;
}

export function secretKey(objects: ObjectSource, namespace: string, ref: Ref): string | undefined {
  const s = objects.secret(namespace, ref.name ?? "");
  if (s === undefined) {
    if (ref.optional === true) return undefined;
    throw configError(`secret "${ref.name ?? ""}" not found`);
  }
  const value = secretData(s)[ref.key];
  if (value === undefined && ref.optional !== true) throw configError(`couldn't find key ${ref.key} in Secret ${namespace}/${ref.name ?? ""}`);
  return value;
}

// envFrom: every key that is a valid variable name, with the prefix.
export function envFrom(objects: ObjectSource, namespace: string, sources: V1EnvFromSource[]): [string, string][] {
  const out: [string, string][] = [];
  for (const source of sources) {
    const prefix = source.prefix ?? "";
    let data: Record<string, string> | undefined;
    if (source.configMapRef !== undefined) {
      const cm = objects.configMap(namespace, source.configMapRef.name ?? "");
      if (cm === undefined && source.configMapRef.optional !== true) throw configError(`configmap "${source.configMapRef.name ?? ""}" not found`);
      data = cm?.data;
    } else if (source.secretRef !== undefined) {
      const s = objects.secret(namespace, source.secretRef.name ?? "");
      if (s === undefined && source.secretRef.optional !== true) throw configError(`secret "${source.secretRef.name ?? ""}" not found`);
      data = s !== undefined ? secretData(s) : undefined;
    }
    for (const [k, v] of Object.entries(data ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(prefix + k)) out.push([prefix + k, v]);
    }
  }
  return out;
}

export interface ProjectedFile {
  path: string; // relative to the mount
  mode: number;
  content: Buffer;
}

// The files of a configMap or secret volume: every key, or the listed
// items at their paths; modes from the item, else defaultMode (0644).
export function volumeFiles(objects: ObjectSource, namespace: string, volume: V1Volume): ProjectedFile[] {
  const cmSource = volume.configMap;
  const secretSource = volume.secret;
  let source: { data: Record<string, string> | undefined; items?: V1KeyToPath[]; defaultMode?: number; optional?: boolean; what: string };
  if (cmSource !== undefined) {
    const cm = objects.configMap(namespace, cmSource.name ?? "");
    source = { data: cm !== undefined ? { ...cm.data } : undefined, ...cmSource, what: `configmap "${cmSource.name ?? ""}"` };
  } else if (secretSource !== undefined) {
    const s = objects.secret(namespace, secretSource.secretName ?? "");
    source = { data: s !== undefined ? secretData(s) : undefined, ...secretSource, what: `secret "${secretSource.secretName ?? ""}"` };
  } else {
    return [];
  }
  const { data, items, what } = source;
  const defaultMode = source.defaultMode ?? 0o644;
  const optional = source.optional === true;
  if (data === undefined) {
    if (optional) return [];
    throw configError(`${what} not found`);
  }
  const wanted: V1KeyToPath[] = items ?? Object.keys(data).sort().map((key) => ({ key, path: key }));
  return wanted.map((item) => {
    const content = data[item.key];
    if (content === undefined) throw configError(`couldn't find key ${item.key} in ${what}`);
    if (item.path.startsWith("/") || item.path.split("/").includes("..")) throw configError(`invalid path ${item.path} in volume ${volume.name}`);
    return { path: item.path, mode: item.mode ?? defaultMode, content: Buffer.from(content) };
  });
}
