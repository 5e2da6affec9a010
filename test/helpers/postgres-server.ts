// A throwaway PostgreSQL server from Debian's packages for the server tests: initdb into a temporary folder,
// pg_ctl on a free loopback port, stopped and removed at the end. Root cannot run initdb, so as root the server
// runs as the `postgres` user the package creates.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { connectPostgres } from '../../src/core/index/postgres/connect';
import { freeLoopbackPort } from './free-port';

/** The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin), or undefined. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return majors.map((major) => path.join(root, major, 'bin')).find((bin) => existsSync(path.join(bin, 'initdb')));
}

/** Why the server tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (!postgresBinaries()) return 'PostgreSQL server binaries are not installed (apt-get install postgresql; scripts/setup.sh --test does it)';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'running as root, and there is no postgres user to run the server as';
  return undefined;
}


export interface PostgresServer {
  /** Superuser connection string (trust authentication on loopback; no password). */
  url: string;
  host: string;
  port: number;
  /** The superuser's name. */
  user: string;
  /** Runs psql as the superuser (for set-up SQL a test does not want to write through the client). */
  psql(sql: string, database?: string): string;
  /** Makes the server ask this role for its password (the others keep trust authentication). */
  requirePassword(role: string): void;
  /** Creates a database (named `prefix` and a number) and gives its location, reached as the superuser. */
  freshDatabase(prefix: string): string;
  stop(): void;
}

/** Starts a fresh server; call `stop()` when done (also registered for process exit). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  if (!bin) throw new Error(postgresUnavailable());
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'postgres' : userInfo().username;
  const run = (command: string, args: string[]) => {
    const full = path.join(bin, command);
    return asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      : execFileSync(full, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const root = mkdtempSync(path.join(tmpdir(), 'formula-lens-pg-'));
  const data = path.join(root, 'data');
  if (asRoot) {
    chmodSync(root, 0o755);
    chownSync(root, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  }
  run('initdb', ['-D', data, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freeLoopbackPort();
  run('pg_ctl', ['-D', data, '-l', path.join(root, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  process.once('exit', stop);
  const host = '127.0.0.1';
  let databases = 0;
  const psql = (sql: string, database = 'postgres') => run('psql', ['-h', host, '-p', String(port), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]).trim();
  return {
    url: `postgres://${user}@${host}:${port}/postgres`,
    host,
    port,
    user,
    psql,
    requirePassword(role) {
      // the first matching line of pg_hba.conf decides
      const hba = path.join(data, 'pg_hba.conf');
      writeFileSync(hba, `host all ${role} ${host}/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
      psql('SELECT pg_reload_conf()');
    },
    freshDatabase(prefix) {
      const name = `${prefix}${++databases}`;
      psql(`CREATE DATABASE ${name}`);
      return `postgres://${user}@${host}:${port}/${name}`;
    },
    stop,
  };
}

/** A connected client of the location (the test fails when it cannot connect); the caller ends it. */
export async function connectedClient(location: string): Promise<Client> {
  const client = await connectPostgres(location);
  assert.ok(client.ok, client.ok ? '' : client.reason);
  return client.value;
}
