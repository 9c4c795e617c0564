/**
 * `npm run readme-results [reports/results.md]`: puts the main job's
 * generated results (kdlab reproduce writes reports/results.md) into
 * README.md between its results markers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spliceResults } from "../lib/report/results-markdown";

const root = path.resolve(__dirname, "..");
const source = path.resolve(process.argv[2] ?? path.join(root, "reports", "results.md"));
if (!fs.existsSync(source)) {
  console.error(`${source}: no such file; run \`npm run reproduce\` first (it writes reports/results.md)`);
  process.exit(1);
}
const readmePath = path.join(root, "README.md");
fs.writeFileSync(readmePath, spliceResults(fs.readFileSync(readmePath, "utf8"), fs.readFileSync(source, "utf8"), readmePath));
console.log(`README.md: results replaced from ${path.relative(process.cwd(), source)}`);
