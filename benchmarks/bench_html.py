"""Benchmark the HTML reader in-process on the article corpus, beside trafilatura on the same pages in the same run.

    .venv/bin/python benchmarks/bench_html.py [CORPUS_DIR] [--no-trafilatura] [--worst N] [--only ID,ID]

CORPUS_DIR defaults to ``../shared/corpus/articles``. Scores are the official
scorer's (``../shared/tools/score_articles.py``, imported): body F1 with the
benchmark's own ``evaluate.py``, captions kept as figures, failures. Time is
the median wall time of reading one page in this process (parse, metadata,
extraction, the Story built), start-up excluded; trafilatura's is
``trafilatura.extract(page)`` on the same text. trafilatura keeps no caption as
a figure (it has no figure blocks), so its caption count is 0 by construction.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "articles"


def _scorer(corpus: Path) -> Any:
    """The official scorer module (score_articles.py beside the corpus's tools folder)."""
    tools = corpus.resolve().parent.parent / "tools"
    sys.path.insert(0, str(tools))
    import score_articles  # type: ignore[import-not-found]
    return score_articles


def _syndicate(data: bytes, path: Path) -> dict[str, Any]:
    from syndicate.readers import InputFile
    from syndicate.readers.html import read
    return read(InputFile(data, path)).to_dict()


def _trafilatura(html: str) -> dict[str, Any]:
    import trafilatura  # type: ignore[import-not-found]
    text = trafilatura.extract(html) or ""
    return {"body": [{"type": "paragraph", "text": line} for line in text.split("\n") if line.strip()]}


def _captions_kept_any_order(sa: Any, captions: list[str], figures: list[str]) -> int:
    """Captions whose every word is in one figure's caption and credit, in any order: a page that prints
    the credit before the caption ("Getty Images Image caption Scooter Braun…") is kept when the figure
    has the same words with the credit apart."""
    bags = [set(sa.norm(f).split()) for f in figures]
    return sum(any(set(c.split()) <= bag for bag in bags) for c in captions)


def run(corpus: Path, use_trafilatura: bool, worst: int, only: list[str]) -> None:
    sa = _scorer(corpus)
    ev = sa.load_evaluate(corpus)
    gt = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    ids = sorted(i for i in gt if not only or any(i.startswith(o) for o in only))
    if use_trafilatura:
        try:
            import trafilatura  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            print("trafilatura is not installed (pip install -e '.[bench]'): syndicate only", file=sys.stderr)
            use_trafilatura = False
    readers = {"syndicate": _syndicate} | ({"trafilatura": None} if use_trafilatura else {})
    results: dict[str, dict[str, Any]] = {name: {"pred": {}, "ms": [], "kept": 0, "words": 0, "fail": 0, "f1": {}} for name in readers}
    captions = 0
    for page_id in ids:
        path = corpus / "pages" / f"{page_id}.html.gz"
        data = gzip.decompress(path.read_bytes())
        html = data.decode("utf-8", "replace")
        caps = sa.captions_in_article(html, gt[page_id]["articleBody"])
        captions += len(caps)
        for name in readers:
            started = time.perf_counter()
            try:
                story = _syndicate(data, Path(f"{page_id}.html")) if name == "syndicate" else _trafilatura(html)
            except Exception as exc:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
                print(f"{name} failed on {page_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                story = {}
                results[name]["fail"] += 1
            results[name]["ms"].append((time.perf_counter() - started) * 1000)
            text = sa.story_text(story)
            results[name]["pred"][page_id] = {"articleBody": text}
            results[name]["kept"] += sa.captions_kept(caps, sa.story_figures(story))
            results[name]["words"] += _captions_kept_any_order(sa, caps, sa.story_figures(story))
            results[name]["f1"][page_id] = sa.page_prf(ev, gt[page_id]["articleBody"], text)
    print(f"corpus: {corpus} ({len(ids)} pages, {captions} in-article captions)")
    for name, r in results.items():
        m = sa.corpus_metrics(ev, {i: gt[i] for i in ids}, r["pred"], 200)
        print(f"{name:12s} body F1 {m['f1']:.3f}  precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
              f"captions kept {r['kept']}/{captions} (any order: {r['words']})  failures {r['fail']}  "
              f"median {statistics.median(r['ms']):.1f} ms/page")
    if worst:
        f1 = results["syndicate"]["f1"]
        print(f"syndicate's worst {worst} pages: F1 precision recall id")
        for page_id in sorted(f1, key=lambda i: f1[i][2])[:worst]:
            p, r, f = f1[page_id]
            print(f"  {f:.3f} {p if p is None else round(p, 3)} {r if r is None else round(r, 3)} {page_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-trafilatura", action="store_true", help="time and score syndicate only")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list syndicate's N worst pages")
    parser.add_argument("--only", default="", help="comma-separated page id prefixes")
    args = parser.parse_args()
    run(args.corpus, not args.no_trafilatura, args.worst, [o for o in args.only.split(",") if o])


if __name__ == "__main__":
    main()
