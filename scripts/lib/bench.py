"""The benchmark suite behind scripts/bench: runs every benchmark several times, prints a table of
medians and writes the same figures as JSON.

Run through scripts/bench, which builds the release binaries first. Each figure is the median of
--repeat runs; the machine these run on is usually shared, so single runs vary by ±20 %.
"""
import argparse
import csv
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build", "release")
DEPTHFARM = os.path.join(BIN, "depthfarm")

# The targets and the reference figures the README quotes, by figure name.
TARGETS = {
    "bptt hidden 4": (">=", 60_000, "JAX jit ≈ 15,000; torch.compile ≈ 1,200"),
    "bptd hidden 4": (">=", 20_000, "JAX jit ≈ 4,300; torch.compile ≈ 1,300"),
    "bptt hidden 32": (">=", 12_000, "JAX jit ≈ 6,300; torch.compile ≈ 790"),
    "bptd hidden 32": (">=", 1_500, "JAX jit ≈ 690; torch.compile ≈ 560"),
    "bptt hidden 128": (">=", 950, "JAX jit ≈ 750; torch.compile ≈ 300"),
    "bptd hidden 128": (">=", 120, "JAX jit ≈ 83; torch.compile ≈ 64"),
    "seed experiment speed-up": (">=", 1.9, "—"),
    # The coordinator's own rate is the load generator's (peers that answer at once); two real
    # workers on this 2-core machine are limited by their own per-trial work.
    "load generator, 1000 peers: trials/s": (">=", 20_000, "Ray Tune, ipyparallel: ms per task"),
    "coordinator peak RSS (MB)": ("<=", 100, "—"),
    "worker peak RSS (MB)": ("<=", 30, "—"),
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def measured(arguments):
    """Starts a process under GNU time, which records its peak RSS, with its error output kept in
    a file. (Measuring from here with wait4 would not do: a child started by this process
    inherits this process's peak RSS across exec.)"""
    record = tempfile.NamedTemporaryFile(prefix="depthfarm-bench-rss-", delete=False)
    record.close()
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", record.name] + arguments,
                               stdout=subprocess.DEVNULL, stderr=errors)
    process.record, process.errors = record.name, errors
    return process


def finish(process, name):
    """Waits for a process started by `measured`; returns its peak RSS in MB, or exits with the
    process's error output if it failed."""
    process.wait()
    with open(process.record) as file:
        lines = file.read().split()
    os.unlink(process.record)
    if process.returncode != 0:
        process.errors.seek(0)
        raise SystemExit(f"error: {name} exited with status {process.returncode}\n{process.errors.read().decode(errors='replace')}")
    process.errors.close()
    return int(lines[-1]) / 1024


def run_waited(arguments, name):
    """Runs a process to its end; returns (wall seconds, peak RSS in MB)."""
    start = time.monotonic()
    process = measured(arguments)
    process.wait()
    return time.monotonic() - start, finish(process, name)


def core(repeat, scale):
    """Windows/s of the training core (depthfarm-bench core), medians over `repeat` runs."""
    output = subprocess.run([os.path.join(BIN, "depthfarm-bench"), "core", "--repeat", str(repeat), "--scale", str(scale)],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output)


SGEMM = """
import os, time, statistics, numpy as np
n = 2048
a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
a @ b
rates = []
for _ in range(REPEAT):
    start = time.perf_counter(); a @ b; rates.append(2 * n ** 3 / (time.perf_counter() - start) / 1e9)
print(statistics.median(rates))
"""


def sgemm(repeat):
    """One core's float32 matrix-multiply rate (numpy's BLAS limited to one thread), GFLOP/s."""
    single = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    output = subprocess.run([sys.executable, "-c", SGEMM.replace("REPEAT", str(max(repeat, 5)))],
                            check=True, stdout=subprocess.PIPE, text=True, env=single).stdout
    return float(output)


