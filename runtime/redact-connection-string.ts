/**
 * A storage connection string fit for a log or a ready line: the account key and any SAS
 * token replaced by `***`, the endpoints and account name kept.
 */
export function redactConnectionString(connection: string): string {
  return connection.replace(/(^|;)(\s*(?:AccountKey|SharedAccessSignature)\s*=)[^;]*/gi, "$1$2***");
}
