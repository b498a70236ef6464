/**
 * A fleet folder on disk (a checkout or a worktree): every `*.yaml`/`*.yml` file under it,
 * recursively, read and parsed by the core (core/manifest/load.ts). Files a manifest names
 * are read through diskReader, which keeps every read inside the folder.
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import {
  type FleetLoad,
  FleetPathError,
  type LoadFleetOptions,
  type ManifestFileResult,
  MAX_MANIFEST_BYTES,
  type ParseOptions,
  SKIPPED_FOLDERS,
  fileError,
  mergeResults,
  parseManifestBytes,
  tooLarge,
} from "../../core/manifest/load.js";
import { type RepoFileReader, resolveFileResult } from "../../core/manifest/referenced-files.js";

const isManifestFile = (name: string) => /\.ya?ml$/i.test(name);
const toPosix = (path: string) => path.split(sep).join("/");

async function listManifestFiles(root: string): Promise<{ base: string; files: string[] }> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new FleetPathError(root);
  if (info.isFile()) return { base: dirname(root), files: [basename(root)] };
  const files: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    const entries = await readdir(join(root, folder), { withFileTypes: true });
    for (const entry of entries) {
      const rel = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await visit(rel);
      else if (entry.isFile() && isManifestFile(entry.name)) files.push(rel);
    }
  };
  await visit("");
  return { base: root, files: files.sort() };
}

export async function loadFleet(root: string, options: LoadFleetOptions = {}): Promise<FleetLoad> {
  const { base, files } = await listManifestFiles(root);
  const selected = options.include ? files.filter(options.include) : files;
  const results: ManifestFileResult[] = new Array(selected.length);
  const reader = diskReader(base);
  let next = 0;
  const worker = async () => {
    while (next < selected.length) {
      const index = next++;
      const file = selected[index] ?? "";
      const parsed = await loadManifestFile(join(base, file), toPosix(relative(base, join(base, file))), options);
      // ssh key and customData files, relative to each manifest, inside the fleet folder.
      results[index] = await resolveFileResult(parsed, reader);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 16, selected.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return mergeResults(results);
}

/** Reads one file: its size is checked before a byte is read. */
export async function loadManifestFile(path: string, file: string, options: ParseOptions = {}): Promise<ManifestFileResult> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.size > MAX_MANIFEST_BYTES) return tooLarge(file, info.size);
    bytes = await readFile(path);
  } catch (error) {
    return { devices: [], invalid: [fileError(file, `cannot read file: ${(error as Error).message}`)] };
  }
  return parseManifestBytes(bytes, file, options);
}

/**
 * A reader for a folder on disk: the resolved path (symlinks followed) must stay inside the
 * folder, so a symlink in a pull request cannot send a host file to a device.
 */
export function diskReader(root: string): RepoFileReader {
  let rootReal: Promise<string> | undefined;
  return async (path, maxBytes) => {
    try {
      const base = await (rootReal ??= realpath(root));
      const real = await realpath(join(root, ...path.split("/")));
      if (real !== base && !real.startsWith(base + sep)) return undefined;
      const info = await stat(real);
      if (!info.isFile()) return undefined;
      if (info.size > maxBytes) return "too-large";
      return await readFile(real);
    } catch {
      return undefined;
    }
  };
}
