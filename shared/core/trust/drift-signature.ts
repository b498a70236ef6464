/**
 * The signature of POST /api/drift: HMAC-SHA256 with the webhook secret over
 * `${timestamp}.${rawBody}` (as Stripe and Slack sign), the timestamp (unix seconds) sent in
 * X-Ase-Gitops-Timestamp. A captured request is worthless after the window: the timestamp
 * is signed, and one outside five minutes of the controller's clock is refused. The
 * signed payload never starts with `{`, so a GitHub delivery's signature (over a JSON body)
 * cannot pass for a drift request's. Both secrets are tried while rotating.
 */
import { createHmac } from "node:crypto";
import { verifySignature } from "./webhook-signature.js";

export const DRIFT_SIGNATURE_HEADER = "x-hub-signature-256";
export const DRIFT_TIMESTAMP_HEADER = "x-ase-gitops-timestamp";
/** How far the signed timestamp may be from the controller's clock, either way. */
export const DRIFT_SIGNATURE_TOLERANCE_SECONDS = 300;

export const driftSignedPayload = (timestamp: string, rawBody: string) => `${timestamp}.${rawBody}`;

/** The two headers a caller sends (devtools, tests; the README shows the same with openssl). */
export function signDriftRequest(secret: string, rawBody: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const digest = createHmac("sha256", secret).update(driftSignedPayload(timestamp, rawBody)).digest("hex");
  return { [DRIFT_TIMESTAMP_HEADER]: timestamp, [DRIFT_SIGNATURE_HEADER]: `sha256=${digest}` };
}

export type DriftAuth = { ok: true; signature: string } | { ok: false; message: string };

const HOW_TO_SIGN =
  "X-Hub-Signature-256 must be sha256=HMAC-SHA256(webhook secret, TIMESTAMP + '.' + body) with TIMESTAMP (unix seconds) in X-Ase-Gitops-Timestamp";

export async function verifyDriftRequest(
  secrets: readonly string[],
  rawBody: string,
  header: (name: string) => string | null | undefined,
  nowMs: number,
): Promise<DriftAuth> {
  const timestamp = header(DRIFT_TIMESTAMP_HEADER)?.trim();
  if (!timestamp) return { ok: false, message: `missing X-Ase-Gitops-Timestamp: ${HOW_TO_SIGN}` };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, message: "X-Ase-Gitops-Timestamp must be unix time in whole seconds" };
  const signature = header(DRIFT_SIGNATURE_HEADER)?.trim();
  if (!(await verifySignature(secrets, driftSignedPayload(timestamp, rawBody), signature))) {
    return { ok: false, message: `missing or invalid X-Hub-Signature-256: ${HOW_TO_SIGN}` };
  }
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(skew) > DRIFT_SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      message: `X-Ase-Gitops-Timestamp is ${Math.abs(skew)} s ${skew > 0 ? "old" : "in the future"} (at most ${DRIFT_SIGNATURE_TOLERANCE_SECONDS} s): sign the request again with the current time`,
    };
  }
  return { ok: true, signature: signature! };
}
