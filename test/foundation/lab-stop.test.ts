/**
 * `kdlab lab` takes JupyterLab with it: SIGTERM or SIGINT to the kdlab
 * process (not to its group, as a service manager or `kill` would send it)
 * stops the jupyter-lab it started — its pid gone, its port no longer
 * listening — and kdlab exits 0.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { describe, test } from "node:test";
import { killGroup, pidAlive } from "../../lib/runtime/process-tree";
import { freePort, within } from "../helpers/wait";

const ROOT = path.resolve(__dirname, "..", "..");
const KDLAB = path.join(ROOT, "bin", "kdlab.js");

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The pids of `pid`'s children whose command line mentions `name` (kdlab's node may have an esbuild child too). */
function childrenOf(pid: number, name: string): number[] {
  const found = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
  return found.stdout.split("\n").filter(Boolean).map(Number).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, "utf8").includes(name);
    } catch {
      return false;
    }
  });
}

describe("kdlab lab stops JupyterLab", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} to kdlab lab stops jupyter-lab and frees its port`, async () => {
      const port = await freePort();
      const lab: ChildProcess = spawn(process.execPath, [KDLAB, "lab", "--port", String(port), "--no-browser"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      lab.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
      lab.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => lab.on("exit", (code) => resolve(code)));
      let jupyter: number[] = [];
      try {
        assert.ok(await within(120_000, () => listening(port)), `JupyterLab never listened on ${port}:\n${log.slice(-2000)}`);
        jupyter = childrenOf(lab.pid!, "jupyter");
        assert.equal(jupyter.length, 1, `kdlab lab has one jupyter child: ${jupyter.join(", ")}`);
        process.kill(lab.pid!, signal);
        const code = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 30_000))]);
        assert.equal(code, 0, `kdlab lab after ${signal}:\n${log.slice(-2000)}`);
        assert.ok(await within(15_000, () => !pidAlive(jupyter[0])), `jupyter (pid ${jupyter[0]}) outlived kdlab lab`);
        assert.equal(await listening(port), false, `port ${port} still listens`);
        assert.match(log, new RegExp(`kdlab lab: ${signal}: stopping JupyterLab \\(pid ${jupyter[0]}\\)`));
      } finally {
        // Whatever failed, no Jupyter outlives the test (its group, or itself where it leads none).
        for (const pid of jupyter) if (!killGroup(pid, "SIGKILL") && pidAlive(pid)) process.kill(pid, "SIGKILL");
        if (lab.exitCode === null && lab.signalCode === null) lab.kill("SIGKILL");
        lab.stdout!.destroy();
        lab.stderr!.destroy();
      }
    });
  }
});
