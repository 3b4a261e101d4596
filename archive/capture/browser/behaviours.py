"""Scripts run in the page: guards against hostile pages, and behaviours that make a page show
what it holds (lazy images, endless lists, folded article text)."""

from __future__ import annotations

# Before any page script: dialogs and new windows do nothing (counted, so the record says so).
# Chromium's --block-new-web-contents stops windows too; this also spares the round trips.
GUARDS = """
(() => {
  const blocked = {dialogs: 0, windows: 0};
  Object.defineProperty(window, '__archiveBlocked', {value: blocked});
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = function () { blocked.dialogs++; return name === 'confirm' ? false : null; };
  }
  window.open = function () { blocked.windows++; return null; };
})();
"""

# Expand what is plainly the article's own folded text: <details> inside the article (or main)
# element, a short "read more" button there. Returns JSON counts.
EXPAND = """
JSON.stringify((() => {
  const done = {expanded: 0, clicked: 0};
  const scope = document.querySelector('article') || document.querySelector('main');
  if (!scope) return done;
  for (const d of scope.querySelectorAll('details:not([open])')) { d.open = true; done.expanded++; }
  const more = /^\\s*(read|show|see|load) (the )?(more|full (story|article))\\b|^\\s*continue reading/i;
  for (const el of scope.querySelectorAll('button, [role=button], a[href="#"]')) {
    const text = (el.textContent || '').trim();
    if (text.length < 40 && more.test(text)) { el.click(); done.clicked++; }
  }
  return done;
})())
"""

# One scroll step of a viewport; returns JSON [was at the bottom before this step, page height
# before this step] (what the last step made the page load has arrived by then).
# It resolves after two rendered frames (or a second at most): by then the observers the scroll
# woke have run, and the requests they make have started.
SCROLL_STEP = """
(async () => {
  const root = document.scrollingElement || document.documentElement;
  const state = [window.scrollY + window.innerHeight >= root.scrollHeight - 2, root.scrollHeight];
  window.scrollBy(0, window.innerHeight);
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  await Promise.race([frame().then(frame).then(() => new Promise(r => setTimeout(r, 0))),
                      new Promise(r => setTimeout(r, 1000))]);
  return JSON.stringify(state);
})()
"""

SCROLL_TOP = "window.scrollTo(0, 0); 0"

# The rendered DOM, cut at a bound (a 50 MB DOM must not become one 50 MB message per page).
DOM = """
(() => {
  const el = document.documentElement;
  let html = el ? el.outerHTML : '';
  if (document.doctype) html = '<!DOCTYPE ' + document.doctype.name + '>\\n' + html;
  return JSON.stringify([html.length > %d ? html.slice(0, %d) : html, html.length]);
})()
"""

# Images on the page and how many of them show (loaded, with a width): for the record and the
# replay-completeness benchmark.
IMAGES = """
JSON.stringify((() => {
  const imgs = [...document.images];
  return {total: imgs.length, shown: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
          blocked: window.__archiveBlocked || null};
})())
"""


def dom(limit: int) -> str:
    return DOM % (limit, limit)
