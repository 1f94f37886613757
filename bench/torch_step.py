"""Times the generated package's training step against the hand-written one (bench/torch_hand_written.py),
same batch, in alternating rounds; prints a JSON line: median ms per step of each, ratio = hand-written /
generated time (≥ 1: the generated step is as fast), and the median of the per-round ratios. Usage: python bench/torch_step.py PACKAGE vae|ddpm BATCH ROUNDS STEPS"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

package, which, batch, rounds, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, package)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402
from gm_torch.train import Trainer  # noqa: E402
from torch_hand_written import hand_written  # noqa: E402

torch.manual_seed(0)
generated = Trainer(model, batch=batch, device='cpu', compile=False)
reference = hand_written(which)
counts = (generated.parameter_count(), sum(p.numel() for p in reference.params))
if counts[0] != counts[1]:
    raise SystemExit(f'the hand-written network has {counts[1]} parameters, the generated one {counts[0]}')
shape = [batch, *model.CONFIG['observed']['shape']]
lo, hi = model.CONFIG['data']['valueRange']
rng = np.random.default_rng(0)
host = (rng.random(shape) < 0.5).astype(np.float32) * (hi - lo) + lo
x = torch.from_numpy(host)
flat = x.reshape(batch, -1) if which == 'vae' else x
state = {'step': 0}


batch_of_inputs = {model.CONFIG['observed']['name']: x}


def run_generated():
    generated.train_step(batch_of_inputs, state['step'])
    state['step'] += 1


def run_reference():
    reference(flat)


def seconds(fn):
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


for fn in (run_generated, run_reference):  # warm-up
    fn()
    fn()
gen, ref = [], []
for r in range(rounds):
    order = (run_generated, run_reference) if r % 2 == 0 else (run_reference, run_generated)
    for fn in order:
        (gen if fn is run_generated else ref).append(seconds(fn))
g, h = statistics.median(gen), statistics.median(ref)
# Each round times both, back to back: the median of the rounds' ratios is less moved by a shared machine's load.
paired = statistics.median(r / q for q, r in zip(gen, ref))
print(json.dumps({'model': which, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': batch, 'parameters': counts[0],
                  'generated_ms': round(1000 * g, 2), 'hand_written_ms': round(1000 * h, 2), 'ratio': round(h / g, 3), 'paired_ratio': round(paired, 3), 'rounds': rounds, 'steps': steps,
                  'generated_img_s': round(batch / g, 1), 'hand_written_img_s': round(batch / h, 1)}))
