"""Retrieval quality: does the search find what people ask? Recall@1 and @5 on sets written for this
project (benchmarks/retrieval_sets.py), with every part of the retrieval on, and with each turned off.

    python benchmarks/bench_retrieval.py [--write] [--misses] [--sets NAME ...]

Sets, all searched with the built-in embedding model (all-MiniLM-L6-v2, English only):
- Chinese: 24 questions over 14 Chinese explainer articles about LLMs that share most of their words:
  8 hold a phrase found verbatim in one article only, 8 paraphrase, 8 are keyword-like.
- Follow-ups: 20 conversations over 12 product manuals with the same sections; the follow-up never names
  the product ("And how long does it last?"), and its own words match another manual as well or better.
- City follow-ups: 10 English and 10 Chinese conversations over 6 English and 6 Chinese city guides with
  the same sections; the follow-up names no city ("And how much for meals there?", "那里的地铁票多少钱？")
  and its own words are, nearly verbatim, another city's guide's.
- File subject: 10 questions naming a subject that only the file's name carries (kombucha_brewing.md
  never says "kombucha"), among 10 distractors that mention the word in passing.
- English, as measured before this work (must not fall): chatapp's own docs (10 questions) and
  generated reports about invented places (450 questions), from bench_documents.py.
A question counts as found at k when one of the top k chunks is from the file that answers it (the
English sets: holds the answer's words).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import retrieval_sets as sets  # noqa: E402
from bench_documents import OWN_DOCS, make_corpus  # noqa: E402
from report import cpu_name, markdown_table, publish  # noqa: E402

from chatapp.core.storage.paths import AppPaths  # noqa: E402
from chatapp.documents.collections import Documents  # noqa: E402
from chatapp.documents.retrieval import Hit, Options, Query  # noqa: E402

VARIANTS: dict[str, Options] = {
    "all": Options(),
    "no phrase ranking": Options(phrases=False),
    "no file-name ranking": Options(files=False),
    "no conversation": Options(conversation=False),
    "vectors unweighted": Options(weigh_vectors=False),
    "before (keyword + vector only)": Options(phrases=False, files=False, conversation=False, weigh_vectors=False),
}


@dataclass
class Case:
    query: Query
    found: Callable[[Hit], bool]
    label: str
    expected: str  # what should have come first, for the list of misses


def write_docs(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")


def by_file(name: str, answer: str) -> Callable[[Hit], bool]:
    return lambda hit: Path(hit.path).name == name


def holds(answer: str) -> Callable[[Hit], bool]:
    return lambda hit: answer.lower() in hit.text.lower()


def evaluate(documents: Documents, collection: str, cases: list[Case], options: Options,
             misses: list[str] | None = None) -> tuple[float, float]:
    at1 = at5 = 0
    for case in cases:
        hits = documents.search([collection], case.query, top=5, options=options).hits
        at1 += bool(hits) and case.found(hits[0])
        at5 += any(case.found(h) for h in hits)
        if misses is not None and not (hits and case.found(hits[0])):
            first = f"{Path(hits[0].path).name}: {' '.join(hits[0].text.split())[:80]}" if hits else "nothing"
            misses.append(f"- [{collection}] {case.query.describe()} — expected {case.expected}; first was {first}")
    return at1 / len(cases), at5 / len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    parser.add_argument("--misses", action="store_true", help="print each miss of the full retrieval")
    parser.add_argument("--sets", nargs="+", metavar="NAME",
                        help="only the sets whose names start with one of these (all are indexed); not with --write")
    args = parser.parse_args()
    if args.sets and args.write:
        parser.error("--write measures every set")

    with tempfile.TemporaryDirectory(prefix="chatapp-bench-retrieval-") as tmp:
        base = Path(tmp)
        paths = AppPaths(base / "data", base / "config")
        paths.ensure()
        documents = Documents(paths)
        write_docs(base / "zh", sets.CHINESE_DOCS)
        write_docs(base / "products", sets.PRODUCT_DOCS)
        write_docs(base / "subjects", sets.SUBJECT_DOCS)
        write_docs(base / "cities", sets.CITY_DOCS)
        write_docs(base / "cities-zh", sets.CHINESE_CITY_DOCS)
        (base / "reports").mkdir()
        generated = make_corpus(base / "reports", 150)
        for name in ("zh", "products", "subjects", "cities", "cities-zh", "reports"):
            documents.add(name, [base / name])
        documents.add("own-docs", [ROOT / "README.md", ROOT / "docs"])
        unknown_zh = documents.unreadable_share("zh") or 0.0

        suites: dict[str, tuple[str, list[Case]]] = {
            "Chinese": ("zh", [Case(Query(q), by_file(f, a), q, f"{f} ({a})") for q, f, a in sets.CHINESE_QUESTIONS]),
            "Follow-ups": ("products", [Case(Query(q, tuple(before)), by_file(f, a), q, f"{f} ({a})")
                                       for before, q, f, a in sets.FOLLOW_UPS]),
            "City follow-ups, English": ("cities", [Case(Query(q, tuple(before)), by_file(f, a), q, f"{f} ({a})")
                                                    for before, q, f, a in sets.CITY_FOLLOW_UPS]),
            "City follow-ups, Chinese": ("cities-zh", [Case(Query(q, tuple(before)), by_file(f, a), q, f"{f} ({a})")
                                                       for before, q, f, a in sets.CHINESE_CITY_FOLLOW_UPS]),
            "File subject": ("subjects", [Case(Query(q), by_file(f, a), q, f)
                                          for q, f, a in sets.SUBJECT_QUESTIONS]),
            "English: chatapp's docs": ("own-docs", [Case(Query(q), holds(a), q, a) for q, a in OWN_DOCS]),
            "English: invented reports": ("reports", [Case(Query(q), holds(a), q, a) for q, a in generated]),
        }
        if args.sets:
            suites = {k: v for k, v in suites.items() if any(k.lower().startswith(n.lower()) for n in args.sets)}
        results: dict[str, dict[str, tuple[float, float]]] = {}
        misses: list[str] = []
        for suite, (collection, cases) in suites.items():
            results[suite] = {}
            # The English sets' misses are printed only: chatapp's docs (this file's destination among
            # them) are one of the corpora, and a question written next to its answer would be found.
            listed = misses if collection in ("zh", "products", "subjects", "cities", "cities-zh") else []
            for variant, options in VARIANTS.items():
                results[suite][variant] = evaluate(documents, collection, cases, options,
                                                   listed if variant == "all" else None)
        documents.close()

    header = (f"{cpu_name()}, built-in all-MiniLM-L6-v2 (it reads {unknown_zh:.0%} of the Chinese set as unknown "
              "tokens). Recall@1 / recall@5: the answering file (English sets: the answer's words) first / in the "
              "top 5. Each column turns one part of the retrieval off; the last is the retrieval before this work "
              "(less the stop words, English and Chinese question words, now left out of every keyword query). "
              "`python benchmarks/bench_retrieval.py --write`")
    columns = ["set", *VARIANTS]
    rows = [[f"{suite} ({len(suites[suite][1])})",
             *(f"{at1:.2f} / {at5:.2f}" for at1, at5 in results[suite].values())] for suite in suites]
    table = markdown_table(columns, rows)
    if misses:
        table += "\nMisses at 1 with everything on:\n\n" + "\n".join(misses[:40]) + "\n"
    if args.misses:
        print("\n".join(misses))
    publish("Retrieval quality", header, table, args.write)


if __name__ == "__main__":
    main()
