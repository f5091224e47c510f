"""The option not taken for day-one routing (docs/decisions/0003-day-one-routing.md): match a
complaint to the catalogue's duties by meaning, with Kiwi's morpheme similarity (kiwipiepy ≥ 0.21,
its CoNg model), instead of a function model. Scored on the same typical complaints as
`ontong routing evaluate --typical`, against the departments in the database (load the demo first).

    ontong load_demo && .venv/bin/python bench/dayone_meaning.py

A department's score is the mean, over the complaint's content morphemes, of the best similarity
to any morpheme of its duty phrases (the same form counts 1.0; a form Kiwi's model does not know
counts only when identical).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from kiwipiepy import Kiwi  # noqa: E402

from ontong.routing import crosscity, dayone  # noqa: E402

CONTENT = ("NNG", "NNP", "VV", "VA", "XR", "SL")


def content_morphemes(kiwi: Kiwi, text: str) -> list[tuple[str, str]]:
    """(form, tag) pairs: a bare form is ambiguous to morpheme_similarity (굶/VV, 굶/UN …)."""
    return list(
        dict.fromkeys((t.form, t.tag) for t in kiwi.tokenize(text) if t.tag.startswith(CONTENT))
    )


def similarity(kiwi: Kiwi, a: tuple, b: tuple, known: dict) -> float:
    if a == b:
        return 1.0
    if (a, b) not in known:
        try:
            known[a, b] = float(kiwi.morpheme_similarity(a, b))
        except ValueError:  # a form the similarity model does not have
            known[a, b] = 0.0
    return known[a, b]


def main() -> None:
    kiwi = Kiwi(model_type="cong")
    duties = {
        d.name: {m for p in dayone.duty_phrases(d) for m in content_morphemes(kiwi, p)}
        for d in dayone.departments_with_duties()
    }
    known: dict = {}
    rows = crosscity.typical_rows()
    hits1 = hits3 = 0
    for text, gold in rows:
        words = content_morphemes(kiwi, text)
        scores = {
            name: sum(max(similarity(kiwi, w, m, known) for m in ms) for w in words)
            / max(len(words), 1)
            for name, ms in duties.items()
            if ms
        }
        top = sorted(scores, key=lambda name: -scores[name])[:3]
        hits1 += top[:1] == [gold]
        hits3 += gold in top
    n = len(rows)
    print(f"catalogue by meaning (Kiwi CoNg)  {n:>3}  top-1 {hits1 / n:.3f}  top-3 {hits3 / n:.3f}")


if __name__ == "__main__":
    main()
