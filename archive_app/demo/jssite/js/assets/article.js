/* The whole article arrives as JSON and is rendered here: the served HTML holds none of it.
   The web font's stylesheet is inserted by script too. */
(function () {
  "use strict";
  var font = document.createElement("link");
  font.rel = "stylesheet";
  font.href = "/js/assets/font.css";
  document.head.appendChild(font);

  var story = document.getElementById("story");
  fetch(story.getAttribute("data-source")).then(function (r) { return r.json(); }).then(function (data) {
    document.title = data.headline + " | NIQASH";
    var html = "<h1>" + data.headline + "</h1>";
    html += '<p class="byline">By <span class="author">' + data.author + "</span> | <time datetime=\"" +
      data.datePublished + "\">" + data.dateline + "</time></p>";
    data.body.forEach(function (para, i) {
      html += "<p>" + para + "</p>";
      var photo = data.photos[i];
      if (photo) {
        html += '<figure><img src="' + photo.src + '" alt="' + photo.alt + '" width="' + photo.width +
          '" height="' + photo.height + '"><figcaption>' + photo.caption + "</figcaption></figure>";
      }
    });
    story.innerHTML = html;
    story.classList.add("ready");
  });
})();
