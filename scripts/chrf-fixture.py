#!/usr/bin/env python3
"""Writes test/fixtures/chrf/sacrebleu.json: chrF2 scores from sacrebleu's CHRF
(default settings: char_order=6, word_order=0, beta=2, whitespace removed) for
sentence pairs of our own, at corpus and at sentence level.

sacrebleu is not packaged by Debian; install its wheel and pure-Python
dependencies into a scratch folder and point PYTHONPATH at it, e.g.:

  /usr/bin/python3 -m pip install --no-deps --target /tmp/sb \
      sacrebleu==2.6.0 portalocker tabulate colorama regex lxml
  PYTHONPATH=/tmp/sb /usr/bin/python3 scripts/chrf-fixture.py
"""
import json
import os

import sacrebleu
from sacrebleu.metrics import CHRF

# Our own sentences: shop-world translations and edge cases (short strings,
# repeated characters, accents, non-BMP characters, odd whitespace).
PAIRS = [
    ("La tienda roja es muy ligera.", "La tienda roja es muy ligera."),
    ("La tienda rojo es ligera.", "La tienda roja es muy ligera."),
    ("Las botas grises son impermeables.", "Estas botas grises son impermeables."),
    ("The red cooking pot was delivered last week.", "The red pot was delivered last week."),
    ("Compré dos mochilas negras.", "Pedí dos mochilas negras."),
    ("", "Nos quedan cinco tiendas rojas."),
    ("Nos quedan cinco tiendas rojas.", ""),
    ("ab", "abc"),
    ("aaaa", "aa"),
    ("the cat", "the hat"),
    ("x", "y"),
    ("¿Es impermeable esta chaqueta?", "¿Es impermeable esta chaqueta azul?"),
    ("El hornillo\tpesa  1,2 kg.\n", " El hornillo pesa 1,2 kg."),
    ("caf\u00e9 \U0001F3D5 tent", "cafe \U0001F3D5 tent"),
    ("word\u00a0joined\u2003by\u3000spaces", "word joined by spaces"),
    ("Sus guantes azules son increíblemente rígidos.", "Your blue gloves are incredibly stiff."),
]


def main():
    metric = CHRF()
    sentence = []
    for hyp, ref in PAIRS:
        sentence.append({"hyp": hyp, "ref": ref, "score": metric.sentence_score(hyp, [ref]).score})
    corpora = []
    for lo, hi in [(0, 5), (5, 10), (0, len(PAIRS)), (10, 16)]:
        hyps = [p[0] for p in PAIRS[lo:hi]]
        refs = [p[1] for p in PAIRS[lo:hi]]
        corpora.append({"hyps": hyps, "refs": refs, "score": metric.corpus_score(hyps, [refs]).score})
    out = {
        "generator": "scripts/chrf-fixture.py",
        "reference": f"sacrebleu {sacrebleu.__version__} CHRF() defaults",
        "sentence": sentence,
        "corpus": corpora,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "chrf", "sacrebleu.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
