"""Quality experiments for the routing model (docs/routing.md, "품질 실험"): extra scoring views
added to the production blend, each scored on the same grouped folds as `ontong routing evaluate`.

    .venv/bin/python bench/routing_quality.py --mode dev --seeds 0 --grid '{"lr": [0.3, 0.6]}'

Modes (the rows of `ontong routing evaluate`, same splits and seeds):
  dev   the --dev rows (20%), 3 grouped folds inside them — where settings may be chosen;
  rest  the other 80%, 5 grouped folds — what `--dev 0.2` reports;
  full  all rows, 5 grouped folds — what the command reports without --dev.

The features are fitted once per fold and every view is scored on them, so a sweep costs about
one evaluation. "blend" is the production model; each other row is blend + weight · z(view):
  lr    LogisticRegression(C=lr_C, balanced) log-probabilities on the same features;
  nb    ComplementNB(alpha=nb_alpha) log-probabilities;
  fn    cosine of the day-one function model's probabilities (routing/dayone.py) to each
        department's mean function profile in training;
  hier  the blend trained on the parent labels (옹진 소분류 → 대분류 only), given to each child;
  lsac / lsas  LSA (TruncatedSVD, lsa_k dimensions, fitted on the training rows): cosine to the
        class centroid / a LinearSVC's margin in that space.
--chars 2-5 changes the whole-text character n-gram range, --morpheme-chars the Kiwi span.
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from ontong.routing import dayone, pipeline  # noqa: E402
from ontong.routing import evaluate as ev  # noqa: E402

ONGJIN = "ongjin_complaints_class_ex.xlsx"
SETS = {
    "kalis": ("kalis_minwon_20240101.cp949.csv", ["제목", "문의내용"], "답변부서"),
    "ongjin_major": (ONGJIN, ["민원제목", "민원요지"], "대분류"),
    "ongjin_minor": (ONGJIN, ["민원제목", "민원요지"], "소분류"),
    "seoul": (
        "seoul_democracy_adopted_proposals_190715.xlsx",
        ["제안제목", "제안내용"],
        "담당부서",
    ),
}
PARENT_LABEL = {"ongjin_minor": "대분류"}
z = pipeline.standardise


def views(Xtr, ytr, Xte, train_texts, test_texts, grid, parents) -> tuple[np.ndarray, dict]:
    blend = pipeline.BlendedClassifier().fit(Xtr, ytr)
    classes = blend.classes_
    Ctr, Cte = blend.compact(Xtr), blend.compact(Xte)
    base = blend.decision_function(Xte)
    scored = {"blend": base}

    def add(name, values):
        for weight in grid[name]:
            scored[f"{name}{weight}"] = base + weight * z(values)

    if "lr" in grid:
        model = LogisticRegression(C=grid.get("lr_C", 10), class_weight="balanced", max_iter=2000)
        add("lr", model.fit(Ctr, ytr).predict_log_proba(Cte))
    if "nb" in grid:
        add(
            "nb", ComplementNB(alpha=grid.get("nb_alpha", 0.3)).fit(Ctr, ytr).predict_log_proba(Cte)
        )
    if "fn" in grid:
        train_p = dayone.function_probabilities(train_texts)
        profile = normalize(np.vstack([train_p[ytr == c].mean(axis=0) for c in classes]))
        add("fn", normalize(dayone.function_probabilities(test_texts)) @ profile.T)
    if "hier" in grid and parents:
        parent = np.array([parents[t] for t in train_texts], dtype=object)
        owner = {c: Counter(parent[ytr == c]).most_common(1)[0][0] for c in classes}
        upper = pipeline.BlendedClassifier().fit(Xtr, parent)
        column = {p: i for i, p in enumerate(upper.classes_)}
        add("hier", upper.decision_function(Xte)[:, [column[owner[c]] for c in classes]])
    if "lsac" in grid or "lsas" in grid:
        svd = TruncatedSVD(grid.get("lsa_k", 200), random_state=0).fit(normalize(Ctr))
        Ztr = normalize(svd.transform(normalize(Ctr)))
        Zte = normalize(svd.transform(normalize(Cte)))
        if "lsac" in grid:
            centroids = normalize(np.vstack([Ztr[ytr == c].mean(axis=0) for c in classes]))
            add("lsac", Zte @ centroids.T)
        if "lsas" in grid:
            svm = LinearSVC(C=1.0, class_weight="balanced").fit(Ztr, ytr)
            add("lsas", svm.decision_function(Zte))
    return classes, scored


def rows_of(name: str, folder: Path):
    path, columns, label = SETS[name]
    data = ev.load(folder / path, columns, label)
    parents = {}
    if name in PARENT_LABEL:
        upper = ev.load(folder / path, columns, PARENT_LABEL[name])
        for text, parent in zip(upper.texts, upper.labels, strict=True):
            parents.setdefault(text, parent)
    counts = Counter(data.labels)
    keep = [i for i, label in enumerate(data.labels) if counts[label] >= 5]
    texts = np.array([data.texts[i] for i in keep], dtype=object)
    labels = np.array([data.labels[i] for i in keep], dtype=object)
    return texts, labels, ev.group_keys(texts), parents


def run(name: str, folder: Path, mode: str, seed: int, grid: dict, split_seed: int) -> dict:
    """Per view: top-1/top-3 over all rows and each fold's. As in the evaluate command, the dev
    rows are split off with the first seed's split (split_seed) and only the folds vary."""
    texts, labels, groups, parents = rows_of(name, folder)
    dev, rest = ev.dev_split(labels, groups, 0.2, split_seed)
    rows = {"dev": dev, "rest": rest, "full": np.arange(len(texts))}[mode]
    T, L, G = texts[rows], labels[rows], groups[rows]
    pipeline.analyse_many(list(T))
    found: dict[str, dict] = {}
    for train, test in ev.grouped_folds(L, G, ev.DEV_FOLDS if mode == "dev" else 5, seed):
        features = pipeline.features().fit(list(T[train]))
        classes, scored = views(
            features.transform(list(T[train])),
            L[train],
            features.transform(list(T[test])),
            list(T[train]),
            list(T[test]),
            grid,
            parents,
        )
        for view, values in scored.items():
            top = classes[np.argsort(-values, axis=1)[:, :3]]
            hit1 = top[:, 0] == L[test]
            hit3 = (top == L[test][:, None]).any(axis=1)
            entry = found.setdefault(view, {"hit1": 0, "hit3": 0, "folds": []})
            entry["hit1"] += int(hit1.sum())
            entry["hit3"] += int(hit3.sum())
            entry["folds"].append([float(hit1.mean()), float(hit3.mean())])
    n = len(rows)
    return {
        view: {"top1": e["hit1"] / n, "top3": e["hit3"] / n, "folds": e["folds"], "n": n}
        for view, e in found.items()
    }


