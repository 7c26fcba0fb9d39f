// What every page shares: a form whose effect is hard to undo (chốt điểm, khoá sổ, ký số, đóng dấu …) asks
// first: <form data-confirm="…?">. The submit event comes after the browser's own checks, so the question is
// asked only of a complete form. A <button data-print> prints the page (the CSP allows no inline handler).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("button[data-print]")) {
      window.print();
    }
  });
})();
