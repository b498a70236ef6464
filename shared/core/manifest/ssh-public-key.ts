/**
 * Checks that a text is an OpenSSH public key (`type base64 [comment]`, one line), the
 * format `osProfile.linuxConfiguration.ssh.publicKeys[].keyData` takes. The base64 blob must
 * start with the same key type (RFC 4253 §6.6), so a truncated or pasted-wrong key is caught
 * at plan time instead of leaving a VM nobody can log in to. Pure.
 */

export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** Why `text` is not one OpenSSH public key, or undefined when it is. Never echoes the text. */
export function sshPublicKeyProblem(text: string): string | undefined {
  if (/PRIVATE KEY/.test(text)) return "is a private key: give the public key (the .pub file), and never commit a private key";
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length !== 1) return `must be exactly one OpenSSH public key line, found ${lines.length} lines`;
  const [type, blob] = lines[0]!.trim().split(/\s+/);
  if (!type || !(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    return `is not an OpenSSH public key: it must start with one of ${SSH_KEY_TYPES.join(", ")}`;
  }
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return `is not an OpenSSH public key: the ${type} key has no base64 key data`;
  const bytes = Buffer.from(blob, "base64");
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (length !== type.length || bytes.subarray(4, 4 + length).toString("latin1") !== type) {
    return `is not a valid ${type} key: its key data does not encode a ${type} key (truncated or mixed up?)`;
  }
  if (type === "ssh-rsa" && bytes.length < 256) return "is an RSA key shorter than 2048 bits; Azure requires at least 2048";
  return undefined;
}

/** The key as the template sends it: one line, no trailing newline. */
export function normalizeSshPublicKey(text: string): string {
  return text.trim().split(/\s+/).join(" ");
}
