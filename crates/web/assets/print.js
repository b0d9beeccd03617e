// 打印: shows the print buttons (hidden without JavaScript, where the browser's own
// print command serves) and prints the page when one is pressed. An external file,
// so the Content-Security-Policy needs no inline script.
document.querySelectorAll('[data-print]').forEach(function (b) {
  var group = b.closest('.print-action');
  if (group) group.hidden = false;
  b.hidden = false;
  b.addEventListener('click', function () { window.print(); });
});
