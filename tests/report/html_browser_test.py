#!/usr/bin/env python3
"""report.html as a browser renders it.

Runs the Phase 1-3 suite against a small project with a failing check whose
evidence holds markup, a check that cannot decide and a waived one, then
loads the report.html it wrote from disk in headless Chromium at 1280 px and
at a phone's 390 px (emulated over the DevTools protocol: the headless window
itself is never narrower than 500 px). From the DOM Chromium rendered it
checks that every check of results.json is there with its verdict class, that
the evidence of each failing check is folded under it and that the
evidence's markup stayed text; from the layout, that nothing is wider than
the viewport (document.documentElement.scrollWidth). The page runs no script
of its own: the measures are taken by the protocol. The page and its
screenshots stay in ARTEFACT_DIR.

usage: html_browser_test.py VERIFY_PHASE1_3 ARTEFACT_DIR
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

VIEWPORTS = [(1280, 900), (390, 844)]
CSP = "default-src 'none'; style-src 'unsafe-inline'"
HOSTILE = "<b onmouseover=alert(1)>&\"'.py"

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


class Dom(HTMLParser):
    """The elements of a page with their classes, and the text under each
    check, its name and its evidence."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.checks = []  # {"classes", "name", "evidence", "details"}
        self.tags = {}
        self.phase_rows = []
        self.bars = []

    def inside(self, tag, cls=None):
        return any(t == tag and (cls is None or cls in a.get("class", "").split())
                   for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        classes = a.get("class", "").split()
        if tag == "li" and "check" in classes:
            self.checks.append({"classes": classes, "name": "", "evidence": "", "details": 0})
        if tag == "details" and self.inside("li", "check"):
            self.checks[-1]["details"] += 1
        if tag == "tr" and self.inside("table", "phases") and self.inside("tbody"):
            self.phase_rows.append(classes)
        if tag == "g" and "phase-bar" in classes:
            self.bars.append(classes)
        if tag not in ("meta", "link", "br", "hr", "img", "input"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if all(t != tag for t, _ in self.stack):
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.inside("li", "check"):
            return
        if self.inside("span", "name"):
            self.checks[-1]["name"] += data
        if self.inside("pre"):
            self.checks[-1]["evidence"] += data


def write_project(root):
    (root / "project/core").mkdir(parents=True)
    (root / "project/tests").mkdir()
    (root / "project/core/__init__.py").write_text("")
    (root / "project/core/scoring.py").write_text("def score(x):\n    return 2 * x\n")
    (root / "project/tests/test_scoring.py").write_text(
        "from core.scoring import score\n\ndef test_doubles():\n    assert score(2) == 4\n")
    (root / "leftovers").mkdir()
    (root / "leftovers" / HOSTILE).write_text("left behind\n")
    project = root / "project"
    target = root / "target.toml"
    target.write_text(
        f'[project]\nroot = "{project}"\npython = "/usr/bin/python3"\n\n'
        '[[check]]\nphase = "1-3"\nseverity = "P1"\nname = "no file with markup in its name"\n'
        f'kind = "files.absent"\nroot = "{root / "leftovers"}"\npaths = [{json.dumps(HOSTILE)}]\n\n'
        '[[check]]\nphase = "1-3"\nseverity = "P2"\nname = "a tool that is not installed"\n'
        'kind = "command.run"\ncommand = ["/nonexistent/tool"]\n\n'
        '[[check]]\nphase = "1-3"\nseverity = "P2"\nname = "the marker is back"\n'
        f'kind = "command.run"\ncommand = ["/bin/test", "-e", "{root / "marker"}"]\n')
    waivers = root / "waivers.toml"
    waivers.write_text('[[waiver]]\ncheck = "the marker is back"\nphase = "1-3"\n'
                       'justification = "the marker returns with the next deploy; OPS-7"\n'
                       'expires = 2099-12-31\n')
    return target, waivers


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (--remote-debugging-pipe: commands on fd 3, answers on fd 4, each
    message JSON ended by a NUL), every wait bounded by one deadline."""

    def __init__(self, chromium, profile, deadline):
        self.deadline = deadline
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def pipes():  # in the child: fds 3 and 4, whatever numbers the pipes got
            read_end = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--hide-scrollbars", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pipes,
            pass_fds=(3, 4))
        os.close(to_r)
        os.close(from_w)
        self.buffer = b""
        self.events = []
        self.next_id = 0

    def receive(self):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed its pipe: " +
                                      self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_w, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.receive()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method, session):
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self.receive())

    def close(self):
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError, TimeoutError, ConnectionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_w)
        os.close(self.from_r)


def render(browser, url, width, height, shot):
    """The page at `url` in a fresh tab of `width` x `height` CSS pixels (a
    phone's, touch and viewport meta included, below 500): its DOM as
    rendered, its widths, and a screenshot written to `shot`."""
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    browser.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                 deviceScaleFactor=1, mobile=width < 500)
    browser.send("Page.enable", session)
    browser.send("Page.navigate", session, url=url)
    browser.wait_for("Page.loadEventFired", session)

    def evaluate(expression):
        return browser.send("Runtime.evaluate", session, expression=expression,
                            returnByValue=True)["result"]["value"]

    widths = evaluate("({scroll: document.documentElement.scrollWidth,"
                      " client: document.documentElement.clientWidth, inner: innerWidth})")
    dom = evaluate("document.documentElement.outerHTML")
    png = browser.send("Page.captureScreenshot", session, format="png")["data"]
    shot.write_bytes(base64.b64decode(png))
    browser.send("Target.closeTarget", targetId=target)
    return dom, widths


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    suite, artefacts = Path(sys.argv[1]), Path(sys.argv[2]).resolve()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("FAIL: chromium is not installed, so report.html cannot be tested in a browser: "
                 "scripts/install-deps installs it (apt-get install chromium)")
    artefacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rollcheck-html-") as tmp:
        root = Path(tmp)
        target, waivers = write_project(root)
        reports = root / "reports"
        started = time.monotonic()
        run = subprocess.run([str(suite), "--target", str(target), "--report", str(reports),
                              "--waivers", str(waivers)],
                             capture_output=True, text=True, timeout=120)
        check(run.returncode == 2, f"the suite exits 2 (an error), not {run.returncode}:\n"
              f"{run.stdout}{run.stderr}")
        print(f"the suite ran in {time.monotonic() - started:.1f} s")
        results = json.loads((reports / "results.json").read_text())
        page = artefacts / "report.html"
        shutil.copy(reports / "report.html", page)
        check(f'content="{CSP}"' in page.read_text(), "report.html has its security policy")
        started = time.monotonic()
        browser = Browser(chromium, root / "profile", started + 90)
        try:
            for width, height in VIEWPORTS:
                shot = artefacts / f"report-{width}.png"
                dom_text, widths = render(browser, page.as_uri(), width, height, shot)
                print(f"screenshot at {width} px: {shot}")
                dom = Dom()
                dom.feed(dom_text)
                check_dom(dom, widths, results, width)
        finally:
            browser.close()
        print(f"chromium started, rendered and closed in {time.monotonic() - started:.1f} s")
    return report()


def check_dom(dom, widths, results, width):
    at = f"at {width} px"
    print(f"{at}: scrollWidth {widths['scroll']}, clientWidth {widths['client']}, "
          f"innerWidth {widths['inner']}")
    check(widths["inner"] == width, f"{at}: the viewport is {width} px wide: {widths}")
    check(0 < widths["scroll"] <= widths["client"] <= width,
          f"{at}: the page is no wider than the viewport: {widths}")
    cases = results["cases"]
    check(len(dom.checks) == len(cases),
          f"{at}: {len(cases)} checks in results.json, {len(dom.checks)} on the page")
    by_name = {c["name"]: c for c in dom.checks}
    for case in cases:
        shown = by_name.get(case["name"])
        if not check(shown is not None, f"{at}: check '{case['name']}' is on the page"):
            continue
        verdict = case["verdict"]
        check(f"v-{verdict}" in shown["classes"],
              f"{at}: '{case['name']}' has class v-{verdict}: {shown['classes']}")
        folded = 1 if case["check_verdict"] in ("fail", "error") else 0
        check(shown["details"] == folded,
              f"{at}: '{case['name']}' has {folded} evidence folded, not {shown['details']}")
    for verdict in ("pass", "fail", "error", "waived"):
        check(any(c["verdict"] == verdict for c in cases), f"the run has a {verdict} check")
    hostile = by_name.get("no file with markup in its name", {})
    check(HOSTILE in hostile.get("evidence", ""),
          f"{at}: the evidence shows the file name {HOSTILE!r} as text: "
          f"{hostile.get('evidence', '')!r}")
    check("b" not in dom.tags and "script" not in dom.tags,
          f"{at}: no element of the evidence's markup, no script: {dom.tags}")
    check(dom.phase_rows == [["v-error"]], f"{at}: phase 1-3's row is red: {dom.phase_rows}")
    check(len(dom.bars) == 1 and "never" in dom.bars[0],
          f"{at}: one bar, never green: {dom.bars}")


def report():
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("report.html renders in chromium with every check, its verdict class and no overflow")
    return 0


if __name__ == "__main__":
    sys.exit(main())
