// Staff intake. Picking an agency from the list chooses "another agency" (without JavaScript the
// form asks when a suggestion and a listed agency are both chosen). The receipt's print button is
// shown only where JavaScript runs; elsewhere the browser's own Print works the same.
document.addEventListener("change", (event) => {
  if (event.target.id === "id_other_agency" && event.target.value) {
    const other = document.getElementById("agency_other");
    if (other) other.checked = true;
  }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});
