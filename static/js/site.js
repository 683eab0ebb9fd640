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
  // Date fields speak the page's language. A browser shows <input type=date> in its own
  // locale's format (mm/dd/yyyy on a Chinese page in an American browser), so on a desktop
  // whose browser speaks another language than the page, flatpickr shows the date in the
  // page's words and keeps sending yyyy-mm-dd. Phones keep their native picker, which their
  // owner's system already speaks.
  var me = document.currentScript;
  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attrs).forEach(function (key) { node[key] = attrs[key]; });
      node.onload = resolve;
      node.onerror = reject;
      document.head.appendChild(node);
    });
  }
  function speakDates() {
    var fields = document.querySelectorAll("input[type=date]");
    if (!fields.length || !me || !window.matchMedia("(pointer: fine)").matches) return;
    var page = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    var browser = (navigator.language || "en").slice(0, 2).toLowerCase();
    if (page === browser) return;
    var zh = page === "zh";
    load("link", { rel: "stylesheet", href: me.dataset.datepickerCss });
    load("script", { src: me.dataset.datepicker })
      .then(function () { return zh ? load("script", { src: me.dataset.datepickerZh }) : null; })
      .then(function () {
        Array.prototype.forEach.call(fields, function (field) {
          var id = field.id;
          var picker = window.flatpickr(field, {
            locale: zh ? "zh" : "default",
            dateFormat: "Y-m-d",
            altInput: true,
            altFormat: me.dataset.datepickerFormat,
            ariaDateFormat: me.dataset.datepickerFormat,
            allowInput: true,
            minDate: field.min || null,
            maxDate: field.max || null,
          });
          // The label, its hint and any error name the field people type into.
          var shown = picker.altInput;
          if (id) {
            field.id = id + "-value";
            shown.id = id;
          }
          ["aria-describedby", "aria-invalid", "required", "autocomplete"].forEach(function (name) {
            if (field.hasAttribute(name)) shown.setAttribute(name, field.getAttribute(name));
          });
          shown.placeholder = me.dataset.datepickerExample;
        });
      })
      .catch(function () { /* the native field stays */ });
  }
  document.addEventListener("DOMContentLoaded", speakDates);
  // An open conversation refreshes every 15 seconds through htmx (loaded on its page), and not
  // while the tab is hidden; it catches up at once when the tab shows again.
  function pollThreads() {
    if (!window.htmx || document.visibilityState !== "visible") return;
    document.querySelectorAll("[data-thread-poll]").forEach(function (thread) {
      window.htmx.trigger(thread, "thread-poll");
    });
  }
  window.addEventListener("load", function () {
    var thread = document.querySelector("[data-thread-poll]");
    if (!thread) return;
    window.setInterval(pollThreads, Number(thread.dataset.threadPoll) * 1000);
    document.addEventListener("visibilitychange", pollThreads);
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
