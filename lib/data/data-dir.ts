/** Where datasets live: the project's data/ folder, or KDLAB_DATA_DIR when set. */
import * as path from "node:path";
import { PROJECT_DATA_DIR } from "../runtime/paths";

export function projectDataDir(): string {
  return path.resolve(process.env.KDLAB_DATA_DIR ?? PROJECT_DATA_DIR);
}
