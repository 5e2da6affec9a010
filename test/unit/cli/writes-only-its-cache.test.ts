// Issue 20: nothing we run writes outside our cache folder. A default-mode search (which builds the default
// index), and bitmap and symbolic embeddings (which load onnxruntime, whose telemetry once queued events in
// ~/.cache/Microsoft/DeveloperTools and whose debug builds log to the temp folder), run under a fresh HOME and
// TMPDIR; afterwards every file under them is inside HOME/.cache/formula-lens. It runs the built CLI (out/cli.js,
// as the package ships it): tsx would leave its compile cache in the temp folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../helpers/paths';

const scratch = mkdtempSync(path.join(tmpdir(), 'formula-lens-writes-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

test('a search and both encoders write nothing outside HOME/.cache/formula-lens', () => {
  const home = path.join(scratch, 'home');
  const temp = path.join(scratch, 'tmp');
  mkdirSync(home);
  mkdirSync(temp);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: temp };
  delete env.XDG_CACHE_HOME;
  delete env.FORMULA_LENS_CACHE;
  const cli = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'out', 'cli.js'), ...args], { env, input, encoding: 'utf8', timeout: 300_000 });
    assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  };
  cli(['search', 'x^2 + y^2 = z^2']);
  cli(['embed', '--encoder', 'bitmap'], '{"latex": "x^2 + y^2 = z^2"}\n');
  cli(['embed', '--encoder', 'symbolic'], '{"latex": "x^2 + y^2 = z^2"}\n');
  const ours = path.join(home, '.cache', 'formula-lens') + path.sep;
  const files = [...filesUnder(home), ...filesUnder(temp)];
  assert.ok(files.some((file) => file.startsWith(ours)), 'the default index was built in our cache');
  assert.deepEqual(files.filter((file) => !file.startsWith(ours)), []);
});
