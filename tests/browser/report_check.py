"""Opens a run report in headless Chromium (Playwright driving Debian's
chromium) and prints what a user would see, as JSON: console errors, page
errors, whether each chart drew anything, and what a mouse-wheel zoom over
the price pane did to the time scale and to the equity pane's pixels.

    report_check.py REPORT.html [SCREENSHOT.png]
"""

import hashlib
import json
import os
import shutil
import sys

from playwright.sync_api import sync_playwright


def chromium_path():
    return os.environ.get("AXON_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def main(path, screenshot=None):
    errors, console = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("file://" + os.path.abspath(path))
        page.wait_for_function("window.axonReport && window.axonReport.ready", timeout=15000)
        # From navigation to the charts' data set (the page's own mark).
        ready_ms = page.evaluate("() => window.axonReport.readyMs")
        script_ms = page.evaluate("() => window.axonReport.readyMs - window.axonReport.startMs")
        page.wait_for_timeout(300)

        def canvases_drawn(selector):
            # A canvas is drawn when it holds more than one colour.
            return page.evaluate(
                """(sel) => [...document.querySelectorAll(sel + ' canvas')].map(c => {
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    const seen = new Set();
                    for (let i = 0; i < d.length && seen.size < 3; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
                    return seen.size;
                }).filter(n => n > 1).length""",
                selector,
            )

        panes = page.evaluate(
            """() => window.axonReport.chart.panes().map(p => {
                const el = p.getHTMLElement(); const r = el.getBoundingClientRect();
                return {x: r.x, y: r.y, w: r.width, h: r.height};
            })"""
        )
        price, equity = panes[0], panes[1]

        def equity_pixels():
            clip = {"x": equity["x"], "y": equity["y"], "width": equity["w"] * 0.85, "height": equity["h"]}
            return hashlib.sha256(page.screenshot(clip=clip)).hexdigest()

        def visible():
            return page.evaluate("() => window.axonReport.chart.timeScale().getVisibleLogicalRange()")

        before_range, before_pixels = visible(), equity_pixels()
        page.mouse.move(price["x"] + price["w"] * 0.5, price["y"] + price["h"] * 0.5)
        for _ in range(5):
            page.mouse.wheel(0, -400)
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        after_range, after_pixels = visible(), equity_pixels()
        if screenshot:
            page.screenshot(path=screenshot, full_page=True)
        result = {
            "page_errors": errors,
            "console_errors": console,
            "remote_requests": [u for u in requests if not u.startswith(("file:", "data:", "blob:"))],
            "ready_ms": ready_ms,
            "script_ms": script_ms,
            "panes": len(panes),
            "charts_drawn": canvases_drawn("#chart"),
            "sharpe_drawn": canvases_drawn("#sharpe"),
            "range_before": before_range,
            "range_after": after_range,
            "equity_pane_changed": before_pixels != after_pixels,
        }
        browser.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
