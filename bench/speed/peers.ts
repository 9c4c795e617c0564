/**
 * Runs a Python peer (bench/peers/<framework>_peer.py) as a child process of
 * the project's Python and returns its checked answer; runPeerConfig runs it
 * in one configuration's environment (peer-configs.ts).
 *
 * A peer that dies by a crash signal (oneDNN's SIGFPE on some shapes) is a
 * finding about that peer on this machine, not a failed bench: the
 * configuration is rerun one model per process, so the models that run still
 * get numbers and the one that crashes is named. Any other failure throws.
 */
import * as path from "node:path";
import { projectPython } from "../../lib/notebook/python";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { ChildCrashError, runJsonChild } from "../common/child";
import { PeerConfig } from "./peer-configs";
import { parsePeerResult, PeerRequest, PeerResult } from "./peer-protocol";
import { ensureBenchRequirements } from "../common/python-deps";
import { PeerCrash, PeerFramework } from "./schema";

export function peerScript(framework: PeerFramework): string {
  return path.join(PROJECT_ROOT, "bench", "peers", `${framework}_peer.py`);
}

/** How a peer's child starts: a command and the arguments before the request JSON. */
export interface PeerCommand {
  command: string;
  args: readonly string[];
}

export interface PeerRunOptions {
  /** The peer's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Another peer program (tests); default the project's Python on the peer's script. */
  command?: PeerCommand;
  /** Names the child in progress and errors (default: the framework). */
  name?: string;
}

export async function runPeer(framework: PeerFramework, request: PeerRequest, log: (line: string) => void = () => undefined, options: PeerRunOptions = {}): Promise<PeerResult> {
  let command = options.command;
  if (!command) {
    if (framework === "torch") ensureBenchRequirements(log);
    command = { command: projectPython(), args: [peerScript(framework)] };
  }
  const env = options.env ?? process.env;
  const answer = await runJsonChild(command.command, [...command.args, JSON.stringify(request)], {
    cwd: PROJECT_ROOT,
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: env.TF_CPP_MIN_LOG_LEVEL ?? "2", PYTHONUNBUFFERED: "1" },
    log,
    logPrefix: `${framework}: `,
    label: `${options.name ?? framework} peer (${[command.command, ...command.args.map((a) => (path.isAbsolute(a) ? path.relative(PROJECT_ROOT, a) : a))].join(" ")})`,
  });
  return parsePeerResult(answer, framework);
}

export interface PeerConfigRun {
  /** What ran: the whole answer, or the per-model answers merged; absent when every child crashed. */
  answer?: PeerResult;
  crashes: PeerCrash[];
}

function lastOutput(crash: ChildCrashError): string {
  const line = crash.stderrTail.filter((l) => l.trim() !== "").at(-1);
  return line === undefined ? "no output" : `last output: ${JSON.stringify(line.trim().slice(0, 200))}`;
}

/** The answers of the one-model children as one answer (header from the first). */
function merged(answers: readonly PeerResult[]): PeerResult | undefined {
  if (answers.length === 0) return undefined;
  // A process that held one model has a smaller peak than the whole run's, which includes the models before it: not comparable.
  const models = answers.flatMap((a) => a.models).map(({ peakRssMiB: _peak, ...model }) => model);
  return { ...answers[0], models, matmul: answers.find((a) => a.matmul)?.matmul };
}

/** One configuration of a peer; after a crash of the whole run, the matmul alone and each model alone, each in its own process. */
export async function runPeerConfig(config: PeerConfig, request: PeerRequest, log: (line: string) => void = () => undefined, command?: PeerCommand): Promise<PeerConfigRun> {
  const attempt = async (part: PeerRequest): Promise<PeerResult | ChildCrashError> => {
    try {
      return await runPeer(config.peer, part, log, { env: config.env, command, name: config.framework });
    } catch (error) {
      if (error instanceof ChildCrashError) return error;
      throw error;
    }
  };
  const whole = await attempt(request);
  if (!(whole instanceof ChildCrashError)) return { answer: whole, crashes: [] };
  log(`${config.framework}: crashed with ${whole.signal}; running the matmul and each model in its own process`);
  const answers: PeerResult[] = [];
  const crashes: PeerCrash[] = [];
  const parts: { request: PeerRequest; model?: string; what: string }[] = [
    ...(request.matmul ? [{ request: { ...request, models: [], matmul: request.matmul }, what: `the ${request.matmul.n}² matmul alone` }] : []),
    ...request.models.map((m) => ({ request: { ...request, models: [m], matmul: undefined }, model: m.model, what: `${m.model} alone` })),
  ];
  for (const part of parts) {
    const outcome = await attempt(part.request);
    if (outcome instanceof ChildCrashError) {
      log(`${config.framework}: ${part.what} crashed with ${outcome.signal}`);
      crashes.push({ framework: config.framework, model: part.model, signal: outcome.signal, detail: `${part.what}; ${lastOutput(outcome)}` });
    } else answers.push(outcome);
  }
  if (crashes.length === 0) crashes.push({ framework: config.framework, signal: whole.signal, detail: `the whole run; each part then ran alone without crashing; ${lastOutput(whole)}` });
  return { answer: merged(answers), crashes };
}
