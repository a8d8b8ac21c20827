"""Measures `cilo ui`'s CPU with the environments of the home and one page open in chromium.

usage: bench_ui.py CILO PROJECT SECONDS
Starts cilo ui, opens the page (Debian's chromium, headless, Playwright), waits until it shows
the environments, then reads the server's CPU time (/proc/PID/stat) over SECONDS. Prints JSON.
"""
import json
import os
import subprocess
import sys
import time

from playwright.sync_api import sync_playwright

CILO, PROJECT, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


server = subprocess.Popen([CILO, "ui"], cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    address = server.stdout.readline().split(": ", 1)[1].strip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(address)
        page.locator("#environments tbody tr").first.wait_for(timeout=60000)
        shown = page.locator("#environments tbody tr").count()
        time.sleep(5)  # first disk figures, one per tick
        before, started = cpu_seconds(server.pid), time.monotonic()
        time.sleep(SECONDS)
        used, elapsed = cpu_seconds(server.pid) - before, time.monotonic() - started
        result = {
            "environments_shown": shown,
            "seconds": round(elapsed, 1),
            "server_cpu_percent_of_one_cpu": round(100 * used / elapsed, 2),
            "server_rss_bytes": rss(server.pid),
        }
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=30)
print(json.dumps(result, indent=2))
