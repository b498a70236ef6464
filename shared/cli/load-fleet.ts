/** The fleet loading that `plan` and `validate` share: the credential namespace checked, path problems as usage errors. */
import { CREDENTIAL_PREFIX_SETTING, credentialPrefix, credentialPrefixProblem } from "../core/manifest/credential-name.js";
import { type FleetLoad, FleetPathError } from "../core/manifest/load.js";
import { loadFleet } from "../composition/fleet-folder.js";
import { CliError } from "./cli-context.js";

/** The fleet under `path` with the credential namespace of `env`; usage problems are CliErrors. */
export async function loadFleetForCli(path: string, env: Readonly<Record<string, string | undefined>>): Promise<FleetLoad> {
  const prefix = credentialPrefix(env);
  const prefixProblem = credentialPrefixProblem(prefix);
  if (prefixProblem) throw new CliError(`${CREDENTIAL_PREFIX_SETTING} ${prefixProblem}`);
  return loadFleet(path, { credentialPrefix: prefix }).catch((error: unknown) => {
    if (error instanceof FleetPathError) throw new CliError(error.message);
    throw error;
  });
}
