/**
 * Both ends of a bench worker: a child process that gets one JSON request as
 * its argument and prints one JSON answer as the last line of stdout (each
 * side of a bench runs in a fresh process: its own TensorFlow, thread pools
 * and peak RSS). runWorker starts a TypeScript worker file in a new Node
 * (tsx), sends the request and checks the answer against a zod schema;
 * checkAnswer is that check for any child's parsed answer (the Python peers
 * start through child.ts with their own command). An answer that changes
 * shape fails naming the field where it differs, not deep inside a report.
 * serveJsonRequest is the worker's end.
 */
import { z } from "zod";
import { runJsonChild } from "./child";

export interface WorkerOptions {
  /** Names the worker in progress lines and errors. */
  label: string;
  /** What TensorFlow must see when it loads in the child (thread counts), over this process's environment. */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** stderr lines starting with this are progress, forwarded to `log`. */
  logPrefix?: string;
}

/** The thread pools a worker's TensorFlow reads when it loads: `threads` intra- and inter-op. */
export function threadEnv(threads: number): Record<string, string> {
  return { TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads) };
}

/** `models[0].params.total` for zod's path ["models", 0, "params", "total"]. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");
}

/** `answer` as `schema` reads it, or an error naming `label` and each field that does not fit. */
export function checkAnswer<S extends z.ZodType>(answer: unknown, schema: S, label: string): z.output<S> {
  const parsed = schema.safeParse(answer);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${fieldPath(issue.path) || "(the answer)"}: ${issue.message}`);
  throw new Error(`${label}: not the shape kdlab reads: ${problems.join("; ")}`);
}

/** Starts `file` (a worker script that ends in serveJsonRequest) in a new Node process with `request` and returns its answer as `schema` reads it. */
export async function runWorker<S extends z.ZodType>(file: string, request: unknown, schema: S, options: WorkerOptions): Promise<z.output<S>> {
  const answer = await runJsonChild(process.execPath, ["--import", "tsx", file, JSON.stringify(request)], { env: { ...process.env, ...options.env }, log: options.log, logPrefix: options.logPrefix, label: options.label });
  return checkAnswer(answer, schema, options.label);
}

/** The other end: a worker script's entry reads its JSON request from argv[2] and prints its answer as one JSON line. */
export function serveJsonRequest<Request, Answer>(label: string, handle: (request: Request) => Promise<Answer>): void {
  handle(JSON.parse(process.argv[2] ?? "{}") as Request)
    .then((answer) => {
      // Exit from the write's callback: on a pipe an immediate exit drops all but the first 64 KiB.
      process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0));
    })
    .catch((error: unknown) => {
      process.stderr.write(`${label}: ${error instanceof Error ? error.stack : String(error)}\n`, () => process.exit(1));
    });
}
