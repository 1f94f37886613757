"""Seeds and host-side random streams, bit for bit as in gm's TypeScript runtime (src/rng/).

Every random draw of step s is seeded by (seed, s, stream): a resumed run repeats an uninterrupted
one, and the initial weights, the data order and the timesteps are the same as TensorFlow.js's.
"""
import numpy as np

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def hash_string(text):
    """32-bit FNV-1a over UTF-16 code units (JavaScript's charCodeAt)."""
    h = 0x811C9DC5
    units = text.encode('utf-16-le')
    for k in range(0, len(units), 2):
        h ^= units[k] | (units[k + 1] << 8)
        h = _imul(h, 0x01000193)
    return h


def _fmix32(h):
    """The 32-bit finalizer of MurmurHash3."""
    h &= M32
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


def derive_seed(seed, step, stream):
    """The seed of one random draw, in [1, 2^31): a hash of the run's seed, the step and the stream name."""
    h = _fmix32((seed & M32) ^ 0x9E3779B9)
    h = _fmix32(h ^ _imul(step & M32, 0x27D4EB2F) ^ ((step // 0x100000000) & M32))
    h = _fmix32(h ^ hash_string(stream))
    return (h & 0x7FFFFFFF) or 1


def uniforms(seed, n):
    """The first n draws in [0, 1) of mulberry32 seeded by `seed` (its state advances by a constant: vectorized)."""
    s = (np.uint64(seed & M32) + np.uint64(0x6D2B79F5) * np.arange(1, n + 1, dtype=np.uint64)) & np.uint64(M32)
    t = s
    t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & np.uint64(M32)
    t = (t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & np.uint64(M32))) & np.uint64(M32)))
    return ((t ^ (t >> np.uint64(14))) & np.uint64(M32)).astype(np.float64) / 4294967296.0


def integers(seed, n, count):
    """n uniform integers in [0, count), as Random.int."""
    return np.floor(uniforms(seed, n) * count).astype(np.int64)


def permutation(seed, n):
    """A random permutation of 0..n-1 (Fisher–Yates), as Random.permutation."""
    p = np.arange(n, dtype=np.int64)
    if n < 2:
        return p
    u = uniforms(seed, n - 1)
    js = np.floor(u * np.arange(n, 1, -1)).astype(np.int64)
    for k, i in enumerate(range(n - 1, 0, -1)):
        j = js[k]
        p[i], p[j] = p[j], p[i]
    return p
