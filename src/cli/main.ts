// `formula-lens`: the command-line face of the core (search, index, embed, …).
import { ExitCode, UsageError } from './command';
import { commands } from './commands';
import { version } from '../../package.json';
import { errorMessage } from '../core/result';

function usage(): string {
  const width = Math.max(0, ...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    `formula-lens ${version}: find similar formulas, and the papers they come from.`,
    '',
    'Usage: formula-lens <command> [options]',
    '',
    'Commands:',
    ...(lines.length ? lines : ['  (none yet)']),
    '',
    'Run `formula-lens <command> --help` for the options of one command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(version + '\n');
    return ExitCode.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`formula-lens: unknown command '${name}'\n\n${usage()}\n`);
    return ExitCode.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(command.help + '\n');
    return ExitCode.ok;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`formula-lens ${name}: ${error.message}\n\n${command.help}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`formula-lens ${name}: ${errorMessage(error)}\n`);
    return ExitCode.failure;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`formula-lens: ${String(error)}\n`);
    process.exitCode = ExitCode.failure;
  },
);
