"""torchvision's ResNet-50 inference on CPU, fp32 and bf16 autocast, served to bench/bf16_vs_torch.ts.

    /usr/bin/python3 bench/torch_infer.py --threads 2 [--weights resnet50.pth]
    /usr/bin/python3 bench/torch_infer.py --onednn-isa    # prints oneDNN's verbose "isa:" line, exits

A long-lived process that keeps its models warm: it reads one JSON request per line on stdin and
answers each with one JSON line on stdout, so that the caller can alternate PyTorch's passes with its
own. Requests:

    {"op": "info"}                                 -> {"torch", "torchvision", "threads", "modes"}
    {"op": "ping"}                                 -> {}: the caller times the round trip
    {"op": "prepare", "mode": M, "batch": B}       -> {"seconds"}: builds M for B, 3 untimed passes
    {"op": "run", "mode": M, "batch": B}           -> {"ms"}: one forward pass, timed in here
    {"op": "logits", "mode": M}                    -> {"logits": [...]}: batch 1, as float32
    {"op": "quit"}                                 -> exits

Modes (all eval, under torch.no_grad()):
    fp32-nchw   eager, contiguous NCHW
    fp32-cl     eager, channels_last
    fp32-jit    channels_last, torch.jit.trace + torch.jit.freeze
    bf16-eager  channels_last under torch.autocast('cpu', dtype=torch.bfloat16)
    bf16-jit    channels_last, traced and frozen under that autocast (check_trace=False and the JIT's
                own autocast pass off, as torch 1.13 needs to trace under autocast), run under it

The input of batch B is sin(i * 0.37) for i = 0 .. B*3*224*224-1 (computed in float64, stored as
float32), the same values as the TypeScript side. Weights: --weights (a state dict, loaded strictly;
the caller writes its own model's) or torchvision's random initialization.
"""
import argparse
import contextlib
import json
import os
import sys
import time

import torch
import torchvision

MODES = ["fp32-nchw", "fp32-cl", "fp32-jit", "bf16-eager", "bf16-jit"]


def make_input(batch: int) -> torch.Tensor:
    n = batch * 3 * 224 * 224
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.37).float().reshape(batch, 3, 224, 224)


class Server:
    def __init__(self, weights: str | None) -> None:
        model = torchvision.models.resnet50().eval()
        if weights is not None:
            model.load_state_dict(torch.load(weights, weights_only=True), strict=True)
        self.nchw = model
        # a copy, so that the NCHW model keeps its contiguous weights
        self.cl = torchvision.models.resnet50().eval()
        self.cl.load_state_dict(model.state_dict())
        self.cl = self.cl.to(memory_format=torch.channels_last)
        self.prepared: dict[tuple[str, int], tuple[object, torch.Tensor]] = {}

    @staticmethod
    def context(mode: str) -> contextlib.AbstractContextManager:
        if mode.startswith("bf16"):
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def prepare(self, mode: str, batch: int) -> float:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        start = time.perf_counter()
        x = make_input(batch)
        if mode != "fp32-nchw":
            x = x.to(memory_format=torch.channels_last)
        with torch.no_grad(), self.context(mode):
            if mode == "fp32-nchw":
                fn = self.nchw
            elif mode in ("fp32-cl", "bf16-eager"):
                fn = self.cl
            elif mode == "fp32-jit":
                fn = torch.jit.freeze(torch.jit.trace(self.cl, x))
            else:
                torch._C._jit_set_autocast_mode(False)
                fn = torch.jit.freeze(torch.jit.trace(self.cl, x, check_trace=False))
            # the profiling executor optimizes a traced graph after its first passes
            for _ in range(3):
                fn(x)
        self.prepared[(mode, batch)] = (fn, x)
        return time.perf_counter() - start

    def forward(self, mode: str, batch: int) -> torch.Tensor:
        if (mode, batch) not in self.prepared:
            self.prepare(mode, batch)
        fn, x = self.prepared[(mode, batch)]
        with torch.no_grad(), self.context(mode):
            return fn(x)

    def handle(self, request: dict) -> dict:
        op = request["op"]
        if op == "info":
            return {
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "threads": torch.get_num_threads(),
                "modes": MODES,
            }
        if op == "ping":
            return {}
        if op == "prepare":
            return {"seconds": self.prepare(request["mode"], request["batch"])}
        if op == "run":
            start = time.perf_counter()
            self.forward(request["mode"], request["batch"])
            return {"ms": (time.perf_counter() - start) * 1000}
        if op == "logits":
            y = self.forward(request["mode"], 1)
            return {"logits": y.float().reshape(-1).tolist()}
        raise ValueError(f"unknown op {op}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights")
    parser.add_argument("--onednn-isa", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.onednn_isa:
        # oneDNN reads its verbose switch at its first primitive and prints its info lines to stdout
        os.environ["ONEDNN_VERBOSE"] = "1"
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            torch.nn.Conv2d(8, 8, 3)(torch.ones(1, 8, 8, 8))
        return
    server = Server(args.weights)
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "quit":
            break
        try:
            reply = server.handle(request)
        except Exception as e:  # the caller reports it and stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
