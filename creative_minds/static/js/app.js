// Small behaviours for every page, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// Questions that apply to one answer of another field (data-shown-for="kind" data-shown-value="peer_led_group")
// are hidden and left out of the form for every other answer. Without JavaScript they stay in view, and the
// server says if they were answered where they do not apply.
function showApplicableQuestions() {
  document.querySelectorAll("[data-shown-for]").forEach(function (group) {
    var field = document.getElementById(group.getAttribute("data-shown-for"));
    if (!field) return;
    var applies = field.value === group.getAttribute("data-shown-value");
    group.hidden = !applies;
    group.disabled = !applies;
  });
}
document.addEventListener("change", function (event) {
  if (event.target.id && document.querySelector('[data-shown-for="' + event.target.id + '"]')) showApplicableQuestions();
});
document.addEventListener("DOMContentLoaded", showApplicableQuestions);
