/** Real git repositories for tests and the demo live with the dev tools. */
export * from "../../devtools/git-repos.js";
