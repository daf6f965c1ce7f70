/**
 * Watches a running lab's scenario file for new configuration versions: the folder is watched
 * for the file being renamed into place (as `shell`, `apply` and `lab reset` write it), and the
 * file is read again every second besides (an editor that writes in place, a missed event).
 * A new text is looked up in the folder's command log by its SHA-256; while no log line has it,
 * file and log are read again for up to a second (the log line is appended just after the file
 * is renamed, and a newer version may be on its way); then it is handed over as logged, or as
 * written by hand.
 *
 * This file must not know what a version changes nor whether it is valid: it finds, reads and
 * identifies files.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  lastLoggedVersion,
  loggedVersionOf,
  parseCommandLog,
  type LoggedVersion,
} from '../labs/index.js';
import { sha256 } from './admin-target.js';

/** A new text of the scenario file, and where it came from. */
export interface SeenVersion {
  readonly text: string;
  readonly sha256: string;
  /** The command log's line that wrote it; null when none did (written by hand). */
  readonly logged: LoggedVersion | null;
  /** The highest version the command log had then (0 with no log). */
  readonly lastLogged: number;
}

/** Options of a {@link ScenarioWatcher}. */
export interface ScenarioWatcherOptions {
  readonly file: string;
  /** The folder's command log (it need not exist). */
  readonly log: string;
  /** The SHA-256 of the text the lab started with: not a new version. */
  readonly initialSha: string;
  /** The command log's version the lab started with (its last when the file is not logged). */
  readonly initialVersion: number;
  /** Each new text, once, in the order seen. */
  readonly onVersion: (v: SeenVersion) => void;
  /** How long a text is looked up in the log before it counts as hand-written (1000 ms). */
  readonly logWaitMs?: number;
  /** How often the file is read again without an event (1000 ms). */
  readonly pollMs?: number;
}

/** Watches one scenario file; {@link close} it always. */
export class ScenarioWatcher {
  readonly #o: ScenarioWatcherOptions;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;
  /** The last text handed over (or the initial one): the same text again is no new version. */
  #lastSha: string;
  /**
   * The command log's version of the last text handed over: the statements of the next one are
   * those since it (versions written in a burst are read as one).
   */
  #lastVersion: number;
  #checking: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(o: ScenarioWatcherOptions) {
    this.#o = o;
    this.#lastSha = o.initialSha;
    this.#lastVersion = o.initialVersion;
  }

  /** Starts watching. */
  start(): void {
    const name = basename(this.#o.file);
    try {
      this.#watcher = watch(dirname(this.#o.file), (_event, changed) => {
        if (changed === null || changed === name) {
          this.#trigger();
        }
      });
      this.#watcher.on('error', () => {
        // The folder went away or cannot be watched: the poll goes on.
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch {
      // Not watchable here (a file system without notifications): the poll alone.
    }
    this.#poll = setInterval(() => {
      this.#trigger();
    }, this.#o.pollMs ?? 1000);
  }

  /** Resolves once what is being read now is handed over (tests wait on it). */
  async settled(): Promise<void> {
    while (this.#checking) {
      await this.#checking;
    }
  }

  /** Stops watching; a text being read is dropped. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    for (const t of [this.#poll, this.#debounce]) {
      if (t) {
        clearTimeout(t);
      }
    }
    this.#poll = null;
    this.#debounce = null;
  }

  /** Events come in bursts (a write, a rename): one check 50 ms after the last. */
  #trigger(): void {
    if (this.#closed) {
      return;
    }
    if (this.#debounce) {
      clearTimeout(this.#debounce);
    }
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.#check();
    }, 50);
  }

  /** One check at a time; a trigger during a check checks again after it. */
  #check(): void {
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = this.#read()
      .catch(() => undefined)
      .finally(() => {
        this.#checking = null;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.#check();
        }
      });
  }

  /** Reads the file; a new text is looked up in the log, then handed over. */
  async #read(): Promise<void> {
    const waitMs = this.#o.logWaitMs ?? 1000;
    const start = performance.now();
    for (;;) {
      const text = await readFile(this.#o.file, 'utf8').catch(() => null);
      if (text === null || this.#closed) {
        // Between a removal and a rename, or closed: the next event or poll reads it.
        return;
      }
      const sha = sha256(text);
      if (sha === this.#lastSha) {
        return;
      }
      const log = parseCommandLog(await readFile(this.#o.log, 'utf8').catch(() => ''));
      const logged = loggedVersionOf(log, sha, this.#lastVersion);
      if (logged !== null || performance.now() - start >= waitMs) {
        const lastLogged = lastLoggedVersion(log);
        this.#lastSha = sha;
        this.#lastVersion = logged?.version ?? lastLogged;
        this.#o.onVersion({ text, sha256: sha, logged, lastLogged });
        return;
      }
      await delay(50);
    }
  }
}
