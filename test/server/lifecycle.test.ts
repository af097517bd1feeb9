import { EventEmitter } from 'node:events';
import t from 'tap';
import { listenWithGrace } from '../../src/server/lifecycle.js';
import { makeApp, syncRequest } from './helpers.js';

t.test(
  'a signal turns readiness off at once, closes the app and exits 0; a second signal is ignored',
  async (t) => {
    const readiness = { ready: true };
    const { app } = makeApp(t, { readiness });
    const signals = new EventEmitter();
    const exits: number[] = [];
    const done = new Promise<void>((r) => signals.once('exited', r));
    const address = await listenWithGrace({
      app,
      config: { host: '127.0.0.1', port: 0, shutdownGraceMs: 5000 },
      readiness,
      signals,
      exit: (code) => (exits.push(code), signals.emit('exited')),
    });
    t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.equal((await fetch(`${address}/readyz`)).status, 200);
    signals.emit('SIGINT');
    t.equal(readiness.ready, false, 'readiness flips synchronously');
    signals.emit('SIGTERM');
    await done;
    t.same(exits, [0]);
  },
);

t.test('the grace timer exits 1 when in-flight calls outlast it', async (t) => {
  const readiness = { ready: true };
  let release: (() => void) | undefined;
  let called: () => void = () => {};
  const observing = new Promise<void>((r) => (called = r));
  const observe = () =>
    new Promise<Record<string, never>>((r) => ((release = () => r({})), called()));
  const { app } = makeApp(t, { readiness, observe });
  const signals = new EventEmitter();
  const exits: number[] = [];
  const exited = new Promise<void>((r) => signals.once('exited', r));
  const address = await listenWithGrace({
    app,
    config: { host: '127.0.0.1', port: 0, shutdownGraceMs: 50 },
    readiness,
    signals,
    exit: (c) => (exits.push(c), signals.emit('exited')),
  });
  const inFlight = fetch(`${address}/hooks/gatihandler/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(syncRequest()),
  });
  await observing;
  signals.emit('SIGTERM');
  await exited;
  t.same(exits, [1], 'hard exit once the grace ran out');
  release?.();
  t.equal((await inFlight).status, 200);
});

t.test('a failing close exits 1', async (t) => {
  const readiness = { ready: true };
  const { app } = makeApp(t, { readiness });
  app.addHook('onClose', async () => {
    throw new Error('cannot close');
  });
  const signals = new EventEmitter();
  const exited = new Promise<number>((r) => signals.once('exited', r));
  await listenWithGrace({
    app,
    config: { host: '127.0.0.1', port: 0, shutdownGraceMs: 5000 },
    readiness,
    signals,
    exit: (c) => void signals.emit('exited', c),
  });
  signals.emit('SIGTERM');
  t.equal(await exited, 1);
});
