// `formula-lens db-init postgres://…`: creates or migrates the schema of a shared index in PostgreSQL. The lab's
// indexer runs it once per release with the writer role; searches never change the schema.
import { ExitCode, UsageError, type CliCommand } from '../command';
import { connectPostgres } from '../../core/index/postgres/connect';
import { isPostgresLocation, redact } from '../../core/index/postgres/location';
import { migrate } from '../../core/index/postgres/schema';
import { parseCommandLine } from './command-line';

const help = `Usage: formula-lens db-init postgres://USER@HOST:PORT/DATABASE[?sslmode=…]

Creates the tables of a shared Formula Lens index in the database, or migrates them to this version's schema.
Run it with the role that owns the index (docs/postgres.md, "Roles"). The password comes from PGPASSWORD or
~/.pgpass, never from the location.

Exit codes: 0 the schema is current, 1 the server refused or holds a newer schema, 2 bad usage.`;

export const databaseInitCommand: CliCommand = {
  name: 'db-init',
  summary: 'create or migrate a shared PostgreSQL index',
  help,
  async run(args) {
    const { positionals } = parseCommandLine(args, {});
    if (positionals.length !== 1) throw new UsageError('needs one postgres:// location');
    const [location] = positionals;
    if (!isPostgresLocation(location)) throw new UsageError(`${location} is not a postgres:// location`);
    const client = await connectPostgres(location);
    if (!client.ok) {
      process.stderr.write(`formula-lens db-init: ${client.reason}\n`);
      return ExitCode.failure;
    }
    try {
      const migrated = await migrate(client.value);
      if (!migrated.ok) {
        process.stderr.write(`formula-lens db-init: ${migrated.reason}\n`);
        return ExitCode.failure;
      }
      const { from, to } = migrated.value;
      process.stdout.write(from === to ? `${redact(location)}: schema ${to}, current\n` : `${redact(location)}: schema ${from} → ${to}\n`);
      return ExitCode.ok;
    } catch (error) {
      process.stderr.write(`formula-lens db-init: the server refused the migration (${(error as Error).message}); nothing was changed.\n`);
      return ExitCode.failure;
    } finally {
      await client.value.end();
    }
  },
};
