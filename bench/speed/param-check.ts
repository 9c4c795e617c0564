/**
 * The bench compares the same network across frameworks: a peer's model must
 * have kdlab's trainable and total parameter counts, or its timings mean
 * nothing. The peers refuse before timing (they get kdlab's counts); this is
 * the same check on their answers, so a peer that skips it is caught too.
 */
import { ParamCount } from "../common/network";

export interface CountedModel {
  model: string;
  framework: string;
  params: ParamCount;
}

/** Throws, naming every model and framework whose counts differ from kdlab's. */
export function checkSameNetworks(kdlab: ReadonlyMap<string, ParamCount>, peers: readonly CountedModel[]): void {
  const problems: string[] = [];
  for (const peer of peers) {
    const mine = kdlab.get(peer.model);
    if (!mine) {
      problems.push(`${peer.framework} measured ${peer.model}, which kdlab did not count`);
      continue;
    }
    if (mine.trainable !== peer.params.trainable || mine.total !== peer.params.total) {
      problems.push(`${peer.model}: ${peer.framework} has ${peer.params.trainable.toLocaleString("en-US")} trainable / ${peer.params.total.toLocaleString("en-US")} total parameters, kdlab ${mine.trainable.toLocaleString("en-US")} / ${mine.total.toLocaleString("en-US")}`);
    }
  }
  if (problems.length > 0) throw new Error(`bench: the frameworks do not build the same networks, so their speeds cannot be compared:\n  ${problems.join("\n  ")}`);
}
