/**
 * `sprint-gan` command dispatcher. Each command lives in `cli/commands/<name>.ts`
 * and exports a {@link Command}; adding a command is adding a file there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Command {
  /** One line shown by `sprint-gan --help`. */
  summary: string;
  /** Full usage text shown by `sprint-gan <name> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

const commandsDir = path.join(__dirname, 'commands');

export function commandNames(): string[] {
  return fs
    .readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function loadCommand(name: string): Command | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(commandsDir, `${name}.ts`)).command as Command;
}

function usage(): string {
  const lines = ['Usage: sprint-gan <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const cmd = loadCommand(name);
    lines.push(`  ${name.padEnd(12)} ${cmd ? cmd.summary : ''}`);
  }
  lines.push('', 'Run `sprint-gan <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = loadCommand(name);
  if (!cmd) {
    console.error(`sprint-gan: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help);
    return 0;
  }
  return cmd.run(rest);
}