def trial_times(folder):
    """(first start, last end, count) of the trials in a result folder's trials.csv, in Unix seconds."""
    def seconds(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    with open(os.path.join(folder, "trials.csv"), newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["status"] == "completed"]
    return min(seconds(r["started"]) for r in rows), max(seconds(r["finished"]) for r in rows), len(rows)


def seed_experiment(workers, repeat, scratch):
    """Wall seconds of `depthfarm run sweeps/seed-experiment.yaml --workers N`, one per run, and
    the share of the workers' time spent training (Σ trial seconds / (N × wall seconds)): what
    the farm loses to starting, scheduling and writing, as opposed to slower training."""
    times, busy = [], []
    for index in range(repeat):
        out = os.path.join(scratch, f"seed-{workers}-{index}")
        seconds, _ = run_waited([DEPTHFARM, "run", os.path.join(ROOT, "sweeps", "seed-experiment.yaml"),
                                 "--out", out, "--workers", str(workers)], f"the seed experiment with {workers} workers")
        with open(os.path.join(out, "trials.csv"), newline="") as file:
            training = sum(float(row["seconds"]) for row in csv.DictReader(file))
        times.append(seconds)
        busy.append(training / (workers * seconds))
        shutil.rmtree(out)
        log(f"  seed experiment, {workers} worker(s): {seconds:.1f} s, {training:.1f} s of training")
    return times, busy


def trivial_sweep(scratch, trials):
    """A sweep of `trials` trivially short trials (no training epochs: initialisation and a test pass)."""
    path = os.path.join(scratch, f"trivial-{trials}.yaml")
    with open(path, "w") as file:
        file.write(f"name: trivial-{trials}\nseeds: {{count: {trials}}}\n"
                   "parameters:\n  seq_len: {value: 20}\n  batch: {value: 2}\n  epochs: {value: 0}\n")
    return path


def coordinator_throughput(repeat, scratch, trials):
    """Trials/s of `depthfarm run` with 2 workers on trivial trials, and seconds from the command's
    start to the first trial's start."""
    sweep = trivial_sweep(scratch, trials)
    rates, first = [], []
    for index in range(repeat):
        out = os.path.join(scratch, f"trivial-{index}")
        launched = time.time()
        run_waited([DEPTHFARM, "run", sweep, "--out", out, "--workers", "2"], "the trivial sweep")
        start, end, count = trial_times(out)
        rates.append(count / (end - start))
        first.append(start - launched)
        shutil.rmtree(out)
        log(f"  trivial trials: {rates[-1]:.0f} trials/s, first trial after {first[-1] * 1000:.0f} ms")
    return rates, first


def load_generator(scratch, peers, trials):
    """A standalone coordinator of `trials` trivial trials under `depthfarm loadgen --peers N`
    (simulated workers, each its own connection): the load generator's counts (peers welcomed,
    declared dead, trials doubled), the trials lost (planned but not completed), trials/s from
    trials.csv, and the coordinator's peak RSS (MB)."""
    sweep = trivial_sweep(scratch, trials)
    out = os.path.join(scratch, "load")
    port = 20000 + os.getpid() % 20000
    endpoint = f"tcp://127.0.0.1:{port}"
    coordinator = measured([DEPTHFARM, "coordinator", sweep, "--out", out, "--bind", endpoint])
    time.sleep(1)
    line = subprocess.run([DEPTHFARM, "loadgen", "--connect", endpoint, "--peers", str(peers)],
                          stdout=subprocess.PIPE, text=True).stdout.strip()
    peak = finish(coordinator, "the load-generator coordinator")
    start, end, count = trial_times(out)
    shutil.rmtree(out)
    number = lambda pattern: int(re.search(pattern, line).group(1)) if re.search(pattern, line) else -1
    figures = {"connections held": number(r"welcomed (\d+)"), "peers declared dead": number(r"declared dead (\d+)"),
               "trials lost or doubled": (trials - count) + max(number(r"(\d+) doubled"), 0),
               "trials/s": count / (end - start), "coordinator peak RSS (MB)": peak}
    log(f"  {peers} peers: {line}; coordinator {peak:.1f} MB")
    return figures


def first_trial_million(scratch):
    """Seconds from `depthfarm run` of a 1,000,000-trial trivial sweep to its first trial's start
    (the run is stopped then)."""
    sweep = trivial_sweep(scratch, 1_000_000)
    out = os.path.join(scratch, "million")
    launched = time.time()
    process = subprocess.Popen([DEPTHFARM, "run", sweep, "--out", out, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = os.path.join(out, "journal.log")
    while process.poll() is None:
        if os.path.exists(journal) and "\ndone\t" in open(journal).read():
            break
        time.sleep(0.02)
    process.send_signal(2)
    process.wait()
    with open(journal) as file:
        started = min(float(line.split("\t")[17]) for line in file if line.startswith("done\t"))
    shutil.rmtree(out)
    log(f"  1,000,000 trials: first trial after {started - launched:.2f} s")
    return started - launched


def memory(scratch, trials):
    """Peak RSS (MB) of a standalone coordinator through a sweep of `trials` trivial trials, and of
    one of its two single-process workers."""
    sweep = trivial_sweep(scratch, trials)
    out = os.path.join(scratch, "memory")
    endpoint = f"ipc://{scratch}/coordinator.sock"
    coordinator = measured([DEPTHFARM, "coordinator", sweep, "--out", out, "--bind", endpoint])
    workers = [measured([DEPTHFARM, "worker", "--connect", endpoint, "--processes", "1"]) for _ in range(2)]
    peaks = {"coordinator": finish(coordinator, f"the {trials}-trial coordinator")}
    for index, worker in enumerate(workers):
        peaks[f"worker {index}"] = finish(worker, "a worker")
    _, _, count = trial_times(out)
    if count != trials:
        raise SystemExit(f"error: the memory sweep completed {count} of {trials} trials")
    shutil.rmtree(out)
    worker = max(peaks["worker 0"], peaks["worker 1"])
    log(f"  {trials} trials: coordinator {peaks['coordinator']:.1f} MB, worker {worker:.1f} MB")
    return peaks["coordinator"], worker


def worker_training_rss(scratch):
    """Peak RSS (MB) of `depthfarm train` on a hidden-128 BPTD trial (the benchmark's largest
    case): what a worker process needs on top of the farm for large trials."""
    _, peak = run_waited([DEPTHFARM, "train", "--set", "hidden=128", "--set", "method=bptd", "--set", "seq_len=400",
                          "--set", "epochs=1", "--out", os.path.join(scratch, "metrics.csv")], "depthfarm train")
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs, for trying the script out")
    parser.add_argument("--json", default=os.path.join(ROOT, "benchmarks.json"), help="where to write the figures")
    parser.add_argument("--trials", type=int, default=100_000, help="trials of the memory sweep")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    scratch = tempfile.mkdtemp(prefix="depthfarm-bench-")
    figures = {}
    try:
        log("training core (one process):")
        fractions = {}  # windows/s figure → (its share of the FMA limit, the limit)
        measured_core = core(repeat, 0.2 if args.quick else 1)
        figures["register-resident FMA loop GFLOP/s (one core)"] = measured_core.pop("fma")["gflops"]
        for name, result in measured_core.items():
            figures[name] = result["windows_per_second"]
            fractions[name] = (result["fraction_of_fma"], result["fma_limit_windows_per_second"])
        figures["sgemm GFLOP/s (one core)"] = sgemm(repeat)
        log("seed experiment, end to end:")
        one, busy_one = seed_experiment(1, min(repeat, 3), scratch)
        two, busy_two = seed_experiment(2, min(repeat, 3), scratch)
        one, two = statistics.median(one), statistics.median(two)
        figures.update({"seed experiment 1 worker (s)": one, "seed experiment 2 workers (s)": two,
                        "seed experiment speed-up": one / two,
                        "seed experiment 1 worker, time training (%)": 100 * statistics.median(busy_one),
                        "seed experiment 2 workers, time training (%)": 100 * statistics.median(busy_two)})
        log("coordinator:")
        rates, first = coordinator_throughput(min(repeat, 3), scratch, 2_000 if args.quick else 20_000)
        figures["trivial trials/s, 2 real workers"] = statistics.median(rates)
        figures["time to first trial (ms)"] = statistics.median(first) * 1000
        for name, value in load_generator(scratch, 100 if args.quick else 1000, 20_000 if args.quick else 100_000).items():
            figures[f"load generator, {100 if args.quick else 1000} peers: {name}"] = value
        figures["time to first trial, 1,000,000 trials (s)"] = first_trial_million(scratch)
        coordinator_peak, worker_peak = memory(scratch, 10_000 if args.quick else args.trials)
        figures["coordinator peak RSS (MB)"] = coordinator_peak
        figures["worker peak RSS (MB)"] = worker_peak
        figures["train peak RSS, bptd hidden 128 (MB)"] = worker_training_rss(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"| figure | median of {repeat} | of the FMA limit | target | reference |")
    print("|---|---|---|---|---|")
    for name, value in figures.items():
        target, reference = "", ""
        if name in TARGETS:
            relation, bound, reference = TARGETS[name]
            met = value >= bound if relation == ">=" else value <= bound
            target = f"{'≥' if relation == '>=' else '≤'} {bound:,} {'✓' if met else '✗'}"
        shown = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        share = f"{100 * fractions[name][0]:.0f} % of {fractions[name][1]:,.0f}" if name in fractions else ""
        print(f"| {name} | {shown} | {share} | {target} | {reference} |")
    with open(args.json, "w") as file:
        json.dump({"repeat": repeat, "quick": args.quick, "figures": figures, "fraction_of_fma": fractions}, file, indent=2)
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
