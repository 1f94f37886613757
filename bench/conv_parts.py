"""PyTorch's side of bench/conv-parts.mjs: a 3×3 'same' convolution's forward and backward (dx and dW) on one
thread, median ms of 5 after 2 warm-ups. Usage: python bench/conv_parts.py '[[N, H, CI, CO], ...]'"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def ms(f):
    times = []
    for i in range(7):
        start = time.perf_counter()
        f()
        if i >= 2:
            times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


print(f'PyTorch {torch.__version__}, 1 thread: layer, forward ms (GF/s), backward dx + dW ms')
for n, h, ci, co in json.loads(sys.argv[1]):
    x = torch.randn(n, ci, h, h, requires_grad=True)
    w = torch.randn(co, ci, 3, 3, requires_grad=True)
    dy = torch.randn(n, co, h, h)
    with torch.no_grad():
        forward = ms(lambda: F.conv2d(x, w, padding=1))
    y = F.conv2d(x, w, padding=1)
    backward = ms(lambda: torch.autograd.grad(y, (x, w), dy, retain_graph=True))
    print(f'{h}×{h}, {ci} → {co}: forward {forward:.1f} ({2 * n * h * h * ci * co * 9 / 1e6 / forward:.1f} GF/s), dx + dW {backward:.1f}')
