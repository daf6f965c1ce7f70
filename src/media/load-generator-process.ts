/**
 * Entry point of the load generator's child process: runs a {@link LoadGenerator} on
 * orders from the parent over the IPC channel, and exits when the parent goes away.
 */
import { LoadGenerator, type GeneratorReply, type GeneratorRequest } from './load-generator.js';

const generator = new LoadGenerator();
const abort = new AbortController();

function reply(msg: GeneratorReply): void {
  process.send?.(msg);
}

function quit(): void {
  abort.abort();
  generator.close();
  process.exit(0);
}

process.on('disconnect', quit);
process.on('SIGTERM', quit);

process.on('message', (msg: GeneratorRequest) => {
  switch (msg.op) {
    case 'prepare':
      generator.prepare(msg.options).then(
        (addresses) => reply({ op: 'prepared', addresses }),
        (e: unknown) => reply({ op: 'error', message: String(e) }),
      );
      return;
    case 'run':
      generator
        .run(msg.run, (progress) => reply({ op: 'progress', progress }), abort.signal)
        .then(
          (result) => reply({ op: 'result', result }),
          (e: unknown) => reply({ op: 'error', message: String(e) }),
        );
      return;
    case 'stop':
      quit();
      return;
  }
});
