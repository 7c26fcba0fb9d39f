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
    if (!event.target.closest) { return; }
    if (event.target.closest("button[data-print]")) {
      window.print();
    }
    var copy = event.target.closest("button[data-copy]");
    if (copy) { copyText(copy); }
    var share = event.target.closest("button[data-share]");
    if (share && navigator.share) {
      navigator.share({title: share.getAttribute("data-share-title") || document.title,
                       url: share.getAttribute("data-share")}).catch(function () {});
    }
  });
  // <button data-copy="text">: copies the text and says so on the button. <button data-share="url" hidden>: shown
  // where the device can hand a link to another app (Zalo, Messenger, e-mail …: the Web Share API of phones).
  function copyText(button) {
    var text = button.getAttribute("data-copy");
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    var done = function (ok) {
      button.textContent = ok ? "Đã sao chép" : "Chưa sao chép được: hãy nhấn giữ liên kết để sao chép";
      window.setTimeout(function () { button.textContent = label; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(copyBySelection(text)); });
    } else {
      done(copyBySelection(text));  // a page served over plain HTTP has no clipboard API
    }
  }
  function copyBySelection(text) {
    var box = document.createElement("textarea");
    box.value = text;
    box.setAttribute("readonly", "");
    box.style.position = "fixed";
    box.style.opacity = "0";
    document.body.appendChild(box);
    box.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(box);
    return ok;
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.share) { return; }
    document.querySelectorAll("button[data-share]").forEach(function (b) { b.hidden = false; });
  });
})();
