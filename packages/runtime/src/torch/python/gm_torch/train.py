"""The training loop, as gm's TypeScript session runs it (src/session/): the same batches, loss,
optimizer, clipping, warm-ups and checkpoints, and the same JSON events (src/train/events.ts) on
stdout with --json, so that the editor's dashboard reads a PyTorch run as it reads its own.

Under torchrun: DistributedDataParallel, each rank its rows of the global batch and of the noise,
the reported loss averaged over the ranks (it is the whole batch's), checkpoints by rank 0 only.
"""
import math
import os
import signal
import time

import torch
import torch.distributed as dist

from . import checkpoint as ckpt
from .data import Dataset, label_array
from .device import Features
from .events import Reporter
from .optim import Ema, create, learning_rate
from .png import write_grid
from .rng import derive_seed
from .program import Context, ImportanceTimesteps, evaluate, loss as loss_of
from .sample import reconstructions, samples


class NonFinite(Exception):
    def __init__(self, step, term, value):
        what = 'loss' if term == 'loss' else f"term '{term}'"
        super().__init__(f'the {what} became {value} at step {step}; training stopped and the last good checkpoint is kept')
        self.step, self.term = step, term


class Objective(torch.nn.Module):
    """The networks and the generated bound: forward(batch, step) is the loss and each term's batch mean."""

    def __init__(self, model, nets, features, seed, rank=0, world=1):
        super().__init__()
        self.nets = nets
        self.model = model
        self.features = features
        self.seed = seed
        self.rank, self.world = rank, world
        self.callables = {name: net for name, net in nets.items()}
        # Importance-sampled draws of t, by proposal name (the trainer records L_t after each step).
        self.importance = {p.name: ImportanceTimesteps(p) for p in getattr(model.loss, 'PROPOSALS', [])}

    def forward(self, inputs, step):
        proposals = {name: sampler.probabilities() for name, sampler in self.importance.items()}
        ctx = Context(self.callables, inputs, step, self.seed, replicas=self.model.loss.REPLICAS, device=self.features.device, rank=self.rank, world=self.world, proposals=proposals)
        with self.features.autocast():
            values = evaluate(self.model.loss, ctx)
        loss, terms = loss_of(self.model.loss, values, step)
        records = [(p.name, getattr(ctx.shared, p.t).detach(), getattr(ctx.shared, p.value).detach().float()) for p in getattr(self.model.loss, 'PROPOSALS', [])]
        return loss, terms, records


