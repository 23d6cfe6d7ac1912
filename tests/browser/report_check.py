#!/usr/bin/env python3
"""Open out/report.html in headless Chromium (DevTools protocol over a pipe: no network, no
extra package), click totals with the mouse, and check that the facts the page lists sum to
the total, and that the total is the one in totals.csv and province_summary.csv.

usage: report_check.py OUT_DIR [SCREENSHOT.png]   exit 0 when every check holds
"""
import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def hundredths(text):
    return int((Decimal(text or "0") * 100).to_integral_value())


class Browser:
    """Chromium driven through --remote-debugging-pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not exe:
            sys.exit("report_check: no chromium on PATH (.ci/run installs Debian's chromium)")
        self.profile = tempfile.mkdtemp(prefix="laborfacts-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            # dup2 onto itself keeps close-on-exec: clear it, whichever numbers the pipes got.
            for fd, target in ((to_chrome_r, 3), (from_chrome_w, 4)):
                if fd != target:
                    os.dup2(fd, target)
                os.set_inheritable(target, True)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", "--window-size=1280,1100", f"--user-data-dir={self.profile}",
             "about:blank"],
            # preexec_fn runs before close_fds would close 3 and 4 again: keep the fds open.
            close_fds=False, preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        os.set_inheritable(self.to_chrome, False)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_chrome, 1 << 16)
                if not chunk:
                    sys.exit(f"report_check: chromium closed the pipe during {method}")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    sys.exit(f"report_check: {method}: {reply['error']}")
                return reply["result"]

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})
        for _ in range(200):
            if self.eval("document.readyState === 'complete' && !!document.querySelector('#totals tbody')"):
                return
            time.sleep(0.05)
        sys.exit("report_check: the report did not render")

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            sys.exit(f"report_check: page error: {r['exceptionDetails']}")
        return r["result"].get("value")

    def click(self, selector):
        """A real mouse click at the element's centre, as a user would make it."""
        box = self.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def screenshot(self, path):
        self.eval("window.scrollTo(0, 0)")
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except SystemExit:
            pass
        self.proc.wait(timeout=20)
        shutil.rmtree(self.profile, ignore_errors=True)


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main():
    out = Path(sys.argv[1]).resolve()
    shot = sys.argv[2] if len(sys.argv) > 2 else None
    totals = {r["total_id"]: r for r in read_csv(out / "totals.csv")}
    summary = {(r["province"], r["period"]): r for r in read_csv(out / "province_summary.csv")}
    assert totals, "totals.csv is empty: nothing to check"
    browser = Browser()
    try:
        browser.open((out / "report.html").as_uri())
        shown = browser.eval("[...document.querySelectorAll('#totals tbody tr')].map(r => r.dataset.totalId)")
        assert sorted(shown) == sorted(totals), "the page lists the totals of totals.csv"
        # Click the totals with the most facts (the interesting ones) and a single-fact one.
        by_facts = sorted(totals.values(), key=lambda t: (-int(t["facts"]), t["total_id"]))
        picks = [t["total_id"] for t in by_facts[:3]] + [by_facts[-1]["total_id"]]
        for total_id in picks:
            browser.click(f'#totals tr[data-total-id="{total_id}"]')
            listed = browser.eval("""(() => { const p = document.querySelector('#facts-sum');
                return p && {id: p.dataset.totalId, sum: Number(p.dataset.hundredths),
                  values: [...document.querySelectorAll('#facts tbody tr')].map(r => r.dataset.value)}; })()""")
            assert listed and listed["id"] == total_id, f"clicking {total_id} lists its facts"
            t = totals[total_id]
            listed_sum = sum(hundredths(v) for v in listed["values"])
            assert len(listed["values"]) == int(t["facts"]), f"{total_id}: {len(listed['values'])} facts listed, totals.csv has {t['facts']}"
            assert listed_sum == listed["sum"] == hundredths(t["sum"]), f"{total_id}: listed facts sum {listed_sum}, page says {listed['sum']}, totals.csv {t['sum']}"
            wide = summary[(t["province"], t["period"])]
            column = f"{t['metric']}_{t['unit']}"
            if column in wide:
                assert hundredths(wide[column]) == listed_sum, f"{total_id}: province_summary.csv {column} = {wide[column]}"
            print(f"report_check: {total_id}: {len(listed['values'])} facts sum to {t['sum']} as in totals.csv")
        # A filter narrows the table to one metric.
        metric = by_facts[0]["metric"]
        browser.eval(f"""(() => {{ const s = document.querySelector('#filter-metric'); s.value = {json.dumps(metric)};
            s.dispatchEvent(new Event('change')); }})()""")
        metrics = browser.eval("[...document.querySelectorAll('#totals tbody tr td:nth-child(3)')].map(td => td.textContent)")
        assert metrics and set(metrics) == {metric}, "the metric filter keeps only that metric"
        browser.eval("""(() => { const s = document.querySelector('#filter-metric'); s.value = '';
            s.dispatchEvent(new Event('change')); })()""")
        if shot:
            browser.click(f'#totals tr[data-total-id="{picks[0]}"]')
            browser.screenshot(shot)
            print(f"report_check: screenshot {shot}")
    finally:
        browser.close()
    print("report_check: ok")


if __name__ == "__main__":
    main()
