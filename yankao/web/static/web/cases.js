// The inbox's "select all shown" box. Without JavaScript it stays hidden and each row is ticked by hand.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("pick-all");
  if (!all) return;
  all.closest(".pick-all").hidden = false;
  all.addEventListener("change", () => {
    document.querySelectorAll("#case-rows input[name='numbers']").forEach((box) => { box.checked = all.checked; });
  });
});
