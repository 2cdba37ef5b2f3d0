#!/usr/bin/env python3
"""Screenshots of each view of the page for the README, from the reference sweep (not a test).

    scripts/screenshots.py [--out docs/screenshots] [--url http://127.0.0.1:8080]

Without --url it starts `prunelab serve --submit-reference --workers 1` (the release build when
there is one, else the debug build) in a temporary folder, waits for the reference sweep, runs
it again with training seed 1 for the comparison, and then takes: the form and the jobs table,
a job's interactive charts with a tooltip, a point's detail (masks), the comparison of the two
runs with their spec diff, and the page at a phone's 390 px. With --url it uses the two newest
succeeded jobs of that server. Needs selenium (scripts/test's .venv-test has it), Debian's
chromium and chromium-driver. The reference sweep takes about 80 s in a release build."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def api(base, path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST", headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


def start_server(work):
    binary = next((b for b in (f"{root}/.build/release/prunelab", f"{root}/.build/debug/prunelab") if os.path.exists(b)), None)
    if not binary:
        sys.exit("screenshots: build first (swift build -c release)")
    shutil.copytree(f"{root}/public", f"{work}/public", ignore=shutil.ignore_patterns("jobs"))
    log = open(f"{work}/server.log", "w+")
    server = subprocess.Popen([binary, "serve", "--port", "0", "--workers", "1", "--submit-reference",
                               "--state-dir", f"{work}/state", "--public", f"{work}/public"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        log.seek(0)
        found = re.search(r"PruneLab serving (http://127\.0\.0\.1:\d+)/", log.read())
        if found:
            return server, found.group(1)
        time.sleep(0.1)
    server.kill()
    sys.exit("screenshots: the server did not start")


def wait_for(base, job_id, timeout=1800):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = api(base, f"/jobs/{job_id}")
        if job["state"] in ("succeeded", "failed", "cancelled"):
            if job["state"] != "succeeded":
                sys.exit(f"screenshots: job {job_id} {job['state']}: {job['error']}")
            return job
        print(f"  {job['state']} {round(job['progress'] * 100)}% {job['phase'] or ''}", end="\r", flush=True)
        time.sleep(2)
    sys.exit(f"screenshots: job {job_id} did not finish in {timeout} s")


def reference_jobs(base):
    """The reference sweep (queued by --submit-reference) and the same spec with seed 1."""
    first = wait_for(base, api(base, "/jobs")["jobs"][-1]["id"])
    spec = json.loads(json.dumps(first["spec"]))   # the resolved spec is taken back as it is
    spec["training"]["seed"] = 1
    spec["name"] = f"{first['spec']['name']} (seed 1)"
    second = wait_for(base, api(base, "/jobs", spec)["id"])
    return first, second


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=f"{root}/docs/screenshots")
    parser.add_argument("--url", help="an existing server with at least two succeeded jobs")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="prunelab-shots-")
    server = None
    try:
        if args.url:
            base = args.url.rstrip("/")
            done = api(base, "/jobs?state=succeeded&limit=2")["jobs"]
            if len(done) < 2:
                sys.exit("screenshots: --url needs two succeeded jobs")
            second, first = done
        else:
            server, base = start_server(work)
            first, second = reference_jobs(base)
        shoot(base, first, second, args.out)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def browser(width, emulate=None):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},2400", "--hide-scrollbars"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
    if emulate:   # a window cannot be narrower than 500 px; a phone's viewport is emulated
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", emulate)
    return driver


def shoot(base, first, second, out):
    driver = browser(1280)
    wait = WebDriverWait(driver, 30)
    try:
        def save(element, name):
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
            time.sleep(0.3)
            element.screenshot(f"{out}/{name}.png")
            print(f"screenshots: {out}/{name}.png")

        driver.get(f"{base}/#job={first['id']}")
        wait.until(lambda d: "peak memory" in d.find_element(By.ID, "estimate").text)
        save(driver.find_element(By.ID, "new-sweep"), "form")
        save(driver.find_element(By.ID, "jobs"), "jobs")
        points = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#job-live-charts [data-chart="job-accuracy"] .point'))
        view = driver.find_element(By.ID, "job-view")
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", view)
        ActionChains(driver).move_to_element(points[len(points) * 3 // 4]).perform()
        time.sleep(0.3)
        driver.find_element(By.ID, "job-live-charts").screenshot(f"{out}/charts.png")
        print(f"screenshots: {out}/charts.png")
        # Weight pruning at 90 %: the first layer keeps the pixels at the centre (Han et al.'s pattern);
        # unit pruning keeps the same fraction of every pixel's connections, a flat map.
        weight90 = [p for p in points if "method weight" in p.get_attribute("aria-label")
                    and "target sparsity 90" in p.get_attribute("aria-label")]
        (weight90[0] if weight90 else points[-1]).click()
        detail = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#point-detail:not([hidden])"))
        wait.until(lambda d: "Loading" not in detail.text)
        save(detail, "point")

        driver.get(f"{base}/#compare={first['id']},{second['id']}")
        compare = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#compare-view:not([hidden])"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-diff"))
        save(compare, "compare")
    finally:
        driver.quit()
    phone = browser(500, {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        phone.get(f"{base}/#job={first['id']}")
        WebDriverWait(phone, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#job-live-charts .point"))
        phone.execute_script("document.getElementById('jobs').scrollIntoView({block: 'start'})")
        time.sleep(0.3)
        phone.save_screenshot(f"{out}/phone.png")
        print(f"screenshots: {out}/phone.png")
    finally:
        phone.quit()


if __name__ == "__main__":
    main()
