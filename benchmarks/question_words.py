"""How much the question word (when / who / where / how many) should weigh: a sweep.

For each question_word_weight on the grid, lexical and (with --semantic) hybrid, on the
sample content as the bot asks it (Knowledge.ask: scoped to the event a question names):

- tests/data/question_words.jsonl: questions naming an event by its full name or an
  alias and asking when / who / where / how many, per language (en, nl, no, ja);
- tests/data/seed_questions.jsonl and tests/data/crosslingual_questions.jsonl, which
  must not get worse;
- with --datasets (lexical only): Banking77 precision@1 and CLINC150 coverage /
  answered accuracy at 10% out-of-scope false accepts (validation split and test
  split), as in benchmarks/faq_quality.py.

"right" is answered with the expected entry, "wrong" answered with another one, "p@1"
the expected entry ranked first whatever the band.

    python benchmarks/question_words.py [--semantic] [--weights 0 0.1 0.2] [--datasets ../shared/datasets]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from faq.evaluate import coverage_at_far  # noqa: E402
from faq.knowledge import Knowledge  # noqa: E402
from faq.matcher import MatchSettings  # noqa: E402
from faq.semantic import SemanticSettings  # noqa: E402

CONTENT = ROOT / "bot" / "sample_content"
SETS = ("question_words", "seed_questions", "crosslingual_questions")


def read(name: str) -> list[dict]:
    """The rows of one question set under tests/data."""
    lines = (ROOT / "tests" / "data" / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def settings_for(weight: float, semantic: bool, cache: Path) -> MatchSettings:
    """Default settings with the question-word weight of the mode in use set to weight."""
    if semantic:
        return MatchSettings(semantic=replace(SemanticSettings(), enabled=True, cache_dir=cache,
                                              question_word_weight=weight))
    return MatchSettings(question_word_weight=weight)


def score(knowledge: Knowledge, rows: list[dict]) -> dict[str, list[int]]:
    """Per language (and "all"): [questions, right, wrong, top-1 right]."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        answer = knowledge.ask(row["text"], row.get("lang") or "en")
        first = answer.matches[0].entry_id if answer.matches else None
        for key in (row.get("lang") or "?", "all"):
            cell = out[key]
            cell[0] += 1
            if row["expected"] is None:
                cell[2] += answer.band == "answer"
                continue
            cell[1] += answer.band == "answer" and first == row["expected"]
            cell[2] += answer.band == "answer" and first != row["expected"]
            cell[3] += first == row["expected"]
    return out


def public_data(root: Path, weight: float, seeds: list[int]) -> str:
    """Banking77 precision@1 and CLINC150 coverage / accuracy at 10% false accepts (lexical)."""
    import faq_quality as fq  # the protocol of benchmarks/faq_quality.py

    settings = MatchSettings(question_word_weight=weight)
    train, test = fq.banking77(root)
    b77 = [fq.precision_at_1(fq.Ours(fq.sample_faq(train, 5, seed), settings).rank_all([t for t, _ in test]),
                             [i for _, i in test]) for seed in seeds]
    data = fq.clinc150(root)
    figures: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for seed in seeds:
        ours = fq.Ours(fq.sample_faq(data["train"], 5, seed), settings)
        for split, oos_split in (("val", "oos_val"), ("test", "oos_test")):
            ins = ours.rank_all([t for t, _ in data[split]])
            oos = ours.rank_all([t for t, _ in data[oos_split]])
            scored = [(r[0][:1] == [i], r[1]) for r, (_, i) in zip(ins, data[split])]
            figures[split].append(coverage_at_far(scored, [r[1] for r in oos], 0.10))
    clinc = "  ".join(
        f"CLINC150 {split} {statistics.mean(v[1] for v in values):.3f} / {statistics.mean(v[2] for v in values):.3f}"
        for split, values in figures.items()
    )
    return f"Banking77 p@1 {statistics.mean(b77):.3f}  {clinc}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semantic", action="store_true", help="hybrid matching (needs the semantic extra)")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    parser.add_argument("--datasets", type=Path, help="also Banking77 and CLINC150 (lexical only)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "eventbot-question-words")
    args = parser.parse_args()
    rows = {name: read(name) for name in SETS}
    previous = None
    print(f"mode: {'hybrid' if args.semantic else 'lexical'}; cells: right / wrong answers (top-1 right) of n")
    for weight in args.weights:
        knowledge = Knowledge.load([CONTENT], settings_for(weight, args.semantic, args.cache), previous=previous)
        previous = knowledge
        parts = []
        for name in SETS:
            table = score(knowledge, rows[name])
            langs = ["all"] + sorted(k for k in table if k != "all") if name == "question_words" else ["all"]
            cells = " ".join(f"{lang} {table[lang][1]}/{table[lang][2]} ({table[lang][3]}) of {table[lang][0]}"
                             for lang in langs)
            parts.append(f"  {name}: {cells}")
        print(f"weight {weight:.2f}\n" + "\n".join(parts))
        if args.datasets and not args.semantic:
            print("  " + public_data(args.datasets, weight, args.seeds))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
