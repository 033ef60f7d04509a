// Follows an order that waits for its payment: asks the server for the order's
// state every few seconds and reloads the page (without ?returned / ?checked) when
// it changes. Without this script, reloading shows the same final state.
(function () {
  'use strict';
  var box = document.querySelector('[data-follow]');
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute('data-follow');
  var state = box.getAttribute('data-state');
  var asked = 0;
  function ask() {
    asked += 1;
    if (asked > 400) { return; }
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (order) {
        if (order && order.state && order.state !== state) {
          window.location.replace(window.location.pathname);
          return;
        }
        setTimeout(ask, document.hidden ? 10000 : 3000);
      })
      .catch(function () { setTimeout(ask, 10000); });
  }
  setTimeout(ask, 2000);
}());