class Trainer:
    def __init__(self, model, *, seed=None, batch=None, device=None, compile=None, out=None):
        cfg = model.CONFIG
        self.model = model
        self.train = dict(cfg['train'])
        if seed is not None:
            self.train['seed'] = seed
        if batch is not None:
            self.train['batch'] = batch
        self.seed = self.train['seed']
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.distributed = self.world > 1
        self.features = Features(device, compile)
        if self.distributed and not dist.is_initialized():
            dist.init_process_group('nccl' if self.features.cuda else 'gloo')
        self.rank = dist.get_rank() if self.distributed else 0
        if self.train['batch'] % self.world != 0:
            raise ValueError(f"the batch {self.train['batch']} does not split evenly over {self.world} processes")
        self.local_batch = self.train['batch'] // self.world
        self.nets = model.networks.build(self.seed).to(self.features.device)
        if self.features.channels_last:
            self.nets = self.nets.to(memory_format=torch.channels_last)
        self.objective = Objective(model, self.nets, self.features, self.seed, self.rank, self.world)
        if self.features.compile:
            self.objective.callables = {name: torch.compile(net) for name, net in self.nets.items()}
        self.step_fn = self.objective
        if self.distributed:
            self.step_fn = torch.nn.parallel.DistributedDataParallel(self.objective, device_ids=[self.features.device.index] if self.features.cuda else None)
        self.params = [p for _, p in self.nets.named_parameters()]
        self.optimizer = create(self.train, self.params, self.features)
        self.ema = Ema(self.params, self.train['ema']) if self.train.get('ema') is not None else None
        self.out = out

    def parameter_count(self):
        return sum(p.numel() for p in self.params)

    def train_step(self, batch, step):
        """One optimization step on this rank's rows [B/world, …] of the global batch: (loss, terms), averaged over ranks."""
        torch.manual_seed(derive_seed(self.seed, step, f'dropout/{self.rank}'))  # dropout masks, reproducible on resume
        self.nets.train()
        loss, terms, records = self.step_fn(batch, step)
        reported = torch.stack([loss.detach().float(), *[t.detach().float() for t in terms.values()]])
        if self.distributed:
            dist.all_reduce(reported)
            reported /= self.world
        values = reported.tolist()
        names = list(terms.keys())
        for name, v in zip(names, values[1:]):
            if not math.isfinite(v):
                raise NonFinite(step, name, v)
        if not math.isfinite(values[0]):
            raise NonFinite(step, 'loss', values[0])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.train.get('clip') is not None:
            torch.nn.utils.clip_grad_norm_(self.params, self.train['clip'])
        for g in self.optimizer.param_groups:
            g['lr'] = learning_rate(self.train, step)
        self.optimizer.step()
        if self.ema:
            self.ema.update()
        for name, t, value in records:
            self.objective.importance[name].update(self.global_rows(t).tolist(), self.global_rows(value).tolist())
        return values[0], dict(zip(names, values[1:]))

    def global_rows(self, x):
        """A per-example value [R · B/world] of this rank as the whole batch's [R · B], in one process's order."""
        if not self.distributed:
            return x.cpu()
        parts = [torch.empty_like(x) for _ in range(self.world)]
        dist.all_gather(parts, x.contiguous())
        replicas = self.model.loss.REPLICAS
        return torch.cat([p.reshape(replicas, -1) for p in parts], dim=1).reshape(-1).cpu()

    def rows(self, batch):
        """This rank's rows of a global host batch."""
        return batch[self.rank * self.local_batch:(self.rank + 1) * self.local_batch]

    # ---------------------------------------------------------------- checkpoints

    def save(self, out, step, epoch, total_steps):
        groups = {'weights': ckpt.weights_of(self.nets)}
        name = self.train['optimizer']['name']
        named = list(self.nets.named_parameters())
        groups['optimizer'] = ckpt.optimizer_slots(self.optimizer, named, name)
        iterations = step
        if self.ema:
            self.ema.swap()
            groups['ema'] = ckpt.weights_of(self.nets)
            self.ema.swap()
        # The importance-sampling history is training state, under the key gm's own runs use (src/cli/train.ts).
        importance = {'importanceSampling': {name: s.state() for name, s in self.objective.importance.items()}} if self.objective.importance else {}
        position = {'model': self.model.CONFIG['model'], 'sourceHash': self.model.CONFIG['sourceHash'], 'step': step, 'epoch': epoch, 'seed': self.seed, 'rng': {}}
        return ckpt.save(out, position, groups, optimizer={'name': name, 'iterations': iterations}, metadata={'backend': 'torch', 'batch': self.train['batch'], 'totalSteps': total_steps, 'torch': torch.__version__, **importance})

    def restore(self, target, force=False):
        manifest, groups = ckpt.load(target)
        cfg = self.model.CONFIG
        if manifest['model'] != cfg['model']:
            raise ValueError(f"{target}: the checkpoint is of model {manifest['model']}, not {cfg['model']}")
        if manifest['sourceHash'] != cfg['sourceHash'] and not force:
            raise ValueError(f"{target}: the checkpoint was trained from a different version of {cfg['file']}; train anew with a fresh --out, or pass --force to load it anyway")
        ckpt.assign_weights(self.nets, groups['weights'])
        opt = manifest.get('optimizer')
        if opt and opt['name'] == self.train['optimizer']['name']:
            ckpt.load_optimizer(self.optimizer, list(self.nets.named_parameters()), opt['name'], groups['optimizer'], opt['iterations'])
        if self.ema and groups['ema']:
            self.ema.swap()
            ckpt.assign_weights(self.nets, groups['ema'], 'EMA weights')
            self.ema.swap()
        history = (manifest.get('metadata') or {}).get('importanceSampling') or {}
        for name, sampler in self.objective.importance.items():
            if name in history:
                sampler.load(history[name])
        return manifest


def run(model, args):
    """`run.py train`: the loop, events, previews, checkpoints; returns the exit status."""
    reporter = Reporter(json_lines=args.json, enabled=int(os.environ.get('RANK', '0')) == 0)
    try:
        return _run(model, args, reporter)
    except Exception as error:  # reported as the TypeScript runtime reports it, then a non-zero status
        reporter.emit({'event': 'error', 'message': str(error)})
        if os.environ.get('GM_TORCH_TRACEBACK'):
            raise
        return 1


