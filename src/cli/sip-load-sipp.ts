/**
 * The SIPp side of the signalling load test (`mediapath load --sip`, `perf/sip.bench.js`): the
 * two SIPp scenarios (a caller that places relayed calls at the Mediation Server's client side,
 * a gateway that answers them), starting SIPp pinned to a CPU, and reading what SIPp wrote:
 * its statistics file and its response times.
 *
 * It must not know the lab nor the Mediation Server: it only starts SIPp and reads its files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The caller: INVITE with an SDP offer to the number `[service]`, ACK of the 200, the call
 * held for SIPp's `-d` duration, BYE. Response time 1 is INVITE to 200, 2 is BYE to 200.
 */
export const UAC_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="mediapath signalling load: caller">
  <send retrans="500" start_rtd="1">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "load" <sip:load@[local_ip]:[local_port]>;tag=[pid]L[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:load@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=load 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="183" optional="true"></recv>
  <recv response="200" rtd="1" rrs="true"></recv>
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "load" <sip:load@[local_ip]:[local_port]>;tag=[pid]L[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause/>
  <send retrans="500" start_rtd="2">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "load" <sip:load@[local_ip]:[local_port]>;tag=[pid]L[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" rtd="2"></recv>
</scenario>
`;

/** The gateway: 180 and a 200 with SDP to each INVITE, then the ACK, then 200 to the BYE. */
export const UAS_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="mediapath signalling load: gateway">
  <recv request="INVITE"></recv>
  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]G[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:gw@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]G[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:gw@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=gw 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv request="ACK"></recv>
  <recv request="BYE"></recv>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/** Whether `sipp` (and `taskset`, for pinning) can be run here. */
export function sippInstalled(): { readonly sipp: boolean; readonly taskset: boolean } {
  const runs = (cmd: string, arg: string): boolean => {
    const r = spawnSync(cmd, [arg], { stdio: 'ignore' });
    return r.error === undefined;
  };
  return { sipp: runs('sipp', '-v'), taskset: runs('taskset', '-V') };
}

/** Writes both scenarios into `dir` as `uac.xml` and `uas.xml`. */
export function writeSippScenarios(dir: string): void {
  writeFileSync(join(dir, 'uac.xml'), UAC_XML);
  writeFileSync(join(dir, 'uas.xml'), UAS_XML);
}

/** A SIPp process. */
export interface SippProcess {
  readonly pid: number;
  /** Settles with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(): void;
}

/**
 * Starts SIPp in `dir` with `args`, pinned to `cpu` through taskset when given. Nothing is
 * read from its standard streams (the statistics go to files).
 */
export function startSipp(dir: string, args: readonly string[], cpu?: number): SippProcess {
  const argv = ['-nostdin', ...args];
  const child: ChildProcess =
    cpu === undefined
      ? spawn('sipp', argv, { cwd: dir, stdio: 'ignore' })
      : spawn('taskset', ['-c', String(cpu), 'sipp', ...argv], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
  return {
    pid: child.pid ?? -1,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
    },
  };
}

/** The last line of a SIPp statistics file (`-trace_stat -stf FILE`), by column name. */
export function lastSippStats(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return new Map();
  }
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const names = lines[0]?.split(';') ?? [];
  const values = lines.length > 1 ? (lines.at(-1) ?? '').split(';') : [];
  return new Map(names.map((n, i) => [n, values[i] ?? '']));
}

/** A counter of SIPp's statistics (`SuccessfulCall(C)`...), 0 when absent. */
export function sippCount(stats: ReadonlyMap<string, string>, name: string): number {
  const n = Number(stats.get(name));
  return Number.isFinite(n) ? n : 0;
}

/**
 * The 50th and 99th percentiles of one response time (`rtd`) in the files SIPp wrote with
 * `-trace_rtt -rtt_freq 1` in `dir` (`*_rtt.csv`: date, milliseconds, response time number);
 * null when there is none.
 */
export function sippResponseTimes(
  dir: string,
  rtd: number,
): { readonly p50: number; readonly p99: number; readonly samples: number } | null {
  const times: number[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('_rtt.csv')) {
      continue;
    }
    for (const line of readFileSync(join(dir, f), 'latin1').split('\n')) {
      const [, ms, no] = line.split(';');
      if (Number(no) === rtd && ms !== undefined && ms !== '') {
        times.push(Number(ms));
      }
    }
  }
  if (times.length === 0) {
    return null;
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number =>
    times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), samples: times.length };
}

/** User plus system CPU seconds a process has used so far; null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The fields after the command name (which may hold spaces) start after its ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of this process's children that have ended and been waited for. */
export function reapedChildrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}
