/** The loopback GitHub API lives with the dev tools (the demo uses it too). */
export * from "../../devtools/loopback-github.js";
