"""Writes what an exported package makes by itself, for torch-initial.test.ts: the networks' initial
weights for the model's seed (a gm checkpoint in argv[2]) and the first batches of the training data
(argv[3]/batch-E-I.f32 for epoch E, batch I)."""
import os
import sys

sys.path.insert(0, sys.argv[1])
import model  # noqa: E402
from gm_torch import checkpoint  # noqa: E402
from gm_torch.data import Dataset  # noqa: E402

cfg = model.CONFIG
nets = model.networks.build(cfg['train']['seed'])
position = {'model': cfg['model'], 'sourceHash': cfg['sourceHash'], 'step': 0, 'epoch': 0, 'seed': cfg['train']['seed'], 'rng': {}}
checkpoint.save(sys.argv[2], position, {'weights': checkpoint.weights_of(nets)})
data = Dataset(os.path.join(sys.argv[1], 'data'), 'train', cfg['observed']['shape'], cfg['train']['seed'])
for epoch, index in ((0, 0), (0, 3), (2, 1)):
    data.batch(epoch, index, 16).tofile(os.path.join(sys.argv[3], f'batch-{epoch}-{index}.f32'))
    if cfg.get('labels'):
        data.batch_labels(epoch, index, 16).astype('uint8').tofile(os.path.join(sys.argv[3], f'labels-{epoch}-{index}.u8'))
