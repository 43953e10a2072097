/* The review queue: Enter in a row's note never submits the list (which would run the
   action bar's "Go" and lose the note). It keeps the note and moves to that row's
   Reject button: Enter again rejects the item with the note. */
"use strict";
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key !== "Enter" || !field.matches || !field.matches(".nr-decide input[type=text]")) {
    return;
  }
  event.preventDefault();
  var reject = field.closest(".nr-decide").querySelector("button.nr-reject");
  if (reject) {
    reject.focus();
  }
});
