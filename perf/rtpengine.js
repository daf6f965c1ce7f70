/**
 * rtpengine as a relay under test: starts the daemon in user space only (no kernel module,
 * no iptables, loopback interface, logs to stderr, in the foreground), drives it over its ng
 * control protocol (bencoded offer/answer/delete over UDP on loopback) and stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { bdecode, bencode } from './bencode.js';

/** True when the rtpengine binary is installed. */
export function rtpengineAvailable() {
  const r = spawnSync('rtpengine', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Clock ticks per second for /proc/<pid>/stat. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** CPU time (user + system, all threads) of a process in microseconds, from /proc. */
export function processCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command name start at field 3 (state); utime is 14, stime 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLK_TCK;
}

/** Resident memory of a process in bytes, from /proc. */
export function processRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Starts rtpengine. Resolves once its ng port answers a ping.
 *
 * @param {{ cpu?: number, ngPort?: number, portMin?: number, portMax?: number, threads?: number }} options
 */
export async function startRtpengine(options = {}) {
  const ngPort = options.ngPort ?? 22222;
  const args = [
    '--table=-1',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`,
    '--foreground',
    '--log-stderr',
    '--log-level=3',
    `--port-min=${options.portMin ?? 30000}`,
    `--port-max=${options.portMax ?? 39999}`,
    `--num-threads=${options.threads ?? 1}`,
    '--timeout=120',
    '--delete-delay=0',
  ];
  const pinned = options.cpu !== undefined;
  const child = pinned
    ? spawn('taskset', ['-c', String(options.cpu), 'rtpengine', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
  });
  const ng = await NgClient.open(ngPort);
  const stop = async () => {
    ng.close();
    if (exited) {
      return;
    }
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  };
  try {
    // Up to 5 s for the daemon to come up.
    let up = false;
    for (let i = 0; i < 50 && !exited && !up; i++) {
      try {
        const r = await ng.request({ command: 'ping' }, 100);
        up = r.result === 'pong';
      } catch {
        // Not listening yet.
      }
    }
    if (!up) {
      throw new Error(`rtpengine did not start: ${stderr.slice(-500)}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: child.pid, ng, stop, stderr: () => stderr, pinned };
}

/** A client of rtpengine's ng protocol: `<cookie> <bencoded dict>` over UDP. */
export class NgClient {
  static async open(port) {
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new NgClient(socket, port);
  }

  constructor(socket, port) {
    this.socket = socket;
    this.port = port;
    this.pending = new Map();
    socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      if (space < 0) {
        return;
      }
      const cookie = msg.subarray(0, space).toString();
      const p = this.pending.get(cookie);
      if (p) {
        this.pending.delete(cookie);
        clearTimeout(p.timer);
        try {
          p.resolve(bdecode(msg.subarray(space + 1)));
        } catch (e) {
          p.reject(e);
        }
      }
    });
  }

  request(dict, timeoutMs = 2000) {
    const cookie = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`ng ${dict.command} timed out`));
      }, timeoutMs);
      this.pending.set(cookie, { resolve, reject, timer });
      this.socket.send(
        Buffer.concat([Buffer.from(`${cookie} `), bencode(dict)]),
        this.port,
        '127.0.0.1',
      );
    });
  }

  close() {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('ng client closed'));
    }
    this.pending.clear();
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}

function sdp(address, port, sessionId) {
  return [
    'v=0',
    `o=- ${sessionId} 1 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtcp-mux',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function mediaPort(text) {
  const m = /^m=audio (\d+) /m.exec(text);
  const c = /^c=IN IP4 (\S+)/m.exec(text);
  if (!m || !c) {
    throw new Error(`no media line in rtpengine SDP: ${text.slice(0, 200)}`);
  }
  return { address: c[1], port: Number(m[1]) };
}

/** A CallAllocator (see src/media/load-run.ts) over rtpengine. */
export function rtpengineAllocator(engine) {
  let n = 0;
  return {
    name: 'rtpengine',
    async allocate(peerA, peerB) {
      const callId = `bench-${process.pid}-${++n}`;
      const offer = await engine.ng.request({
        command: 'offer',
        'call-id': callId,
        'from-tag': 'a',
        sdp: sdp(peerA.address, peerA.port, n),
        'rtcp-mux': ['accept'],
        flags: ['trust-address'],
        replace: ['origin'],
      });
      if (offer.result !== 'ok') {
        throw new Error(`rtpengine offer: ${offer['error-reason'] ?? offer.result}`);
      }
      const answer = await engine.ng.request({
        command: 'answer',
        'call-id': callId,
        'from-tag': 'a',
        'to-tag': 'b',
        sdp: sdp(peerB.address, peerB.port, n),
        'rtcp-mux': ['accept'],
        flags: ['trust-address'],
        replace: ['origin'],
      });
      if (answer.result !== 'ok') {
        throw new Error(`rtpengine answer: ${answer['error-reason'] ?? answer.result}`);
      }
      // The offer's SDP goes to B (where B sends), the answer's SDP to A.
      return { id: callId, a: mediaPort(answer.sdp), b: mediaPort(offer.sdp) };
    },
    async release(id) {
      await engine.ng.request({ command: 'delete', 'call-id': id, 'from-tag': 'a' });
    },
    cpuMicros() {
      return processCpuMicros(engine.pid);
    },
    rssBytes() {
      return processRssBytes(engine.pid);
    },
  };
}
