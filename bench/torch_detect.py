"""torchvision's Faster R-CNN R50-FPN (v1 or v2) on CPU, timed on one 800×1333 image; for bench/detect_compare.ts.

    /usr/bin/python3 bench/torch_detect.py --model v1 --runs 3 --warmup 1 --threads 2

The image is the shared chelsea.png (to_tensor, [0, 1]) resized to 800×1333 with
F.interpolate(bilinear, align_corners=False), which the model's transform then leaves at 800×1333
(scale exactly 1) and pads to 800×1344. Weights: test/fixtures/rule_weights.py, as our side uses.
Prints one JSON line: {"model", "threads", "times_ms": [...], "median_ms", "detections"}.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.functional import to_tensor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures"))
from gen_detection import build_v1, build_v2  # noqa: E402
from rule_weights import rule_state_dict  # noqa: E402

SHARED = os.path.join(HERE, "..", "..", "shared", "images")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["v1", "v2"], default="v1")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = (build_v1 if args.model == "v1" else build_v2)().eval()
    model.load_state_dict(rule_state_dict(model))
    image = to_tensor(Image.open(os.path.join(SHARED, "chelsea.png")).convert("RGB"))
    image = F.interpolate(image[None], size=[800, 1333], mode="bilinear", align_corners=False)[0]
    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            start = time.perf_counter()
            out = model([image])
            if i >= args.warmup:
                times.append((time.perf_counter() - start) * 1000)
    print(
        json.dumps(
            {
                "model": args.model,
                "threads": args.threads,
                "times_ms": times,
                "median_ms": statistics.median(times),
                "detections": int(out[0]["boxes"].shape[0]),
            }
        )
    )


if __name__ == "__main__":
    main()
