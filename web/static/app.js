// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box (unless the reader is typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    var box = document.querySelector("[data-shortcut='/']");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // On narrow screens the filter panel starts folded, so results come first.
  document.querySelectorAll("details[data-collapse-below]").forEach(function (details) {
    var width = parseInt(details.getAttribute("data-collapse-below"), 10);
    if (window.matchMedia("(max-width: " + width + "px)").matches) details.open = false;
  });
})();
