#!/usr/bin/env node
import { writeCrds } from './crds.js';
import { renderCommand, RENDER_USAGE } from './render.js';
import { serveCommand } from './serve.js';
import { docsCommand, manifestsCommand, OUTPUT_OPTION } from './install.js';
import { hookCommand } from './hook.js';
import { notifyCommand } from './notify.js';
import { rolloutCommand, ROLLOUT_USAGE } from './rollout.js';
import { CliError, EXIT } from './errors.js';
import { parseOptionsOnly, UsageError } from './usage.js';

/** One subcommand: a one-line summary, its usage text, and what it does. */
interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Every subcommand of gati-operator. Each lives in its own module under src/cli/. */
export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  notify: notifyCommand,
  manifests: manifestsCommand,
  docs: docsCommand,
  hook: {
    summary: 'run one hook: request JSON on stdin, response JSON on stdout',
    usage:
      'gati-operator hook <gatihandler|gatimodule|gativersion> <sync|finalize|customize> [--now <RFC3339>]',
    run: (args) => hookCommand(args),
  },
  rollout: {
    summary:
      'show or steer a handler rollout: status, pause, resume, promote, promote-full, abort, retry',
    usage: ROLLOUT_USAGE,
    run: (args) => rolloutCommand(args),
  },
  render: {
    summary: 'render Gati YAML for a deployment target: kubernetes, helm or gitops',
    usage: RENDER_USAGE,
    run: (args) => renderCommand(args),
  },
  crds: {
    summary: 'write the CustomResourceDefinitions generated from src/api',
    usage: 'gati-operator crds [-o <dir>]   (default dir: crds)',
    async run(args) {
      const dir = parseOptionsOnly(args, OUTPUT_OPTION).output ?? 'crds';
      for (const path of writeCrds(dir)) process.stdout.write(`wrote ${path}\n`);
      return EXIT.ok;
    },
  },
};

function help(): string {
  const lines = ['Usage: gati-operator <command> [options]', '', 'Commands:'];
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  for (const [name, c] of Object.entries(COMMANDS))
    lines.push(`  ${name.padEnd(width)}  ${c.summary}`);
  lines.push('', 'Run `gati-operator <command> --help` for the options of one command.');
  return lines.join('\n') + '\n';
}

/** main runs the command line and returns the exit code (EXIT): every failure is one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`gati-operator: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: ${cmd.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await cmd.run(args);
  } catch (err) {
    const usage = err instanceof UsageError ? `Usage: ${cmd.usage}\n` : '';
    process.stderr.write(`gati-operator ${name}: ${(err as Error).message}\n${usage}`);
    return err instanceof CliError ? err.exitCode : EXIT.failed;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
