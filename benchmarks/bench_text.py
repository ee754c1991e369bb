"""Benchmark: the plain-text reader on the article corpus, in one process (a fast stand-in for score_articles.py).

Run: ``python benchmarks/bench_text.py [CORPUS] [--worst N] [--only PREFIX,...] [--diff ID]``.
It reads every ``scrapes/<id>.txt`` of the corpus (default
``../shared/corpus/articles``) with :func:`syndicate.read`, and scores the
body with the official scorer's own functions (imported from
``../shared/tools/score_articles.py``, which imports the benchmark's
``evaluate.py``): body F1 / precision / recall, captions kept as figures,
pages refused. The figures match ``score_articles.py --mode text`` (which
starts one ``syndicate parse`` per page); this is only faster, for
development. ``--diff ID`` prints, for one page, the lines the story keeps
that the ground truth lacks and the ground truth's lines the story lacks.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

import syndicate  # noqa: E402
from syndicate.errors import SyndicateError  # noqa: E402


def load_scorer() -> ModuleType:
    """The official scorer, imported as a module (its functions, not its command line)."""
    spec = importlib.util.spec_from_file_location("score_articles", SHARED / "tools" / "score_articles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(corpus: Path, only: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The corpus summary and one record per page (id, f1, precision, recall, captions, kept, error)."""
    scorer = load_scorer()
    ev = scorer.load_evaluate(corpus)
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    ids = sorted(i for i in truth if not only or any(i.startswith(p) for p in only))
    pages, predicted = [], {}
    started = time.perf_counter()
    for page_id in ids:
        path = corpus / "scrapes" / f"{page_id}.txt"
        error = None
        try:
            story = syndicate.read(path).to_dict()
        except SyndicateError as exc:
            story, error = {}, str(exc)
        text = scorer.story_text(story)
        predicted[page_id] = {"articleBody": text}
        p, r, f = scorer.page_prf(ev, truth[page_id]["articleBody"], text)
        caps = scorer.captions_of_scrape(corpus / "scrapes" / f"{page_id}.captions.json")
        kept = scorer.captions_kept(caps, scorer.story_figures(story))
        pages.append({"id": page_id, "f1": f, "precision": p, "recall": r, "captions": len(caps),
                      "kept": kept, "error": error, "url": truth[page_id].get("url", "")})
    seconds = time.perf_counter() - started
    metrics = scorer.corpus_metrics(ev, {k: truth[k] for k in ids}, predicted, 200)
    summary = {**metrics, "pages": len(ids), "captions": sum(p["captions"] for p in pages),
               "kept": sum(p["kept"] for p in pages), "errors": sum(p["error"] is not None for p in pages),
               "seconds": seconds}
    return summary, pages


def diff(corpus: Path, page_id: str) -> None:
    """Print what the story has that the ground truth lacks (+) and the reverse (-), line by line."""
    scorer = load_scorer()
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    (key,) = [k for k in truth if k.startswith(page_id)]
    story = syndicate.read(corpus / "scrapes" / f"{key}.txt").to_dict()
    mine = [ln for ln in scorer.story_text(story).split("\n") if ln.strip()]
    gt_norm = scorer.norm(truth[key]["articleBody"])
    norm_mine = scorer.norm(" ".join(mine))
    print("headline:", story["headline"])
    for line in mine:
        if scorer.norm(line) not in gt_norm:
            print("+", line[:160])
    for line in truth[key]["articleBody"].split("\n"):
        if line.strip() and scorer.norm(line) not in norm_mine:
            print("-", line[:160])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(SHARED / "corpus" / "articles"))
    parser.add_argument("--worst", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--diff")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if args.diff:
        diff(corpus, args.diff)
        return
    summary, pages = score(corpus, [p for p in args.only.split(",") if p])
    print(f"F1 {summary['f1']:.4f}  precision {summary['precision']:.4f}  recall {summary['recall']:.4f}  "
          f"captions {summary['kept']}/{summary['captions']}  refused {summary['errors']}  "
          f"pages {summary['pages']}  {summary['seconds']:.2f} s")
    for page in sorted(pages, key=lambda p: p["f1"])[:args.worst]:
        print(f"  {page['id'][:10]} F1 {page['f1']:.3f} P {page['precision'] or 0:.3f} R {page['recall'] or 0:.3f} "
              f"{page['error'] or ''} {page['url']}")
    for page in pages:
        if page["kept"] < page["captions"]:
            print(f"  captions {page['id'][:10]}: {page['kept']}/{page['captions']}")


if __name__ == "__main__":
    main()
