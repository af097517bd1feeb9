// No Docker engine or hadolint here: the Dockerfile is parsed and checked against what the
// build produces (tsconfig.build.json maps src/ to dist/) and what the manifests expect.
import t from 'tap';
import { SERVER_NODE_FLAGS, SERVER_NODE_OPTIONS } from '../../src/install/manifests.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTAINER_PORT, RUN_AS_UID } from '../../src/install/constants.js';
import { ROOT } from '../helpers/fixtures.js';

interface Instruction {
  op: string;
  args: string;
}

/** parseDockerfile joins continuation lines, drops comments, and splits each instruction. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return logical.map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op!.toUpperCase(), args: rest.join(' ') };
  });
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const i of dockerfile) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const runtime = stages.at(-1)!;
const all = (op: string, s: Instruction[] = dockerfile): Instruction[] =>
  s.filter((i) => i.op === op);

t.test('multi-stage: build, production dependencies, runtime', async (t) => {
  t.ok(stages.length >= 2, `${stages.length} stages`);
  const names = all('FROM').map((f) => f.args.split(/\s+AS\s+/i)[1]);
  t.strictSame(names, ['build', 'deps', 'runtime']);
  for (const f of all('FROM')) t.match(f.args, /^\$\{NODE_IMAGE\}|^node:20/, 'Node 20 base');
  t.match(all('ARG')[0]!.args, /^NODE_IMAGE=node:20-(alpine|slim)/);
  t.ok(
    stages[0]!.some((i) => i.op === 'RUN' && i.args.includes('npm run build')),
    'the build stage compiles',
  );
  t.ok(
    dockerfile.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)),
    'production dependencies come from npm ci --omit=dev',
  );
  t.notOk(
    runtime.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args)),
    'the runtime stage installs nothing',
  );
  const copies = all('COPY', runtime).map((c) => c.args);
  t.ok(
    copies.some((c) => c.includes('--from=deps') && c.includes('node_modules')),
    'node_modules from the deps stage',
  );
  t.ok(
    copies.some((c) => c.includes('--from=build') && c.includes('/dist')),
    'dist from the build stage',
  );
});

t.test(
  'non-root numeric USER matching the manifests, exec-form ENTRYPOINT on a built file',
  async (t) => {
    const user = all('USER', runtime).at(-1)?.args;
    t.equal(
      user,
      `${RUN_AS_UID}:${RUN_AS_UID}`,
      'numeric uid:gid, the runAsUser of the Deployment',
    );
    const entry = all('ENTRYPOINT', runtime).at(-1)!.args;
    const argv = JSON.parse(entry) as string[];
    t.strictSame(
      argv,
      ['node', ...SERVER_NODE_FLAGS, 'dist/cli/main.js', 'serve'],
      'exec form: no shell at run time, with the server flags',
    );
    const semiSpace = (flags: string[]) =>
      flags.find((f) => f.startsWith('--max-semi-space-size='));
    t.ok(semiSpace(argv), 'the image sizes the young generation');
    t.equal(
      semiSpace(argv),
      semiSpace(SERVER_NODE_OPTIONS.split(' ')),
      'the same young-generation size as the Deployment sets',
    );
    const start = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    t.equal(start, argv.join(' '), 'npm start runs the same command');
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    const script = argv[1 + SERVER_NODE_FLAGS.length]!;
    const source = script
      .replace(new RegExp(`^${build.compilerOptions.outDir}/`), `${build.compilerOptions.rootDir}/`)
      .replace(/\.js$/, '.ts');
    t.ok(existsSync(join(ROOT, source)), `${script} is built from ${source}`);
    t.equal(all('EXPOSE', runtime)[0]?.args, String(CONTAINER_PORT));
    t.notOk(all('CMD').length, 'no CMD: arguments come from the ENTRYPOINT');
  },
);

t.test('.dockerignore lets in exactly what the Dockerfile copies from the context', async (t) => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  t.equal(rules[0], '*', 'allow-list: everything is ignored first');
  const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
  const fromContext = all('COPY')
    .filter((c) => !c.args.includes('--from='))
    .flatMap((c) =>
      c.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1),
    );
  t.ok(fromContext.length >= 4);
  for (const src of fromContext) {
    t.ok(allowed.includes(src.replace(/\/$/, '')), `${src} is not ignored`);
    t.ok(existsSync(join(ROOT, src)), `${src} exists`);
  }
  for (const never of ['node_modules', '.git', 'dist', 'test'])
    t.notOk(allowed.includes(never), `${never} stays out of the context`);
});
