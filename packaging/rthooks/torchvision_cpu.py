"""PyInstaller runtime hook: let torchvision's Python half import beside a CPU-only torch.

Only added to the CPU flavour when the bundled torchvision is a CUDA build (PyPI's Linux
wheels are; the PyTorch CPU index's are not). Its ``_C`` extension needs libtorch_cuda and
is left out, and torchvision's ``_meta_registrations`` then fails on import because it
registers fake kernels for ``torchvision::nms``/``qnms`` without checking that the C++ ops
exist ("operator torchvision::nms does not exist"). spandrel imports torchvision at import
time but only uses pure-Python transforms (``rotate``, ``normalize``), so defining the two
schemas (no kernels) is enough: ``torchvision.ops.nms`` still raises torchvision's own
clear "Couldn't load custom C++ ops" error if anything ever calls it.

The fix runs lazily, when torchvision is first imported, so start-up stays fast.
"""

from __future__ import annotations

import importlib.abc
import sys

_libraries: list[object] = []  # a torch.library.Library unregisters itself when collected


class _DefineTorchvisionSchemas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "torchvision._meta_registrations":
            return
        sys.meta_path.remove(self)
        import torch
        import torchvision.extension

        if not torchvision.extension._has_ops():
            lib = torch.library.Library("torchvision", "DEF")
            for op in ("nms", "qnms"):
                lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            _libraries.append(lib)
        return  # the normal finders load the module itself


sys.meta_path.insert(0, _DefineTorchvisionSchemas())
