#!/usr/bin/env python3
"""Build-speed benchmark of blockpress against an I/O floor and Hugo.

Usage (from the repository root):

    python3 bench/run.py                       # N = 1000, 10000, 50000; 3 runs each
    python3 bench/run.py --pages 1000 10000    # choose the graph sizes
    python3 bench/run.py --pages 10000 --runs 5 --no-hugo --no-write

For every N it generates (once, cached in --work) a Logseq graph and the same
content as a Hugo site with ../shared/bench/gen_graph.py, then measures:

  I/O floor         read every note, write files of exactly the sizes (and
                    paths) blockpress wrote into a fresh folder; single thread
  blockpress cold   fresh output folder, `--no-cache` (the previous build's cache ignored)
  rebuild unchanged the same build again over its own output, nothing changed
  rebuild 1 changed one page edited (a block appended) since the last build
  hugo ...          the same three builds with `hugo --source --destination`

Each figure is the median of --runs runs (min-max in brackets): wall time,
CPU time (user+sys, from wait4's rusage of the child), peak RSS (ru_maxrss),
notes per second, and wall and CPU as multiples of the I/O floor measured in
the same round. "others" is the CPU (in cores) that other processes of the
machine used during the run, from /proc/stat: a noise gauge. Cold runs,
floors and Hugo runs are interleaved round by round, so noise hits them alike.
The page cache is warm in every case (the notes were just written or read).

Results go to stdout as Markdown, into BENCHMARKS.md between the
`<!-- bench:results:start -->` and `<!-- bench:results:end -->` markers
(unless --no-write), and as JSON into --work/results.json.

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN = REPO.parent / "shared" / "bench" / "gen_graph.py"
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"
MARKER = ".blockpress-output"
HZ = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------


def cpu_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / HZ


def run_timed(cmd: list[str], cwd: Path, log: Path) -> dict:
    """Runs `cmd`, returns wall, user, sys, cpu seconds, peak RSS (MB) and others' load."""
    with open(log, "wb") as out:
        busy0 = cpu_busy_seconds()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        busy1 = cpu_busy_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {shlex.join(cmd)}\n"
                 + log.read_text(errors="replace")[-3000:])
    cpu = ru.ru_utime + ru.ru_stime
    return {
        "wall": wall,
        "user": ru.ru_utime,
        "sys": ru.ru_stime,
        "cpu": cpu,
        "rss_mb": ru.ru_maxrss / 1024,  # Linux: kilobytes
        "others": max(0.0, (busy1 - busy0 - cpu) / wall),
    }


# --------------------------------------------------------------------------
# The I/O floor (run as a child: `run.py --io-floor NOTES MANIFEST OUT`)
# --------------------------------------------------------------------------


def io_floor(notes: Path, manifest: Path, out: Path) -> None:
    """Reads every file under `notes`; writes the files listed in `manifest` into `out`."""
    read = 0
    for root, _dirs, files in os.walk(notes):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                read += len(f.read())
    entries = json.loads(manifest.read_text())
    biggest = max((size for _, size in entries), default=0)
    block = memoryview(b"x" * biggest)
    made = set()
    for rel, size in entries:
        path = out / rel
        parent = path.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        with open(path, "wb") as f:
            f.write(block[:size])


def stage_times(log: str) -> dict[str, float]:
    """Stage wall times printed by `blockpress build --verbose`
    (`  parse  123.4 ms  (peak memory 512 MB)`)."""
    found = {}
    for line in log.splitlines():
        m = re.match(r"^\s+([a-z][a-z ]*?)\s+([\d.]+) ms(\s+\(peak memory \d+ MB\))?$", line)
        if m:
            found[m.group(1)] = float(m.group(2)) / 1000
    return found


