/*
 * NIQASH site scripts: lazy images, language menu, newsletter form, cookie notice.
 * No framework; runs after the document has been parsed.
 */
(function () {
  "use strict";

  // Swap data-src into src for images marked .lazy once they come near the viewport.
  function loadImage(img) {
    var src = img.getAttribute("data-src");
    if (!src) { return; }
    img.setAttribute("src", src);
    img.removeAttribute("data-src");
    img.classList.remove("lazy");
  }

  function initLazyImages() {
    var images = Array.prototype.slice.call(document.querySelectorAll("img.lazy[data-src]"));
    if (!("IntersectionObserver" in window)) {
      images.forEach(loadImage);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          loadImage(entry.target);
          observer.unobserve(entry.target);
        }
      });
    }, { rootMargin: "200px 0px" });
    images.forEach(function (img) { observer.observe(img); });
  }

  // The newsletter form posts in the background and shows the confirmation inline.
  function initNewsletter() {
    var form = document.querySelector("form.newsletter-form");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = form.querySelector(".confirmation");
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action"));
      request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      request.onload = function () {
        if (message) { message.hidden = false; }
      };
      request.send("email=" + encodeURIComponent(form.elements.email.value));
    });
  }

  // A one-line cookie notice, remembered for a year.
  function initCookieNotice() {
    if (document.cookie.indexOf("niqash_cookies=ok") !== -1) { return; }
    var notice = document.createElement("div");
    notice.className = "cookie-notice";
    notice.textContent = "This site uses cookies to remember your language. ";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "OK";
    button.addEventListener("click", function () {
      document.cookie = "niqash_cookies=ok; max-age=31536000; path=/";
      notice.parentNode.removeChild(notice);
    });
    notice.appendChild(button);
    document.body.appendChild(notice);
  }

  // Open share links in a small window instead of leaving the article.
  function initShareLinks() {
    Array.prototype.forEach.call(document.querySelectorAll(".share a[data-popup]"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        window.open(link.href, "share", "width=600,height=460,noopener");
      });
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); }
    else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    initLazyImages();
    initNewsletter();
    initCookieNotice();
    initShareLinks();
  });
}());
