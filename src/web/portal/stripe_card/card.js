// The card page: Stripe.js collects the card into a SetupIntent that our server makes,
// our server pays the order with it, and Stripe.js does 3-D Secure if the bank asks.
// Only what both the real Stripe.js and localstripe's fake one offer is used (but
// for handleNextAction, used when there).
(function () {
  'use strict';
  var form = document.getElementById('card-form');
  if (!form) return;
  var data = form.dataset;
  var button = document.getElementById('card-pay');
  var message = document.getElementById('card-message');
  var save = document.getElementById('card-save');

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? 'notice error' : 'notice';
  }

  // Stripe.js did not load (offline, blocked): Pay stays disabled.
  if (typeof Stripe !== 'function') {
    say(data.unavailable, true);
    return;
  }
  var stripe = Stripe(data.key, { locale: data.locale });
  var card = stripe.elements().create('card', { hidePostalCode: true });
  card.mount('#card-element');
  button.disabled = false;

  // A POST to our server with the CSRF token; its JSON answer, or an Error to show.
  async function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set('csrf', data.csrf);
    var response = await fetch(url, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    var answer = null;
    try {
      answer = await response.json();
    } catch (ignored) {
      answer = null;
    }
    if (!response.ok || !answer) {
      throw new Error((answer && answer.error && answer.error.message) || data.failed);
    }
    return answer;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    button.disabled = true;
    say(data.processing, false);
    try {
      var setup = await post(data.setupUrl, save && save.checked ? { save: 'on' } : {});
      var result = await stripe.confirmCardSetup(setup.client_secret, { payment_method: { card: card } });
      if (result.error) throw new Error(result.error.message || data.failed);
      var fields = { setup_intent: result.setupIntent.id };
      var paid = await post(data.confirmUrl, fields);
      if (paid.next === 'authenticate') {
        // Our server confirmed; the bank wants 3-D Secure. Stripe.js's call for that
        // is handleNextAction; localstripe's fake has only confirmCardPayment, which
        // does the same there. Whatever the bank says, the order page shows it:
        // asking our server again makes it read the outcome from Stripe now.
        if (typeof stripe.handleNextAction === 'function') {
          await stripe.handleNextAction({ clientSecret: paid.client_secret });
        } else {
          await stripe.confirmCardPayment(paid.client_secret);
        }
        paid = await post(data.confirmUrl, fields);
      }
      window.location.assign(paid.redirect);
    } catch (error) {
      say((error && error.message) || data.failed, true);
      button.disabled = false;
    }
  });
})();
