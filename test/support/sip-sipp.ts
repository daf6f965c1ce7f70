/**
 * Runs SIPp (`sipp`, Debian package sip-tester) as a SIP peer in tests: a UAS that answers
 * with SDP and echoes RTP (`-rtp_echo`), or a UAC that places calls. Every run is bounded by
 * `-m` (calls) and `-timeout`, binds ports the OS handed out, logs the messages it sent and
 * received (`-trace_msg`) and unexpected ones (`-trace_err`) into a temporary directory, and
 * is killed by {@link SippRun.close} (call it in `afterEach`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The scenario files under `test/fixtures/sipp/`. */
export const SIPP_SCENARIOS = {
  /** Answers one INVITE with 180 and 200 + SDP, then waits for the caller's BYE. */
  uasAnswer: fileURLToPath(new URL('../fixtures/sipp/uas-answer.xml', import.meta.url)),
  /** Places one call with SDP, holds it for `holdMs`, hangs up with BYE. */
  uacCall: fileURLToPath(new URL('../fixtures/sipp/uac-call.xml', import.meta.url)),
} as const;

/** True when the `sipp` binary is installed. */
export function sippAvailable(): boolean {
  return spawnSync('sipp', ['-v'], { stdio: 'ignore', timeout: 5000 }).error === undefined;
}

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** The scenario XML file. */
  readonly scenario: string;
  /** The local SIP address (`-i`); the port comes from the OS. */
  readonly address: string;
  /** For a UAC: the peer to call, `host:port`. */
  readonly remote?: string;
  /** The user part of the Request-URI for a UAC (`-s`). */
  readonly service?: string;
  /** The media address in SIPp's SDP (`-mi`); `address` by default. */
  readonly mediaAddress?: string;
  /** Echo RTP received on the media port back to its source (`-rtp_echo`). */
  readonly rtpEcho?: boolean;
  /** Calls to process before exiting (`-m`); 1 by default. */
  readonly calls?: number;
  /** Global timeout in seconds (`-timeout`); 10 by default. */
  readonly timeoutSec?: number;
  /** Call hold time in ms for scenarios with a bare `<pause/>` (`-d`); 500 by default. */
  readonly holdMs?: number;
  /** Further arguments. */
  readonly extraArgs?: readonly string[];
}

/** One SIP message from SIPp's message log. */
export interface SippLoggedMessage {
  readonly dir: 'sent' | 'received';
  readonly text: string;
}

