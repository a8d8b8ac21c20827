"""Drives `cilo ui` in Debian's chromium (headless) with Playwright from PyPI, as a person would.

Usage: ui_browser.py CILO PROJECT_DIR KEEP_ENV DOOMED_ENV SCREENSHOT_DIR
Both environments run. Prints one JSON line of findings; any failed check raises (exit status 1).
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

CILO, PROJECT, KEEP, DOOMED, SHOTS = sys.argv[1:6]
found = {}


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


server = subprocess.Popen([CILO, "ui", "--port", "0"], cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    line = server.stdout.readline()
    assert line.startswith("cilo ui: http://127.0.0.1:"), f"cilo ui printed {line!r}: {server.stderr.read() if server.poll() is not None else ''}"
    address = line.split(": ", 1)[1].strip()
    base, token = address.split("/?token=")
    project = json.loads(subprocess.run([CILO, "status", KEEP, "--json"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout)["project"]

    # Refusals: no token, a wrong one, a foreign Host header (DNS rebinding), an action by cookie alone.
    assert get(base + "/api/overview")[0] == 403
    assert get(base + "/api/overview", {"X-Cilo-Token": "0" * 64})[0] == 403
    assert get(base + "/api/overview", {"X-Cilo-Token": token, "Host": "attacker.example:80"})[0] == 403
    post = urllib.request.Request(f"{base}/api/environments/{project}/{KEEP}/down", data=b"{}", method="POST", headers={"Cookie": f"cilo_token={token}"})
    try:
        urllib.request.urlopen(post, timeout=30)
        raise AssertionError("an action was taken on the cookie alone")
    except urllib.error.HTTPError as error:
        assert error.code == 403, error.code
    found["refused"] = ["no token", "wrong token", "foreign Host", "action without the header"]

    # The API's JSON shapes.
    header = {"X-Cilo-Token": token}
    status, body = get(base + "/api/overview", header)
    overview = json.loads(body)
    assert status == 200 and {"generatedAt", "environments", "shared", "capacity", "admission", "warnings"} <= set(overview), overview.keys()
    names = {env["name"] for env in overview["environments"]}
    assert {KEEP, DOOMED} <= names, names
    for env in overview["environments"]:
        assert {"project", "name", "status", "services", "engine", "createdAt", "cloneStrategy", "workspace"} <= set(env), env.keys()
    one = json.loads(get(f"{base}/api/environments/{project}/{KEEP}", header)[1])
    assert one["name"] == KEEP and "CILO_BASE_URL" in one["variables"], one.keys()
    diff = json.loads(get(f"{base}/api/environments/{project}/{KEEP}/diff", header)[1])
    assert {"changes", "base", "environment", "project"} <= set(diff), diff
    assert get(f"{base}/api/environments/{project}/{KEEP}/logs?tail=5", header)[0] == 200
    assert get(f"{base}/api/environments/{project}/nothere", header)[0] == 404
    bad = urllib.request.Request(f"{base}/api/environments/{project}/{KEEP}/checkpoint", data=b"not json", method="POST", headers=header)
    try:
        urllib.request.urlopen(bad, timeout=30)
        raise AssertionError("a body that is not JSON was taken")
    except urllib.error.HTTPError as error:
        assert error.code == 400 and "not a JSON object" in error.read().decode(), error.code
    found["api"] = "overview, environment, diff, logs, a bad action body"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("dialog", lambda dialog: (found.setdefault("confirm", dialog.message), dialog.accept()))
        page.goto(address)
        assert page.url == base + "/", page.url  # the token became a cookie and left the address
        for name in (KEEP, DOOMED):
            row = page.locator(f'tr[data-env="{project}/{name}"]')
            row.wait_for(timeout=30000)
            assert row.locator("a[href^='http://']").count() >= 1, f"{name} shows no URL"
        # Disk: measured by the server for environments never measured, one per tick.
        # (Checked by locators: the page's Content-Security-Policy forbids the evaluation of strings.)
        for name in (KEEP, DOOMED):
            expect(page.locator(f'tr[data-env="{project}/{name}"] td.disk')).not_to_have_text("–", timeout=30000)
        found["disk"] = page.locator(f'tr[data-env="{project}/{KEEP}"] td.disk').text_content()

        # A file written in the workspace shows in the panel's diff within 5 s.
        page.locator(f'tr[data-env="{project}/{KEEP}"]').click()
        page.locator("#files").wait_for(timeout=10000)
        workspace = subprocess.run([CILO, "path", KEEP], cwd=PROJECT, capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(workspace, "from-the-agent.txt"), "w") as file:
            file.write("one\ntwo\n")
        written = time.monotonic()
        page.locator('#files li[data-path="from-the-agent.txt"]').wait_for(timeout=5000)
        found["diff_seconds"] = round(time.monotonic() - written, 2)
        page.locator('#files li[data-path="from-the-agent.txt"]').click()
        expect(page.locator("#patch")).to_contain_text("+one", timeout=10000)
        expect(page.locator("#logs")).not_to_be_empty(timeout=20000)
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, "cilo-ui.png"), full_page=True)

        # Destroy from the page, with its confirmation: gone from the page.
        page.locator(f'tr[data-env="{project}/{DOOMED}"]').click()
        page.locator('button[data-action="destroy"]').click()
        page.locator(f'tr[data-env="{project}/{DOOMED}"]').wait_for(state="detached", timeout=120000)
        assert DOOMED in found.get("confirm", ""), found.get("confirm")

        # A phone's width: the page still lays out.
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(SHOTS, "cilo-ui-phone.png"), full_page=True)
        box = page.locator("main").bounding_box()
        assert box and box["width"] <= 391, f"the page is {box} wide on a phone"
        browser.close()
finally:
    server.send_signal(signal.SIGTERM)
    try:
        found["server_exit"] = server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        raise AssertionError("cilo ui did not end on SIGTERM")
print(json.dumps(found))
