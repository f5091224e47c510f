"""The kill test at a small size (bench/chaos.py; the full size is in docs/benchmarks.md):
messages keep arriving while web and task workers are killed with SIGKILL; nothing answered 200
is lost or doubled, every complaint gets one acknowledgement, nothing reaches a citizen twice.
Runs once, in the SQLite pass (ONTONG_SKIP_CHAOS=1 skips it)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")) or os.environ.get("ONTONG_SKIP_CHAOS") == "1",
    reason="kill test: run in the SQLite pass only (or skipped by ONTONG_SKIP_CHAOS=1)",
)
def test_killing_workers_loses_and_duplicates_nothing():
    result = subprocess.run(
        [
            sys.executable,
            "bench/chaos.py",
            "--messages",
            "300",
            "--citizens",
            "30",
            "--rate",
            "20",
            "--kills",
            "4",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "RESULT: PASS" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