/** The outcome of a finished SIPp run. */
export interface SippResult {
  /** SIPp's exit code: 0 all calls succeeded, 1 some failed, 99 none processed, -1/-2 fatal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly messages: SippLoggedMessage[];
  readonly errors: string;
  readonly stderr: string;
}

/** Asks the OS for a free UDP port on `address` (bind port 0, read it, release it). */
export async function freeUdpPort(address: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** True when something is bound to `address:port` over UDP. */
async function udpPortTaken(address: string, port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise<boolean>((resolve) => {
    s.once('error', () => {
      s.close();
      resolve(true);
    });
    s.bind(port, address, () => {
      s.close(() => resolve(false));
    });
  });
}

/** Parses SIPp's `-trace_msg` file into messages. */
export function parseSippMessageLog(text: string): SippLoggedMessage[] {
  const out: SippLoggedMessage[] = [];
  const blocks = text.split(/^-{10,}.*$/m);
  for (const block of blocks) {
    const m = /^\s*UDP message (sent|received)[^\n]*\n\n?([\s\S]*)$/m.exec(block);
    if (m?.[1] && m[2] !== undefined) {
      out.push({ dir: m[1] as 'sent' | 'received', text: m[2].replace(/\n+$/, '\n') });
    }
  }
  return out;
}

/** A running SIPp process. */
export class SippRun {
  readonly port: number;
  readonly mediaPort: number;
  readonly address: string;
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #done: Promise<SippResult>;
  #stderr = '';
  #exited = false;

  /** @internal */
  constructor(child: ChildProcess, address: string, port: number, mediaPort: number, dir: string) {
    this.#child = child;
    this.address = address;
    this.port = port;
    this.mediaPort = mediaPort;
    this.dir = dir;
    child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString('utf8');
    });
    this.#done = new Promise<SippResult>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exited = true;
        resolve({
          code,
          signal,
          messages: this.messages(),
          errors: this.errors(),
          stderr: this.#stderr,
        });
      });
      child.once('error', () => {
        this.#exited = true;
        resolve({ code: -1, signal: null, messages: [], errors: '', stderr: this.#stderr });
      });
    });
  }

  /** `address:port` of SIPp's SIP socket. */
  get hostport(): string {
    return `${this.address}:${this.port}`;
  }

  /** The messages SIPp logged so far. */
  messages(): SippLoggedMessage[] {
    const file = join(this.dir, 'messages.log');
    return existsSync(file) ? parseSippMessageLog(readFileSync(file, 'latin1')) : [];
  }

  /** Unexpected messages SIPp logged (`-trace_err`). */
  errors(): string {
    const file = join(this.dir, 'errors.log');
    return existsSync(file) ? readFileSync(file, 'latin1') : '';
  }

  /** The body of the first request with `method` SIPp received (e.g. the INVITE's SDP). */
  receivedBody(method: string): string | undefined {
    const msg = this.messages().find(
      (m) => m.dir === 'received' && m.text.startsWith(`${method} `),
    );
    if (!msg) {
      return undefined;
    }
    const i = msg.text.search(/\r?\n\r?\n/);
    return i < 0 ? '' : msg.text.slice(i).replace(/^\s+/, '');
  }

  /** Resolves when SIPp exits. */
  wait(): Promise<SippResult> {
    return this.#done;
  }

  /** Kills SIPp (SIGTERM, then SIGKILL after 1 s) and removes its log directory. */
  async close(): Promise<void> {
    if (!this.#exited) {
      this.#child.kill('SIGTERM');
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
      await this.#done;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts SIPp. For a UAS it resolves once SIPp has bound its SIP port (at most 5 s).
 * @throws Error when SIPp exits or does not bind in time.
 */
export async function startSipp(options: SippOptions): Promise<SippRun> {
  const port = await freeUdpPort(options.address);
  const mediaAddress = options.mediaAddress ?? options.address;
  const mediaPort = await freeUdpPort(mediaAddress);
  const dir = mkdtempSync(join(tmpdir(), 'mediapath-sipp-'));
  const args = [
    '-sf',
    options.scenario,
    '-i',
    options.address,
    '-p',
    String(port),
    '-mi',
    mediaAddress,
    '-mp',
    String(mediaPort),
    '-m',
    String(options.calls ?? 1),
    '-timeout',
    `${options.timeoutSec ?? 10}s`,
    '-timeout_error',
    '-d',
    String(options.holdMs ?? 500),
    '-nostdin',
    '-trace_msg',
    '-message_file',
    join(dir, 'messages.log'),
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    ...(options.rtpEcho ? ['-rtp_echo'] : []),
    ...(options.service === undefined ? [] : ['-s', options.service]),
    ...(options.extraArgs ?? []),
    ...(options.remote === undefined ? [] : [options.remote]),
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const run = new SippRun(child, options.address, port, mediaPort, dir);
  const deadline = Date.now() + 5000;
  let exited = false;
  void run.wait().then(() => (exited = true));
  // Wait until SIPp holds its SIP port (a UAC binds it too before sending).
  while (!(await udpPortTaken(options.address, port))) {
    if (exited || Date.now() > deadline) {
      const result = await Promise.race([run.wait(), run.close().then(() => undefined)]);
      throw new Error(`SIPp did not start: ${result?.stderr ?? 'no SIP port bound within 5 s'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return run;
}
