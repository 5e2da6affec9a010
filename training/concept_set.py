"""A class-labelled validation set for the bitmap encoder, like the seed authors' 94 hand-labelled formulas in
13 classes (Pfahler et al. 2019): the known-concept set (bench/known-concepts.json, docs/known-concepts.md) names
41 concepts, each with the author-typed query and the library formulas judged to state the same concept (grade
2). Each concept becomes a class; its formulas are rendered by the product's renderer with their papers' macros
(`formula-lens dataset` over a small corpus file this script writes, one record per formula, whose source is
the concept), so the set is a dataset directory that train.py reads like any other.

    python3 training/concept_set.py --out <dir>   (needs `npm run build`; the bundled default library)

The concepts were judged for ranking, by reading; the encoder never trains on them. Their papers are in the
bundled library, whose formulas the weak-label training may have seen, but never with these class labels.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCEPTS = ROOT / 'bench' / 'known-concepts.json'
LIBRARY = ROOT / 'data' / 'default-library' / 'papers.jsonl.gz'


def concept_records(concepts: dict, macros_of: dict[str, str]) -> list[dict]:
    """One corpus record per formula of a concept (the query, then its grade-2 formulas), sourced by the concept."""
    records = []
    for query in concepts['queries']:
        members = [{'latex': query['query'], 'macros': ''}]
        members += [{'latex': item['latex'], 'macros': macros_of.get(item['paper'], '')}
                    for item in query['relevant'] if item['grade'] == 2]
        for number, member in enumerate(members):
            records.append({'id': f'{query["id"]}#{number}', 'source': query['id'], 'macros': member['macros'],
                            'formulas': [{'latex': member['latex'], 'env': 'equation', 'inline': False}]})
    return records


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', type=Path, required=True, help='the dataset directory to write')
    parser.add_argument('--concepts', type=Path, default=CONCEPTS)
    parser.add_argument('--library', type=Path, default=LIBRARY)
    args = parser.parse_args(argv)
    with gzip.open(args.library, 'rt', encoding='utf8') as lines:
        macros_of = {record['id']: record.get('macros', '') for record in map(json.loads, lines)}
    records = concept_records(json.loads(args.concepts.read_text(encoding='utf8')), macros_of)
    # The corpus stays beside the bitmaps: the TF-IDF baseline of `train.py evaluate --concepts` reads its LaTeX.
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = args.out / 'corpus.jsonl'
    corpus.write_text(''.join(json.dumps(record) + '\n' for record in records), encoding='utf8')
    subprocess.run(['node', str(ROOT / 'out' / 'cli.js'), 'dataset', '--corpus', str(corpus), '--out', str(args.out)],
                   check=True)
    print(f'{args.out}: {len(records)} formulas in {len({record["source"] for record in records})} classes')


if __name__ == '__main__':
    main(sys.argv[1:])
