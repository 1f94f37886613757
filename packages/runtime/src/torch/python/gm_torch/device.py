"""What the installed PyTorch and the machine allow: the device, bf16 autocast, channels-last, torch.compile, fused Adam."""
import contextlib
import inspect
import os

import torch


class Features:
    def __init__(self, device=None, compile=None):
        local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        if device is None or device == 'auto':
            device = f'cuda:{local_rank}' if torch.cuda.is_available() else 'cpu'
        self.device = torch.device(device)
        self.cuda = self.device.type == 'cuda'
        if self.cuda:
            torch.cuda.set_device(self.device)
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        self.bf16 = self.cuda and torch.cuda.is_bf16_supported()
        self.channels_last = self.cuda
        self.compile = (compile if compile is not None else self.cuda) and hasattr(torch, 'compile')
        self.fused_adam = self.cuda and 'fused' in inspect.signature(torch.optim.Adam).parameters

    def autocast(self):
        """bf16 autocast on CUDA (matmuls and convolutions; reductions stay float32); nothing on the CPU."""
        if self.bf16:
            return torch.autocast(device_type='cuda', dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def describe(self):
        on = [name for name, flag in (('bf16 autocast', self.bf16), ('channels-last', self.channels_last), ('torch.compile', self.compile), ('fused Adam', self.fused_adam)) if flag]
        where = torch.cuda.get_device_name(self.device) if self.cuda else 'CPU'
        return f"PyTorch {torch.__version__} on {where}" + (f" ({', '.join(on)})" if on else '')

    def inputs(self, array):
        """A host batch on the device (pinned memory and a non-blocking copy on CUDA)."""
        x = torch.from_numpy(array)
        if self.cuda:
            x = x.pin_memory().to(self.device, non_blocking=True)
            if self.channels_last and x.dim() == 4:
                x = x.contiguous(memory_format=torch.channels_last)
        return x
