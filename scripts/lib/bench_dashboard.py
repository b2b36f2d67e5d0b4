"""What --dashboard costs the coordinator: trials/s of `depthfarm run --workers 2` on trivial
trials without it, with it idle, and with it polled as the live page and Prometheus poll it
(status.json and /fragment every 2 s, a whole page and /metrics every second — more than a page and
a scraper would ask). Medians of REPEAT interleaved rounds. Settings: environment variables
DEPTHFARM (the binary), TRIALS (default 20000), REPEAT (default 3)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from bench import trial_times, trivial_sweep  # noqa: E402

DEPTHFARM = os.environ.get("DEPTHFARM", "depthfarm")
TRIALS = int(os.environ.get("TRIALS", "20000"))
REPEAT = int(os.environ.get("REPEAT", "3"))


def poll(url, stop):
    """Asks what the page and a scraper ask, until `stop` is set."""
    tick = 0
    while not stop.is_set():
        for path in (["status.json", "fragment"] if tick % 2 == 0 else []) + ["", "metrics"]:
            try:
                urllib.request.urlopen(url + path, timeout=5).read()
            except Exception:
                pass
        tick += 1
        stop.wait(1)


def once(scratch, sweep, mode, index):
    out = os.path.join(scratch, f"{mode}-{index}")
    arguments = [DEPTHFARM, "run", sweep, "--out", out, "--workers", "2"] + ([] if mode == "without" else ["--dashboard", "127.0.0.1:0"])
    process = subprocess.Popen(arguments, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()
    poller = None
    for line in process.stderr:
        match = re.search(r"dashboard: (http://\S+/)", line)
        if match and mode == "polled":
            poller = threading.Thread(target=poll, args=(match.group(1), stop))
            poller.start()
        if match or mode == "without":
            break
    process.stderr.read()
    if process.wait() != 0:
        raise SystemExit(f"error: {' '.join(arguments)} failed")
    stop.set()
    if poller:
        poller.join()
    start, end, count = trial_times(out)
    shutil.rmtree(out)
    return count / (end - start)


def main():
    scratch = tempfile.mkdtemp(prefix="depthfarm-bench-dashboard-")
    sweep = trivial_sweep(scratch, TRIALS)
    rates = {"without": [], "idle": [], "polled": []}
    for index in range(REPEAT):
        for mode in rates:
            rates[mode].append(once(scratch, sweep, mode, index))
            print(f"  {mode:8} {rates[mode][-1]:7.0f} trials/s", file=sys.stderr)
    shutil.rmtree(scratch)
    for mode, values in rates.items():
        print(f"{mode:8} median {statistics.median(values):7.0f} trials/s  ({', '.join(f'{v:.0f}' for v in values)})")


main()
