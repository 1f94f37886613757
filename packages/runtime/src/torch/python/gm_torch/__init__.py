"""Runtime support of the PyTorch target of gm: what every exported model shares.

Copied as it is into each package that `gm export --target torch` writes; the model's own code
(its networks, its bound, its samplers) is generated beside it, in `model/`.
"""
