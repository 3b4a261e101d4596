/* An endless list: each page of stories arrives as JSON when the reader nears the end, and each
   story's image loads only when it comes into view (lazy). */
(function () {
  "use strict";
  var list = document.getElementById("list");
  var end = document.getElementById("end");
  var next = list.getAttribute("data-next");
  var loading = false;
  var lazy = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      var img = entry.target;
      img.src = img.getAttribute("data-src");
      lazy.unobserve(img);
    });
  }, { rootMargin: "100px 0px" });

  function more() {
    if (!next || loading) { return; }
    loading = true;
    fetch(next).then(function (r) { return r.json(); }).then(function (page) {
      page.items.forEach(function (item) {
        var div = document.createElement("div");
        div.className = "item";
        div.innerHTML = '<h2><a href="' + item.href + '">' + item.title + "</a></h2>";
        var img = document.createElement("img");
        img.setAttribute("data-src", item.image);
        img.alt = item.title;
        div.appendChild(img);
        list.appendChild(div);
        lazy.observe(img);
      });
      next = page.next;
      if (!next) { end.textContent = "The end."; }
      loading = false;
      // Still in view after this page (a tall window): the observer will not fire again by itself.
      if (end.getBoundingClientRect().top < window.innerHeight + 400) { more(); }
    });
  }
  new IntersectionObserver(function (entries) {
    if (entries[0].isIntersecting) { more(); }
  }, { rootMargin: "400px 0px" }).observe(end);
  more();
})();
