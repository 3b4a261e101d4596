/* The gallery's images have no source in the markup: their srcset is built here. */
(function () {
  "use strict";
  var files = {
    "police-anbar": ["police-anbar-480", "police-anbar-960"],
    "parade": ["parade", "parade"],
    "senior-officers": ["senior-officers", "senior-officers"]
  };
  Array.prototype.forEach.call(document.querySelectorAll(".gallery img"), function (img) {
    var names = files[img.getAttribute("data-photo")];
    img.sizes = "480px";
    img.srcset = "/js/img/" + names[0] + ".jpg?w=480 480w, /js/img/" + names[1] + ".jpg?w=960 960w";
  });
})();
