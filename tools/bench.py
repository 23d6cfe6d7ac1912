#!/usr/bin/env python3
"""Benchmark: build a corpus of >= N MB from data/ with variation, run extract, report MB/s and peak RSS.

Variation makes duplicate detection real work: every copy changes some numbers and characters
(OCR-like noise), every third copy also shuffles sentences inside paragraphs (new text that is
not a duplicate), and every seventh copy is written in GB18030.
"""
import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time

SENTENCE = re.compile(r"(?<=[。！？])")
DIGITS = re.compile(r"\d+")
NOISE = "的了和在是工会职工企业服务"


def vary(text: str, rng: random.Random, shuffle: bool) -> str:
    text = DIGITS.sub(lambda m: str(rng.randint(1, 9999)) if rng.random() < 0.3 else m.group(0), text)
    chars = list(text)
    for _ in range(max(1, len(chars) // 400)):
        i = rng.randrange(len(chars))
        if chars[i] not in "\n#*":
            chars[i] = rng.choice(NOISE)
    text = "".join(chars)
    if shuffle:
        paras = []
        for p in text.split("\n"):
            s = [x for x in SENTENCE.split(p) if x]
            rng.shuffle(s)
            paras.append("".join(s))
        text = "\n".join(paras)
    return text


def build(src: str, dst: str, mb: int) -> int:
    marker = os.path.join(dst, f".size-{mb}")
    if os.path.exists(marker):
        return int(open(marker).read())
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    seeds = [(f, open(os.path.join(src, f), encoding="utf-8").read()) for f in sorted(os.listdir(src)) if f.endswith(".txt")]
    rng = random.Random(42)
    total, copy = 0, 0
    while total < mb * 1_000_000:
        sub = os.path.join(dst, f"{copy // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        for name, text in seeds:
            out = vary(text, rng, shuffle=copy % 3 == 2)
            data = out.encode("gb18030") if copy % 7 == 6 else out.encode("utf-8")
            path = os.path.join(sub, f"{copy:06d}_{name}")
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
        copy += 1
    open(marker, "w").write(str(total))
    return total


def run(binary: str, corpus: str, threads: int, size: int):
    out = f"bench-out-{threads}"
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "extract", corpus, "--out", out, "-j", str(threads), "--quiet"],
                          stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode not in (0, 2):
        sys.exit(f"extract failed ({proc.returncode}): {proc.stderr}")
    try:
        rss_kb = int(proc.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss or before
    facts = sum(1 for _ in open(os.path.join(out, "facts.csv"), encoding="utf-8-sig")) - 1
    print(f"threads={threads}  {size / 1e6:.0f} MB in {secs:.1f} s  = {size / 1e6 / secs:.1f} MB/s  "
          f"peak RSS {rss_kb / 1024:.0f} MB  facts {facts}")
    shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/laborfacts")
    ap.add_argument("--data", default="data")
    ap.add_argument("--corpus", default="bench-corpus")
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    t0 = time.perf_counter()
    size = build(a.data, a.corpus, a.mb)
    print(f"corpus: {a.corpus}/ {size / 1e6:.0f} MB ({time.perf_counter() - t0:.0f} s to build or reuse)")
    for t in a.threads:
        run(a.bin, a.corpus, t, size)


if __name__ == "__main__":
    main()
