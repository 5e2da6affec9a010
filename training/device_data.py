"""Packs a rendered dataset (`formula-lens dataset` output) small enough to travel to a lent GPU machine, and
unpacks it there: the bitmaps compress about 20 times with xz (mostly paper), and the device tool carries at
most 64 MiB with the working tree. Python's own lzma does both ends, so the GPU machine needs nothing installed.

    python3 training/device_data.py pack <dataset dir> .device-data
    python3 training/device_data.py unpack .device-data <dataset dir>
"""

from __future__ import annotations

import argparse
import lzma
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import DataError, load_dataset  # noqa: E402

# The working tree (about 6 MiB) travels beside the pack; what is left of 64 MiB is the pack's.
LIMIT_BYTES = 56 * 1024 * 1024
PACKED = ('bitmaps.u8', 'formulas.jsonl')
# Packed beside, where a dataset has them: a concept set's LaTeX (for its TF-IDF baseline), and the structural
# teacher's pairs (`formula-lens structure-pairs`, for fit --positives structure/both).
OPTIONAL = ('corpus.jsonl', 'structure-pairs.jsonl')
CHUNK = 16 * 1024 * 1024


def pack(dataset: Path, out: Path, limit: int = LIMIT_BYTES) -> int:
    """Writes <out>/meta.json and <out>/<file>.xz for each packed file; refuses a pack over `limit` bytes."""
    load_dataset(dataset)  # checks the dataset is complete and consistent before anything is written
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dataset / 'meta.json', out / 'meta.json')
    for name in PACKED + tuple(name for name in OPTIONAL if (dataset / name).exists()):
        with open(dataset / name, 'rb') as source, lzma.open(out / f'{name}.xz', 'wb', preset=9) as target:
            shutil.copyfileobj(source, target, CHUNK)
    size = sum(path.stat().st_size for path in out.rglob('*') if path.is_file())
    if size > limit:
        raise SystemExit(f'{out}: the pack is {size / 2**20:.1f} MiB, over the {limit / 2**20:.0f} MiB that can travel; '
                         'export fewer formulas (formula-lens dataset --records/--limit/--display-only)')
    return size


def unpack(packed: Path, dataset: Path) -> None:
    dataset.mkdir(parents=True, exist_ok=True)
    for name in PACKED + tuple(name for name in OPTIONAL if (packed / f'{name}.xz').exists()):
        with lzma.open(packed / f'{name}.xz', 'rb') as source, open(dataset / name, 'wb') as target:
            shutil.copyfileobj(source, target, CHUNK)
    shutil.copyfile(packed / 'meta.json', dataset / 'meta.json')  # last: its presence marks a complete dataset
    load_dataset(dataset)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=['pack', 'unpack'])
    parser.add_argument('source', type=Path)
    parser.add_argument('target', type=Path)
    args = parser.parse_args(argv)
    try:
        if args.action == 'pack':
            print(f'{args.target}: {pack(args.source, args.target) / 2**20:.1f} MiB')
        else:
            unpack(args.source, args.target)
    except DataError as error:
        raise SystemExit(str(error))


if __name__ == '__main__':
    main(sys.argv[1:])
