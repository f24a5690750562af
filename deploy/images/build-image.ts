// Builds one image offline: a tar build context (Dockerfile + rootfs/) made
// in memory with tar-stream and sent to the engine's /build endpoint. No
// registry is involved: the base is `scratch` or an image built before.
//
// Every image is labelled `skiff.image=1` and `skiff.source-hash=<sha256 of
// its inputs>`; when the tagged image already carries the same hash the
// build is skipped.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import tar from "tar-stream";
import { DeployError } from "./errors.ts";
import type { Rootfs } from "./rootfs.ts";

export const imageLabel = "skiff.image";
export const sourceHashLabel = "skiff.source-hash";

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  expose?: number[];
  env?: Record<string, string>;
  user?: string;
}

export interface ImageRecipe {
  name: string; // repository, tagged :latest
  from: string; // "scratch" or another recipe's name
  rootfs(): Promise<Rootfs>;
  config: ImageConfig;
}

export interface BuildResult {
  name: string;
  from: string;
  ref: string;
  id: string;
  sourceHash: string;
  sizeBytes: number;
  seconds: number;
  skipped: boolean;
}

// Fixed mtimes keep the context, and so the engine's layer cache, stable.
const epoch = new Date("2020-01-01T00:00:00Z");
// Bump when the context layout changes, so old images are rebuilt.
const contextFormat = "skiff-image-context/1";

export function dockerfile(recipe: ImageRecipe): string {
  const { entrypoint, cmd, expose, env, user } = recipe.config;
  const lines = [`FROM ${recipe.from === "scratch" ? "scratch" : `${recipe.from}:latest`}`, "COPY rootfs/ /"];
  for (const [key, value] of Object.entries(env ?? {})) lines.push(`ENV ${key}=${JSON.stringify(value)}`);
  for (const port of expose ?? []) lines.push(`EXPOSE ${port}`);
  if (user !== undefined) lines.push(`USER ${user}`);
  if (entrypoint !== undefined) lines.push(`ENTRYPOINT ${JSON.stringify(entrypoint)}`);
  if (cmd !== undefined) lines.push(`CMD ${JSON.stringify(cmd)}`);
  return lines.join("\n") + "\n";
}

// Every directory the files live in, parents first, so the tar is complete.
function parentDirs(rootfs: Rootfs): Map<string, number> {
  const dirs = new Map<string, number>();
  const add = (path: string): void => {
    const parent = posix.dirname(path);
    if (parent === "/" || dirs.has(parent)) return;
    add(parent);
    dirs.set(parent, 0o755);
  };
  for (const f of rootfs.files) add(f.path);
  for (const d of rootfs.dirs) add(d.path);
  for (const d of rootfs.dirs) dirs.set(d.path, d.mode);
  return dirs;
}

export function sourceHash(recipe: ImageRecipe, rootfs: Rootfs, baseHash: string | undefined): string {
  const hash = createHash("sha256");
  const field = (s: string): void => {
    hash.update(`${s.length}:${s}`);
  };
  field(contextFormat);
  field(dockerfile(recipe));
  field(baseHash ?? "scratch");
  for (const [path, mode] of [...parentDirs(rootfs)].sort(([a], [b]) => a.localeCompare(b))) field(`d ${path} ${mode}`);
  for (const f of [...rootfs.files].sort((a, b) => a.path.localeCompare(b.path))) {
    field(`f ${f.path} ${f.mode} ${createHash("sha256").update(f.content).digest("hex")}`);
  }
  return hash.digest("hex");
}

export function buildContext(recipe: ImageRecipe, rootfs: Rootfs): Readable {
  const pack = tar.pack();
  const file = dockerfile(recipe);
  pack.entry({ name: "Dockerfile", mode: 0o644, mtime: epoch }, file);
  pack.entry({ name: "rootfs/", type: "directory", mode: 0o755, mtime: epoch });
  for (const [path, mode] of parentDirs(rootfs)) {
    pack.entry({ name: `rootfs${path}/`, type: "directory", mode, mtime: epoch });
  }
  for (const f of rootfs.files) pack.entry({ name: `rootfs${f.path}`, mode: f.mode, mtime: epoch }, f.content);
  pack.finalize();
  // tar-stream packs are streamx streams; dockerode pipes a Node stream.
  return Readable.from(pack);
}

interface BuildEvent {
  stream?: string;
  error?: string;
  aux?: { ID?: string };
}

async function runBuild(docker: Docker, context: Readable, options: Docker.ImageBuildOptions): Promise<string> {
  const stream = await docker.buildImage(context, options);
  const events = await new Promise<BuildEvent[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: BuildEvent[]) => (err ? reject(err) : resolve(out)));
  });
  const failed = events.find((e) => e.error !== undefined);
  const transcript = events.map((e) => e.stream ?? "").join("");
  if (failed !== undefined) {
    throw new DeployError("image-build-failed", `building ${options.t}: ${failed.error}\n${transcript}`);
  }
  const id = events.find((e) => e.aux?.ID !== undefined)?.aux?.ID;
  if (id === undefined) throw new DeployError("image-build-failed", `building ${options.t}: no image id\n${transcript}`);
  return id;
}

async function inspectOrUndefined(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function imageSourceHash(docker: Docker, name: string): Promise<string | undefined> {
  return (await inspectOrUndefined(docker, `${name}:latest`))?.Config.Labels?.[sourceHashLabel];
}

export async function buildImage(
  docker: Docker,
  recipe: ImageRecipe,
  { force = false }: { force?: boolean } = {},
): Promise<BuildResult> {
  const started = performance.now();
  const ref = `${recipe.name}:latest`;
  const rootfs = await recipe.rootfs();
  const baseHash = recipe.from === "scratch" ? undefined : await imageSourceHash(docker, recipe.from);
  if (recipe.from !== "scratch" && baseHash === undefined) {
    throw new DeployError("image-build-failed", `building ${ref}: base image ${recipe.from}:latest is missing`);
  }
  const hash = sourceHash(recipe, rootfs, baseHash);
  const existing = await inspectOrUndefined(docker, ref);
  const skipped = !force && existing?.Config.Labels?.[sourceHashLabel] === hash;
  let id = existing?.Id;
  if (!skipped) {
    id = await runBuild(docker, buildContext(recipe, rootfs), {
      t: ref,
      labels: { [imageLabel]: "1", [sourceHashLabel]: hash },
      rm: true,
      forcerm: true,
      pull: false,
      // --force means a real rebuild, not a replay of the engine's layer cache.
      nocache: force,
    });
  }
  // Inspect by id: the tag may already point at a concurrent build's image.
  const image = await docker.getImage(id ?? ref).inspect();
  return {
    name: recipe.name,
    from: recipe.from,
    ref,
    id: image.Id,
    sourceHash: hash,
    sizeBytes: image.Size,
    seconds: (performance.now() - started) / 1000,
    skipped,
  };
}
