"""The exported model's command line: `python run.py train --json`, `torchrun --nproc_per_node=N run.py train`,
`python run.py sample --checkpoint runs`, `python run.py convert runs weights.pt`."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import model  # noqa: E402
from gm_torch.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(model))
