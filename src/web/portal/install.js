// Copy buttons for the eSIM's install details. Without this script the buttons stay
// hidden and the values are plain text to select.
(function () {
  'use strict';
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () {
        button.textContent = button.getAttribute('data-copied');
        button.setAttribute('aria-live', 'polite');
        window.setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });
})();
