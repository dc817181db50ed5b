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

// Choosing a project on the apply form fills in its amount and match funding (data-amount, data-match on
// each option), unless they were typed by hand. Without JavaScript, the links above the form do the same.
document.addEventListener("change", function (event) {
  var select = event.target.closest("[data-fill-figures]");
  if (!select) return;
  var option = select.options[select.selectedIndex];
  [["amount", "data-amount"], ["match", "data-match"]].forEach(function (pair) {
    var input = document.getElementById(pair[0]);
    if (!input || !option || !option.hasAttribute(pair[1])) return;
    if (input.value === "" || input.getAttribute("data-filled") === input.value) {
      input.value = option.getAttribute(pair[1]);
      input.setAttribute("data-filled", input.value);
    }
  });
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-fill-figures]").forEach(function (select) {
    var option = select.options[select.selectedIndex];
    [["amount", "data-amount"], ["match", "data-match"]].forEach(function (pair) {
      var input = document.getElementById(pair[0]);
      if (input && option && option.getAttribute(pair[1]) === input.value) input.setAttribute("data-filled", input.value);
    });
  });
});
