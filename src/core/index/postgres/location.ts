// Where a shared index lives when it is a PostgreSQL database: `postgres://user@host:port/database?sslmode=…`.
// The password never travels in the location (settings.json and command lines are read by others and end up in
// logs): it comes from PGPASSWORD or ~/.pgpass, which node-postgres reads.
import type { ClientConfig } from 'pg';
import { fail, ok, type Result } from '../../result';

const schemes = ['postgres:', 'postgresql:'];

/** Whether an index location names a PostgreSQL database rather than a folder. */
export function isPostgresLocation(location: string): boolean {
  return schemes.some((scheme) => location.toLowerCase().startsWith(`${scheme}//`));
}

/** TLS modes passed through to the server connection (libpq's names). */
const sslModes = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);
/** Query parameters of the location that are passed through; anything else is refused, so a typo is not ignored. */
const passedParameters = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name']);

export interface PostgresLocation {
  /** The connection for node-postgres (no password: it reads PGPASSWORD or ~/.pgpass, or `password` is set by the caller). */
  config: ClientConfig;
  /** The location as it may be shown and logged. */
  display: string;
}

/** Parses a `postgres://` location; refuses a password in it, unknown parameters and a missing database name. */
export function parsePostgresLocation(location: string): Result<PostgresLocation, string> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return fail(`"${redact(location)}" is not a valid PostgreSQL location (postgres://user@host:port/database).`);
  }
  if (!schemes.includes(url.protocol)) return fail(`"${redact(location)}" is not a PostgreSQL location (postgres://user@host:port/database).`);
  if (url.password) {
    return fail(
      `The index location ${redact(location)} contains a password. Remove it from the location and give it through PGPASSWORD or ~/.pgpass.`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) return fail(`The index location ${location} names no database (postgres://user@host:port/database).`);
  for (const [name, value] of url.searchParams) {
    if (!passedParameters.has(name)) return fail(`The index location ${location} has the parameter "${name}"; allowed are ${[...passedParameters].join(', ')}.`);
    if (name === 'sslmode' && !sslModes.has(value)) return fail(`sslmode=${value} in ${location}: use one of ${[...sslModes].join(', ')}.`);
  }
  // node-postgres parses the rest (host, port, user, database, TLS files) from the checked string itself.
  const config: ClientConfig = { connectionString: location };
  return ok({ config, display: location });
}

/** The location with any password replaced, for messages. */
export function redact(location: string): string {
  return location.replace(/(\/\/[^/:@]*):[^@/]*@/, '$1:***@');
}
