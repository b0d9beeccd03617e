// 12345 agent screen: suggest knowledge-base answers while the call is typed in.
// Progressive enhancement: without this script the panel's search form opens the
// knowledge base in a new tab.
(function () {
  "use strict";
  var panel = document.getElementById("kb-suggest");
  var out = document.getElementById("kb-suggest-results");
  if (!panel || !out || !window.fetch) return;
  var sources = [document.getElementById("content"), document.getElementById("kb-q")];
  var timer = null;
  var last = "";
  function ask(text) {
    text = text.replace(/\s+/g, " ").trim().slice(-80);
    if (text.length < 2 || text === last) return;
    last = text;
    fetch("/kb/suggest?q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html && text === last) out.innerHTML = html; })
      .catch(function () {});
  }
  sources.forEach(function (el) {
    if (!el) return;
    el.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { ask(el.value); }, 300);
    });
  });
  var content = sources[0];
  if (content && content.value) ask(content.value);
})();
