"""Routing speed and size: suggestion latency on one core, training time for 20,000 complaints,
peak memory of a worker holding a loaded model (with the machine's shared Korean analyser, as
`ontong serve` runs it, and without), and the analyser's own memory.

    .venv/bin/python bench/routing.py [--cases 20000] [--queries 300] [--data kalis,ongjin,seoul]

Texts are recombined from ../shared/data (labelled rows, sentences shuffled within a label), so
the vocabulary is real Korean complaint text; --data picks the sets. Latency is also given as a
ratio to the plain baseline measured in the same run, since machines are noisy: the shared data's
baseline (pipeline.baseline(): Kiwi morphemes + character 2–4-grams, TF-IDF with vocabularies,
one LinearSVC). Both analyse training texts in one Kiwi batch, and each starts training and
suggesting with an empty morpheme cache: neither is timed on analyses the other paid for.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from harness import peak_mib  # noqa: E402

from ontong.complaints.analyser import start_process  # noqa: E402
from ontong.routing import pipeline  # noqa: E402
from ontong.routing.tables import joined_text, read_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SOURCES = {
    "kalis": ("kalis_minwon_20240101.cp949.csv", ["제목", "문의내용"], "답변부서"),
    "ongjin": ("ongjin_complaints_class_ex.xlsx", ["민원제목", "민원요지"], "소분류"),
    "seoul": (
        "seoul_democracy_adopted_proposals_190715.xlsx",
        ["제안제목", "제안내용"],
        "담당부서",
    ),
}


def sentences_by_label(sets=tuple(SOURCES), folder: Path = DATA) -> dict[str, list[str]]:
    by_label = defaultdict(list)
    for name, columns, label in (SOURCES[s] for s in sets):
        for row in read_rows(folder / name):
            if (row.get(label) or "").strip():
                text = joined_text(row, columns)
                by_label[f"{name[:5]}:{row[label].strip()}"].extend(
                    s.strip() for s in re.split(r"(?<=[.?!다요])\s+|\n", text) if len(s.strip()) > 5
                )
    return {k: v for k, v in by_label.items() if len(v) >= 5}


def corpus(count: int, rng: random.Random, pools: dict[str, list[str]], length=(1, 6)):
    labels = list(pools)
    texts, targets = [], []
    for _ in range(count):
        label = rng.choice(labels)
        pool = pools[label]
        texts.append("\n".join(rng.choice(pool) for _ in range(rng.randint(*length))))
        targets.append(label)
    return texts, targets


def long_text(rng, pools, chars=2000) -> str:
    """A title line and a body, 2,000 characters in all, as the web form and imports give them."""
    label = rng.choice(list(pools))
    text = rng.choice(pools[label])[:60] + "\n"
    while len(text) < chars:
        text += rng.choice(pools[label]) + " "
    return text[:chars]


def latency(model, queries) -> tuple[float, float]:
    """Each query suggested alone, its analysis not cached before (as a new complaint)."""
    pipeline.forget_analyses()
    times = []
    for text in queries:
        start = time.perf_counter()
        pipeline.ranked(model, [text], k=3)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


SETUP = (
    "import os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','ontong.settings');"
    "import django;django.setup();"
)
REPORT = (
    "s={l.split(':')[0]:int(l.split()[1])/1024 for l in open('/proc/self/status') if l.endswith(' kB\\n')};"
    "print(s['VmHWM'],s['RssFile'])"
)


def memory_of(code: str, analyser_socket: str = "") -> tuple[float, float]:
    """Peak (VmHWM) and file-backed memory in MiB of a fresh process running `code` after Django
    setup. Read from /proc: ru_maxrss would carry over the parent's peak across fork and exec."""
    out = subprocess.run(
        [sys.executable, "-c", SETUP + code + REPORT],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "ONTONG_ANALYSER_SOCKET": analyser_socket},
    )
    peak, file_backed = map(float, out.stdout.strip().splitlines()[-1].split())
    return peak, file_backed


# What a task worker holds: its command, the task modules, and it indexes one complaint.
WORKER = (
    "import django_tasks_db.management.commands.db_worker, ontong.web.management.commands.worker;"
    "import ontong.routing.tasks, ontong.channels.meta.tasks, ontong.complaints.tasks;"
    "from ontong.complaints.search import index_text;index_text('도로에 포트홀이 생겼어요');"
)


