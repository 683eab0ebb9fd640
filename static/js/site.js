// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Forms with data-confirm ask before a destructive action. A form that acts on ticked
  // boxes (data-needs-ticked: their name) says so instead when none is ticked.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute) return;
    var needs = form.getAttribute("data-needs-ticked");
    if (needs) {
      var boxes = form.elements.namedItem(needs);
      var list = boxes ? (boxes.length === undefined ? [boxes] : Array.prototype.slice.call(boxes)) : [];
      if (!list.some(function (box) { return box.checked; })) {
        window.alert(form.getAttribute("data-none-ticked"));
        event.preventDefault();
        return;
      }
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
