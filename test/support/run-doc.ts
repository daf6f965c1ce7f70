/**
 * What a run's `--json` document holds for comparing modes (loopback, network namespaces,
 * agents in containers), and the part of each call that must be equal between them. Knows the
 * JSON shape only, not how the runs were started.
 */

/** The fields of `mediapath run --json` the mode comparisons read. */
export interface RunDoc {
  mode: string;
  calls: {
    id: string;
    decision: string;
    media: string;
    finalStatus: number | null;
    observedPath: { forward: { hops: string[] }; backward: { hops: string[] } };
  }[];
}

/** What must be equal between modes: decision, observed path both ways, media, final status. */
export function essence(doc: RunDoc): unknown[] {
  return doc.calls.map((c) => ({
    id: c.id,
    decision: c.decision,
    forward: c.observedPath.forward.hops,
    reverse: c.observedPath.backward.hops,
    media: c.media,
    finalStatus: c.finalStatus,
  }));
}
