#!/usr/bin/python3
"""PyTorch reference for the training benchmarks (bench/train_compare.ts, bench/fashion_mnist.ts).

Run with Debian's torch 1.13 (`/usr/bin/python3`, not a pyenv python). Three modes, each printing
one JSON line on stdout (progress on stderr):

  synthetic (default): torchvision resnet50(num_classes=--classes), SGD(momentum 0.9, lr 0.01,
      weight decay 1e-4), a fixed random batch (seed 0) of --batch x 3 x --size x --size and random
      labels; --warmup untimed and --steps timed training steps (forward + cross-entropy + backward +
      optimizer step); reports the median step time.
        /usr/bin/python3 bench/torch_train.py --batch 8 --size 224 --steps 5 --warmup 2 --threads 2

  --fashion-mnist DIR --epoch-steps K: the Fashion-MNIST recipe of ours (28x28 gray resized to
      --size, gray -> 3 channels, normalized with mean 0.286 / std 0.353, shuffled batches of
      --batch from the IDX files) for K timed steps of an epoch (after --warmup untimed ones); the
      seconds per epoch are the median step time x floor(60000 / batch) steps. The time of a step includes
      assembling its batch, as in our trainer.

  --fashion-mnist DIR --epochs E: full training from scratch as bench/fashion_mnist.ts does it
      (RandomResizedCrop(size, scale 0.08-1, ratio 3/4-4/3) + horizontal flip, SGD momentum 0.9
      nesterov off, lr --lr (default 0.1) with a one-cycle schedule over E epochs, weight decay 5e-4
      on weights only, label smoothing --label-smoothing), evaluating on the test split after every
      epoch; stops when top-1 >= --target (default 0.92). Reports per-epoch seconds and top-1 and the
      wall time to the target.

  --fashion-mnist DIR --eval-weights FILE.safetensors --arch A: loads a state dict written by our
      trainer (final.safetensors) strictly into torchvision's A and reports its top-1 on the test
      split with the same preprocessing: PyTorch's own figure for our trained weights.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

MEAN = 0.286
STD = 0.353
TRAIN_SAMPLES = 60000


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--lr", type=float, default=None, help="default 0.01 (timing), 0.1 (full run)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fashion-mnist", dest="fmnist", default=None, help="directory of the IDX .gz files")
    p.add_argument("--epoch-steps", type=int, default=None, help="timed steps of one epoch")
    p.add_argument("--epochs", type=int, default=None, help="full training run of at most E epochs")
    p.add_argument("--target", type=float, default=0.92)
    p.add_argument("--eval-weights", default=None, help="evaluate our safetensors state dict (with --fashion-mnist)")
    p.add_argument("--arch", default="resnet50", help="--eval-weights: torchvision architecture")
    p.add_argument(
        "--eval-resize",
        choices=["tensor", "pil"],
        default="tensor",
        help="--eval-weights: resize in float (F.interpolate, as training here) or with PIL (8-bit, as ours)",
    )
    p.add_argument("--max-epochs", type=int, default=None, help="full run: stop after K epochs of the --epochs schedule")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--steps-per-epoch", type=int, default=None, help="full run: at most N steps per epoch (checks)")
    p.add_argument("--eval-samples", type=int, default=None, help="full run: evaluate on the first N test images")
    p.add_argument("--augment", choices=["standard", "crop", "none"], default="standard", help="full run: training inputs")
    p.add_argument("--weight-decay", type=float, default=None, help="default 1e-4 (timing), 5e-4 (full)")
    return p.parse_args()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def idx_file(directory, split, kind):
    prefix = "train" if split == "train" else "t10k"
    suffix = "idx3-ubyte" if kind == "images" else "idx1-ubyte"
    for name in (f"{prefix}-{kind}-{suffix}", f"{prefix}-{kind}-{suffix}.gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{directory}: no {prefix}-{kind}-{suffix}[.gz]")


def load_split(directory, split):
    images = torch.from_numpy(read_idx(idx_file(directory, split, "images")).copy())
    labels = torch.from_numpy(read_idx(idx_file(directory, split, "labels")).astype(np.int64))
    return images, labels


def to_input(gray_u8, size):
    """(N, 28, 28) uint8 -> (N, 3, size, size) float32: resize (bilinear, antialiased), to 3 channels, normalize."""
    x = gray_u8.unsqueeze(1).float().div_(255.0)
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    x = (x - MEAN) / STD
    return x.expand(-1, 3, -1, -1).contiguous()


def pad_crop_flip(gray_u8, size, gen, padding=4):
    """RandomCrop(28, padding=4) (zero fill) + horizontal flip per sample (torchvision's parameters), then to_input."""
    n, h, w = gray_u8.shape
    padded = F.pad(gray_u8, (padding, padding, padding, padding))
    out = torch.empty_like(gray_u8)
    for i in range(n):
        top = int(torch.randint(0, 2 * padding + 1, (1,), generator=gen))
        left = int(torch.randint(0, 2 * padding + 1, (1,), generator=gen))
        patch = padded[i, top : top + h, left : left + w]
        if float(torch.rand(1, generator=gen)) < 0.5:
            patch = patch.flip(-1)
        out[i] = patch
    return to_input(out, size)


def augment(gray_u8, size, gen):
    """RandomResizedCrop(size) + horizontal flip per sample (torchvision's parameters), then to_input."""
    n = gray_u8.shape[0]
    out = torch.empty(n, 1, size, size)
    src = gray_u8.unsqueeze(1).float().div_(255.0)
    h = w = gray_u8.shape[-1]
    area = h * w
    log_ratio = (math.log(3 / 4), math.log(4 / 3))
    for i in range(n):
        box = (0, 0, h, w)
        for _ in range(10):
            target = area * float(torch.empty(1).uniform_(0.08, 1.0, generator=gen))
            ratio = math.exp(float(torch.empty(1).uniform_(*log_ratio, generator=gen)))
            cw = int(round(math.sqrt(target * ratio)))
            ch = int(round(math.sqrt(target / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                top = int(torch.randint(0, h - ch + 1, (1,), generator=gen))
                left = int(torch.randint(0, w - cw + 1, (1,), generator=gen))
                box = (top, left, ch, cw)
                break
        top, left, ch, cw = box
        patch = src[i : i + 1, :, top : top + ch, left : left + cw]
        patch = F.interpolate(patch, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        if float(torch.rand(1, generator=gen)) < 0.5:
            patch = patch.flip(-1)
        out[i] = patch[0]
    out = (out - MEAN) / STD
    return out.expand(-1, 3, -1, -1).contiguous()


def build(args, lr, weight_decay, split_decay=False):
    torch.manual_seed(args.seed)
    model = torchvision.models.resnet50(num_classes=args.classes)
    if split_decay:
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    else:
        groups = [{"params": list(model.parameters()), "weight_decay": weight_decay}]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9)
    return model, opt


def step(model, opt, x, y, smoothing=0.0):
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y, label_smoothing=smoothing)
    loss.backward()
    opt.step()
    return float(loss)


def base_info(args):
    return {
        "runtime": "pytorch",
        "version": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "size": args.size,
    }


def synthetic(args):
    model, opt = build(args, args.lr or 0.01, args.weight_decay if args.weight_decay is not None else 1e-4)
    model.train()
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=gen)
    y = torch.randint(0, args.classes, (args.batch,), generator=gen)
    for i in range(args.warmup):
        step(model, opt, x, y)
        log(f"pytorch warm-up {i + 1}/{args.warmup}")
    times = []
    for i in range(args.steps):
        t0 = time.perf_counter()
        step(model, opt, x, y)
        times.append((time.perf_counter() - t0) * 1000)
        log(f"pytorch step {i + 1}/{args.steps}: {times[-1]:.0f} ms")
    med = statistics.median(times)
    return {
        **base_info(args),
        "mode": "synthetic",
        "steps": args.steps,
        "warmup": args.warmup,
        "medianStepMs": med,
        "imgPerSec": args.batch * 1000 / med,
        "stepsMs": times,
    }


def epoch_timing(args):
    images, labels = load_split(args.fmnist, "train")
    model, opt = build(args, args.lr or 0.01, args.weight_decay if args.weight_decay is not None else 1e-4)
    model.train()
    gen = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(images.shape[0], generator=gen)
    steps_per_epoch = images.shape[0] // args.batch
    times = []
    total = args.warmup + args.epoch_steps
    for i in range(total):
        t0 = time.perf_counter()
        idx = order[i * args.batch : (i + 1) * args.batch]
        x = to_input(images[idx], args.size)
        step(model, opt, x, labels[idx])
        ms = (time.perf_counter() - t0) * 1000
        if i >= args.warmup:
            times.append(ms)
        log(f"pytorch fashion-mnist step {i + 1}/{total}: {ms:.0f} ms{' (warm-up)' if i < args.warmup else ''}")
    med = statistics.median(times)
    mean = statistics.fmean(times)
    return {
        **base_info(args),
        "mode": "fashion-mnist-epoch-estimate",
        "epochSteps": args.epoch_steps,
        "warmup": args.warmup,
        "stepsPerEpoch": steps_per_epoch,
        "medianStepMs": med,
        "meanStepMs": mean,
        "imgPerSec": args.batch * 1000 / med,
        "epochSecondsEstimate": med * steps_per_epoch / 1000,
        "stepsMs": times,
    }


def to_input_pil(gray_u8, size):
    """to_input with torchvision's PIL path: transforms.Resize on each 28×28 PIL image (bilinear, 8-bit result)."""
    from PIL import Image

    if gray_u8.shape[-1] == size:
        return to_input(gray_u8, size)
    resized = [
        np.asarray(Image.fromarray(img.numpy(), mode="L").resize((size, size), Image.BILINEAR)) for img in gray_u8
    ]
    return to_input(torch.from_numpy(np.stack(resized)), size)


@torch.no_grad()
def evaluate(model, images, labels, size, batch=256, resize="tensor"):
    model.eval()
    correct = 0
    prepare = to_input_pil if resize == "pil" else to_input
    for i in range(0, images.shape[0], batch):
        logits = model(prepare(images[i : i + batch], size))
        correct += int((logits.argmax(1) == labels[i : i + batch]).sum())
    return correct / images.shape[0]


def full_run(args):
    train_x, train_y = load_split(args.fmnist, "train")
    test_x, test_y = load_split(args.fmnist, "test")
    if args.eval_samples is not None:
        test_x, test_y = test_x[: args.eval_samples], test_y[: args.eval_samples]
    lr = args.lr or 0.1
    model, opt = build(args, lr, args.weight_decay if args.weight_decay is not None else 5e-4, split_decay=True)
    steps_per_epoch = min(train_x.shape[0] // args.batch, args.steps_per_epoch or 10**9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps_per_epoch * args.epochs)
    gen = torch.Generator().manual_seed(args.seed)
    epochs = []
    start = time.perf_counter()
    reached = None
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(train_x.shape[0], generator=gen)
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * args.batch : (i + 1) * args.batch]
            if args.augment == "standard":
                x = augment(train_x[idx], args.size, gen)
            elif args.augment == "crop":
                x = pad_crop_flip(train_x[idx], args.size, gen)
            else:
                x = to_input(train_x[idx], args.size)
            loss_sum += step(model, opt, x, train_y[idx], args.label_smoothing)
            sched.step()
            if (i + 1) % 100 == 0:
                log(f"pytorch epoch {epoch + 1} step {i + 1}/{steps_per_epoch} loss {loss_sum / (i + 1):.4f}")
        train_s = time.perf_counter() - t0
        top1 = evaluate(model, test_x, test_y, args.size)
        epoch_s = time.perf_counter() - t0
        elapsed = time.perf_counter() - start
        epochs.append(
            {
                "epoch": epoch + 1,
                "trainSeconds": train_s,
                "seconds": epoch_s,
                "elapsedSeconds": elapsed,
                "trainLoss": loss_sum / steps_per_epoch,
                "top1": top1,
            }
        )
        log(f"pytorch epoch {epoch + 1}: top-1 {top1 * 100:.2f} %, {epoch_s:.0f} s")
        if top1 >= args.target:
            reached = elapsed
            break
        if args.max_epochs is not None and epoch + 1 >= args.max_epochs:
            break
    return {
        **base_info(args),
        "mode": "fashion-mnist-full",
        "lr": lr,
        "schedule": "onecycle",
        "labelSmoothing": args.label_smoothing,
        "target": args.target,
        "epochsRun": len(epochs),
        "secondsToTarget": reached,
        "meanTrainSecondsPerEpoch": statistics.fmean(e["trainSeconds"] for e in epochs),
        "epochs": epochs,
    }


def eval_weights(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
    from check_safetensors_load import read_safetensors

    # a training checkpoint holds the state dict plus the optimizer's tensors (optimizer.*)
    state = {k: v for k, v in read_safetensors(args.eval_weights).items() if not k.startswith("optimizer.")}
    model = getattr(torchvision.models, args.arch)(num_classes=state["fc.weight"].shape[0])
    model.load_state_dict(state, strict=True)
    test_x, test_y = load_split(args.fmnist, "test")
    if args.eval_samples is not None:
        test_x, test_y = test_x[: args.eval_samples], test_y[: args.eval_samples]
    t0 = time.perf_counter()
    top1 = evaluate(model, test_x, test_y, args.size, resize=args.eval_resize)
    return {
        **base_info(args),
        "mode": "fashion-mnist-eval",
        "weights": args.eval_weights,
        "arch": args.arch,
        "resize": args.eval_resize,
        "testImages": int(test_x.shape[0]),
        "top1": top1,
        "seconds": time.perf_counter() - t0,
    }


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    if args.fmnist is None:
        result = synthetic(args)
    elif args.eval_weights is not None:
        result = eval_weights(args)
    elif args.epochs is not None:
        result = full_run(args)
    elif args.epoch_steps is not None:
        result = epoch_timing(args)
    else:
        raise SystemExit("--fashion-mnist needs --epoch-steps K (timing) or --epochs E (full run)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
