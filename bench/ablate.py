#!/usr/bin/env python3
"""What does highlighting cost, and how often is each code block highlighted?

Usage (from the repository root):

    python3 bench/ablate.py --pages 10000 [--runs 3] [--bin target/release/blockpress]

Builds four graphs derived from the generated one (cold builds, medians of
--runs) and prints their CPU times:

  full         the generated graph as it is
  no-highlight every fence's language replaced by `txt` (escaped plain text,
               no syntect), so full - no-highlight = what highlighting costs
               in a real build, counting every time a block is rendered
  code-only    one page per note holding only that note's fenced code blocks,
               no links: syntect once per code block, plus a small overhead
  code-only-txt the same with `txt` fences: that overhead alone

so (code-only - code-only-txt) is syntect's cost for highlighting every code
block exactly once, and the ratio of the two differences is how many times,
on average, each code block is highlighted in a full build.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(\s*(?:- )?\s*)(```+|~~~+)\s*([\w+#.-]*)(.*)$")


def fences(text: str):
    """Yields (start, end, lang, body lines) of every fenced block (line numbers)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(m.group(2)):
                j += 1
            indent = len(m.group(1))
            body = [line[indent:] if len(line) >= indent else line.lstrip()
                    for line in lines[i + 1:j]]
            yield i, j, m.group(3), body
            i = j + 1
        else:
            i += 1


def derive(src: Path, dst: Path, kind: str) -> None:
    """Writes the variant `kind` of graph `src` into `dst`."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src / "logseq", dst / "logseq")
    for path in sorted(src.rglob("*.md")):
        rel = path.relative_to(src)
        if rel.parts[0] == "logseq":
            continue
        text = path.read_text(encoding="utf-8")
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if kind == "no-highlight":
            lines = text.split("\n")
            for start, _end, lang, _body in fences(text):
                if lang:
                    lines[start] = lines[start].replace(lang, "txt", 1)
            out.write_text("\n".join(lines), encoding="utf-8")
        else:
            blocks = []
            for _start, _end, lang, body in fences(text):
                lang = "txt" if kind == "code-only-txt" else lang
                blocks.append("- ```" + lang + "\n" + "".join(f"  {b}\n" for b in body) + "  ```")
            out.write_text("\n".join(blocks) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/blockpress-bench"))
    ap.add_argument("--bin", type=Path, help="blockpress binary (default: cargo build --release)")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    work = args.work.resolve()
    if args.bin is None:
        if subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO).returncode:
            sys.exit("cargo build --release failed; pass --bin PATH to measure a built binary")
        binary = REPO / "target" / "release" / "blockpress"
    else:
        binary = args.bin.resolve()
    graph = bench.ensure_graph(args.pages, "logseq", args.seed, work)
    variants = {"full": graph}
    for kind in ("no-highlight", "code-only", "code-only-txt"):
        dst = work / f"ablate-{kind}-{args.pages}"
        derive(graph, dst, kind)
        variants[kind] = dst
    code_bytes = sum(len("\n".join(body).encode())
                     for p in graph.rglob("*.md") if "logseq" not in p.parts
                     for _s, _e, _l, body in fences(p.read_text(encoding="utf-8")))
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    cpu = {}
    for r in range(args.runs):
        for kind, src in variants.items():
            out = work / f"out-ablate-{args.pages}"
            shutil.rmtree(out, ignore_errors=True)
            os.sync()
            m = bench.run_timed([str(binary), "build", str(src), "-o", str(out), "--quiet"],
                                work, logs / f"ablate-{kind}-{args.pages}-{r}.log")
            cpu.setdefault(kind, []).append(m)
            print(f"  {kind:<14} run {r + 1}: cpu {m['cpu']:6.2f} s wall {m['wall']:6.2f} s "
                  f"rss {m['rss_mb']:5.0f} MB others {m['others']:.2f}", file=sys.stderr)
            shutil.rmtree(out, ignore_errors=True)
    med = {k: statistics.median(m["cpu"] for m in v) for k, v in cpu.items()}
    in_build = med["full"] - med["no-highlight"]
    once = med["code-only"] - med["code-only-txt"]
    print(f"| {args.pages:,}-page graph ({code_bytes / 1e6:.2f} MB of fenced code) | CPU s |")
    print("|---|--:|")
    for k in variants:
        print(f"| {k} | {med[k]:.2f} |")
    print(f"| highlighting in a full build (full − no-highlight) | {in_build:.2f} |")
    print(f"| highlighting each block once (code-only − code-only-txt) | {once:.2f} |")
    if once > 0:
        print(f"| times each code block is highlighted, on average | {in_build / once:.1f} |")


if __name__ == "__main__":
    main()
