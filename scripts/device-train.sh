#!/usr/bin/env bash
# Trains SEE and BEE on a lent GPU machine (the `device` tool: one H100, at most 10 minutes a command), both at
# once, on the display formulas that scripts/device-data.sh packed into .device-data/ (carry it), with InfoNCE,
# validating each minute on the validation split's display formulas (and the concept set, when packed). Leaves in $OUT what comes back (8 files):
# nvidia-smi's view, PyTorch's speed there, and per encoder its best checkpoint, curve and log. Export the
# checkpoints here (`train.py export`, PyTorch 1.13, opset 17), then evaluate them as models/MODEL_CARD.md does.
#
# Try it on the CPU first, tiny:  FL_DEVICE=cpu FL_MINUTES=0.1 FL_BATCH=8 OUT=/tmp/out bash scripts/device-train.sh
# Knobs: FL_DEVICE (cuda), FL_MINUTES per encoder (7), FL_BATCH pairs per step (512), FL_DATA (.device-data),
# FL_SPLIT (models/split.json), FL_INIT (start weights for SEE, e.g. models/see.onnx; default: from scratch),
# FL_POSITIVES (paper, structure or both: train.py fit --positives; structure and both read the structural
# teacher's pairs packed with the dataset), PYTHON (python3).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder whose files come back}"
device=${FL_DEVICE:-cuda}
minutes=${FL_MINUTES:-7}
batch=${FL_BATCH:-512}
split=${FL_SPLIT:-models/split.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3} # the GPU machine's python3 holds PyTorch; here it is /usr/bin/python3

packed=${FL_DATA:-.device-data}
"$python" training/device_data.py unpack "$packed" "$work/dataset"
concepts=()
if [[ -d "$packed/concepts" ]]; then
  "$python" training/device_data.py unpack "$packed/concepts" "$work/concepts"
  concepts=(--concepts "$work/concepts")
fi
{ nvidia-smi || echo "no nvidia-smi"; "$python" -c 'import torch; print("torch", torch.__version__)'; } >"$OUT/device.txt" 2>&1
"$python" training/train.py benchmark --device "$device" --threads 4 --seconds "${FL_BENCH_SECONDS:-2}" >"$OUT/benchmark.json"

positives=(--positives "${FL_POSITIVES:-paper}")
if [[ ${FL_POSITIVES:-paper} != paper ]]; then
  [[ -f "$work/dataset/structure-pairs.jsonl" ]] || { echo "device-train: FL_POSITIVES=$FL_POSITIVES needs structure-pairs.jsonl in the pack (scripts/device-data.sh)" >&2; exit 1; }
  positives+=(--structure-pairs "$work/dataset/structure-pairs.jsonl")
fi

pids=()
for arch in see bee; do
  init=()
  [[ $arch == see && -n "${FL_INIT:-}" ]] && init=(--init "$FL_INIT")
  "$python" training/train.py fit --device "$device" --arch "$arch" "${init[@]}" --loss infonce --temperature 0.5 \
    --batch "$batch" --lr 1e-3 --shift-pixels 32 --display-only --validate-display-only --threads 4 "${positives[@]}" \
    --dataset "$work/dataset" "${concepts[@]}" --split "$split" --run "$work/$arch" --minutes "$minutes" --validate-minutes 1 \
    --log-every 200 >/dev/null 2>"$work/$arch.stderr" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for arch in see bee; do
  cp "$work/$arch/train.log" "$OUT/$arch-train.log" 2>/dev/null || cp "$work/$arch.stderr" "$OUT/$arch-train.log"
  [[ -s "$work/$arch.stderr" ]] && cat "$work/$arch.stderr" >>"$OUT/$arch-train.log"
  cp "$work/$arch/history.jsonl" "$OUT/$arch-history.jsonl" 2>/dev/null || true
  cp "$work/$arch/best.pt" "$OUT/$arch-best.pt" 2>/dev/null || status=1
done
exit "$status"
