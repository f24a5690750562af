// Writes a configMap or secret volume's files into its Docker volume
// through a short-lived helper container (the volume is mounted read-only
// in the pod's containers): the old files are cleared, the new ones copied
// in as a tar with their modes. Not atomic like kubelet's `..data` symlink
// swap: a reader may see the volume half-updated for a moment.
import type Docker from "dockerode";
import tar from "tar-stream";
import type { ProjectedFile } from "./objects.ts";

async function tarOf(files: ProjectedFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!dirs.has(dir)) {
        dirs.add(dir);
        pack.entry({ name: `${dir}/`, type: "directory", mode: 0o755 });
      }
    }
    pack.entry({ name: f.path, mode: f.mode }, f.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeVolumeFiles(
  docker: Docker,
  volumeName: string,
  files: ProjectedFile[],
  helperImage: string,
  labels: Record<string, string>,
): Promise<void> {
  const helper = await docker.createContainer({
    Image: helperImage,
    Entrypoint: ["/bin/sh", "-c", "cd /v && busybox rm -rf -- * .[!.]* ; exit 0"],
    Labels: labels,
    HostConfig: { NetworkMode: "none", Mounts: [{ Type: "volume", Source: volumeName, Target: "/v" }] },
  });
  try {
    await helper.start();
    await helper.wait();
    await helper.putArchive(await tarOf(files), { path: "/v" });
  } finally {
    await helper.remove({ force: true });
  }
}
