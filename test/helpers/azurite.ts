/** Azurite in memory on free ports: the local runtime's launcher, shared with the tests. */
export * from "../../runtime/azurite.js";
