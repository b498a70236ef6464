/**
 * X-Hub-Signature-256 check over the raw body, before anything parses it. Several secrets
 * are tried (current, then previous) so the secret can be rotated without dropping events.
 * The legacy SHA-1 header alone is never enough.
 */
import { verify } from "@octokit/webhooks-methods";

export async function verifySignature(secrets: readonly string[], rawBody: string, signature: string | null | undefined): Promise<boolean> {
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature) || rawBody.length === 0) return false;
  for (const secret of secrets) {
    // verify() compares in constant time; it throws only on missing arguments.
    if (secret && (await verify(secret, rawBody, signature).catch(() => false))) return true;
  }
  return false;
}