def peak_memory_of_loaded_worker(model_file: str, analyser_socket: str) -> tuple[float, float]:
    """A worker with the model loaded (memory-mapped, as in production) making one suggestion."""
    return memory_of(
        WORKER + "import joblib;from ontong.routing import pipeline;"
        f"m=joblib.load({model_file!r},mmap_mode='r');pipeline.ranked(m,['도로에 포트홀이 생겼어요'*50]);",
        analyser_socket,
    )


def bare_worker_memory(analyser_socket: str) -> float:
    """The same worker without a model."""
    return memory_of(WORKER, analyser_socket)[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--data",
        type=lambda value: [part.strip() for part in value.split(",") if part.strip()],
        default=list(SOURCES),
        help=f"the shared sets to recombine, comma-separated, of {', '.join(SOURCES)}",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA, help="the shared data folder")
    args = parser.parse_args()
    if unknown := set(args.data) - set(SOURCES):
        parser.error(f"unknown --data {', '.join(sorted(unknown))}")
    rng = random.Random(0)
    pools = sentences_by_label(args.data, args.data_dir)
    texts, labels = corpus(args.cases, rng, pools)
    print(
        f"corpus: {len(texts)} complaints, {len(set(labels))} departments, "
        f"median {statistics.median(len(t) for t in texts):.0f} chars"
    )

    pipeline.forget_analyses()
    start = time.perf_counter()
    model = pipeline.build().fit(texts, labels)
    train_seconds = time.perf_counter() - start
    pipeline.forget_analyses()  # the baseline pays for its own Kiwi analysis
    start = time.perf_counter()
    baseline = pipeline.baseline().fit(texts, labels)
    baseline_seconds = time.perf_counter() - start
    print(
        f"training ({args.cases} complaints, {os.cpu_count()} cores): {train_seconds:.1f} s "
        f"(baseline {baseline_seconds:.1f} s, ratio {train_seconds / baseline_seconds:.2f})"
    )

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # latency on one core
    queries = [long_text(rng, pools) for _ in range(args.queries)]
    warm = [long_text(rng, pools) for _ in range(5)]  # first calls load Kiwi, numpy paths
    pipeline.ranked(model, warm)
    pipeline.ranked(baseline, warm)
    p50, p99 = latency(model, queries)
    b50, b99 = latency(baseline, queries)
    print(
        f"suggestion latency, 2,000-char complaint, one core, Kiwi in this process: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms (baseline p50 {b50:.1f} ms, p99 {b99:.1f} ms; ratio p50 {p50 / b50:.2f})"
    )

    import joblib

    file = "/tmp/ontong-bench-routing.joblib"
    joblib.dump(model, file)
    print(f"model file: {os.path.getsize(file) / 2**20:.0f} MiB")
    address = "/tmp/ontong-bench-analyser.sock"
    analyser = start_process(address, cwd=ROOT, stdout=subprocess.DEVNULL)  # same one core
    try:
        settings.ONTONG_ANALYSER_SOCKET = address
        pipeline.forget_analyses()
        r50, r99 = latency(model, queries)
        print(
            f"the same through the shared analyser process: p50 {r50:.1f} ms, p99 {r99:.1f} ms "
            f"(ratio to Kiwi in process p50 {r50 / p50:.2f})"
        )
        (loaded, file_backed), bare = (
            peak_memory_of_loaded_worker(file, address),
            bare_worker_memory(address),
        )
        print(
            f"peak memory of a worker with the loaded model, using the analyser: {loaded:.0f} MiB "
            f"(without a model: {bare:.0f} MiB; the model adds {loaded - bare:.0f} MiB; "
            f"file-backed, shared between processes, at the end: {file_backed:.0f} MiB)"
        )
        print(f"the analyser process, one per machine: peak {peak_mib(analyser.pid):.0f} MiB")
    finally:
        analyser.kill()
    alone, _ = peak_memory_of_loaded_worker(file, "")
    print(f"a worker with the model and Kiwi in its own process (--no-analyser): {alone:.0f} MiB")


if __name__ == "__main__":
    main()
