// Types of eslint.config.js for test/architecture.test.ts, which reads its layer table.
export declare const LAYERS: Record<string, number>;
declare const config: unknown[];
export default config;
