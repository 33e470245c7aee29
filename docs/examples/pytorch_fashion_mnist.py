#!/usr/bin/env python3
"""Trains an MLP or a CNN on Fashion-MNIST with PyTorch and prints the lines `ampwatch follow` reads.

A complete trainer to measure, or to copy from: run it under follow, on a GPU or a CPU,

    ./ampwatch follow --bootstrap-servers KAFKA:9092 --devices gpu0 --experiment-id fp32-vs-amp -- \\
        python3 docs/examples/pytorch_fashion_mnist.py --precision amp-bf16 --epochs 5

and the analyzer gives the run and each epoch its energy. --conv c32k3s1,c64k3s2,c128k3s2 puts convolutions in front of
the hidden layers (as ampwatch's own --conv: kernel/2 zero padding, ReLU; --hidden 256 with it is ampwatch's cnn
preset), a model large enough to keep a GPU busy. Precisions: fp32 (TF32 off), tf32, amp-fp16 (autocast
with dynamic loss scaling, as GradScaler does it), amp-bf16 (autocast); on a CPU fp32 and amp-bf16. The data are
the four idx files of Fashion-MNIST, gzipped or not (Debian's dataset-fashion-mnist puts them in
/usr/share/datasets/fashion-mnist; --data or FASHION_MNIST elsewhere). Runs on PyTorch 1.13 (Debian's) and 2.x.
The build runs it under follow against a real broker and analyzer (PyTorchExampleIT); docs/trainer.md explains
each line it prints.
"""
import argparse
import contextlib
import gzip
import json
import os
import platform
import re
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

PRECISIONS = ("fp32", "tf32", "amp-fp16", "amp-bf16")


def ampwatch(event, **fields):
    """One line for `ampwatch follow`; flushed, so that it is read now and not when the buffer fills."""
    print(json.dumps({"ampwatch": event, "event_time": time.time(), **fields}), flush=True)


