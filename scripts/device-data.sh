#!/usr/bin/env bash
# Makes .device-data/ for scripts/device-train.sh: renders the display formulas of the training and validation
# splits' documents (about 74,000, ~15 minutes on 2 cores) with the product's renderer and packs them with xz
# (about 40 MiB, under what the device tool carries), with the structural teacher's pairs of the training split
# (`formula-lens structure-pairs`, about an hour on a loaded core) and the concept set beside them. Needs the corpus (../shared/corpus/papers.jsonl) and a build.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${FORMULA_LENS_CORPUS:-../shared/corpus/papers.jsonl}
[[ -f "$corpus" ]] || { echo "device-data: no corpus at $corpus (set FORMULA_LENS_CORPUS)" >&2; exit 1; }
rendered=${1:-$HOME/.cache/formula-lens/device-dataset}
records=$(/usr/bin/python3 - "$corpus" <<'PY'
import json, sys
split = json.load(open('models/split.json'))
sources = set(split['train']) | set(split['validation'])
with open(sys.argv[1], encoding='utf8') as lines:
    print(','.join(record['id'] for record in map(json.loads, lines) if record['source'] in sources))
PY
)
[[ -f "$rendered/meta.json" ]] || node out/cli.js dataset --corpus "$corpus" --out "$rendered" --records "$records" --display-only
[[ -f "$rendered/structure-pairs.jsonl" ]] || node out/cli.js structure-pairs --corpus "$corpus" --split models/split.json --splits train \
  --out "$rendered/structure-pairs.jsonl"
/usr/bin/python3 training/device_data.py pack "$rendered" .device-data
# The class-labelled concept set (training/concept_set.py), tracked at each validation.
[[ -f "$rendered-concepts/meta.json" ]] || /usr/bin/python3 training/concept_set.py --out "$rendered-concepts"
/usr/bin/python3 training/device_data.py pack "$rendered-concepts" .device-data/concepts