def _run(model, args, reporter):
    cfg = model.CONFIG
    trainer = Trainer(model, seed=args.seed, batch=args.batch, device=args.device, compile=args.compile)
    t = trainer.train
    out = os.path.abspath(args.out)
    data = Dataset(os.path.join(os.path.dirname(os.path.abspath(model.__file__)), '..', 'data'), 'train', cfg['observed']['shape'], trainer.seed)
    # Test images for reconstruction previews (latent-variable models), as gm's previews take them.
    test = None if cfg['chain'] else Dataset(data.folder, 'test', cfg['observed']['shape'], trainer.seed)
    per_epoch = data.batches_per_epoch(t['batch'])
    labels = cfg.get('labels') or []
    if data.size < t['batch']:
        raise ValueError(f"the dataset has {data.size} examples: fewer than one batch of {t['batch']}")
    total = args.steps or (args.epochs * per_epoch if args.epochs else (t.get('steps') or (t.get('epochs') or 10) * per_epoch))
    start = 0
    if args.resume:
        if not ckpt.find(out):
            raise FileNotFoundError(f'--resume: no checkpoint in {out}')
        start = trainer.restore(out, force=args.force)['step']
    reporter.emit({
        'event': 'start', 'model': cfg['model'], 'file': args.file or cfg['file'], 'backend': 'torch',
        'backendReason': trainer.features.describe() + (f', {trainer.world} processes (DistributedDataParallel)' if trainer.distributed else ''),
        'parameters': trainer.parameter_count(), 'out': out, 'totalSteps': total, **({'resumedFrom': start} if args.resume else {}),
    })
    stop = {'now': False}

    def on_signal(signum, frame):
        if stop['now']:
            os._exit(143 if signum == signal.SIGTERM else 130)
        stop['now'] = True

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, on_signal)
    sample_every = args.sample_every or cfg['sample'].get('every') or max(per_epoch, 100)
    checkpoint_every = args.checkpoint_every or max(per_epoch, 500)
    lo, hi = cfg['data']['valueRange']
    started = time.time()
    window_start, window_steps, last_report = time.time(), 0, 0.0
    step = start
    reason = 'finished'
    try:
        while step < total:
            stopping = torch.tensor([1.0 if stop['now'] else 0.0])
            if trainer.distributed:
                dist.all_reduce(stopping)
            if stopping.item() > 0:
                reason = 'interrupted'
                break
            epoch = step // per_epoch
            index = step % per_epoch
            batch = {cfg['observed']['name']: trainer.features.inputs(trainer.rows(data.batch(epoch, index, t['batch'])))}
            if labels:
                classes = trainer.rows(data.batch_labels(epoch, index, t['batch']))
                batch.update({v['name']: trainer.features.inputs(label_array(classes, v)) for v in labels})
            loss, terms = trainer.train_step(batch, step)
            step += 1
            window_steps += 1
            now = time.time()
            if now - last_report >= args.progress_interval or step == total:
                seconds = now - window_start
                rate = window_steps / seconds if seconds > 0 else 0
                reporter.emit({'event': 'progress', 'step': step, 'epoch': epoch, 'loss': loss, 'terms': terms, 'imagesPerSecond': rate * t['batch'], 'etaSeconds': (total - step) / rate if rate > 0 else None})
                last_report = now
                if seconds > 10:
                    window_start, window_steps = now, 0
            at_end = step == total
            if trainer.rank == 0 and (step % sample_every == 0 or at_end):
                for event in preview(trainer, out, step, (lo, hi), test):
                    reporter.emit(event)
            if step % checkpoint_every == 0 and not at_end and trainer.rank == 0:
                reporter.emit({'event': 'checkpoint', 'step': step, 'path': trainer.save(out, step, epoch, total)})
    except NonFinite as error:
        reporter.emit({'event': 'error', 'message': str(error), 'step': error.step, 'term': error.term})
        return 1
    if (step > start or reason == 'interrupted') and trainer.rank == 0:
        reporter.emit({'event': 'checkpoint', 'step': step, 'path': trainer.save(out, step, step // per_epoch, total)})
    reporter.emit({'event': 'done', 'step': step, 'seconds': time.time() - started, 'reason': reason})
    if trainer.distributed:
        dist.barrier()
        dist.destroy_process_group()
    return 0


def preview(trainer, out, step, value_range, test=None):
    """Samples at `<out>/samples/step-N.png` and `latest.png` (and test images beside their reconstructions),
    drawn with the averaged weights when there is an EMA."""
    cfg = trainer.model.CONFIG
    if trainer.ema:
        trainer.ema.swap()
    trainer.nets.eval()
    try:
        options = {'sampler': 'ddim', 'steps': 20, 'eta': 0.0} if cfg['chain'] else {}
        if cfg['chain'] and cfg['sample'].get('clip'):
            options['clip'] = value_range
        x = samples(trainer.model, trainer.objective.callables, cfg['sample']['n'], 1, device=trainer.features.device, **options)
        pairs = None
        if test is not None:
            given = {v['name']: torch.from_numpy(label_array(test.slice_labels(0, 16), v)).to(trainer.features.device) for v in cfg.get('labels') or []}
            pairs = reconstructions(trainer.model, trainer.objective.callables, torch.from_numpy(test.slice(0, 16)).to(trainer.features.device), device=trainer.features.device, given=given)
    finally:
        if trainer.ema:
            trainer.ema.swap()
    images = x.float().cpu().numpy()
    name = f'step-{step:09d}'
    path = write_grid(os.path.join(out, 'samples', f'{name}.png'), images, value_range)
    write_grid(os.path.join(out, 'samples', 'latest.png'), images, value_range)
    events = [{'event': 'sample', 'step': step, 'path': path, 'kind': 'samples'}]
    if pairs is not None:
        recon = write_grid(os.path.join(out, 'samples', f'{name}-reconstructions.png'), pairs.float().cpu().numpy(), value_range, columns=8)
        events.append({'event': 'sample', 'step': step, 'path': recon, 'kind': 'reconstructions'})
    return events
