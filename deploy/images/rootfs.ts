// Collects the files a dynamically linked program needs to run on an empty
// (`FROM scratch`) root: the binary and every shared library `ldd` lists,
// the dynamic loader included. Contents are copied with symlinks resolved
// and placed at the paths the loader asks for, so no symlink has to exist
// inside the image (Debian's /lib -> usr/lib, /lib64/ld-linux... links).
import { execFile } from "node:child_process";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RootfsFile {
  path: string; // absolute path inside the image
  mode: number; // permission bits
  content: Buffer;
}

export interface RootfsDir {
  path: string;
  mode: number;
}

export interface Rootfs {
  files: RootfsFile[];
  dirs: RootfsDir[];
}

// Parses `ldd` output: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
// and "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no file.
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split("\n")) {
    const arrow = /=>\s*(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    const notFound = /^\s*(\S+)\s+=>\s+not found/.exec(line);
    if (notFound) throw new Error(`ldd: shared library ${notFound[1]} not found`);
    const path = arrow?.[1] ?? bare?.[1];
    if (path !== undefined && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

export async function sharedLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await run("ldd", [binary]);
    return parseLdd(stdout);
  } catch (err) {
    // ldd exits 1 for static binaries: they need nothing else.
    const out = (err as { stdout?: string; stderr?: string }).stdout ?? "";
    const errOut = (err as { stderr?: string }).stderr ?? "";
    if (/not a dynamic executable/.test(out + errOut)) return [];
    throw err;
  }
}

async function copyResolved(path: string, mode?: number): Promise<RootfsFile> {
  const real = await realpath(path);
  const info = await stat(real);
  return { path, mode: mode ?? info.mode & 0o7777, content: await readFile(real) };
}

// The binaries go in at their real paths (so an ENTRYPOINT can name the real
// file), each followed by the libraries it links.
export async function collectBinaries(binaries: string[]): Promise<RootfsFile[]> {
  const files = new Map<string, RootfsFile>();
  for (const binary of binaries) {
    const real = await realpath(binary);
    if (!files.has(real)) files.set(real, await copyResolved(real));
    for (const lib of await sharedLibraries(real)) {
      if (!files.has(lib)) files.set(lib, await copyResolved(lib, 0o755));
    }
  }
  return [...files.values()];
}

const text = (path: string, content: string, mode = 0o644): RootfsFile => ({
  path,
  mode,
  content: Buffer.from(content),
});

// Enough of /etc for glibc and node: user and group names for uid/gid 0 and
// 65534, and name lookups through /etc/hosts then DNS (Docker mounts both
// /etc/hosts and /etc/resolv.conf). glibc >= 2.34 has the files and dns NSS
// modules built in, so no libnss_*.so is needed.
export function baseEtc(): RootfsFile[] {
  return [
    text("/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"),
    text("/etc/group", "root:x:0:\nnogroup:x:65534:\n"),
    text("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n"),
  ];
}

export async function nodeRootfs(nodeBinary: string = process.execPath): Promise<Rootfs> {
  return {
    files: [...(await collectBinaries([nodeBinary])), ...baseEtc()],
    dirs: [
      { path: "/tmp", mode: 0o1777 },
      { path: "/root", mode: 0o700 },
    ],
  };
}

// Where iptables looks for its match and target plugins (compiled into it).
const xtablesDirs = ["/usr/lib/x86_64-linux-gnu/xtables", "/usr/lib/aarch64-linux-gnu/xtables", "/usr/lib/xtables"];

async function firstExisting(paths: string[], what: string): Promise<string> {
  for (const p of paths) {
    try {
      await stat(p);
      return p;
    } catch {
      // try the next
    }
  }
  throw new Error(`${what} not found (looked in ${paths.join(", ")}): install busybox and iptables`);
}

// busybox (static; `sh`, `ip`, `sleep`, `nc`) and iptables with the legacy
// backend: the multi-call binary is copied under each name it answers to
// (it dispatches on argv[0]), its plugins and their libraries at their paths,
// and /run exists for its lock file.
export async function agentToolsRootfs(): Promise<Rootfs> {
  const busybox = await copyResolved(await firstExisting(["/usr/bin/busybox", "/bin/busybox"], "busybox"), 0o755);
  const multi = await firstExisting(["/usr/sbin/xtables-legacy-multi", "/sbin/xtables-legacy-multi"], "xtables-legacy-multi");
  const pluginDir = await firstExisting(xtablesDirs, "the iptables plugin directory");
  const plugins = (await readdir(pluginDir)).filter((n) => n.endsWith(".so")).map((n) => `${pluginDir}/${n}`);
  const withLibs = await collectBinaries([multi, ...plugins]);
  // Some plugins are symlinks (libxt_DNAT.so -> libxt_NAT.so): each name is
  // looked up on its own, so each gets its own copy.
  for (const plugin of plugins) {
    if (!withLibs.some((f) => f.path === plugin)) withLibs.push(await copyResolved(plugin, 0o755));
  }
  const multiFile = withLibs.find((f) => f.path.endsWith("/xtables-legacy-multi"));
  if (multiFile === undefined) throw new Error("xtables-legacy-multi missing from its own closure");
  const names = ["iptables", "iptables-restore", "iptables-save"];
  return {
    files: [
      { ...busybox, path: "/bin/busybox" },
      { ...busybox, path: "/bin/sh" },
      ...withLibs,
      ...names.map((n) => ({ ...multiFile, path: `/usr/sbin/${n}` })),
    ],
    dirs: [{ path: "/run", mode: 0o755 }],
  };
}
