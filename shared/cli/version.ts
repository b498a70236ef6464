/** The version in ase-gitops's package.json, found upward from this file (source or dist/). */
import { readFileSync } from "node:fs";

export function packageVersion(): string {
  for (let dir = new URL("./", import.meta.url); ; dir = new URL("../", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ase-gitops" && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look one folder up
    }
    if (dir.pathname === "/") return "unknown";
  }
}
