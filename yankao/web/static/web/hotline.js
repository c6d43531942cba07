// The 1999 console's keyboard: Alt+1..5 jump to a field, Alt+A/D/P/T/O press an outcome button,
// Alt+N starts a new call; Enter in a one-line field moves on instead of logging the call. The
// shortcuts are printed on the page. "引用此案答復" puts an earlier case's number in the answer.
(() => {
  const fields = { "1": "id_phone", "2": "id_category", "3": "id_summary", "4": "id_answer", "5": "id_location_text" };
  const order = ["id_phone", "id_caller_name", "id_category", "id_summary", "id_location_text", "id_district", "id_answer"];

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const key = event.key.toLowerCase();
      const field = fields[key] && document.getElementById(fields[key]);
      if (field) {
        event.preventDefault();
        field.focus();
        return;
      }
      const target = document.querySelector(`[data-shortcut="${CSS.escape(key)}"]`);
      if (target) {
        event.preventDefault();
        target.click();
      }
      return;
    }
    const current = event.target;
    // Enter in the category box belongs to its list of suggestions (choosing one moves on below).
    if (event.key === "Enter" && current instanceof HTMLInputElement && current.id !== "id_category"
        && current.form && current.form.id === "hotline-form") {
      event.preventDefault();
      const next = order[order.indexOf(current.id) + 1];
      if (next) document.getElementById(next)?.focus();
    }
  });

  // A category picked from the list: on to the summary.
  document.addEventListener("input", (event) => {
    if (event.target.id === "id_category" && event.inputType === "insertReplacementText") {
      document.getElementById("id_summary")?.focus();
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-cite]");
    if (!button) return;
    const answer = document.getElementById("id_answer");
    if (!answer) return;
    const line = `本案與案件 ${button.dataset.cite}（${button.dataset.agency}辦理中）為同一事項，已告知來電者。`;
    answer.value = answer.value ? `${answer.value}\n${line}` : line;
    answer.focus();
  });

  // Once the call is being logged the page is about to change: a side-panel request still starting
  // would be cut off mid-way (the server then sees a broken request), so none starts.
  let leaving = false;
  document.addEventListener("submit", (event) => {
    if (event.target.id === "hotline-form") leaving = true;
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (leaving) event.preventDefault();
  });

  // The call's clock: minutes and seconds since the form was shown (the call's recorded start).
  const tick = () => {
    const clock = document.getElementById("hotline-clock");
    if (!clock) return;
    const seconds = Math.max(0, Math.floor((Date.now() - Number(clock.dataset.started)) / 1000));
    const minutes = Math.floor(seconds / 60);
    clock.textContent = `${String(minutes).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  };
  setInterval(tick, 1000);

  document.addEventListener("DOMContentLoaded", () => {
    tick();
    const errors = document.getElementById("form-errors");
    const phone = document.getElementById("id_phone");
    if (errors) errors.focus?.();
    else if (phone && document.activeElement === document.body) phone.focus();
  });
})();