def tree_files(root: Path) -> list[tuple[str, int]]:
    """(relative path, size) of every file under `root`, without blockpress's marker."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            if rel != MARKER:
                found.append((rel, full.stat().st_size))
    found.sort()
    return found


# --------------------------------------------------------------------------
# Graphs
# --------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_graph(n: int, flavor: str, seed: int, work: Path) -> Path:
    """Generates the graph once; regenerates when N, seed or gen_graph.py change."""
    out = work / f"{flavor}-{n}"
    stamp = {"pages": n, "seed": seed, "flavor": flavor, "gen": sha256_file(GEN)}
    stamp_file = work / f"{flavor}-{n}.stamp.json"
    if out.is_dir() and stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return out
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(GEN), "--pages", str(n), "--out", str(out),
                    "--seed", str(seed), "--flavor", flavor], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  generated {flavor} graph of {n} pages in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    stamp_file.write_text(json.dumps(stamp))
    return out


def note_files(graph: Path) -> list[Path]:
    return sorted(p for p in graph.rglob("*.md") if p.is_file())


def page_to_edit(folder: Path) -> Path:
    """A middle-sized page, chosen deterministically."""
    pages = sorted(folder.glob("*.md"), key=lambda p: (p.stat().st_size, p.name))
    return pages[len(pages) // 2]


# Old output folders are moved here and deleted only when the whole run is over.
# Deleting a tree of thousands of files right before a cold build made that
# build (and the I/O floor, and Hugo) slower by 1 to 9 s of system time, at
# random: on a filesystem without a journal (this machine's ext4), the kernel
# skips every inode freed in the last minute when it picks one for a new file
# (`recently_deleted` in `ext4_new_inode`), so each new file scanned past the
# thousands just freed. A journaled filesystem, the usual case, has no such cost.
TRASH: Path | None = None


def fresh(path: Path) -> None:
    """Makes `path` absent: moved into the trash (see TRASH), else deleted."""
    if not path.exists():
        return
    if TRASH is not None:
        TRASH.mkdir(parents=True, exist_ok=True)
        try:
            path.rename(TRASH / f"{path.name}-{time.time_ns()}")
            return
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def read_tree(root: Path) -> None:
    """Reads every file once, so that every measurement starts from a warm page cache."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 20):
                    pass


# --------------------------------------------------------------------------
# One graph size
# --------------------------------------------------------------------------


