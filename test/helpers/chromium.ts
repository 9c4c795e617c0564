/** Test helper: Debian's chromium (scripts/setup.js installs it), headless through playwright-core, no browser download. */
import * as fs from "node:fs";
import { Browser, chromium } from "playwright-core";

export function chromiumPath(): string {
  const found = [process.env.KDLAB_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && fs.existsSync(p));
  if (!found) throw new Error("chromium is not installed: `npm test` installs Debian's chromium as root; otherwise apt-get install chromium or set KDLAB_CHROMIUM");
  return found;
}

/** Headless chromium without a GPU, sandbox or background traffic. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
