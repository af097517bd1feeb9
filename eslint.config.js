import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first. A file may import from its own folder and from folders of
 * a LOWER rank only; folders of one rank are peers and never import each other.
 * test/architecture.test.ts enforces the same table (and the absence of file cycles) in
 * `npm test`; the rule below shows a violation in the editor.
 */
export const LAYERS = {
  api: 0, //       schemas, kinds, label/annotation keys, defaults, errors
  kube: 1, //      base for Kubernetes objects: model types, canonical(), reading observed objects
  resources: 2, // builders: one make<Kind>() per child kind, names, labels
  timescape: 3, // pure planning of versions, weights, rollouts and drains (reads resources/names)
  status: 4, //    status and conditions from the plan and the observed children
  hooks: 5, //     the pure hooks, the controller table, callHook()
  install: 6, //   the install manifests and Metacontroller objects
  server: 6, //    the Fastify hook server: the only I/O of the hooks
  notify: 6, //    gati-operator notify: Events and notifications from status transitions
  render: 7, //    offline renderers (Helm, GitOps, static), fed by the hooks and the install set
  cli: 8, //       gati-operator
};

/** layerRules: for each folder, the imports of its own rank or above are refused. */
function layerRules() {
  return Object.entries(LAYERS).map(([folder, rank]) => {
    const refused = Object.entries(LAYERS)
      .filter(([other, r]) => other !== folder && r >= rank)
      .map(([other]) => other);
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: refused.map((other) => ({
              group: [`../${other}/*`, `../${other}/**`, '../index.js'],
              message: `src/${folder} (layer ${rank}) may not import src/${other} (layer ${LAYERS[other]}): imports point down (see docs/architecture.md)`,
            })),
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  ...layerRules(),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
