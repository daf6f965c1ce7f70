import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectControl,
  ControlChannel,
  parseControlAddress,
  type Message,
} from '../../../src/lab/control.js';

let server: Server | null = null;
let dir: string | null = null;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  if (dir) {
    await rm(dir, { recursive: true, force: true });
    dir = null;
  }
});

/** A server on a Unix socket that hands each connection to `onChannel`. */
async function listenUnix(onChannel: (ch: ControlChannel) => void): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-control-'));
  const path = join(dir, 'c.sock');
  server = createServer((s) => {
    onChannel(new ControlChannel(s));
  });
  await new Promise<void>((r) => server?.listen(path, r));
  return `unix:${path}`;
}

describe('control channel', () => {
  it('answers requests over a real Unix socket, errors included, and carries messages', async () => {
    const address = await listenUnix((ch) => {
      ch.onRequest = (r) =>
        r.kind === 'decide'
          ? Promise.resolve({ call: r.call, n: 1 })
          : Promise.reject(new Error('nope'));
      ch.on('message', (m) => {
        if (m.t === 'hello') {
          ch.send({ t: 'start', t0: 42 });
        }
      });
    });
    const ch = await connectControl(address, 2000);
    const started = new Promise<Message>((r) => ch.once('message', r));
    ch.send({ t: 'hello', host: 'alice', pid: 1 });
    expect(await started).toEqual({ t: 'start', t0: 42 });
    await expect(ch.request({ kind: 'decide', call: 'c1' })).resolves.toEqual({ call: 'c1', n: 1 });
    await expect(ch.request({ kind: 'release', call: 'c1' })).rejects.toThrow('nope');
    ch.close();
  });

  it('reassembles messages split across reads and several in one read', async () => {
    const got: Message[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const address = await listenUnix((ch) => {
      ch.on('message', (m) => {
        got.push(m);
        if (got.length === 3) {
          done();
        }
      });
    });
    const where = parseControlAddress(address);
    const { connect } = await import('node:net');
    const raw = connect('path' in where ? where.path : '');
    await new Promise((r) => raw.once('connect', r));
    const text = `${JSON.stringify({ t: 'ready' })}\n${JSON.stringify({ t: 'collect' })}\n${JSON.stringify({ t: 'hello', host: 'bob', pid: 7 })}\n`;
    raw.write(text.slice(0, 5));
    await new Promise((r) => setTimeout(r, 20));
    raw.write(text.slice(5, 30));
    await new Promise((r) => setTimeout(r, 20));
    raw.write(text.slice(30));
    await all;
    expect(got).toEqual([{ t: 'ready' }, { t: 'collect' }, { t: 'hello', host: 'bob', pid: 7 }]);
    raw.destroy();
  });

  it('rejects a pending request when the other end goes away', async () => {
    const address = await listenUnix((ch) => {
      ch.onRequest = () => {
        ch.close();
        return new Promise(() => undefined);
      };
    });
    const ch = await connectControl(address, 2000);
    await expect(ch.request({ kind: 'decide', call: 'x' })).rejects.toThrow(
      'control channel closed',
    );
  });

  it('keeps trying to reach an orchestrator that is not listening yet, then gives up', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediapath-control-'));
    const t = Date.now();
    await expect(connectControl(`unix:${join(dir, 'none.sock')}`, 600)).rejects.toThrow(
      /cannot reach the orchestrator/,
    );
    expect(Date.now() - t).toBeGreaterThanOrEqual(500);
  });

  it('parses control addresses and refuses bad ones', () => {
    expect(parseControlAddress('unix:/tmp/a.sock')).toEqual({ path: '/tmp/a.sock' });
    expect(parseControlAddress('mediapath:7000')).toEqual({ host: 'mediapath', port: 7000 });
    expect(parseControlAddress(':7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(() => parseControlAddress('mediapath')).toThrow(/unix:PATH or HOST:PORT/);
    expect(() => parseControlAddress('h:70000')).toThrow();
  });
});
