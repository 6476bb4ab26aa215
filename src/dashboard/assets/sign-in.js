// `keel dev` prints the sign-in URL with its dev key in the fragment (#key=…), which the browser
// never sends to the server: fill the form with it, drop it from the address bar and history,
// and sign in.
(function () {
  var match = /^#key=([^&]+)$/.exec(window.location.hash);
  if (match === null) return;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  var input = document.getElementById('key');
  if (input === null) return;
  input.value = decodeURIComponent(match[1]);
  input.form.submit();
})();
