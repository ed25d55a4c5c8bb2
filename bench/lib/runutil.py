"""Small helpers shared by the peer scripts: timing a child under /usr/bin/time -v,
index sizes, latency percentiles, TREC run files, JSON results."""
import json
import os
import subprocess
import sys
import time

_TIME_FIELDS = {
    "Elapsed (wall clock) time (h:mm:ss or m:ss)": "wall",
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
    "Maximum resident set size (kbytes)": "max_rss_kb",
    "Percent of CPU this job got": "cpu_pct",
    "Exit status": "exit_status",
}


def _parse_wall(s):
    secs = 0.0
    for part in s.split(":"):
        secs = secs * 60 + float(part)
    return secs


def timed_run(cmd, log_path, env=None):
    """Run cmd (a list) under /usr/bin/time -v, stdout+stderr to log_path.
    Returns {wall_s, user_s, sys_s, cpu_s, max_rss_kb, max_rss_mb, cpu_pct, rc}; raises on rc != 0."""
    if not os.path.exists("/usr/bin/time"):
        sys.exit("/usr/bin/time not found: apt-get install time")
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        rc = subprocess.call(["/usr/bin/time", "-v"] + list(cmd), stdout=log,
                             stderr=subprocess.STDOUT, env=env)
    elapsed = time.monotonic() - t0
    res = {"rc": rc, "cmd": " ".join(cmd)}
    with open(log_path, errors="replace") as log:
        for line in log:
            line = line.strip()
            for key, name in _TIME_FIELDS.items():
                if line.startswith(key + ":"):
                    val = line[len(key) + 1:].strip()
                    if name == "wall":
                        res["wall_s"] = round(_parse_wall(val), 3)
                    elif name == "cpu_pct":
                        res["cpu_pct"] = int(val.rstrip("%") or 0) if val.rstrip("%").isdigit() else None
                    elif name in ("max_rss_kb", "exit_status"):
                        res[name] = int(val)
                    else:
                        res[name] = float(val)
    res.setdefault("wall_s", round(elapsed, 3))
    res["cpu_s"] = round(res.get("user_s", 0.0) + res.get("sys_s", 0.0), 3)
    if "max_rss_kb" in res:
        res["max_rss_mb"] = round(res["max_rss_kb"] / 1024.0, 1)
    if rc != 0:
        raise RuntimeError("command failed (rc=%d), see %s: %s" % (rc, log_path, " ".join(cmd)))
    return res


def path_size(*paths):
    """Total bytes of the given files/directories (recursively)."""
    total = 0
    for p in paths:
        if os.path.isfile(p):
            total += os.path.getsize(p)
        elif os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for f in files:
                    total += os.path.getsize(os.path.join(root, f))
    return total


def percentile(sorted_vals, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list; None if empty."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(-(-q * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def latency_summary(lat_us, seconds):
    """QPS and p50/p95/p99/max in ms from a list of per-request latencies in microseconds."""
    s = sorted(lat_us)
    ms = lambda v: None if v is None else round(v / 1000.0, 3)
    return {
        "requests": len(s),
        "seconds": round(seconds, 3),
        "qps": round(len(s) / seconds, 1) if seconds > 0 else None,
        "p50_ms": ms(percentile(s, 50)),
        "p95_ms": ms(percentile(s, 95)),
        "p99_ms": ms(percentile(s, 99)),
        "max_ms": ms(s[-1] if s else None),
        "mean_ms": ms(sum(s) / len(s) if s else None),
    }


def write_trec(path, results, tag):
    """results: iterable of (qid, [(docid, score), ...] best first). Written atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for qid, hits in results:
            for rank, (docid, score) in enumerate(hits, 1):
                f.write("%s Q0 %s %d %s %s\n" % (qid, docid, rank, score, tag))
    os.replace(tmp, path)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def host_info():
    info = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "nproc": os.cpu_count()}
    try:
        with open("/proc/loadavg") as f:
            info["loadavg"] = f.read().split()[:3]
    except OSError:
        pass
    return info


def apt_install(packages):
    """apt-get install packages (waits for the dpkg lock up to 10 min; other engineers share the box)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("installing %s via apt-get" % " ".join(packages), file=sys.stderr)
    rc = subprocess.call(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=600"]
                         + list(packages), env=env)
    if rc != 0:
        sys.exit("apt-get install %s failed (rc=%d); run apt-get update first?" % (" ".join(packages), rc))
