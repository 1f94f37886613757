"""The model's dataset, as gm's TypeScript runtime makes batches of it (src/data/dataset.ts).

`gm export` writes the images as they are stored (`data/<split>.bin` with `data/dataset.json`);
scaling to the value range, binarization and the shuffled order of each epoch are pure functions of
(seed, epoch, batch), so a batch here is the TensorFlow.js runtime's batch, bit for bit.
"""
import json
import os

import numpy as np

from .rng import derive_seed, permutation, uniforms


class Dataset:
    def __init__(self, folder, split, shape, seed):
        with open(os.path.join(folder, 'dataset.json')) as f:
            meta = json.load(f)
        info = meta['splits'][split]
        dtype = np.uint8 if info['dtype'] == 'uint8' else np.float32
        pixels = np.fromfile(os.path.join(folder, info['file']), dtype=dtype)
        count = info['count']
        if meta.get('limit') is not None:
            count = min(count, meta['limit'])
        size = int(np.prod(shape))
        if int(np.prod(info['imageShape'])) != size:
            raise ValueError(f"data {meta['name']}: {info['source']} has {info['imageShape']} images, the variable has shape {shape}")
        self.folder = folder
        self.name = meta['name']
        self.source = info['source']
        self.pixels = pixels[:count * size].reshape(count, size)
        self.scale = info['scale']
        self.size = count
        self.shape = list(shape)
        self.example_size = size
        self.value_range = meta['valueRange']
        self.binarize = meta.get('binarize')
        self.seed = seed
        self._order = (None, None)
        # The class of each stored example (`from D.labels` variables), in the images' order.
        self.labels = np.fromfile(os.path.join(folder, info['labels']), dtype=np.uint8)[:count] if info.get('labels') else None

    def batches_per_epoch(self, batch):
        return max(1, self.size // batch)

    def _epoch_order(self, epoch):
        if self._order[0] != epoch:
            self._order = (epoch, permutation(derive_seed(self.seed, epoch, 'shuffle'), self.size))
        return self._order[1]

    def batch(self, epoch, index, batch):
        """Batch `index` of `epoch` as float32 [B, …shape], in the epoch's shuffled order."""
        order = self._epoch_order(epoch)
        n = min(batch, self.size)
        start = (index % self.batches_per_epoch(batch)) * n
        rows = order[start:start + n]
        return self._fill(rows, derive_seed(self.seed, epoch * 1_000_003 + index, 'binarize'))

    def batch_labels(self, epoch, index, batch):
        """The classes of the examples of `batch(epoch, index, batch)`, in the same order."""
        order = self._epoch_order(epoch)
        n = min(batch, self.size)
        start = (index % self.batches_per_epoch(batch)) * n
        return self._require_labels()[order[start:start + n]]

    def slice_labels(self, start, count):
        """The classes of the examples of `slice(start, count)`."""
        return self._require_labels()[start:min(self.size, start + count)]

    def _require_labels(self):
        if self.labels is None:
            raise ValueError(f'data {self.name}: {self.source} has no labels')
        return self.labels

    def slice(self, start, count):
        """Examples [start, start + count) in stored order (evaluation, reconstructions)."""
        end = min(self.size, start + count)
        return self._fill(np.arange(start, end), derive_seed(self.seed, start, 'binarize-slice'))

    def _fill(self, rows, binarize_seed):
        v = self.pixels[rows].astype(np.float64) * self.scale
        if self.binarize == 'fixed':
            v = (v > 0.5).astype(np.float64)
        elif self.binarize == 'stochastic':
            u = uniforms(binarize_seed, v.size).reshape(v.shape)
            v = (u < v).astype(np.float64)
        lo, hi = self.value_range
        out = (lo + (hi - lo) * v).astype(np.float32)
        return out.reshape([len(rows)] + self.shape)


def label_array(classes_of, spec):
    """Classes as a label variable holds them (src/data/feed.ts): [n, classes] one-hot, or [n] indices, float32."""
    ks = np.asarray(classes_of, dtype=np.int64)
    if spec['encoding'] == 'index':
        return ks.astype(np.float32)
    if ks.size and ks.max() >= spec['classes']:
        raise ValueError(f"a label is {ks.max()}, but the label variable is one-hot over {spec['classes']} classes (0–{spec['classes'] - 1})")
    out = np.zeros([len(ks), spec['classes']], dtype=np.float32)
    out[np.arange(len(ks)), ks] = 1
    return out
