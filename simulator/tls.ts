/**
 * A throw-away certificate authority per simulator run, and a server certificate it signs
 * for 127.0.0.1/localhost: clients trust the CA file (ASE_GITOPS_DEVICE_CA) exactly as they
 * would trust a device's self-signed CA, never by turning verification off.
 */
import { generate } from "selfsigned";

export interface SimulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** `caName` tells CAs apart: two CAs with one subject confuse the chain lookup of a client that trusts both. */
export async function createSimulatorTls(caName = "ase-gitops simulator CA"): Promise<SimulatorTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600_000);
  const ca = await generate([{ name: "commonName", value: caName }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
