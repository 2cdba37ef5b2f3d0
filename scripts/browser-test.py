"""The web page in a real browser (headless Chromium through Selenium), against a live server
whose workers never start jobs: the form follows the spec schema, presets fill it, the dry-run
estimate shows beside the submit button, a submitted job appears, cancel and delete work, and a
model uploaded through the form's file input is summarised and chosen in the spec.
Run by scripts/test: scripts/with-test-server python scripts/browser-test.py (reads PRUNELAB_URL).
Uses Debian's chromium and chromium-driver; never downloads a browser."""
import json
import os
import tempfile
import urllib.request

import numpy as np
from safetensors.numpy import save_file

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base = os.environ["PRUNELAB_URL"].rstrip("/")
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000"]:
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
wait = WebDriverWait(driver, 15)


def control(pointer):
    return driver.find_element(By.CSS_SELECTOR, f'[data-pointer="{pointer}"]')


def check(condition, message):
    if not condition:
        raise AssertionError(message)


try:
    schema = json.load(urllib.request.urlopen(f"{base}/openapi.json"))
    fields = {f["pointer"]: f for f in schema["x-spec-fields"]}
    driver.get(base + "/")
    form = driver.find_element(By.ID, "spec-form")
    wait.until(lambda d: len(Select(d.find_element(By.NAME, "preset")).options) > 1)

    # Defaults come from the schema.
    check(control("/training/epochs").get_attribute("value") == str(fields["/training/epochs"]["default"]), "epochs default")
    check(control("/model/hidden").get_attribute("value") == ", ".join(map(str, fields["/model/hidden"]["default"])), "hidden default")
    methods = [box.get_attribute("value") for box in control("/pruning/methods").find_elements(By.TAG_NAME, "input")]
    check(methods == fields["/pruning/methods"]["items"]["enum"], f"method boxes {methods}")
    wait.until(lambda d: "peak memory" in d.find_element(By.ID, "estimate").text)

    # A preset fills the form, and the estimate follows it.
    before = driver.find_element(By.ID, "estimate").text
    Select(driver.find_element(By.NAME, "preset")).select_by_value("lottery-lenet300")
    check(Select(control("/pruning/schedule")).first_selected_option.get_attribute("value") == "iterative", "schedule")
    check(control("/pruning/rewind").get_attribute("value") == "init", "rewind")
    check(control("/model/hidden").get_attribute("value") == "300, 100", "preset hidden")
    wait.until(lambda d: d.find_element(By.ID, "estimate").text not in ("", before))

    # A schema error shows beside the button as the form changes.
    epochs = control("/training/epochs")
    epochs.clear()
    epochs.send_keys("999")
    wait.until(lambda d: "/training/epochs" in d.find_element(By.ID, "estimate").text)
    epochs.clear()
    epochs.send_keys("3")

    # Submit: the job is queued and listed; cancel, then delete it.
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "Queued job" in d.find_element(By.ID, "form-error").text)
    jobs = json.load(urllib.request.urlopen(f"{base}/jobs"))["jobs"]
    check(len(jobs) == 1 and jobs[0]["spec"]["pruning"]["schedule"] == "iterative", f"submitted {jobs}")
    check(jobs[0]["spec"]["pruning"]["rewind"] == "init" and jobs[0]["estimate"] is not None, "spec and estimate kept")
    row = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#job-rows tr:not(.empty)"))
    row.find_element(By.XPATH, ".//button[text()='Cancel']").click()
    wait.until(lambda d: json.load(urllib.request.urlopen(f"{base}/jobs/{jobs[0]['id']}"))["state"] == "cancelled")
    wait.until(lambda d: d.find_elements(By.XPATH, "//*[@id='job-rows']//button[text()='Delete']"))
    driver.find_element(By.XPATH, "//*[@id='job-rows']//button[text()='Delete']").click()
    driver.switch_to.alert.accept()
    wait.until(lambda d: json.load(urllib.request.urlopen(f"{base}/jobs"))["jobs"] == [])

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
    print("browser test: form, presets, estimate, submit, cancel, delete and upload work")
finally:
    driver.quit()
