/**
 * The HTML page and the capture file of a command's result: `--html FILE|-` renders the same
 * JSON document that `--json` writes (the one source of every view), `--pcap FILE` streams a
 * capture into a file opened before the run.
 *
 * This file must not know what a result contains, how a page is drawn or how datagrams are
 * captured; it only moves bytes to where the user asked.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { ErrorCodes, SimError } from '../core/index.js';
import { renderHtmlReport } from '../report/index.js';
import type { CliIO } from './io.js';
import { writeOutput, type Output } from './output.js';

/**
 * Writes the HTML page of a result document.
 *
 * @returns The file written, or null for standard output.
 * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when the file cannot be written.
 */
export async function writeHtml(output: Output, doc: unknown, io: CliIO): Promise<string | null> {
  return writeOutput(output, await renderHtmlReport(doc), io);
}

/** A capture file being written while a run goes on. */
export interface CaptureFile {
  readonly sink: { write(chunk: Buffer): void };
  /**
   * Finishes the file.
   * @throws {SimError} `SIM_ERR_CLI_OUTPUT` when writing failed (a full disk).
   */
  close(): Promise<void>;
}

/** Opens a capture file (its folder was made by `prepareOutput`). */
export function openCapture(path: string): CaptureFile {
  const stream: WriteStream = createWriteStream(path);
  let failure: Error | null = null;
  stream.on('error', (e) => {
    failure ??= e;
  });
  return {
    sink: {
      write: (chunk) => {
        if (failure === null) {
          stream.write(chunk);
        }
      },
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        const done = (): void => {
          if (failure === null) {
            resolve();
          } else {
            reject(
              new SimError(
                ErrorCodes.CLI_OUTPUT,
                `--pcap ${path}: cannot write the capture (${failure.message})`,
                { cause: failure },
              ),
            );
          }
        };
        if (failure !== null || stream.closed) {
          done();
          return;
        }
        stream.end(done);
      }),
  };
}
