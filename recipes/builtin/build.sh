#!/usr/bin/env bash
# Rebuilds the built-in model (models/default) from nothing but lmkit's own code:
# the seeded corpus, a byte-level BPE trained on it, a Llama-family model trained
# on it, packaging, and the task evaluation recorded in models/default/eval.json.
# Run from the repository root after `npm install`. About 50 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
lmkit() { node bin/lmkit.js "$@"; }
rm -rf runs/builtin
lmkit corpus --out runs/builtin/corpus --seed 1 --scale 1
lmkit train --config recipes/builtin/train.yaml --out runs/builtin/run --json | tail -n 1 > runs/builtin/train-summary.json
node scripts/package-builtin.mjs runs/builtin/run models/default
lmkit eval corpus --model models/default --corpus runs/builtin/corpus --split test --json > models/default/eval.json
cp runs/builtin/train-summary.json models/default/train-summary.json
