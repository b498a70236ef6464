/** Fleet folders on disk for the CLI: the git adapter's reader (adapters/git/fleet-folder.ts). */
export { loadFleet } from "../adapters/git/fleet-folder.js";
