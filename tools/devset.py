#!/usr/bin/env python3
"""Find or rebuild the development set's texts (© People's Daily, never committed).

  devset.py texts  [--dir devdata]   the 117 gold documents → <dir>/texts, <dir>/manifest.csv
  devset.py corpus [--dir devdata]   the 10,231 articles of the same months → <dir>/corpus

The texts are rebuilt from the public archive mirror (tests/devset/build.py). The mirror is
looked for in $LABORFACTS_MIRROR, then ../.mirror and /work/.mirror; fetch it with the search
tool's `fetch github:caspiankexin/people-daily-crawler-date`.
"""

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEVSET = os.path.join(ROOT, "tests", "devset")
ARCHIVE = "caspiankexin+people-daily-crawler-date"


def manifest():
    with open(os.path.join(DEVSET, "manifest.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mirror_root():
    candidates = [os.environ.get("LABORFACTS_MIRROR", ""), os.path.join(ROOT, "..", ".mirror"), "/work/.mirror"]
    for c in candidates:
        if c and os.path.isdir(os.path.join(c, ARCHIVE)):
            return c
    sys.exit(
        "devset: the archive mirror is not here. Fetch it with the search tool's "
        "`fetch github:caspiankexin/people-daily-crawler-date`, or set LABORFACTS_MIRROR to the "
        "folder holding " + ARCHIVE
    )


def texts_ok(folder, docs):
    for d in docs:
        path = os.path.join(folder, d["file"])
        if not os.path.isfile(path):
            return False
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != d["sha256"]:
                return False
    return True


def build(args, out):
    cmd = [sys.executable, os.path.join(DEVSET, "build.py"), "--mirror-root", mirror_root(), "--out", out] + args
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["texts", "corpus"])
    ap.add_argument("--dir", default=os.path.join(ROOT, "devdata"))
    a = ap.parse_args()
    if a.what == "corpus":
        out = os.path.join(a.dir, "corpus")
        if not (os.path.isdir(out) and len(os.listdir(out)) >= 10000):
            build(["--corpus"], out)
        print(out)
        return
    docs = manifest()
    out = os.path.join(a.dir, "texts")
    if not texts_ok(out, docs):
        build([], out)
    # The pipeline takes publication dates from a manifest CSV (README "Publication dates").
    with open(os.path.join(a.dir, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["path", "pub_date", "source", "page"])
        for d in docs:
            w.writerow([d["file"], d["pub_date"], d.get("newspaper", ""), d.get("page", "")])
    print(out)


if __name__ == "__main__":
    main()
