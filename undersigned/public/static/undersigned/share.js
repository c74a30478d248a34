// Progressive enhancement of the share block (public/_share.html): the browser's own share
// sheet where it has one, and a copy button. Without this file every link still works.
(function () {
  "use strict";
  document.querySelectorAll(".share-native").forEach(function (button) {
    if (!navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: button.dataset.title, url: button.dataset.url }).catch(function () {});
    });
  });
  document.querySelectorAll(".share-copy-button").forEach(function (button) {
    if (!navigator.clipboard) return;
    var field = document.getElementById("share-url");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });
})();