def paired(results: list[dict], view: str, k: int) -> tuple[float, float]:
    """Mean and sample sd of (view − blend) over every fold of every seed."""
    diffs = [
        v[k] - b[k]
        for r in results
        for v, b in zip(r[view]["folds"], r["blend"]["folds"], strict=True)
    ]
    return statistics.fmean(diffs), statistics.stdev(diffs) if len(diffs) > 1 else 0.0


def widen_char_ngrams(low: int, high: int) -> None:
    """The whole-text character block's n-gram range (the title block keeps 2–4)."""
    original = pipeline.CharGrams.__init__

    def init(self, n_features=2**20, ngram_range=(1, 4), preprocessor=None):
        wider = (low, high) if ngram_range == (1, 4) else ngram_range
        original(self, n_features, wider, preprocessor)

    pipeline.CharGrams.__init__ = init


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["dev", "rest", "full"], default="dev")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--grid", default='{"lr": [0.3, 0.6, 1.0]}', help="JSON: view → weights")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--chars", help="whole-text character n-gram range, e.g. 2-5")
    parser.add_argument("--morpheme-chars", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.chars:
        widen_char_ngrams(*map(int, args.chars.split("-")))
    if args.morpheme_chars:
        pipeline.MORPHEME_CHARS = args.morpheme_chars
    grid = json.loads(args.grid)
    report = {}
    for name in args.sets.split(","):
        started = time.monotonic()
        seeds = [int(s) for s in args.seeds.split(",")]
        results = [run(name, args.data_dir, args.mode, s, grid, seeds[0]) for s in seeds]
        report[name] = results
        print(
            f"{name} ({args.mode}, n={results[0]['blend']['n']}, {time.monotonic() - started:.0f}s)"
        )
        for view in results[0]:
            top1 = statistics.fmean(r[view]["top1"] for r in results)
            top3 = statistics.fmean(r[view]["top3"] for r in results)
            line = f"  {view:10} top-1 {top1:.4f}  top-3 {top3:.4f}"
            if view != "blend":
                (d1, s1), (d3, s3) = paired(results, view, 0), paired(results, view, 1)
                line += (
                    f"   vs blend per fold: top-1 {d1:+.4f} ± {s1:.4f}, top-3 {d3:+.4f} ± {s3:.4f}"
                )
            print(line, flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
