"""The degradation experiment's recipe in PyTorch, for one depth: our engine's numbers side by side.

    /usr/bin/python3 bench/degradation_torch.py [--depth 20] [--shortcut zero-pad|none] \
        [--epochs 6] [--train-samples 10000] [--eval-samples 2000] \
        [--data ../shared/datasets/fashion-mnist] [--out docs/degradation/pytorch-resnet20.json]

The network is the PyTorch definition the CIFAR goldens are written with (test/fixtures/gen_cifar.py,
torchvision's module names, option A zero-pad shortcuts), with torchvision's ResNet initialization
(as our trainer's).
The recipe is `bench/degradation.ts`'s: SGD momentum 0.9, weight decay 1e-4 on conv and linear
weights only (not on BatchNorm or biases, as our trainer), batch 128 with the last partial batch
dropped, lr 0.1 ×0.1 at 50 % and 75 % of the steps (per step), 4-pixel zero padding + random 28×28
crop + horizontal flip, a bilinear resize to 32×32 (PIL), the gray channel replicated to 3,
normalized with Fashion-MNIST's mean 0.286 and std 0.353. The first N training / test images.
Training error: running top-1 error over the epoch's augmented batches; test error after each epoch.
Seconds: the epoch's training (data loading included, one process, 2 threads) and its test pass.

Writes OUT (JSON): the setup, the machine, and per epoch {epoch, trainError, testError, lr,
trainSeconds, testSeconds}. Data order and initialization are PyTorch's own (seeded), not ours.
"""
import argparse
import gzip
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "test", "fixtures"))
from gen_cifar import CifarResNet  # noqa: E402  (the goldens' definition, one copy)

MEAN, STD = 0.286, 0.353


def read_idx(path: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class FashionMnist(torch.utils.data.Dataset):
    def __init__(self, root: str, split: str, count: int, transform):
        prefix = "train" if split == "train" else "t10k"
        self.images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))[:count]
        self.labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))[:count]
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        img = Image.fromarray(self.images[i], mode="L").convert("RGB")
        return self.transform(img), int(self.labels[i])


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--shortcut", default="zero-pad", choices=["zero-pad", "projection", "none"])
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--train-samples", type=int, default=10000)
    ap.add_argument("--eval-samples", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "datasets", "fashion-mnist"))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if (a.depth - 2) % 6 != 0:
        sys.exit(f"--depth {a.depth}: expected 6n + 2 (20, 32, 44, 56, 110)")
    name = f"{'plain' if a.shortcut == 'none' else 'resnet'}{a.depth}"
    out = a.out or os.path.join(REPO, "docs", "degradation", f"pytorch-{name}.json")

    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    norm = [transforms.ToTensor(), transforms.Normalize([MEAN] * 3, [STD] * 3)]
    resize = transforms.Resize((32, 32), interpolation=transforms.InterpolationMode.BILINEAR)
    train_t = transforms.Compose(
        [transforms.RandomCrop(28, padding=4), transforms.RandomHorizontalFlip(), resize, *norm]
    )
    test_t = transforms.Compose([resize, *norm])
    train_set = FashionMnist(a.data, "train", a.train_samples, train_t)
    test_set = FashionMnist(a.data, "test", a.eval_samples, test_t)
    gen = torch.Generator().manual_seed(a.seed)
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=a.batch, shuffle=True, drop_last=True, generator=gen, num_workers=0
    )
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=256, num_workers=0)

    model = CifarResNet((a.depth - 2) // 6, a.shortcut)
    # torchvision's ResNet initialization, as our trainer's: convs Kaiming-normal (fan_out, ReLU),
    # BatchNorm weight 1 and bias 0, the fc left at PyTorch's default.
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr,
        momentum=0.9,
    )
    steps = a.epochs * len(train_loader)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [steps // 2, (3 * steps) // 4], 0.1)

    epochs = []
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        wrong = seen = 0
        for x, y in train_loader:
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            F.cross_entropy(logits, y).backward()
            opt.step()
            sched.step()
            wrong += int((logits.argmax(1) != y).sum())
            seen += len(y)
        train_seconds = time.perf_counter() - start
        model.eval()
        start = time.perf_counter()
        test_wrong = 0
        with torch.no_grad():
            for x, y in test_loader:
                test_wrong += int((model(x).argmax(1) != y).sum())
        test_seconds = time.perf_counter() - start
        row = {
            "epoch": epoch,
            "trainError": wrong / seen,
            "testError": test_wrong / len(test_set),
            "lr": opt.param_groups[0]["lr"],
            "trainSeconds": train_seconds,
            "testSeconds": test_seconds,
        }
        epochs.append(row)
        print(
            f"{name} epoch {epoch}/{a.epochs}: train error {100 * row['trainError']:.2f} %, "
            f"test error {100 * row['testError']:.2f} %, {train_seconds:.0f} s + {test_seconds:.0f} s",
            file=sys.stderr,
        )
    result = {
        "net": name,
        "torch": torch.__version__,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "loadAverage": list(os.getloadavg()),
        "setup": {
            "trainSamples": len(train_set),
            "evalSamples": len(test_set),
            "epochs": a.epochs,
            "batch": a.batch,
            "lr": a.lr,
            "seed": a.seed,
        },
        "epochs": epochs,
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
