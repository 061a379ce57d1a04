"""Content files under hostile and big input: time and peak memory, before (baseline) and now, in one run.

    python benchmarks/content_load.py [--entries 45000] [--skip-old-duplicates]

1. a 4 MB one-line flow list: the old path (compose the whole node tree, then convert)
   against load_text (counts values on the event stream and stops at the limit);
2. the event loop's worst lag (a 1 ms ticker) while a big valid content folder is
   parsed for a reload: in a thread (today's Bot.reload) against load_content_in_subprocess;
3. the near-duplicate check on N entries: all pairs (rapidfuzz cdist, the old code)
   against faq.near_duplicates.similar_pairs.
Each case runs in a fresh process, so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_flow(path: Path) -> None:
    path.write_text("faq: [" + ", ".join(str(i) for i in range(600_000)) + "]\n", encoding="utf-8")


def write_faq(path: Path, entries: int) -> None:
    """Entries with varied questions and a planted near-duplicate every 100 entries."""
    rnd = random.Random(7)
    vocab = ["".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9))) for _ in range(6000)]
    starts = ["How do I", "Where is the", "When does the", "Can I bring my", "Is there a", "Who organises the"]
    lines, previous = ["faq:"], ""
    for i in range(entries):
        question = f"{rnd.choice(starts)} {' '.join(rnd.choice(vocab) for _ in range(rnd.randint(2, 5)))}?"
        if i % 100 == 1:
            question = previous[:-1] + "s?"
        previous = question
        lines += [f"  - id: q{i}", "    en:", f'      question: "{question}"', f"      answer: Ask desk {i % 50}."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def case_flow_old(path: str) -> str:
    import yaml
    from faq.yamlsafe import YamlError, _Converter, _Loader, DEFAULT_MAX_ALIASES, DEFAULT_MAX_NODES
    text = Path(path).read_text(encoding="utf-8")
    try:
        _Converter(path, DEFAULT_MAX_NODES, DEFAULT_MAX_ALIASES).convert(yaml.compose(text, Loader=_Loader))
    except YamlError as exc:
        return exc.problem.message
    return "accepted"


def case_flow_new(path: str) -> str:
    from faq.yamlsafe import YamlError, load_file
    try:
        load_file(Path(path))
    except YamlError as exc:
        return exc.problem.message
    return "accepted"


def texts_of(path: str) -> list[str]:
    from faq.content import load_content
    from faq.normalize import normalize
    content, _ = load_content([Path(path)], 6_000_000, check_duplicates=False)
    return [" ".join(sorted(normalize(p).split())) for e in content.entries.values()
            for t in e.texts.values() for p in t.all_phrasings]


def case_duplicates_old(path: str) -> str:
    from rapidfuzz import fuzz, process
    texts = texts_of(path)
    start = time.perf_counter()
    matrix = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=95.0, dtype="uint8", workers=-1)
    rows, cols = matrix.nonzero()
    pairs = sum(1 for i, j in zip(rows.tolist(), cols.tolist()) if i < j)
    return f"{pairs} pairs in {time.perf_counter() - start:.1f} s (search only)"


def case_duplicates_new(path: str) -> str:
    from faq.near_duplicates import similar_pairs
    texts = texts_of(path)
    start = time.perf_counter()
    pairs = len(similar_pairs(texts, 95.0))
    return f"{pairs} pairs in {time.perf_counter() - start:.1f} s (search only)"


async def worst_lag(work) -> tuple[float, float]:
    """Run work() in a thread while a 1 ms ticker measures how late the loop wakes it; (worst lag ms, seconds)."""
    worst, done = 0.0, False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    tick = asyncio.create_task(ticker())
    start = time.perf_counter()
    await asyncio.to_thread(work)
    took = time.perf_counter() - start
    done = True
    await tick
    return worst * 1000, took


def case_reload_thread(path: str) -> str:
    from faq.content import load_content
    lag, took = asyncio.run(worst_lag(lambda: load_content([Path(path)], 6_000_000, check_duplicates=False)))
    return f"worst event-loop lag {lag:.1f} ms over {took:.1f} s"


def case_reload_process(path: str) -> str:
    from faq.content_process import load_content_in_subprocess
    lag, took = asyncio.run(worst_lag(lambda: load_content_in_subprocess([Path(path)], 6_000_000)))
    return f"worst event-loop lag {lag:.1f} ms over {took:.1f} s"


def case_reload_baseline(path: str) -> str:
    """The floor on this machine: a child process busy for 5 s (no GIL shared), the thread only waiting."""
    busy = [sys.executable, "-c", "import time\nend = time.time() + 5\nwhile time.time() < end: pass"]
    lag, took = asyncio.run(worst_lag(lambda: subprocess.run(busy, check=True)))
    return f"worst event-loop lag {lag:.1f} ms over {took:.1f} s"


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def run(case: str, path: Path) -> str:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--case", case, str(path)], capture_output=True, text=True, cwd=REPO)
    took = time.perf_counter() - start
    result = out.stdout.strip() or f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}"
    return f"{took:6.1f} s  {result}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--entries", type=int, default=45_000)
    parser.add_argument("--skip-old-duplicates", action="store_true", help="skip the all-pairs baseline (minutes, GBs)")
    args = parser.parse_args()
    if args.case:
        result = CASES[args.case](args.path)
        print(f"{result}; peak memory {peak_mb():.0f} MB")
        return
    with tempfile.TemporaryDirectory() as tmp:
        flow, faq = Path(tmp) / "flow.yaml", Path(tmp) / "faq.yaml"
        write_flow(flow)
        write_faq(faq, args.entries)
        print(f"1. 4 MB one-line flow list ({flow.stat().st_size} bytes), wall time of the whole process:")
        print(f"   before (compose + convert): {run('flow_old', flow)}")
        print(f"   now (event-stream count):   {run('flow_new', flow)}")
        print(f"2. reload parsing of {args.entries} entries ({faq.stat().st_size} bytes), 1 ms ticker on the loop:")
        print(f"   in a thread (today):        {run('reload_thread', faq)}")
        print(f"   in a spawned process:       {run('reload_process', faq)}")
        print(f"   floor: a busy child only:   {run('reload_baseline', faq)}")
        print(f"3. near-duplicate check on {args.entries} entries:")
        if not args.skip_old_duplicates:
            print(f"   before (all pairs, cdist):  {run('duplicates_old', faq)}")
        print(f"   now (3-gram prefix filter): {run('duplicates_new', faq)}")


if __name__ == "__main__":
    main()
