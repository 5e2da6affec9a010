// What `npm run package` decides before it packages: which platform the native modules here were
// compiled for, whether the asked target is that platform, and which native files the target's
// package keeps. Pure (no spawning), so test/unit/package checks it.

/** The platform hnswlib-node's addon is read from: node-gyp compiles it during `npm ci`, for this machine only. */
export const hnswlibAddon = 'node_modules/hnswlib-node/build/Release/addon.node';

/** onnxruntime-node's prebuilt binaries, one folder per `<os>/<arch>`; the package keeps only the target's. */
const onnxruntimeBinaries = 'node_modules/onnxruntime-node/bin/napi-v6';

/** `<os>-<arch>` as vsce's `--target` names it (linux-x64, darwin-arm64, win32-x64, …). */
export type Target = `${string}-${string}`;

const elfMachines: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'armhf' };
const machOCpus: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const peMachines: Record<number, string> = { 0x8664: 'x64', 0xaa64: 'arm64' };

/** The target a native binary (ELF, Mach-O or PE) runs on, from its header; undefined for anything else. */
export function binaryTarget(binary: Buffer): Target | undefined {
  if (binary.length < 64) return undefined;
  if (binary.readUInt32BE(0) === 0x7f454c46) {
    return known('linux', elfMachines[binary[5] === 2 ? binary.readUInt16BE(18) : binary.readUInt16LE(18)]);
  }
  if (binary.readUInt32LE(0) === 0xfeedfacf) {
    return known('darwin', machOCpus[binary.readUInt32LE(4)]);
  }
  if (binary.toString('latin1', 0, 2) === 'MZ') {
    const header = binary.readUInt32LE(0x3c);
    if (header + 6 > binary.length || binary.toString('latin1', header, header + 4) !== 'PE\0\0') return undefined;
    return known('win32', peMachines[binary.readUInt16LE(header + 4)]);
  }
  return undefined;
}

function known(os: string, arch: string | undefined): Target | undefined {
  return arch === undefined ? undefined : `${os}-${arch}`;
}

/** The asked target: `--target <t>` on the command line, else VSCE_TARGET, else undefined (the compiled one). */
export function requestedTarget(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  const flag = argv.indexOf('--target');
  if (flag >= 0) return argv[flag + 1];
  return env.VSCE_TARGET || undefined;
}

/**
 * The target to package, or why it cannot be packaged here. hnswlib-node has no prebuilt binaries:
 * a package for another platform would carry this machine's addon and fail to load it there.
 */
export function chooseTarget(requested: string | undefined, compiled: Target | undefined): { ok: true; target: Target } | { ok: false; reason: string } {
  if (!compiled) {
    return { ok: false, reason: `${hnswlibAddon} is missing or not a native binary this script knows; run \`npm ci\` first.` };
  }
  if (requested === undefined || requested === compiled) return { ok: true, target: compiled };
  return {
    ok: false,
    reason:
      `cannot package for ${requested} here: hnswlib-node is compiled during \`npm ci\` and was compiled for ${compiled}, ` +
      `so a ${requested} package would carry a ${compiled} binary. Build it on a ${requested} machine instead: ` +
      '`npm ci && npm run package` there.',
  };
}

/** The folder of the target's onnxruntime-node binaries (`linux-x64` → `…/linux/x64`). */
export function onnxruntimeFolder(target: Target): string {
  const [os, arch] = target.split('-');
  return `${onnxruntimeBinaries}/${os}/${arch}`;
}

/** The ignore rules of a target's package: `.vscodeignore`'s, which ship no platform binaries, plus the target's. */
export function packageIgnoreRules(vscodeignore: string, target: Target): string {
  return `${vscodeignore.trimEnd()}\n# ${target}: its onnxruntime binaries (added by scripts/package.ts)\n!${onnxruntimeFolder(target)}/**\n`;
}
