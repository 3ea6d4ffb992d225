"""The headless Chromium the browser tests, the browser benchmarks and the screenshots script launch: Debian's
(``TRUSTMAP_CHROMIUM`` to use another), never a downloaded one, with the background services that would add
noise to a measurement or reach the network switched off."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("TRUSTMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
