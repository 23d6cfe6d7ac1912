#!/usr/bin/env python3
"""Benchmark: extract over the real-article corpus (when present) and over a corpus of >= N MB
built from data/ with variation, at each thread count: MB/s, CPU utilisation, peak RSS, the
per-stage split (--timings), and the ratio to one ripgrep pass over the same bytes.

Variation makes duplicate detection real work: every copy changes some numbers and characters
(OCR-like noise), every third copy also shuffles sentences inside paragraphs (new text that is
not a duplicate), and every seventh copy is written in GB18030.
"""
import argparse
import os
import random
import re
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


def timed(cmd):
    """Run cmd; return (wall s, cpu s, peak RSS KB, stderr) of that child alone (wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, err, code


def stages(err: str) -> str:
    """The --timings table's stage shares, on one line."""
    parts = []
    for line in err.splitlines():
        cols = line.split()
        if len(cols) >= 3 and cols[-1].endswith("%") and not line.startswith("stage"):
            parts.append(f"{' '.join(cols[:-2])} {cols[-1]}")
    return ", ".join(parts)


# One linear pass a good automaton makes over the same bytes: every run of digits or Chinese
# numerals, the candidates extract starts from.
RG_PATTERN = "[0-9０-９〇零一二三四五六七八九十百千万亿两]+"


def ripgrep(corpus: str):
    rg = shutil.which("rg")
    if not rg:
        return None
    timed([rg, "-c", RG_PATTERN, corpus])  # warm the page cache
    return min(timed([rg, "-c", "--no-messages", RG_PATTERN, corpus])[0] for _ in range(3))


def run(binary: str, corpus: str, threads: int, size: int, extra, rg_secs):
    out = f"bench-out-{threads}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [binary, "extract", corpus, "--out", out, "-j", str(threads), "--quiet", "--timings", *extra]
    wall, cpu, rss_kb, err, code = timed(cmd)
    if code not in (0, 2):
        sys.exit(f"extract failed ({code}): {err}")
    facts = sum(1 for _ in open(os.path.join(out, "facts.csv"), encoding="utf-8-sig")) - 1
    ratio = f"  {wall / rg_secs:.0f}x ripgrep" if rg_secs else ""
    print(f"  -j {threads}: {size / 1e6:.0f} MB in {wall:.2f} s = {size / 1e6 / wall:.1f} MB/s, CPU {100 * cpu / wall:.0f}%, "
          f"peak RSS {rss_kb / 1024:.0f} MB, {facts} facts{ratio}")
    print(f"        stages: {stages(err)}")
    shutil.rmtree(out, ignore_errors=True)


def corpus_size(corpus: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(corpus) for f in fs if f.endswith(".txt"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/laborfacts")
    ap.add_argument("--data", default="data")
    ap.add_argument("--corpus", default="bench-corpus")
    ap.add_argument("--real", default="devdata/corpus", help="the real-article corpus (tools/devset.py corpus)")
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--extract-args", default="", help="extra extract arguments, e.g. '--rules DIR'")
    a = ap.parse_args()
    extra = a.extract_args.split()
    corpora = []
    if os.path.isdir(a.real):
        corpora.append(("real articles", a.real, corpus_size(a.real)))
    else:
        print(f"real corpus: {a.real} not found; `python3 tools/devset.py corpus` writes it from the archive "
              "mirror (README, 'Quality and speed')")
    t0 = time.perf_counter()
    size = build(a.data, a.corpus, a.mb)
    corpora.append((f"seed-replicated ({time.perf_counter() - t0:.0f} s to build or reuse)", a.corpus, size))
    if not shutil.which("rg"):
        print("ripgrep: not installed (apt-get install ripgrep); no ratio")
    for name, corpus, size in corpora:
        rg_secs = ripgrep(corpus)
        rg = f"; one ripgrep pass {rg_secs:.2f} s = {size / 1e6 / rg_secs:.0f} MB/s" if rg_secs else ""
        print(f"{name}: {corpus}/ {size / 1e6:.0f} MB{rg}")
        for t in a.threads:
            run(a.bin, corpus, t, size, extra, rg_secs)


if __name__ == "__main__":
    main()
