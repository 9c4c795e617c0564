"""Runs a kdlab sweep's trials as Ray tasks (`kdlab sweep --ray`).

    python ray_driver.py PLAN.json local|ADDRESS
    python ray_driver.py ray start --head ...   (Ray's CLI, patient on a busy machine)

PLAN.json is written by lib/sweep/ray.ts: one entry per pending trial with
the `kdlab train` command line, its folder, the environment capping its
threads, the CPUs it declares and the trial it waits for (the one training
the teacher they share). Each task runs that command line in a child process
and writes the trial's exit.json, the same record lib/sweep/local.ts writes;
whether a trial is done is read from its result.json by the TypeScript side.
No model code lives here.

`local` starts a Ray instance for this sweep on this machine (CPUs from the
plan) and stops it at the end; an address (`HOST:PORT`, or `auto` for the
cluster this machine already belongs to) joins an existing cluster. Every
node must have the project at the same path, set up, and see the sweep
folder and the data at the same paths (a shared file system).

SIGTERM or SIGINT cancels every task: Ray kills their workers and each
`kdlab train` child gets SIGTERM when its worker dies (PR_SET_PDEATHSIG), so
nothing trains on after the driver; the unfinished trials have no exit.json
and are rerun by the next `kdlab sweep --resume`.
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time

import ray

PR_SET_PDEATHSIG = 1


def _die_with_worker():
    # Runs in the child between fork and exec: SIGTERM it when its parent (the Ray worker) dies.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _write_exit(directory, record):
    path = os.path.join(directory, "exit.json")
    with open(path + ".writing", "w") as out:
        json.dump(record, out, indent=1)
        out.write("\n")
    os.replace(path + ".writing", path)


@ray.remote
def run_trial(trial, *_after):
    """One `kdlab train`; *_after are the results of the trials it waits for (Ray passes them once they exist)."""
    started = time.time()
    os.makedirs(trial["dir"], exist_ok=True)
    env = {**os.environ, **trial["env"]}
    with open(os.path.join(trial["dir"], "train.log"), "wb") as log:
        try:
            child = subprocess.Popen(trial["argv"], cwd=trial["cwd"], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_worker)
            code = child.wait()
        except OSError as error:
            log.write(f"kdlab sweep: could not start {trial['argv'][0]}: {error}\n".encode())
            code = 127
    record = {
        "exitCode": code if code >= 0 else None,
        "signal": signal.Signals(-code).name if code < 0 else None,
        "seconds": time.time() - started,
        "host": socket.gethostname(),
        "runner": "ray",
        "threads": trial["cpus"],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
    }
    _write_exit(trial["dir"], record)
    return {"id": trial["id"], **record}


def patient_startup(seconds=float(os.environ.get("KDLAB_RAY_STARTUP_S", "300"))):
    """Gives a starting Ray node up to `seconds` to register instead of Ray's fixed 30 s.

    Ray 2.58 (ray/_private/node.py) waits 30 s for the raylet to register
    with the GCS; on a busy 2-core machine its start-up took longer, and
    `ray.init` / `ray start --head` failed with "The current node timed out
    during startup". Its wait loop calls services.get_node once per pass;
    this wraps that call so that it retries until the deadline.
    """
    from ray._private import services

    original = services.get_node

    def get_node(*args, **kwargs):
        deadline = time.monotonic() + seconds
        while True:
            try:
                return original(*args, **kwargs)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    services.get_node = get_node


class Stop(Exception):
    pass


# The signal that asked the driver to stop. The handler only records it: an
# exception raised inside Ray's ray.wait comes out as a SystemError.
stop_signal = []


def _stop(signum, _frame):
    stop_signal.append(signal.Signals(signum).name)


def main(argv):
    patient_startup()
    if len(argv) >= 2 and argv[1] == "ray":
        # `ray_driver.py ray start --head ...`: Ray's own command line, with the patient start-up.
        from ray.scripts.scripts import main as ray_cli

        sys.argv = ["ray", *argv[2:]]
        return ray_cli()
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1]) as plan_file:
        plan = json.load(plan_file)
    address = argv[2]
    refs = {}
    try:
        if address == "local":
            ray.init(num_cpus=plan["localCpus"], include_dashboard=False, _node_ip_address="127.0.0.1", object_store_memory=plan.get("objectStoreBytes"), log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
        # After ray.init, which installs handlers of its own (they log the signal and exit 1).
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        print(f"ray_driver: {len(plan['trials'])} trials on {ray.cluster_resources().get('CPU', 0):.0f} CPUs ({'local Ray' if address == 'local' else address})", flush=True)
        print(f"ray_driver: pid {os.getpid()}", flush=True)
        for trial in plan["trials"]:
            after = [refs[trial["after"]]] if trial["after"] in refs else []
            refs[trial["id"]] = run_trial.options(num_cpus=trial["cpus"], name=f"kdlab-trial-{trial['id']}", max_retries=0).remote(trial, *after)
        left = list(refs.values())
        while left:
            if stop_signal:
                raise Stop(stop_signal[0])
            # A timeout, so that a signal is handled within a second.
            finished, left = ray.wait(left, num_returns=1, timeout=1.0)
            for record in ray.get(finished):
                how = f"exit {record['exitCode']}" if record["signal"] is None else record["signal"]
                print(f"ray_driver: {record['id']} ended ({how}) after {record['seconds']:.1f} s on {record['host']}", flush=True)
        return 0
    except Stop as stop:
        print(f"ray_driver: {stop} — cancelling {len(refs)} tasks", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for ref in refs.values():
            try:
                ray.cancel(ref, force=True)
            except Exception:  # a finished task cannot be cancelled
                pass
        return 143 if str(stop) == "SIGTERM" else 130
    finally:
        if ray.is_initialized():
            ray.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
