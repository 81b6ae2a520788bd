#!/usr/bin/env python3
"""Where does a blockpress build spend its time? Per stage and per function.

Usage (from the repository root):

    python3 bench/profile.py --pages 10000              # perf record (cpu-clock) + summary
    python3 bench/profile.py --pages 1000 --tool callgrind   # instruction counts (slow: ~60x)
    python3 bench/profile.py --data /tmp/x/perf.data    # summarise an existing perf.data
    python3 bench/profile.py --data /tmp/x/callgrind.out --tool callgrind

The graph is generated (cached) like bench/run.py does, in --work. perf
samples the cpu-clock of the blockpress process with DWARF call stacks (the
release profile keeps line tables); callgrind counts instructions (Ir) of a
single run. Prints Markdown: the stage split, a breakdown of the render stage,
and the top functions by inclusive and by self cost.

Stages are assigned from each sample's call stack: the outermost blockpress
frame below the driver (main, cli::run, build, load_site) names the stage by
its module (load, parse, resolve, render, output, templates::Theme::load).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: graph generation)

REPO = Path(__file__).resolve().parent.parent

DRIVER = re.compile(r"^blockpress::(main|cli::run|build\w*|load_site\w*)(::|$)")
STAGES = [
    ("theme load", re.compile(r"^blockpress::render::templates::Theme::load")),
    ("load", re.compile(r"^blockpress::load::")),
    ("parse", re.compile(r"^blockpress::parse::")),
    ("resolve", re.compile(r"^blockpress::resolve::")),
    ("render", re.compile(r"^blockpress::render::")),
    ("output", re.compile(r"^blockpress::output::")),
    ("site graph layout (graph::)", re.compile(r"^blockpress::graph::")),
    ("assets", re.compile(r"^blockpress::asset_files")),
]
# Within render: the first of these found from the outermost frame inwards.
RENDER_PARTS = [
    ("local graph of each page (graph::local_svg)", re.compile(r"blockpress::graph::local_svg")),
    ("linked/unlinked references (reference_groups)",
     re.compile(r"blockpress::render::page::reference_groups")),
    ("the page's own blocks, properties, toc (rest of page_context)",
     re.compile(r"blockpress::render::page::page_context")),
    ("namespace hierarchy (embed::descendants_html)",
     re.compile(r"blockpress::render::embed::descendants_html")),
    ("Tera template rendering (Theme::render)",
     re.compile(r"blockpress::render::templates::Theme::render|^tera::")),
    ("index pages (render::indexes)", re.compile(r"blockpress::render::indexes::")),
]
# Cross-cutting costs: share of samples with such a frame anywhere in the stack.
CROSS = [
    ("syntect highlighting (render::highlight)", re.compile(r"^syntect::|blockpress::render::highlight::")),
    ("oniguruma regex (under syntect)", re.compile(r"^(match_at|onig_|forward_search|onig)")),
    ("code blocks (render::code::render_code_block)", re.compile(r"blockpress::render::code::render_code_block")),
    ("markdown (render::markdown::render_markdown)", re.compile(r"blockpress::render::markdown::render_markdown")),
    ("pulldown-cmark parsing", re.compile(r"^pulldown_cmark::")),
    ("ammonia sanitising", re.compile(r"^ammonia::|^html5ever::")),
    ("inline scanning (parse::inline::scan)", re.compile(r"blockpress::parse::inline::scan")),
    ("page-name lookups (resolve::Site::lookup)", re.compile(r"blockpress::resolve::Site::lookup")),
    ("journal-title parsing (load::journal_date::parse)",
     re.compile(r"blockpress::load::journal_date::parse")),
    ("HTML escaping (render::escape)", re.compile(r"blockpress::render::escape::")),
    ("local graph neighbourhood (graph::local::neighbourhood)",
     re.compile(r"blockpress::graph::local::neighbourhood")),
    ("force layout (graph::layout, graph::quadtree)",
     re.compile(r"blockpress::graph::(layout|quadtree)::")),
    ("Tera rendering", re.compile(r"^tera::renderer")),
    ("serde serialisation into Tera contexts", re.compile(r"^tera::context|serde_json::value::ser|<tera::context::Context as")),
    ("malloc/free/realloc (self)", None),
    ("memcpy/memmove (self)", None),
    ("kernel (self)", None),
]
ALLOC = re.compile(r"^(_int_malloc|_int_free|malloc|free|cfree|realloc|_int_realloc|"
                   r"malloc_consolidate|unlink_chunk|__libc_malloc|__libc_free|"
                   r"alloc::|__rust_(alloc|dealloc|realloc))")
MEMCPY = re.compile(r"^(__memmove|__memcpy|__memset|memcpy|memmove|memset)")
GENERIC = re.compile(
    r"^(rayon|rayon_core|std::|core::|alloc::|<alloc::|<core::|<std::|<rayon|"
    r"__rust|_start|main$|__libc_start|start_thread|clone3|\[unknown\]|"
    r"<\[|<&|<alloc|<rayon|\{\{closure\}\}|call_once|"
    r"<.* as core::ops::function)"
)


# --------------------------------------------------------------------------
# perf
# --------------------------------------------------------------------------


def perf_samples(data: Path):
    """Yields (period, [frames outermost first], is_kernel_leaf) per sample."""
    proc = subprocess.Popen(
        ["perf", "script", "-i", str(data), "-F", "comm,tid,period,ip,sym", "--no-inline"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    period, frames, kernel = 0, [], False
    for line in proc.stdout:
        if not line.strip():
            if frames:
                yield period, frames[::-1], kernel
            period, frames, kernel = 0, [], False
            continue
        if not line.startswith(("\t", " ")):
            parts = line.split()
            period = int(parts[-1]) if parts and parts[-1].isdigit() else 1
            continue
        parts = line.strip().split(None, 1)
        sym = parts[1] if len(parts) > 1 else "[unknown]"
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if not frames and parts[0].startswith("ffffffff"):
            kernel = True
        if parts[0].startswith("ffffffff"):
            sym = "[kernel]" if frames else "[k] " + sym
            if frames and frames[-1] == "[kernel]":
                continue
        frames.append(sym)
    if frames:
        yield period, frames[::-1], kernel
    proc.wait()


def stage_of(frames: list[str]) -> str:
    seen_build = False
    for f in frames:
        if DRIVER.search(f):
            seen_build = seen_build or "build" in f
            continue
        if f.startswith("blockpress::"):
            for name, pat in STAGES:
                if pat.search(f):
                    return name
            module = f.split("::")[1] if f.count("::") >= 2 else f
            return f"{module} (blockpress::{module})"
    if seen_build:
        return "build (drops, joins)"
    if any(f.startswith(("rayon_core", "rayon::")) for f in frames):
        return "rayon idle/steal"
    return "process start/exit"


def summarise_perf(data: Path, top: int = 15) -> str:
    c = collect_perf(data)
    return report(c["total"], "CPU s", 1e-9, c["stages"], c["render_parts"], c["cross"],
                  c["incl"], c["self"], top, f"perf record -e cpu-clock --call-graph dwarf: {data}")


def collect_perf(data: Path) -> dict:
    total = 0
    stages = collections.Counter()
    render_parts = collections.Counter()
    cross = collections.Counter()
    incl = collections.Counter()
    self_ = collections.Counter()
    for period, frames, kernel in perf_samples(data):
        total += period
        stage = stages_key = stage_of(frames)
        stages[stages_key] += period
        if stage == "render":
            part = "other render (render_site, home, 404, static files)"
            for name, pat in RENDER_PARTS:
                if any(pat.search(f) for f in frames):
                    part = name
                    break
            render_parts[part] += period
        leaf = frames[-1]
        self_[leaf] += period
        for name, pat in CROSS:
            if pat is None:
                continue
            if any(pat.search(f) for f in frames):
                cross[name] += period
        if ALLOC.search(leaf):
            cross["malloc/free/realloc (self)"] += period
        if MEMCPY.search(leaf):
            cross["memcpy/memmove (self)"] += period
        if kernel:
            cross["kernel (self)"] += period
        for f in set(frames):
            incl[f] += period
    return {"total": total, "stages": stages, "render_parts": render_parts, "cross": cross,
            "incl": incl, "self": self_}


def compare_perf(specs: list[str]) -> str:
    """Per-stage CPU per 1,000 pages for several graph sizes (`PAGES:perf.data` each)."""
    sizes = []
    for spec in specs:
        pages, path = spec.split(":", 1)
        sizes.append((int(pages), collect_perf(Path(path))))
    sizes.sort(key=lambda x: x[0])
    head = " | ".join(f"{n:,} pages" for n, _ in sizes)
    lines = [f"| CPU s per 1,000 pages | {head} | ×, largest vs smallest |",
             "|---|" + "--:|" * (len(sizes) + 1)]

    def row(label, get):
        vals = [get(c) * 1e-9 / (n / 1000) for n, c in sizes]
        ratio = f"{vals[-1] / vals[0]:.2f}" if vals[0] > 0 else "–"
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {ratio} |")

    row("**whole build**", lambda c: c["total"])
    keys = []
    for _, c in sizes:
        keys += [k for k in c["stages"] if k not in keys]
    for k in keys:
        row(f"stage: {k}", lambda c, k=k: c["stages"].get(k, 0))
    parts = []
    for _, c in sizes:
        parts += [k for k in c["render_parts"] if k not in parts]
    for k in parts:
        row(f"render: {k}", lambda c, k=k: c["render_parts"].get(k, 0))
    for name, _ in CROSS:
        row(f"anywhere: {name}", lambda c, name=name: c["cross"].get(name, 0))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# callgrind
# --------------------------------------------------------------------------


def callgrind_table(data: Path, inclusive: bool) -> tuple[int, list[tuple[int, str]]]:
    """(program total, [(Ir, function)]) from callgrind_annotate."""
    out = subprocess.run(
        ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", "--auto=no",
         "--threshold=100", str(data)],
        capture_output=True, text=True, errors="replace").stdout
    total, rows = 0, []
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\([^)]*\)\s+(\S.*)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        if m.group(2).strip() == "PROGRAM TOTALS":
            total = ir
        elif ":" in m.group(2):
            name = m.group(2).split(":", 1)[1].strip()
            name = re.sub(r" \[[^\]]*\]$", "", name)
            rows.append((ir, name))
    return total, rows


COUNTED = [
    r"^blockpress::render::render_page$",
    r"^blockpress::render::markdown::render_markdown$",
    r"^blockpress::render::code::render_code_block$",
    r"^blockpress::render::highlight::Highlighter::highlight$",
    r"^blockpress::render::templates::Theme::render$",
    r"^blockpress::resolve::Site::lookup$",
    r"^blockpress::load::journal_date::parse$",
    r"^blockpress::parse::parse_note$",
    r"^blockpress::output::write_if_changed$",
    r"^blockpress::graph::local_svg$",
    r"^blockpress::graph::layout::force_layout$",
]


def callgrind_calls(data: Path) -> dict[str, int]:
    """Calls to the functions of COUNTED, from the `calls=` lines of a callgrind file."""
    names: dict[str, str] = {}
    counts: collections.Counter = collections.Counter()
    target = None
    pats = [re.compile(p) for p in COUNTED]
    with open(data, errors="replace") as f:
        for line in f:
            if line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    target = names.get(m.group(1))
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
            elif line.startswith("calls=") and target:
                base = re.sub(r"'\d+$", "", target)
                if any(p.search(base) for p in pats):
                    counts[base] += int(line[6:].split()[0])
    return dict(counts)


def summarise_callgrind(data: Path, top: int = 15) -> str:
    total, incl_rows = callgrind_table(data, True)
    _, self_rows = callgrind_table(data, False)
    incl = collections.Counter()
    for ir, name in incl_rows:
        # `f'2` is a recursive activation of f; its inclusive cost is counted
        # again in f's, so only the outermost activation is kept.
        if not re.search(r"'\d+$", name):
            incl[name] = max(incl[name], ir)
    self_ = collections.Counter()
    for ir, name in self_rows:
        self_[re.sub(r"'\d+$", "", name)] += ir
    def cost(pattern: str) -> int:
        return max((ir for name, ir in incl.items() if re.search(pattern, name)), default=0)

    # Work done on rayon's threads is not included in the caller's inclusive
    # cost, so each stage adds up the functions its threads run.
    stages = collections.Counter({
        "theme load": cost(r"^blockpress::render::templates::Theme::load$"),
        "load": cost(r"^blockpress::load::Graph::load$"),
        "parse": cost(r"^blockpress::parse::parse_note$"),
        "resolve": cost(r"^blockpress::resolve::resolve$"),
        "render": cost(r"^blockpress::render::render_page$")
        + cost(r"^blockpress::render::render_site$"),
        "output": cost(r"^blockpress::output::write_site$")
        + cost(r"^blockpress::output::write_if_changed$"),
        "assets": cost(r"^blockpress::asset_files$"),
        "site graph layout (graph::layout::force_layout)":
            cost(r"^blockpress::graph::layout::force_layout$"),
        "search index (search::index::add_doc)": cost(r"^blockpress::search::index::add_doc$"),
    })
    stages["other (startup, drops, exit, rayon)"] = max(0, total - sum(stages.values()))
    refs = cost(r"^blockpress::render::page::reference_groups$")
    local = cost(r"^blockpress::graph::local_svg$")
    render_parts = collections.Counter({
        "local graph of each page (graph::local_svg)": local,
        "linked/unlinked references (reference_groups)": refs,
        "the page's own blocks, properties, toc (rest of page_context)":
            max(0, cost(r"^blockpress::render::page::page_context$") - refs - local),
        "Tera template rendering (Theme::render)":
            cost(r"^blockpress::render::templates::Theme::render$"),
        "on the main thread: home, index pages, static files (render_site)":
            cost(r"^blockpress::render::render_site$"),
    })
    cross = collections.Counter()
    for name, pat in CROSS:
        if pat is not None:
            cross[name] = max((ir for n, ir in incl.items() if pat.search(n)), default=0)
    cross["malloc/free/realloc (self)"] = sum(ir for n, ir in self_.items() if ALLOC.search(n))
    cross["memcpy/memmove (self)"] = sum(ir for n, ir in self_.items() if MEMCPY.search(n))
    calls = callgrind_calls(data)
    text = report(total, "G instr", 1e-9, stages, render_parts, cross, incl, self_, top,
                  f"valgrind --tool=callgrind: {data}",
                  note="callgrind counts user-space instructions only: the kernel's share "
                       "of reading and writing files (the output stage) is not in it.")
    text += "\n\nCalls (all threads):\n\n| function | calls |\n|---|--:|\n"
    text += "\n".join(f"| `{n}` | {c:,} |" for n, c in sorted(calls.items(), key=lambda x: -x[1]))
    return text


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def short(name: str, width: int = 110) -> str:
    name = name.replace("|", "\\|")
    return name if len(name) <= width else name[: width - 1] + "…"


def report(total, unit, scale, stages, render_parts, cross, incl, self_, top, source,
           note: str = "") -> str:
    def pct(x):
        return f"{100 * x / total:.1f}%"

    lines = [f"Source: `{source}`; total {total * scale:,.2f} {unit}.", ""]
    if note:
        lines += [note, ""]
    lines += ["| stage | share | " + unit + " |", "|---|--:|--:|"]
    for name, v in stages.most_common():
        lines.append(f"| {name} | {pct(v)} | {v * scale:,.2f} |")
    lines += ["", "Render stage, by part (share of the whole build):", "",
              "| part | share | " + unit + " |", "|---|--:|--:|"]
    for name, v in render_parts.most_common():
        lines.append(f"| {name} | {pct(v)} | {v * scale:,.2f} |")
    lines += ["", "Cross-cutting costs (anywhere in the stack; they overlap):", "",
              "| what | share | " + unit + " |", "|---|--:|--:|"]
    for name, v in cross.most_common():
        lines.append(f"| {name} | {pct(v)} | {v * scale:,.2f} |")
    interesting = [(n, v) for n, v in incl.most_common() if not GENERIC.search(n)
                   and not DRIVER.search(n)]
    lines += ["", f"Top {top} functions by inclusive cost (driver, std and rayon frames left out):",
              "", "| function | inclusive |", "|---|--:|"]
    for n, v in interesting[:top]:
        lines.append(f"| `{short(n)}` | {pct(v)} |")
    lines += ["", f"Top {top} functions by self cost:", "", "| function | self |", "|---|--:|"]
    for n, v in self_.most_common(top):
        lines.append(f"| `{short(n)}` | {pct(v)} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--tool", choices=["perf", "callgrind"], default="perf")
    ap.add_argument("--data", type=Path, help="summarise this perf.data / callgrind.out")
    ap.add_argument("--freq", type=int, default=199, help="perf sampling rate, Hz (default 199)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/blockpress-bench"))
    ap.add_argument("--bin", type=Path, help="blockpress binary (default: cargo build --release)")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--compare", nargs="+", metavar="PAGES:PERF_DATA",
                    help="per-stage CPU per 1,000 pages of several perf.data files")
    args = ap.parse_args(argv)
    if args.compare:
        print(compare_perf(args.compare))
        return
    data = args.data
    if data is None:
        args.work.mkdir(parents=True, exist_ok=True)
        work = args.work.resolve()
        if args.bin is None:
            if subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO).returncode:
                sys.exit("cargo build --release failed; pass --bin PATH to measure a built binary")
            binary = REPO / "target" / "release" / "blockpress"
        else:
            binary = args.bin.resolve()
        graph = bench.ensure_graph(args.pages, "logseq", args.seed, work)
        out = work / f"out-profile-{args.pages}"
        shutil.rmtree(out, ignore_errors=True)
        build = [str(binary), "build", str(graph), "-o", str(out), "--quiet"]
        if args.tool == "perf":
            data = work / f"perf-{args.pages}.data"
            cmd = ["perf", "record", "-e", "cpu-clock", "-F", str(args.freq),
                   "--call-graph", "dwarf,16384", "-o", str(data), "--", *build]
        else:
            data = work / f"callgrind-{args.pages}.out"
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={data}", *build]
        print("$ " + " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, cwd=work, check=True)
        shutil.rmtree(out, ignore_errors=True)
    if args.tool == "perf":
        print(summarise_perf(data, args.top))
    else:
        print(summarise_callgrind(data, args.top))


if __name__ == "__main__":
    main()
