#!/usr/bin/env python3
"""Soak test: extract over a large corpus with faults injected, then account for every input.

The corpus is the real People's Daily corpus (devdata/corpus, see tests/devset/README.md) or,
without it, the seeds, copied until it reaches --mb. Faults, by position in the file list:
every 100th file gets a stray byte mid-text, every 150th is cut inside its last character
(both must come out repaired, never skipped), every 250th is unreadable and every 400th
empty (both must be skipped with their reason).

Prints documents in and out, skipped and repaired by reason, peak RSS and wall time, and
exits 1 unless every input appears exactly once: in events.csv, or in skipped.csv.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from collections import Counter


def sources(data: str) -> list:
    files = []
    for root, _, names in os.walk(data):
        for n in sorted(names):
            if n.endswith(".txt"):
                files.append(os.path.join(root, n))
    files.sort()
    if not files:
        sys.exit(f"soak: no .txt files under {data}")
    return files


def build(data: str, dst: str, mb: int) -> dict:
    """Write the corpus; returns {relative path: expected outcome}."""
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    texts = [(os.path.basename(p), open(p, "rb").read()) for p in sources(data)]
    expected, total, i, copy = {}, 0, 0, 0
    as_root = os.geteuid() == 0
    while total < mb * 1_000_000:
        sub = f"{copy:03d}"
        os.makedirs(os.path.join(dst, sub), exist_ok=True)
        for name, body in texts:
            rel = f"{sub}/{name}"
            path = os.path.join(dst, rel)
            i += 1
            outcome = "events"
            if i % 400 == 0:
                body, outcome = b"", "skipped:empty"
            elif i % 250 == 0:
                outcome = "skipped:unreadable"
            elif i % 150 == 0:
                body, outcome = cut_last_character(body), "repaired"
            elif i % 100 == 0:
                body, outcome = stray_byte(body), "repaired"
            if outcome == "skipped:unreadable" and as_root:
                # Root reads any mode; a dangling link is unreadable for everyone.
                os.symlink(os.path.join(dst, "missing", rel), path)
            else:
                with open(path, "wb") as f:
                    f.write(body)
                if outcome == "skipped:unreadable":
                    os.chmod(path, 0)
            expected[rel] = outcome
            total += len(body)
        copy += 1
    return expected, total


def stray_byte(body: bytes) -> bytes:
    at = len(body) // 2
    while at < len(body) and (body[at] & 0xC0) == 0x80:
        at += 1
    return body[:at] + b"\x80" + body[at:]


def cut_last_character(body: bytes) -> bytes:
    body = body.rstrip()
    return body[:-1] if body and body[-1] >= 0x80 else body + "工".encode()[:2]


def rows(path: str) -> list:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/laborfacts")
    ap.add_argument("--data", default="devdata/corpus" if os.path.isdir("devdata/corpus") else "data")
    ap.add_argument("--corpus", default="/tmp/laborfacts-soak")
    ap.add_argument("--out", default="/tmp/laborfacts-soak-out")
    ap.add_argument("--mb", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--xlsx", action="store_true", help="also write the XLSX workbook")
    a = ap.parse_args()

    t0 = time.perf_counter()
    expected, size = build(a.data, a.corpus, a.mb)
    print(f"corpus: {a.corpus}/ from {a.data}: {len(expected)} files, {size / 1e6:.0f} MB "
          f"({time.perf_counter() - t0:.0f} s to build)")
    shutil.rmtree(a.out, ignore_errors=True)
    cmd = ["/usr/bin/time", "-f", "%M %e", a.bin, "extract", a.corpus, "--out", a.out, "-j", str(a.threads), "--quiet"]
    if a.xlsx:
        cmd.append("--xlsx")
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    rss_kb, wall = proc.stderr.strip().splitlines()[-1].split()
    print(f"extract: exit {proc.returncode}, {float(wall):.1f} s wall, peak RSS {int(rss_kb) / 1024:.0f} MB")
    for line in proc.stderr.strip().splitlines()[:-1][:5]:
        print(f"  stderr: {line}")

    prefix = a.corpus.rstrip("/") + "/"
    in_events = {e["path"] for e in rows(os.path.join(a.out, "events.csv"))}
    skipped = {}
    for s in rows(os.path.join(a.out, "skipped.csv")):
        rel = s["path"][len(prefix):] if s["path"].startswith(prefix) else s["path"]
        skipped.setdefault(rel, []).append(s["reason"])
    repaired = {r["path"][len(prefix):] for r in rows(os.path.join(a.out, "repaired.csv"))}

    problems = []
    for rel, outcome in expected.items():
        got_events, got_skipped = rel in in_events, skipped.get(rel, [])
        if got_events and got_skipped:
            problems.append(f"{rel}: both in events and skipped ({got_skipped})")
        elif not got_events and not got_skipped:
            problems.append(f"{rel}: in neither events nor skipped")
        elif len(got_skipped) > 1:
            problems.append(f"{rel}: skipped {len(got_skipped)} times")
        elif outcome.startswith("skipped:") and got_skipped != [outcome.split(":")[1]]:
            problems.append(f"{rel}: expected {outcome}, got {got_skipped or 'events'}")
        elif outcome in ("events", "repaired") and not got_events:
            problems.append(f"{rel}: expected {outcome}, got skipped {got_skipped}")
        if outcome == "repaired" and rel not in repaired:
            problems.append(f"{rel}: fault injected but not reported as repaired")
    unknown = (in_events | set(skipped)) - set(expected)
    problems += [f"{rel}: in the output but not an input" for rel in sorted(unknown)]

    reasons = Counter(r for rs in skipped.values() for r in rs)
    print(f"documents in: {len(expected)}; with events: {len(in_events)}; skipped: {sum(reasons.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(reasons.items()))}); repaired: {len(repaired)}")
    print(f"expected: {', '.join(f'{k} {v}' for k, v in sorted(Counter(expected.values()).items()))}")
    if problems:
        print(f"{len(problems)} inputs not accounted for, e.g.:")
        for p in problems[:20]:
            print(f"  {p}")
        sys.exit(1)
    print("every input accounted for exactly once")
    if proc.returncode != 2:
        sys.exit(f"exit code {proc.returncode}, expected 2 (some inputs skipped or repaired)")


if __name__ == "__main__":
    main()
