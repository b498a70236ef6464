/** Signed webhook deliveries live with the dev tools (the demo sends them too). */
export * from "../../devtools/webhook-deliveries.js";
