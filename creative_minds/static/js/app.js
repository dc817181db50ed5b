// Small behaviours for every page, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
