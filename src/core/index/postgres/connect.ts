// Opening a connection to a shared index's database, with failures worded for the user: which server, what went
// wrong, what to do. The password is never part of a message.
import { Client } from 'pg';
import { errorMessage, fail, ok, type Result } from '../../result';
import { parsePostgresLocation, redact } from './location';

export interface ConnectOptions {
  /** When the caller holds one; else node-postgres reads PGPASSWORD or ~/.pgpass. */
  password?: string;
  /** How long to wait for the server (default 10 s). */
  timeoutMs?: number;
  /** How long one query may take before it fails (default: no limit), so a server that stops answering cannot hold a search forever. */
  queryTimeoutMs?: number;
}

const passwordWays = 'PGPASSWORD or ~/.pgpass (in VS Code: Formula Lens: Set Database Password)';

/** Why a connection failed, as the user reads it, from the server's SQLSTATE or the socket's error code. */
function describeFailure(display: string, error: unknown): string {
  const { code } = error as { code?: string };
  // node-postgres's words when the server asks for a password and it has none
  if (/client password must be a string/.test(errorMessage(error))) return `The server at ${display} asks for a password and none was given. Give it through ${passwordWays}.`;
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
      return `No PostgreSQL server answers at ${display} (${code}). Check the host and port, and that the server runs.`;
    case '28P01':
    case '28000':
      return `The server at ${display} refused the login (${errorMessage(error)}). Give the password through ${passwordWays}.`;
    case '3D000':
      return `The database of ${display} does not exist. Create it (createdb) or correct the location.`;
    default:
      return `Cannot connect to ${display}: ${errorMessage(error)}.`;
  }
}

/** A connected client for the location; the caller ends it. */
export async function connectPostgres(location: string, options: ConnectOptions = {}): Promise<Result<Client, string>> {
  const parsed = parsePostgresLocation(location);
  if (!parsed.ok) return parsed;
  const display = redact(parsed.value.display);
  const client = new Client({
    ...parsed.value.config,
    connectionTimeoutMillis: options.timeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
  });
  // Set on the client, not in its config, where the location's empty password would win over it (node-postgres
  // gives the parsed connection string precedence); unset, node-postgres reads PGPASSWORD or ~/.pgpass.
  if (options.password !== undefined) client.password = options.password;
  // An idle connection the server drops must not become an uncaught 'error' event in the engine.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return fail(describeFailure(display, error));
  }
  return ok(client);
}

/**
 * Connections to one location for concurrent searches: each search holds one for its read transaction; at most
 * `size` are open, and a search beyond them waits for one to be released.
 */
export class PostgresPool {
  private readonly idle: Client[] = [];
  private readonly waiting: ((client: Result<Client, string>) => void)[] = [];
  private open = 0;
  private ended = false;

  constructor(
    private readonly location: string,
    private readonly options: ConnectOptions,
    private readonly size = 4,
  ) {}

  async acquire(): Promise<Result<Client, string>> {
    if (this.ended) return fail('the connection pool was closed');
    const idle = this.idle.pop();
    if (idle) return ok(idle);
    if (this.open >= this.size) return new Promise((resolve) => this.waiting.push(resolve));
    this.open++;
    const connected = await connectPostgres(this.location, this.options);
    if (!connected.ok) {
      this.open--;
      this.serveWaiter(); // it would otherwise wait for a connection nobody is opening
    }
    return connected;
  }

  /** Gives a connection back; a broken one (its query failed) is closed instead of reused. */
  release(client: Client, broken = false): void {
    if (broken || this.ended) {
      this.open--;
      void client.end().catch(() => undefined);
      this.serveWaiter();
      return;
    }
    const next = this.waiting.shift();
    if (next) next(ok(client));
    else this.idle.push(client);
  }

  /** Opens a connection for the longest-waiting search, now that there is room for one. */
  private serveWaiter(): void {
    const next = this.waiting.shift();
    if (next) void this.acquire().then(next, (error: unknown) => next(fail(errorMessage(error))));
  }

  end(): void {
    this.ended = true;
    for (const client of this.idle.splice(0)) void client.end().catch(() => undefined);
    for (const next of this.waiting.splice(0)) next(fail('the connection pool was closed'));
  }
}
