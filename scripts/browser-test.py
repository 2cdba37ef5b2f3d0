"""The web page in a real browser (headless Chromium through Selenium) against a live server with
one worker, so that jobs really run: the form follows the spec schema, presets fill it, and it
shows a bad field's error beside it; a small synthetic sweep submitted through the form shows running, then
succeeded; its charts fill in point by point, and each point's tooltip shows the accuracy
results.csv holds; a re-run with another seed and the first job compare (both series, the seed
in the spec diff) and the comparison survives a reload; the table filters; Cancel and Delete
work; the mask heat map of a point shows masks.json's 784 inputs; a model uploaded through the form's file input is
summarised and chosen in the spec.
Run by scripts/test: PRUNELAB_TEST_WORKERS=1 scripts/with-test-server python scripts/browser-test.py.
Uses Debian's chromium and chromium-driver; never downloads a browser; writes no tracked files
(the upload's model is made in a temporary folder)."""
import csv
import io
import json
import os
import re
import tempfile
import urllib.error
import urllib.request

import numpy as np
from safetensors.numpy import save_file

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base = os.environ["PRUNELAB_URL"].rstrip("/")
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000"]:
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
wait = WebDriverWait(driver, 40)


def api(path):
    return json.load(urllib.request.urlopen(base + path))


def status_of(path):
    try:
        return urllib.request.urlopen(base + path).status
    except urllib.error.HTTPError as error:
        return error.code


def control(pointer):
    return driver.find_element(By.CSS_SELECTOR, f'[data-pointer="{pointer}"]')


def type_into(pointer, text):
    box = control(pointer)
    box.clear()
    box.send_keys(text)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def click_in_row(job_id, selector):
    """Clicks a control of a job's row; the table is redrawn as events arrive, so a row found
    a moment ago may be gone: find it again until the click lands."""
    def attempt(d):
        try:
            d.find_element(By.CSS_SELECTOR, f'#job-rows tr[data-id="{job_id}"] {selector}').click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    wait.until(attempt)


def row_state(job_id):
    return driver.execute_script(
        "const b = document.querySelector(`#job-rows tr[data-id='${arguments[0]}'] .badge`); return b && b.textContent", job_id)


def row_ids():
    return driver.execute_script("return [...document.querySelectorAll('#job-rows tr[data-id]')].map((r) => r.dataset.id)")


def results(job_id):
    text = urllib.request.urlopen(f"{base}/jobs/{job_id}/results.csv").read().decode()
    return list(csv.DictReader(io.StringIO(text)))


def pct(x):
    return f"{float(x) * 100:.2f}%"


def tooltip_of(point):
    ActionChains(driver).move_to_element(point).perform()
    figure = point.find_element(By.XPATH, "ancestor::*[local-name()='figure']")
    return wait.until(lambda d: figure.find_element(By.CSS_SELECTOR, ".tooltip:not([hidden])")).text


# The page records every state a job's badge showed and every number of points its charts
# had, so that fast transitions are seen however the test polls.
RECORDER = """
window.seen = {states: {}, points: []};
new MutationObserver(() => {
  for (const row of document.querySelectorAll('#job-rows tr[data-id]')) {
    const badge = row.querySelector('.badge');
    (window.seen.states[row.dataset.id] ||= new Set()).add(badge.textContent);
  }
  const n = document.querySelectorAll('#job-live-charts [data-chart="job-accuracy"] .point').length;
  if (window.seen.points[window.seen.points.length - 1] !== n) window.seen.points.push(n);
}).observe(document.body, {subtree: true, childList: true, characterData: true});
"""

