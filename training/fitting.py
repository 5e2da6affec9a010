"""The training run the encoder scripts share (train.py fit, symbolic.py fit, symbolic_align.py): resume from
<run>/last.pt, timed steps, validations kept in the history, best.pt and last.pt, and the stop on a time or
step budget, SIGTERM/SIGINT or a validation plateau. Each script supplies its step, its measures and its
log's wording."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from losses import optimizer_step

VALIDATION_TRIPLES = 3_000


class Log:
    """Lines to stdout and, when a run directory is given, appended to its train.log."""

    def __init__(self, path: Path | None = None):
        self.file = open(path, 'a', encoding='utf8') if path else None

    def __call__(self, message: str) -> None:
        line = f'{time.strftime("%Y-%m-%d %H:%M:%S")} {message}'
        print(line, flush=True)
        if self.file:
            self.file.write(line + '\n')
            self.file.flush()


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)  # our own files; PyTorch 2.6+ defaults to weights only


def save_atomically(state: dict, path: Path) -> None:
    """A checkpoint is never half-written: a killed run leaves the previous one intact."""
    temporary = path.with_suffix('.tmp')
    torch.save(state, temporary)
    os.replace(temporary, path)


class Run:
    """One run directory's training: the model, its optimizer and learned logit scale, the random generators
    (all in each checkpoint, so a resumed run continues as if never stopped) and the progress counters."""

    def __init__(self, directory: Path, config: dict, model: nn.Module, optimizer: torch.optim.Optimizer,
                 log_scale: torch.Tensor, rng: np.random.Generator, log: Log, *,
                 more_rngs: dict[str, np.random.Generator] | None = None, extra: dict | None = None,
                 history_file: bool = True):
        """`more_rngs` are saved under their names; `extra` is saved as it is; `history_file` appends each
        validation point to <run>/history.jsonl as well."""
        self.directory, self.config, self.model, self.optimizer = directory, config, model, optimizer
        self.log_scale, self.rng, self.log = log_scale, rng, log
        self.more_rngs, self.extra, self.history_file = more_rngs or {}, extra or {}, history_file
        self.last = directory / 'last.pt'
        self.progress = {'step': 0, 'samples': 0, 'cpu_seconds': 0.0, 'wall_seconds': 0.0, 'history': [], 'best': None}

    def resume(self) -> None:
        """Continues from last.pt when the run has one; one trained with another config is refused."""
        if not self.last.exists():
            return
        checkpoint = load_checkpoint(self.last)
        if checkpoint['config'] != self.config:
            raise SystemExit(f'{self.last} was trained with {checkpoint["config"]}, not {self.config}; use another --run')
        self.model.load_state_dict(checkpoint['model'])
        self.optimizer.load_state_dict(checkpoint['optimizer'])
        self.log_scale.data.copy_(checkpoint['log_scale'])
        self.rng.bit_generator.state = checkpoint['rng']
        for name, generator in self.more_rngs.items():
            generator.bit_generator.state = checkpoint[name]
        torch.set_rng_state(checkpoint['torch_rng'])
        self.progress = checkpoint['progress']
        self.log(f'resumed from {self.last} at step {self.progress["step"]} ({self.progress["cpu_seconds"] / 3600:.2f} CPU h)')

    def state(self) -> dict:
        return {'config': self.config, 'model': self.model.state_dict(), 'optimizer': self.optimizer.state_dict(),
                'log_scale': self.log_scale.detach().clone(), 'rng': self.rng.bit_generator.state,
                'torch_rng': torch.get_rng_state(), 'progress': self.progress,
                **{name: generator.bit_generator.state for name, generator in self.more_rngs.items()}, **self.extra}

    def timing(self, train_loss: float | None) -> dict:
        """The counters a history point records beside its measures."""
        progress = self.progress
        return {'samples': progress['samples'], 'cpu_hours': progress['cpu_seconds'] / 3600,
                'wall_hours': progress['wall_seconds'] / 3600, 'train_loss': train_loss}

    def record(self, measures: dict, details: str = '', **fields) -> bool:
        """Appends a validation point (the step, `fields`, the measures) to the history and saves last.pt, and
        best.pt when the validation ranking loss improved (returned). `details` goes into its log line."""
        point = {'step': self.progress['step'], **fields, **{f'validation_{k}': v for k, v in measures.items()}}
        self.progress['history'].append(point)
        if self.history_file:
            with open(self.directory / 'history.jsonl', 'a', encoding='utf8') as history:
                history.write(json.dumps(point) + '\n')
        best = self.progress['best']
        improved = best is None or point['validation_ranking_loss'] < best['validation_ranking_loss']
        if improved:
            self.progress['best'] = point
            save_atomically(self.state(), self.directory / 'best.pt')
        save_atomically(self.state(), self.last)
        self.log(f'validate step {point["step"]}: ranking loss {point["validation_ranking_loss"]:.4f}'
                 f'{details}{" best" if improved else ""}')
        return improved

    def train(self, step: Callable[[], tuple[torch.Tensor, int]], validate: Callable[[float | None], bool],
              report: Callable[[list[float]], str], *, minutes: float | None, steps: int | None,
              validate_minutes: float, validate_steps: int | None = None, patience: int | None = None,
              log_every: int) -> None:
        """Steps until a budget is spent, a signal arrives or `patience` validations in a row did not improve.
        `step` returns a batch's loss and how many samples it drew; `validate` (given the mean training loss
        since the last one) records a point and says whether it improved; `report` words the recent losses."""
        progress = self.progress
        if not progress['history']:
            validate(None)
        # SIGTERM/SIGINT end the run after the current step, with a validation and a checkpoint.
        stop_requested: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, _frame: stop_requested.append(number))
        started = time.time()
        since_validation, losses, stale = time.time(), [], 0
        self.model.train()
        while True:
            wall, cpu = time.time(), time.process_time()
            loss, samples = step()
            optimizer_step(self.optimizer, loss, self.log_scale)
            progress['step'] += 1
            progress['samples'] += samples
            progress['cpu_seconds'] += time.process_time() - cpu
            progress['wall_seconds'] += time.time() - wall
            losses.append(float(loss))
            if progress['step'] % log_every == 0:
                self.log(f'step {progress["step"]}: {report(losses[-log_every:])}')
            out_of_time = minutes is not None and time.time() - started >= minutes * 60
            out_of_steps = steps is not None and progress['step'] >= steps
            interrupted = bool(stop_requested)
            due = (validate_steps and progress['step'] % validate_steps == 0
                   or time.time() - since_validation >= validate_minutes * 60)
            if due or out_of_time or out_of_steps or interrupted:
                stale = 0 if validate(float(np.mean(losses))) else stale + 1
                since_validation, losses = time.time(), []
                if patience is not None and stale >= patience:
                    self.log(f'stopping: no validation improvement in {patience} validations (plateau)')
                    break
            if out_of_time or out_of_steps or interrupted:
                self.log('stopping: ' + ('signal received' if interrupted else 'time budget spent' if out_of_time else 'step budget spent'))
                break
