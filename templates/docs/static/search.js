// Filters the contract list of the catalog index. The list works without this script: it only hides cards.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var q = document.getElementById("q");
  var owner = document.getElementById("owner");
  var tag = document.getElementById("tag");
  var kind = document.getElementById("port");
  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-contract]"));
  var status = document.getElementById("count");
  var empty = document.getElementById("empty");

  function matches(card, words) {
    var text = card.getAttribute("data-search") || "";
    var tags = JSON.parse(card.getAttribute("data-tags") || "[]");
    var ports = JSON.parse(card.getAttribute("data-ports") || "[]");
    if (owner.value && card.getAttribute("data-owner") !== owner.value) { return false; }
    if (tag.value && tags.indexOf(tag.value) < 0) { return false; }
    if (kind.value && ports.indexOf(kind.value) < 0) { return false; }
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  }

  function update() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var ok = matches(card, words);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = shown + (shown === 1 ? " contract" : " contracts");
    empty.hidden = shown !== 0;
  }

  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { q.value = params.get("q"); }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  update();
}());