try:
    schema = api("/openapi.json")
    fields = {f["pointer"]: f for f in schema["x-spec-fields"]}
    driver.get(base + "/")
    form = driver.find_element(By.ID, "spec-form")
    wait.until(lambda d: len(Select(d.find_element(By.NAME, "preset")).options) > 1)
    driver.execute_script(RECORDER)

    # Defaults come from the schema.
    check(control("/training/epochs").get_attribute("value") == str(fields["/training/epochs"]["default"]), "epochs default")
    methods = [box.get_attribute("value") for box in control("/pruning/methods").find_elements(By.TAG_NAME, "input")]
    check(methods == fields["/pruning/methods"]["items"]["enum"], f"method boxes {methods}")
    wait.until(lambda d: "peak memory" in d.find_element(By.ID, "estimate").text)

    # A preset fills the form, and the estimate follows it; Reset brings the defaults back.
    before = driver.find_element(By.ID, "estimate").text
    Select(driver.find_element(By.NAME, "preset")).select_by_value("lottery-lenet300")
    check(Select(control("/pruning/schedule")).first_selected_option.get_attribute("value") == "iterative", "preset schedule")
    check(control("/pruning/rewind").get_attribute("value") == "init", "preset rewind")
    check(control("/model/hidden").get_attribute("value") == "300, 100", "preset hidden")
    wait.until(lambda d: d.find_element(By.ID, "estimate").text not in ("", before))
    form.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    wait.until(lambda d: Select(control("/pruning/schedule")).first_selected_option.get_attribute("value") == "one-shot")

    # A small synthetic sweep (784 features, so the first layer's masks are a 28×28 image).
    Select(control("/dataset/name")).select_by_value("synthetic")
    for pointer, text in [("/name", "browser A"), ("/dataset/train_size", "4000"), ("/dataset/test_size", "1000"),
                          ("/dataset/features", "784"), ("/dataset/classes", "4"), ("/model/hidden", "32, 16"),
                          ("/pruning/sparsities", "0, 50, 80, 95")]:
        type_into(pointer, text)
    for box in control("/pruning/methods").find_elements(By.TAG_NAME, "input"):
        if box.is_selected() != (box.get_attribute("value") in ("weight", "unit")):
            box.click()

    # An invalid field: its error shows beside it, and nothing is submitted.
    type_into("/training/epochs", "999")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    epochs_label = control("/training/epochs").find_element(By.XPATH, "ancestor::label")
    error = wait.until(lambda d: epochs_label.find_elements(By.CSS_SELECTOR, ".field-error"))
    check("200" in error[0].text, f"the epochs error names the limit: {error[0].text!r}")
    check(api("/jobs")["jobs"] == [], "an invalid spec was not submitted")
    type_into("/training/epochs", "3")
    wait.until(lambda d: "peak memory" in d.find_element(By.ID, "estimate").text)
    eta = driver.find_element(By.ID, "queue-eta").text
    check("starts now" in eta, f"the ETA beside the button: {eta!r}")

    # Submit through the form: the table shows it running, then succeeded.
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "Queued job" in d.find_element(By.ID, "form-error").text)
    first = api("/jobs")["jobs"][0]
    check(first["spec"]["name"] == "browser A" and first["spec"]["dataset"]["features"] == 784, f"submitted {first['spec']}")
    wait.until(lambda d: row_state(first["id"]) == "succeeded")
    states = set(driver.execute_script("return [...(window.seen.states[arguments[0]] || [])]", first["id"]))
    check({"running", "succeeded"} <= states, f"the table showed {states}")

    # Its charts filled in point by point, without a reload, and each tooltip shows results.csv's accuracy.
    counts = driver.execute_script("return window.seen.points")
    rows = results(first["id"])
    check(len(rows) == 8 and counts[-1] == 8, f"8 points: rows {len(rows)}, chart counts {counts}")
    check(any(0 < n < 8 for n in counts), f"the chart grew while the job ran: {counts}")
    points = driver.find_elements(By.CSS_SELECTOR, '#job-live-charts [data-chart="job-accuracy"] .point')
    for point in points:
        text = tooltip_of(point)
        method = re.search(r"method (\S+)", text).group(1)
        target = re.search(r"target sparsity ([\d.]+)%", text).group(1)
        row = next(r for r in rows if r["method"] == method and float(r["target_sparsity"]) == float(target))
        check(f"accuracy {pct(row['accuracy'])}" in text, f"tooltip {text!r} against results.csv {row['accuracy']}")
    # Keyboard: a focused point shows its values too.
    driver.execute_script("arguments[0].focus()", points[0])
    check("accuracy" in driver.find_element(By.CSS_SELECTOR, '[data-chart="job-accuracy"] .tooltip').text, "focus shows the tooltip")

    # The legend hides and shows a series; the x axis switches to compression (log).
    entry = driver.find_element(By.CSS_SELECTOR, '[data-chart="job-accuracy"] .legend-entry')
    entry.click()
    hidden_group = driver.find_element(By.CSS_SELECTOR, f'[data-chart="job-accuracy"] g.series[data-series="{entry.get_attribute("data-series")}"]')
    check(hidden_group.get_attribute("display") == "none" and entry.get_attribute("aria-pressed") == "false", "legend hides")
    entry.click()
    check(hidden_group.get_attribute("display") != "none", "legend shows again")
    driver.find_element(By.CSS_SELECTOR, 'input[name="job-x"][value="compression"]').click()
    wait.until(lambda d: "compression ratio" in d.find_element(By.CSS_SELECTOR, '[data-chart="job-accuracy"] .axis-label').text)
    driver.find_element(By.CSS_SELECTOR, 'input[name="job-x"][value="sparsity"]').click()

    # A point's detail: the first layer's mask as a 28×28 heat map, once the masks route exists.
    point_row = next(r for r in rows if r["method"] == "unit" and float(r["target_sparsity"]) == 80)
    masks_path = f"/jobs/{first['id']}/points/unit/{point_row['target_sparsity']}/masks.json?repeat=0&variant=pruned"
    target = next(p for p in driver.find_elements(By.CSS_SELECTOR, '#job-live-charts [data-chart="job-accuracy"] .point')
                  if "method unit" in p.get_attribute("aria-label") and "target sparsity 80" in p.get_attribute("aria-label"))
    target.click()
    detail = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#point-detail:not([hidden])"))
    check(f"accuracy {pct(point_row['accuracy'])}" in detail.text, "the point detail shows its values")
    masks = api(masks_path)
    cells = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#point-detail svg.heatmap rect"))
    check(len(cells) == len(masks["input_kept"]) == 784, f"28×28 heat map of masks.json's input_kept, got {len(cells)} cells")
    bars = driver.find_elements(By.CSS_SELECTOR, "#point-detail .layers .layer")
    check(len(bars) == len(masks["layers"]), f"per-layer kept bars: {len(bars)} for {len(masks['layers'])} layers")
    weights = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#point-detail .point-weights img"))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", weights))
    check(status_of(weights.get_attribute("src").removeprefix(base)) == 200, "the point's weights.svg, before and after pruning")

    # Re-run with another seed: a second job, same spec but for the seed.
    click_in_row(first["id"], "button[title^='Submit the same spec']")
    seed = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "dialog input[name=rerun-seed]"))
    seed.clear()
    seed.send_keys("7")
    driver.find_element(By.XPATH, "//dialog//button[text()='Submit again']").click()
    wait.until(lambda d: len(api("/jobs")["jobs"]) == 2)
    second = api("/jobs")["jobs"][0]
    check(second["spec"]["training"]["seed"] == 7 and second["spec"]["model"] == first["spec"]["model"], "re-run spec")
    wait.until(lambda d: row_state(second["id"]) == "succeeded")

    # Compare the two: both series in every chart, the seed among the differences; a reload keeps it.
    for job in (first, second):
        click_in_row(job["id"], "input.compare-box")

    def compared_ok(d):
        legend = [e.text for e in d.find_elements(By.CSS_SELECTOR, '#compare-view [data-chart="compare-accuracy"] .legend-entry')]
        diff = d.find_elements(By.CSS_SELECTOR, '#compare-diff tr[data-pointer-diff="/training/seed"]')
        return len(legend) == 4 and all(any(job["id"][:8] in text for text in legend) for job in (first, second)) and diff

    wait.until(compared_ok)
    check(driver.current_url.split("#", 1)[1].startswith("compare="), f"URL {driver.current_url}")
    driver.refresh()
    wait.until(compared_ok)
    check(len(driver.find_elements(By.CSS_SELECTOR, "#compare-charts .point")) == 3 * 16, "every point of both jobs in 3 charts")

    # Cancel a long job while it runs (submitted through the API: the form was tested above). It must
    # outlast the page's refreshes on a fast machine: 4,000 samples through 784-32-16 for 200 epochs
    # took under two seconds on a Xeon, and finished before the page showed it running. This one is
    # about 80 GFLOP an epoch, a minute or more, and is cancelled within seconds.
    long_spec = {"name": "browser long", "dataset": {"name": "synthetic", "train_size": 20000, "test_size": 1000, "features": 784, "classes": 4},
                 "model": {"hidden": [512, 512]}, "training": {"epochs": 200}, "pruning": {"methods": ["weight"], "sparsities": [0, 50]}}
    request = urllib.request.Request(f"{base}/jobs", data=json.dumps(long_spec).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    long_job = json.load(urllib.request.urlopen(request))
    driver.execute_script("refreshList()")
    wait.until(lambda d: row_state(long_job["id"]) == "running")
    click_in_row(long_job["id"], "button.danger")
    wait.until(lambda d: api(f"/jobs/{long_job['id']}")["state"] == "cancelled")
    wait.until(lambda d: row_state(long_job["id"]) == "cancelled")

    # Filters: by state on the server, by name on the page.
    Select(driver.find_element(By.ID, "filter-state")).select_by_value("cancelled")
    wait.until(lambda d: row_ids() == [long_job["id"]])
    Select(driver.find_element(By.ID, "filter-state")).select_by_value("")
    driver.find_element(By.ID, "filter-name").send_keys("seed 7")
    wait.until(lambda d: row_ids() == [second["id"]])
    driver.find_element(By.ID, "filter-name").clear()
    driver.execute_script("document.getElementById('filter-name').dispatchEvent(new Event('input'))")
    wait.until(lambda d: len(row_ids()) == 3)

    # Delete the cancelled job.
    click_in_row(long_job["id"], "button[title^='Delete this job']")
    driver.switch_to.alert.accept()
    wait.until(lambda d: status_of(f"/jobs/{long_job['id']}") == 404)
    wait.until(lambda d: long_job["id"] not in row_ids())
    # A phone's 390 px, and 200% zoom of this window (640 CSS px): nothing scrolls sideways but
    # the results table in its own box; the jobs table becomes one card per job.
    for width in (390, 640):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 2, "mobile": width < 500})
        wait.until(lambda d: d.execute_script("return window.innerWidth") == width)
        overflow = driver.execute_script("""return [...document.querySelectorAll('body *')]
            .filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map((e) => e.tagName + '.' + e.className)""")
        check(overflow == [], f"at {width} px these stick out: {overflow[:5]}")
        check(driver.execute_script("return document.documentElement.scrollWidth") <= width, f"sideways scroll at {width} px")
        check(not driver.find_element(By.CSS_SELECTOR, "table.jobs thead").is_displayed() or width > 760, "jobs as cards")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # Upload a small network through the file input: its summary and id appear, and the spec names it.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tiny.safetensors")
        rng = np.random.default_rng(0)
        save_file({"0.weight": rng.normal(size=(8, 784)).astype(np.float32), "0.bias": np.zeros(8, np.float32),
                   "2.weight": rng.normal(size=(10, 8)).astype(np.float32), "2.bias": np.zeros(10, np.float32)}, path)
        driver.find_element(By.NAME, "model_file").send_keys(path)
        wait.until(lambda d: "784-8-10" in d.find_element(By.ID, "upload-model-status").text)
    uploads = json.load(urllib.request.urlopen(f"{base}/models"))["uploads"]
    check(len(uploads) == 1 and uploads[0]["model"]["layer_sizes"] == [784, 8, 10], f"uploads {uploads}")
    uploaded = uploads[0]["id"]
    check(uploaded in driver.find_element(By.ID, "upload-model-status").text, "the id shows next to the input")
    check(Select(control("/model/uploaded")).first_selected_option.get_attribute("value") == uploaded, "the spec names the upload")
    check(not control("/model/hidden").is_displayed(), "an uploaded network brings its own layers: the hidden list is hidden")

    print("browser test: form errors, submit, running then succeeded, live charts and tooltips equal to results.csv, "
          "legend and x axis, re-run, comparison across a reload, filters, cancel, delete, 390 px and 200% zoom, and upload work")
finally:
    driver.quit()
