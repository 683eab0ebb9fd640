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
  // "Add another role" brings the page back at the new row (#role-N; the browser scrolls to
  // it): its first field takes the focus (autofocus is ignored when the address names a spot).
  window.addEventListener("load", function () {
    var row = location.hash && document.getElementById(location.hash.slice(1));
    if (row && row.classList.contains("role-row")) {
      var field = row.querySelector("select, input:not([type=hidden]), textarea");
      if (field) field.focus({ preventScroll: true });
    }
  });
})();
