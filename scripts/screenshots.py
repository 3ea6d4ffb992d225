"""Regenerate the README's screenshots from the demo (``make screenshots``).

A throw-away SQLite database gets the demo (manage.py seed_demo), a development server serves it on a free port,
and Debian's headless Chromium (Playwright, never a downloaded browser) photographs the dashboard, the editor and
the findings page at 1280x800; the PDF report of the demo (manage.py assess --format pdf) has its first page
with the diagram rendered to PNG by pdftoppm (poppler-utils). Everything lands in docs/images/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testkit.browser import CHROMIUM  # noqa: E402
from testkit.servers import free_port, stop, wait_port  # noqa: E402

OUT = ROOT / "docs" / "images"
DEMO = ROOT / "threatmodel" / "demo" / "online-shop.yaml"
WIDTH, HEIGHT = 1280, 800
PASSWORD = "screenshots-only-1"


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def pdf_page(env: dict[str, str], tmp: Path) -> None:
    """The report's first page that shows the diagram, as a PNG 1280 pixels wide."""
    pdf = tmp / "report.pdf"
    manage(env, "assess", str(DEMO), "--format", "pdf", "--output", str(pdf))
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    texts = pages.stdout.split("\f")
    first = next(  # the diagram's own page, not the contents that name it
        (i + 1 for i, text in enumerate(texts) if "System diagram" in text and "Contents" not in text), 1
    )
    target = OUT / "report-pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", "-f", str(first), "-l", str(first), "-scale-to", str(WIDTH), str(pdf)]
        + [str(target)],
        check=True,
    )


def pages(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        # Playwright evaluates wait predicates with eval, which the site's CSP forbids
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{url}/login/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "dashboard.png"))
        href = page.evaluate(
            "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
            ".find(h => /^\\/models\\/\\d+\\/$/.test(h))"
        )
        page.goto(url + str(href))
        page.wait_for_function("document.body.dataset.editorSettled === '1'", timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "editor.png"))
        page.goto(url + str(href) + "findings/")
        for _ in range(60):  # the stored assessment of the demo's revision is made in the background
            if page.locator("#findings-body").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        page.wait_for_function("document.body.dataset.findingsReady === '1'", timeout=60_000)
        page.locator("#findings-body > tr summary").first.click()  # one finding opened on its detail
        page.screenshot(path=str(OUT / "findings.png"))
        browser.close()


def main() -> int:
    for tool in ("pdftoppm", "pdftotext"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install poppler-utils", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trustmap-shots-") as name:
        tmp = Path(name)
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("REDIS_URL", None)  # assessments run in process
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--password", PASSWORD)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_port(port, 60, server)
            pages(f"http://127.0.0.1:{port}")
        finally:
            stop(server)
        pdf_page(env, tmp)
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(ROOT)} {png.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
