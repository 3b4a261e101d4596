"""Browser capture: pages loaded in headless Chromium over the DevTools protocol, every request
they make fetched and recorded by the capture session (see intercept.py for why interception
rather than a recording proxy). Library code: no Prefect."""

from archive.capture.browser.auto import needs_browser
from archive.capture.browser.host import BrowserHost
from archive.capture.browser.process import BrowserProcess

__all__ = ["BrowserHost", "BrowserProcess", "needs_browser"]
