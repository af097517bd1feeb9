import { main } from '../../src/cli/main.js';

/** runCli calls gati-operator in-process and captures what it prints on stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write };
  const into = (chunks: string[]) =>
    ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  process.stdout.write = into(out);
  process.stderr.write = into(err);
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}
