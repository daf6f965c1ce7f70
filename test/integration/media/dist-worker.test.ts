import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RELAY_PATHS, batchBuilt } from './relay-io.js';

const dist = fileURLToPath(new URL('../../../dist/media/index.js', import.meta.url));

// `npm test` builds first; the compiled relay must start its workers from dist/ (.js), not
// from the TypeScript sources the other tests use.
describe.runIf(existsSync(dist))('relay workers from the compiled build', () => {
  for (const { name, io, options } of RELAY_PATHS) {
    it.skipIf(io === 'batch' && !batchBuilt)(
      `start from dist/ and relay a packet (path: ${name})`,
      () => {
        const script = `
      import dgram from 'node:dgram';
      import { createRelay } from ${JSON.stringify(new URL(`file://${dist}`).href)};
      const relay = await createRelay({ workers: 1, ...${JSON.stringify(options)} });
      const a = dgram.createSocket('udp4');
      const b = dgram.createSocket('udp4');
      try {
        await new Promise((r) => a.bind(0, '127.0.0.1', r));
        await new Promise((r) => b.bind(0, '127.0.0.1', r));
        const s = await relay.allocate({ legA: { bindAddress: '127.0.0.1' }, legB: { bindAddress: '127.0.0.1' } });
        await relay.setPeer(s.id, 'A', { address: '127.0.0.1', port: a.address().port });
        await relay.setPeer(s.id, 'B', { address: '127.0.0.1', port: b.address().port });
        const got = new Promise((resolve) => b.once('message', (m) => resolve(m.length)));
        const rtp = Buffer.alloc(172); rtp[0] = 0x80; rtp[3] = 1;
        a.send(rtp, s.legA.port, '127.0.0.1');
        const timeout = new Promise((resolve) => setTimeout(() => resolve(-1), 3000));
        console.log(JSON.stringify({ id: s.id, io: relay.io, native: relay.nativeForwarding, received: await Promise.race([got, timeout]) }));
      } finally {
        a.close(); b.close();
        await relay.shutdown();
      }
    `;
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.stderr).toBe('');
        expect(JSON.parse(r.stdout.trim())).toEqual({
          id: 'w0.1',
          io,
          native: options.nativeForwarding,
          received: 172,
        });
      },
    );
  }
});
