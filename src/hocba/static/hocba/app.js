// What every page shares: a form whose effect is hard to undo (chốt điểm, khoá sổ, ký số, đóng dấu …) asks
// first: <form data-confirm="…?">. The submit event comes after the browser's own checks, so the question is
// asked only of a complete form.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
