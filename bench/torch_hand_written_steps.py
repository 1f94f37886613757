"""The hand-written PyTorch step of bench/torch_hand_written.py as a child process that bench/wasm-vs-torch.mjs
races the compiled TensorFlow.js step against: it prints one JSON line (torch version, threads, parameter count),
then answers each line `step` on stdin with that step's loss. Usage: python bench/torch_hand_written_steps.py
vae|ddpm BATCH [THREADS] (THREADS 0: PyTorch's default)."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_hand_written import hand_written  # noqa: E402

which, batch = sys.argv[1], int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
if threads > 0:
    torch.set_num_threads(threads)
torch.manual_seed(0)
step = hand_written(which)
shape = [batch, 784] if which == 'vae' else [batch, 1, 28, 28]
low = 0.0 if which == 'vae' else -1.0
x = torch.from_numpy((np.random.default_rng(0).random(shape) < 0.5).astype(np.float32) * (1.0 - low) + low)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'parameters': sum(p.numel() for p in step.params)}), flush=True)
for line in sys.stdin:
    if line.strip() == 'step':
        print(step(x), flush=True)
