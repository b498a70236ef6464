/** Files changed between two commits, from `git diff --name-status -z -M` output. */

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";

export interface ChangedFile {
  status: ChangeStatus;
  /** The path at the newer commit (for deletions: the deleted path). */
  path: string;
  /** Renames and copies: the path at the older commit. */
  previousPath?: string;
}

const STATUS: Record<string, ChangeStatus> = { A: "added", M: "modified", D: "deleted", R: "renamed", C: "copied", T: "type-changed" };

export function parseNameStatus(output: string): ChangedFile[] {
  const parts = output.split("\0").filter((part) => part.length > 0);
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length;) {
    const code = parts[i++]!;
    const status = STATUS[code[0]!];
    if (code[0] === "R" || code[0] === "C") {
      const from = parts[i++]!;
      const to = parts[i++]!;
      files.push({ status: status!, path: to, previousPath: from });
    } else {
      const path = parts[i++]!;
      if (status) files.push({ status, path });
    }
  }
  return files;
}

export const isManifestPath = (path: string) => /\.ya?ml$/i.test(path);

/** Keeps manifest files inside `folder` ("" = whole repository); paths stay repository-relative. */
export function manifestChanges(files: ChangedFile[], folder: string): ChangedFile[] {
  const inside = (path: string | undefined) => path !== undefined && isManifestPath(path) && (folder === "" || path.startsWith(`${folder}/`));
  return files.filter((file) => inside(file.path) || inside(file.previousPath));
}