def bench_size(n: int, args, binary: Path, work: Path) -> dict:
    print(f"== {n} pages", file=sys.stderr)
    graph = ensure_graph(n, "logseq", args.seed, work)
    hugo_src = ensure_graph(n, "hugo", args.seed, work) if args.hugo else None
    notes = len(note_files(graph))
    out = work / f"out-bp-{n}"
    floor_out = work / f"out-floor-{n}"
    hugo_out = work / f"out-hugo-{n}"
    manifest = work / f"manifest-{n}.json"
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    read_tree(graph)
    if hugo_src:
        read_tree(hugo_src)

    bp_cmd = [str(binary), "build", str(graph), "-o", str(out)]
    if args.stages:
        bp_cmd.append("--verbose")  # prints the wall time of each stage
    # A cold build ignores the cache of the previous one (the cache is what rebuilds use).
    bp_cold_cmd = bp_cmd + ["--no-cache"]
    floor_cmd = [sys.executable, str(Path(__file__).resolve()), "--io-floor",
                 str(graph), str(manifest), str(floor_out)]
    hugo_cmd = (["hugo", "--source", str(hugo_src), "--destination", str(hugo_out)]
                if hugo_src else None)
    runs: dict[str, list[dict]] = {}
    output = {}

    def measure(key: str, cmd: list[str], r: int) -> dict:
        os.sync()  # flush the previous run's dirty pages outside the timing
        log = logs / f"{key.replace(' ', '_').replace('/', '')}-{n}-{r}.log"
        m = run_timed(cmd, work, log)
        if key.startswith("blockpress"):
            m["stages"] = stage_times(log.read_text(errors="replace"))
        runs.setdefault(key, []).append(m)
        print(f"  {key:<32} run {r + 1}: wall {m['wall']:7.2f} s  cpu {m['cpu']:7.2f} s"
              f"  rss {m['rss_mb']:7.0f} MB  others {m['others']:.2f}", file=sys.stderr)
        return m

    def rounds(first_wall: float) -> int:
        return 1 if first_wall > args.budget else args.runs

    # Cold builds, each followed by the I/O floor for its output and by Hugo's cold build.
    r, total = 0, args.runs
    while r < total:
        fresh(out)
        m = measure("blockpress cold", bp_cold_cmd, r)
        if r == 0:
            files = tree_files(out)
            output = {"files": len(files), "bytes": sum(s for _, s in files)}
            manifest.write_text(json.dumps(files))
            total = rounds(m["wall"])
        fresh(floor_out)
        measure("I/O floor", floor_cmd, r)
        if hugo_cmd:
            fresh(hugo_out)
            measure("hugo cold", hugo_cmd, r)
        r += 1
    # Rebuilds over an up-to-date output.
    for r in range(total):
        measure("blockpress rebuild unchanged", bp_cmd, r)
        if hugo_cmd:
            measure("hugo rebuild unchanged", hugo_cmd, r)
    # Rebuilds after one page changed (a new block appended each time).
    edited = page_to_edit(graph / "pages")
    edited_hugo = page_to_edit(hugo_src / "content" / "pages") if hugo_src else None
    saved = edited.read_bytes()
    saved_hugo = edited_hugo.read_bytes() if edited_hugo else None
    try:
        for r in range(total):
            with open(edited, "a") as f:
                f.write(f"\n- benchmark edit {r + 1}: one more block\n")
            measure("blockpress rebuild 1 changed", bp_cmd, r)
            if edited_hugo:
                with open(edited_hugo, "a") as f:
                    f.write(f"\nBenchmark edit {r + 1}: one more paragraph.\n")
                measure("hugo rebuild 1 changed", hugo_cmd, r)
    finally:
        edited.write_bytes(saved)
        if edited_hugo:
            edited_hugo.write_bytes(saved_hugo)
    hugo_output = None
    if hugo_cmd:
        files = tree_files(hugo_out)
        hugo_output = {"files": len(files), "bytes": sum(s for _, s in files)}
    if not args.keep:
        for d in (out, floor_out, hugo_out):
            fresh(d)
    input_bytes = sum(p.stat().st_size for p in graph.rglob("*") if p.is_file())
    return {
        "pages": n,
        "notes": notes,
        "input_bytes": input_bytes,
        "output": output,
        "hugo_output": hugo_output,
        "edited_page": edited.name,
        "runs": runs,
    }


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

ROWS = [
    "I/O floor",
    "blockpress cold",
    "blockpress rebuild unchanged",
    "blockpress rebuild 1 changed",
    "hugo cold",
    "hugo rebuild unchanged",
    "hugo rebuild 1 changed",
]


def med(runs: list[dict], key: str) -> float:
    return statistics.median(m[key] for m in runs)


def cell(runs: list[dict], key: str, fmt: str = "{:.2f}") -> str:
    values = [m[key] for m in runs]
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += " (" + fmt.format(min(values)) + "–" + fmt.format(max(values)) + ")"
    return text