def read_idx(directory, stem):
    """An idx file of the dataset as a uint8 array (train-images-idx3-ubyte[.gz], or the train-images.idx3-ubyte
    spelling of some mirrors)."""
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]
    for name in names:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                magic = struct.unpack(">I", f.read(4))[0]
                dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
                return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)
    sys.exit(f"{directory}: no {stem} (nor {', '.join(names[1:])}); install dataset-fashion-mnist or pass --data DIR")


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--precision", choices=PRECISIONS, default="fp32")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", default="256,128", help="hidden layer widths, comma-separated")
    p.add_argument("--conv", default="", help="convolutions in front, e.g. c32k3s1,c64k3s2 (c<channels>k<kernel>s<stride>)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--optimizer", choices=("sgd-momentum", "adam"), default="sgd-momentum")
    p.add_argument("--train-samples", type=int, default=0, help="the first N training images (0: all 60,000)")
    p.add_argument("--test-samples", type=int, default=0, help="the first N test images (0: all 10,000)")
    p.add_argument("--data", default=os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    p.add_argument("--device", default="auto", help="auto (a GPU if there is one), cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    a.hidden = [int(h) for h in a.hidden.split(",") if h]
    try:
        a.conv = [tuple(int(v) for v in re.fullmatch(r"c(\d+)k(\d+)(?:s(\d+))?", c.strip()).groups(default="1"))
                  for c in a.conv.split(",") if c.strip() and c.strip() != "none"]
    except AttributeError:
        p.error(f"--conv {a.conv}: expected c<channels>k<kernel>s<stride> layers, e.g. c32k3s1,c64k3s2")
    a.device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else
                            "cpu" if a.device == "auto" else a.device)
    if a.device.type == "cpu" and a.precision in ("tf32", "amp-fp16"):
        p.error(f"--precision {a.precision} needs a CUDA GPU (on a CPU: fp32 or amp-bf16)")
    if a.device.type == "cuda" and not torch.cuda.is_available():
        p.error(f"--device {a.device}: PyTorch sees no CUDA GPU (torch {torch.__version__})")
    if min([a.epochs, a.batch_size, a.lr] + a.hidden + [v for c in a.conv for v in c]) <= 0 or min(a.train_samples, a.test_samples, a.threads) < 0:
        p.error("--epochs, --batch-size, --lr and --hidden must be > 0; --train-samples, --test-samples, --threads >= 0")
    return a


def loss_scaler(enabled):
    """Dynamic loss scaling for amp-fp16 (torch.amp.GradScaler from PyTorch 2.3, torch.cuda.amp before)."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def main():
    a = arguments()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images, labels = read_idx(a.data, "train-images-idx3-ubyte"), read_idx(a.data, "train-labels-idx1-ubyte")
    test_images, test_labels = read_idx(a.data, "t10k-images-idx3-ubyte"), read_idx(a.data, "t10k-labels-idx1-ubyte")
    if a.train_samples:
        images, labels = images[:a.train_samples], labels[:a.train_samples]
    if a.test_samples:
        test_images, test_labels = test_images[:a.test_samples], test_labels[:a.test_samples]

    def tensors(x, y):  # the whole set on the device once: no loader between the steps and the power meter
        return (torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 255.0).to(a.device),
                torch.from_numpy(y.astype(np.int64)).to(a.device))

    x_train, y_train = tensors(images, labels)
    x_test, y_test = tensors(test_images, test_labels)

    layers, macs, side, channels = [], 0, 28, 1
    if a.conv:  # images NCHW; a convolution with kernel/2 zero padding and its ReLU, then flattened
        layers.append(nn.Unflatten(1, (1, 28, 28)))
        for out_channels, kernel, stride in a.conv:
            layers += [nn.Conv2d(channels, out_channels, kernel, stride=stride, padding=kernel // 2), nn.ReLU()]
            side = (side + 2 * (kernel // 2) - kernel) // stride + 1
            macs += side * side * out_channels * kernel * kernel * channels
            channels = out_channels
        layers.append(nn.Flatten())
    widths = [side * side * channels] + a.hidden + [10]
    for i in range(len(widths) - 1):
        layers += [nn.Linear(widths[i], widths[i + 1])] + ([nn.ReLU()] if i < len(widths) - 2 else [])
        macs += widths[i] * widths[i + 1]
    model = nn.Sequential(*layers).to(a.device)
    optimizer = (torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9) if a.optimizer == "sgd-momentum"
                 else torch.optim.Adam(model.parameters(), lr=a.lr))
    loss_fn = nn.CrossEntropyLoss()

    cuda = a.device.type == "cuda"
    if cuda:  # "fp32" means TF32 off: PyTorch's defaults differ by version
        torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
    amp_dtype = {"amp-fp16": torch.float16, "amp-bf16": torch.bfloat16}.get(a.precision)
    scaler = loss_scaler(a.precision == "amp-fp16")

    def autocast():
        return torch.autocast(a.device.type, dtype=amp_dtype) if amp_dtype else contextlib.nullcontext()

    def synchronize():  # stamp an epoch's boundary only when the device has done its work
        if cuda:
            torch.cuda.synchronize(a.device)

    def accuracy():
        model.eval()
        correct = torch.zeros((), dtype=torch.int64, device=a.device)
        with torch.no_grad(), autocast():
            for i in range(0, len(x_test), 1024):
                correct += (model(x_test[i:i + 1024]).argmax(1) == y_test[i:i + 1024]).sum()
        return correct.item() / len(x_test)

    ampwatch("run_started", config={
        "precision": a.precision, "batch_size": a.batch_size, "hidden_units": a.hidden, "epochs": a.epochs,
        "conv_layers": [f"c{c}k{k}s{s}" for c, k, s in a.conv],
        "learning_rate": a.lr, "optimizer": a.optimizer, "dataset": "fashion-mnist", "train_samples": len(x_train),
        "parameter_count": sum(p.numel() for p in model.parameters()), "flops_per_sample": 6 * macs,
        "device_name": device_name(a.device), "backend": "pytorch", "seed": a.seed})
    generator = torch.Generator(device="cpu").manual_seed(a.seed)
    try:
        for epoch in range(1, a.epochs + 1):
            synchronize()
            ampwatch("epoch_started", epoch=epoch)
            start = time.time()
            model.train()
            loss_sum = torch.zeros((), device=a.device)  # summed on the device: no synchronization per step
            skipped = 0
            order = torch.randperm(len(x_train), generator=generator).to(a.device)
            for i in range(0, len(x_train), a.batch_size):
                batch = order[i:i + a.batch_size]
                x, y = x_train[batch], y_train[batch]
                optimizer.zero_grad(set_to_none=True)
                with autocast():
                    loss = loss_fn(model(x), y)
                scale = scaler.get_scale() if scaler.is_enabled() else None  # one synchronization a step
                scaler.scale(loss).backward()
                scaler.step(optimizer)  # skipped when a gradient overflowed
                scaler.update()
                if scale is not None and scaler.get_scale() < scale:
                    skipped += 1
                loss_sum += loss.detach().float() * len(y)
            test_accuracy = accuracy()  # part of the epoch: its energy is the epoch's
            synchronize()
            seconds = time.time() - start
            loss = loss_sum.item() / len(x_train)
            print(f"epoch {epoch}/{a.epochs}: loss {loss:.4f}, test accuracy {test_accuracy:.4f}, "
                  f"{len(x_train) / seconds:,.0f} samples/s", flush=True)
            ampwatch("epoch_completed", epoch=epoch, metrics={
                "loss": loss, "test_accuracy": test_accuracy, "samples": len(x_train),
                "samples_per_second": len(x_train) / seconds, "duration_ms": round(seconds * 1000),
                "skipped_steps": skipped})
        ampwatch("run_completed")
    except BaseException as e:  # an exception, or Ctrl-C: the run ends as failed, with the reason
        ampwatch("run_failed", failure_reason=f"{type(e).__name__}: {e}")
        raise


if __name__ == "__main__":
    main()
