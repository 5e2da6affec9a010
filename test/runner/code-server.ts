// A real VS Code for the integration and UI tiers: code-server on a loopback port with fresh state,
// and its workbench in headless Chromium driven by playwright-core. Every step has a timeout, and
// the whole code-server process group is killed on stop, on exit and on SIGINT/SIGTERM, so a hang
// fails the tier instead of blocking CI. Recipe: /work/shared/notes/real-vscode.md.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freeLoopbackPort } from '../helpers/free-port';
import { repoRoot } from '../helpers/paths';

export const codeServerVersion = '4.100.3';

/** Where scripts/setup-vscode.sh installs code-server; FORMULA_LENS_CODE_SERVER overrides it. */
export function codeServerExecutable(): string {
  const cacheRoot = process.env.FORMULA_LENS_CACHE ?? path.join(os.homedir(), '.cache', 'formula-lens');
  return (
    process.env.FORMULA_LENS_CODE_SERVER ??
    path.join(cacheRoot, `code-server-${codeServerVersion}`, 'node_modules', '.bin', 'code-server')
  );
}

/** The folder the tiers open as the workspace: a small LaTeX paper and its bibliography. */
export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');

/** Settings that keep a test workbench quiet and offline. */
const quietSettings = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  // Tests edit fixture files; the web workbench's default auto-save would write those edits back into the repo.
  'files.autoSave': 'off',
};

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Fresh per start: user data, extensions, config, log, and the cache the engine builds the default index in. Removed on stop. */
  stateDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for code-server and so for its extension host (e.g. where tests write results). */
  env?: Record<string, string>;
  /** Added to (and overriding) the quiet defaults in the fresh settings.json. */
  settings?: Record<string, unknown>;
  readyTimeoutMs?: number;
}

/** Process groups started here that are still alive: killed if this process exits or is interrupted. */
const liveGroups = new Set<number>();
let exitHooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`code-server runner: ${signal}, stopping`);
      process.exit(130);
    });
  }
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts code-server with fresh state on a free loopback port and waits until it answers /healthz. */
export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  installExitHooks();
  const executable = codeServerExecutable();
  if (!existsSync(executable)) throw new Error(`no code-server at ${executable}: run bash scripts/setup-vscode.sh`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'formula-lens-code-server-'));
  const userDataDir = path.join(stateDir, 'data');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...quietSettings, ...options.settings }, null, 2),
  );
  const config = path.join(stateDir, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const port = await freeLoopbackPort();
  const logFile = path.join(stateDir, 'code-server.log');
  const log = openSync(logFile, 'a');
  // detached: code-server leads its own process group, so stop() can kill its watchers and extension hosts too.
  const child = spawn(
    executable,
    [
      '--config', config,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', userDataDir,
      '--extensions-dir', path.join(stateDir, 'extensions'),
      '--ignore-last-opened',
    ],
    // A cache folder of its own: a test's stand-in default library must never replace the user's default index.
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, FORMULA_LENS_CACHE: path.join(stateDir, 'cache'), ...options.env } },
  );
  closeSync(log);
  /** Why code-server cannot be used: it did not start, exited, or never answered. */
  let failure: string | undefined;
  child.once('error', (error) => (failure = `code-server did not start: ${error.message}`));
  child.once('exit', (code, signal) => (failure = `code-server exited (code ${code}, signal ${signal})`));
  const pgid = child.pid;
  if (pgid === undefined) {
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`could not start ${executable}`);
  }
  liveGroups.add(pgid);

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    killGroup(pgid, 'SIGTERM');
    for (let waited = 0; waited < 5_000 && groupAlive(pgid); waited += 100) await sleep(100);
    killGroup(pgid, 'SIGKILL');
    liveGroups.delete(pgid);
    rmSync(stateDir, { recursive: true, force: true });
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyTimeoutMs;
  while (!failure) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { url, port, stateDir, logFile, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) failure = `code-server was not ready on ${url} within ${readyTimeoutMs} ms`;
    else await sleep(200);
  }
  const logTail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  await stop();
  throw new Error(`${failure}; its log ends:\n${logTail}`);
}

export interface WorkbenchOptions {
  /** The folder to open; defaults to the fixture workspace. */
  folder?: string;
  /** The extension to load from its folder; defaults to this repository. */
  extensionDevelopmentPath?: string;
  /** A bundled tests module exporting run() (the extension test runner contract); omit to just use the UI. */
  extensionTestsPath?: string;
}

/** The workbench URL whose `payload` loads an extension from its folder (and, with tests, runs them). */
export function workbenchUrl(server: CodeServer, options: WorkbenchOptions = {}): string {
  const remote = (file: string) => `vscode-remote://127.0.0.1:${server.port}${file}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath ?? repoRoot)],
  ];
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  const query = new URLSearchParams({ folder: options.folder ?? fixtureWorkspace, payload: JSON.stringify(payload) });
  return `${server.url}/?${query}`;
}

export interface Workbench {
  page: Page;
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export interface OpenOptions extends WorkbenchOptions {
  /** Called before navigation, e.g. to expose functions the workbench calls (codeAutomationExit). */
  beforeNavigate?: (page: Page) => Promise<void>;
  viewport?: { width: number; height: number };
  /** Milliseconds to wait for the workbench to show. */
  timeoutMs?: number;
}

/** Headless Debian Chromium (never a downloaded one), fresh profile, opened on the workbench. */
export async function openWorkbench(server: CodeServer, options: OpenOptions = {}): Promise<Workbench> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'formula-lens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.FORMULA_LENS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: options.viewport ?? { width: 1400, height: 900 },
    timeout: 30_000,
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    await options.beforeNavigate?.(page);
    const timeout = options.timeoutMs ?? 60_000;
    await page.goto(workbenchUrl(server, options), { timeout });
    await page.locator('.monaco-workbench').waitFor({ timeout });
    return { page, context, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Relays the browser console. Info lines (the extension host's console.log, forwarded as
 * `('%c INFO', css, ...args)`, so tests' output, and a few workbench start-up lines) go to `write`,
 * formatted as Node would; everything else (workbench warnings and errors, e.g. the offline extension
 * gallery) goes to the file `workbenchLog`, for when something needs explaining.
 */
export function relayConsole(page: Page, write: (line: string) => void, workbenchLog: string): void {
  let previous = Promise.resolve();
  page.on('console', (message) => {
    previous = previous.then(async () => {
      const args = await Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '[unserializable]')));
      const [prefix, css, ...rest] = args;
      const level = typeof prefix === 'string' ? /^%c\s*([A-Z]+)$/.exec(prefix)?.[1] : undefined;
      if (level === 'INFO' && typeof css === 'string' && rest.length > 0) {
        write(format(...rest));
      } else {
        appendFileSync(workbenchLog, `[${message.type()}] ${message.text()}\n`);
      }
    });
  });
}

/** Runs `body` against a fresh code-server and workbench, stopping both whatever happens. */
export async function withWorkbench<T>(
  options: StartOptions & OpenOptions,
  body: (workbench: Workbench, server: CodeServer) => Promise<T>,
): Promise<T> {
  const server = await startCodeServer(options);
  try {
    const workbench = await openWorkbench(server, options);
    try {
      return await body(workbench, server);
    } finally {
      await workbench.close();
    }
  } finally {
    await server.stop();
  }
}