def results_table(sizes: list[dict]) -> str:
    lines = [
        "| pages (notes) | build | runs | wall s | CPU s | peak MB | notes/s "
        "| wall ×floor | CPU ×floor | others |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in sizes:
        floor = s["runs"]["I/O floor"]
        fw, fc = med(floor, "wall"), med(floor, "cpu")
        for key in ROWS:
            runs = s["runs"].get(key)
            if not runs:
                continue
            w, c = med(runs, "wall"), med(runs, "cpu")
            lines.append(
                f"| {s['pages']:,} ({s['notes']:,}) | {key} | {len(runs)} | {cell(runs, 'wall')} "
                f"| {cell(runs, 'cpu')} | {med(runs, 'rss_mb'):.0f} | {s['notes'] / w:,.0f} "
                f"| {w / fw:.1f} | {c / fc:.1f} | {max(m['others'] for m in runs):.1f} |"
            )
    return "\n".join(lines)


def scaling_table(sizes: list[dict]) -> str:
    base = sizes[0]
    lines = [
        "| pages | tool | output MB | output KB/note | CPU ms/note (cold) | ×smallest "
        "| wall ms/note (cold) | peak MB | peak KB/note |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for tool, key, out_key in (("blockpress", "blockpress cold", "output"),
                               ("hugo", "hugo cold", "hugo_output"),
                               ("I/O floor", "I/O floor", "output")):
        if key not in base["runs"]:
            continue
        base_cpu = med(base["runs"][key], "cpu") / base["notes"]
        for s in sizes:
            runs = s["runs"][key]
            cpu_per = med(runs, "cpu") / s["notes"]
            rss = med(runs, "rss_mb")
            out = s[out_key] or {"bytes": 0}
            lines.append(
                f"| {s['pages']:,} | {tool} | {out['bytes'] / 1e6:,.0f} "
                f"| {out['bytes'] / 1e3 / s['notes']:.1f} | {cpu_per * 1e3:.2f} "
                f"| {cpu_per / base_cpu:.2f} | {med(runs, 'wall') / s['notes'] * 1e3:.2f} "
                f"| {rss:.0f} | {rss * 1024 / s['notes']:.1f} |"
            )
    return "\n".join(lines)


def targets(sizes: list[dict]) -> str:
    s = next((s for s in sizes if s["pages"] == 10_000), None)
    if not s:
        return "(no 10,000-page graph in this run)"
    r = s["runs"]
    cold = med(r["blockpress cold"], "wall")
    floor = med(r["I/O floor"], "wall")
    unchanged = med(r["blockpress rebuild unchanged"], "wall")
    changed = med(r["blockpress rebuild 1 changed"], "wall")
    peak = max(med(r[k], "rss_mb") for k in r if k.startswith("blockpress"))
    bound = med(r["blockpress cold"], "cpu") / (os.cpu_count() or 1)
    checks = [
        ("cold build under 4 s wall", f"{cold:.2f} s", cold < 4),
        ("cold build: CPU s / CPUs, the least wall time even an idle machine needs",
         f"{bound:.2f} s", bound < 4),
        ("cold build within 4× the I/O floor", f"{cold / floor:.1f}×", cold / floor <= 4),
        ("rebuild, nothing changed, under 1.5 s", f"{unchanged:.2f} s", unchanged < 1.5),
        ("rebuild, one page changed, under 1.5 s", f"{changed:.2f} s", changed < 1.5),
        ("peak memory under 400 MB", f"{peak:.0f} MB", peak < 400),
    ]
    cold_key = "blockpress cold"
    if all(cold_key in x["runs"] for x in sizes) and len(sizes) > 1:
        per = [med(x["runs"][cold_key], "cpu") / x["notes"] for x in sizes]
        growth = per[-1] / per[0]
        checks.append((f"linear cost: CPU per note {sizes[-1]['pages']:,} vs "
                       f"{sizes[0]['pages']:,} pages within 1.5×", f"{growth:.2f}×", growth <= 1.5))
    lines = ["| 10,000-page target | measured | met |", "|---|--:|---|"]
    lines += [f"| {what} | {value} | {'yes' if ok else '**no**'} |" for what, value, ok in checks]
    return "\n".join(lines)


def stages_table(sizes: list[dict]) -> str:
    """Median wall seconds of each stage (from --verbose) of the blockpress builds."""
    names: list[str] = []
    for s in sizes:
        for key in ROWS:
            for m in s["runs"].get(key, []):
                names += [n for n in m.get("stages", {}) if n not in names]
    if not names:
        return ("(no stage times in this run: it was made without `--verbose` "
                "(`--no-stages`, or a version of this script without it))")
    lines = ["| pages | build | " + " | ".join(names) + " |",
             "|---|---|" + "--:|" * len(names)]
    for s in sizes:
        for key in ROWS:
            runs = s["runs"].get(key, [])
            if not key.startswith("blockpress") or not runs:
                continue
            cells = []
            for n in names:
                vals = [m["stages"][n] for m in runs if n in m.get("stages", {})]
                cells.append(f"{statistics.median(vals):.2f}" if vals else "–")
            lines.append(f"| {s['pages']:,} | {key.removeprefix('blockpress ')} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    hugo = shutil.which("hugo")
    hugo_version = (subprocess.run(["hugo", "version"], capture_output=True, text=True)
                    .stdout.strip() if hugo else "not installed")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "hugo": hugo_version,
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


def src_digest() -> str:
    """A digest of src/, Cargo.toml and Cargo.lock: which code was measured."""
    h = hashlib.sha256()
    for p in sorted([*REPO.joinpath("src").rglob("*.rs"), REPO / "Cargo.toml", REPO / "Cargo.lock"]):
        h.update(p.relative_to(REPO).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def markdown(report: dict) -> str:
    m = report["machine"]
    pages = " ".join(str(s["pages"]) for s in report["sizes"])
    floor_cmd = "python3 bench/run.py --io-floor GRAPH MANIFEST FLOOR_OUT"
    verbose = " --verbose" if report.get("stages") else ""
    others = [m["others"] for s in report["sizes"] for runs in s["runs"].values() for m in runs]
    busy = statistics.median(others) if others else 0.0
    warning = (f"\n**The machine was busy**: other processes used {busy:.1f} of its "
               f"{m['nproc']} CPUs (median over the runs), so the wall times below are "
               "inflated; CPU times are the figures to compare.\n" if busy > 0.3 else "")
    return f"""## Results of {report['date']}

Machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory_gb']} GB RAM, Linux {m['kernel']};
load average {' '.join(m['loadavg'])} at the start, {' '.join(m.get('loadavg_end', []))} at the end.
Code measured: release binary (sha256 `{report['binary_sha256'][:16]}`, from
{report['binary_from']}, file dated {report['binary_built']}); src/ at the time of the run had digest
`{report['src_digest']}` (sha256 of src/, Cargo.toml, Cargo.lock). Hugo: `{m['hugo']}`.
Python {m['python']}.

Commands (run from the repository root):

```sh
{report['command']}
# which, for each N in {pages} and each run, does (WORK = --work, default /tmp/blockpress-bench):
python3 ../shared/bench/gen_graph.py --pages N --out WORK/logseq-N          # once, cached
python3 ../shared/bench/gen_graph.py --flavor hugo --pages N --out WORK/hugo-N
# (an old output folder is moved into WORK/trash/ before a cold build, and WORK/trash/ is
#  deleted when the whole run is over: see "Old outputs are moved aside" below)
mv WORK/out-bp-N WORK/trash/;    target/release/blockpress build WORK/logseq-N -o WORK/out-bp-N{verbose} --no-cache  # cold
mv WORK/out-floor-N WORK/trash/; {floor_cmd}                # I/O floor
mv WORK/out-hugo-N WORK/trash/;  hugo --source WORK/hugo-N --destination WORK/out-hugo-N         # cold
target/release/blockpress build WORK/logseq-N -o WORK/out-bp-N                           # rebuild unchanged
hugo --source WORK/hugo-N --destination WORK/out-hugo-N
echo '- benchmark edit' >> 'WORK/logseq-N/pages/<a middle-sized page>.md'                   # rebuild 1 changed
target/release/blockpress build WORK/logseq-N -o WORK/out-bp-N
```

Medians of the runs (min–max in brackets). CPU = user+sys of the child (wait4
rusage); peak = its maximum resident set; notes/s = notes (pages/ + journals/
files) per wall second; ×floor = the row's median divided by the median of
the I/O floor of the same size; "others" = the most CPU (in cores, of
{m['nproc']}) that other processes used during a run of that row: above ~0.3,
that row's wall times are inflated by other work on the machine.
{warning}
{results_table(report['sizes'])}

Wall seconds of each stage of the blockpress builds (medians; `build --verbose`):

{stages_table(report['sizes'])}

Scaling (cold builds; "×smallest" is CPU per note relative to the smallest graph,
1.00 = perfectly linear):

{scaling_table(report['sizes'])}

Targets:

{targets(report['sizes'])}
"""


def write_benchmarks(md: str, path: Path) -> None:
    block = f"{START}\n{md}\n{END}"
    if path.exists():
        text = path.read_text()
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            path.write_text(head + block + tail)
            return
        path.write_text(text.rstrip() + "\n\n" + block + "\n")
    else:
        path.write_text("# Benchmarks\n\n" + block + "\n")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--io-floor":
        io_floor(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[1_000, 10_000, 50_000],
                    help="graph sizes (default: 1000 10000 50000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="if a size's first cold build takes longer than this many "
                         "seconds, measure that size once (default 120)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/blockpress-bench"),
                    help="where graphs and outputs go (default /tmp/blockpress-bench)")
    ap.add_argument("--bin", type=Path, help="blockpress binary (default: cargo build --release)")
    ap.add_argument("--no-hugo", dest="hugo", action="store_false", help="skip Hugo")
    ap.add_argument("--no-write", dest="write", action="store_false",
                    help="do not update BENCHMARKS.md")
    ap.add_argument("--keep", action="store_true", help="keep the output folders")
    ap.add_argument("--from-json", type=Path, nargs="+", metavar="RESULTS_JSON",
                    help="only print (and write) the report of earlier runs' results.json "
                         "(several are merged)")
    ap.add_argument("--no-stages", dest="stages", action="store_false",
                    help="do not pass --verbose (for binaries without stage times)")
    args = ap.parse_args(argv)
    if args.from_json:
        # Several runs (say, the small sizes and the largest one) merge into one report.
        reports = [json.loads(p.read_text()) for p in args.from_json]
        report = reports[0]
        for extra in reports[1:]:
            report["sizes"] += extra["sizes"]
            report["command"] += "\n" + extra["command"]
            report["machine"]["loadavg_end"] = extra["machine"].get("loadavg_end", [])
        report["sizes"].sort(key=lambda s: s["pages"])
        md = markdown(report)
        print(md)
        if args.write:
            write_benchmarks(md, REPO / "BENCHMARKS.md")
        return
    if args.hugo and not shutil.which("hugo"):
        sys.exit("hugo not found: apt-get install -y hugo, or pass --no-hugo")
    args.work.mkdir(parents=True, exist_ok=True)
    work = args.work.resolve()
    global TRASH
    TRASH = work / "trash"
    shutil.rmtree(TRASH, ignore_errors=True)  # left by an interrupted run

    if args.bin is None:
        if subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO).returncode:
            sys.exit("cargo build --release failed; pass --bin PATH to measure a built binary")
        built = REPO / "target" / "release" / "blockpress"
    else:
        built = args.bin.resolve()
    # A private copy, so that a concurrent `cargo build` cannot swap it mid-run.
    binary = work / "blockpress"
    shutil.copy2(built, binary)

    report = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": ("python3 bench/run.py " + shlex.join(argv)).strip(),
        "machine": machine(),
        "src_digest": src_digest(),
        "binary_sha256": sha256_file(binary),
        "binary_built": dt.datetime.fromtimestamp(built.stat().st_mtime, dt.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "binary_from": "cargo build --release" if args.bin is None else f"--bin {args.bin}",
        "stages": args.stages,
        "sizes": [],
    }
    for n in sorted(args.pages):
        report["sizes"].append(bench_size(n, args, binary, work))
        (work / "results.json").write_text(json.dumps(report, indent=1))
    report["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    (work / "results.json").write_text(json.dumps(report, indent=1))
    shutil.rmtree(TRASH, ignore_errors=True)
    md = markdown(report)
    print(md)
    if args.write:
        write_benchmarks(md, REPO / "BENCHMARKS.md")
        print(f"(written into {REPO / 'BENCHMARKS.md'})", file=sys.stderr)


if __name__ == "__main__":
    main()
