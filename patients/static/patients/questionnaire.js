// Questionnaire pages: show or hide conditional questions as the patient answers, and keep
// "none of these" exclusive. The server applies the same rules, so this is only a convenience.
(function () {
  const form = document.getElementById("q-form");
  if (!form) return;

  function valueOf(key) {
    const els = Array.from(form.querySelectorAll('[name="' + key + '"]'));
    if (!els.length) return undefined;
    if (els[0].type === "checkbox") return els.filter((e) => e.checked).map((e) => e.value);
    if (els[0].type === "radio") {
      const c = els.find((e) => e.checked);
      return c ? c.value : null;
    }
    return els[0].value;
  }

  function blank(v) {
    return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function holds(c) {
    if (c.all) return c.all.every(holds);
    if (c.any) return c.any.some(holds);
    const v = valueOf(c.item);
    if ("answered" in c) return !blank(v) === c.answered;
    if ("equals" in c) return String(v) === String(c.equals);
    if ("one_of" in c) return c.one_of.map(String).includes(String(v));
    if ("contains" in c) return Array.isArray(v) && v.includes(c.contains);
    return false;
  }

  function update() {
    form.querySelectorAll("[data-show-if]").forEach((el) => {
      el.hidden = !holds(JSON.parse(el.dataset.showIf));
    });
  }

  form.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t.type === "checkbox" && t.checked) {
      const group = form.querySelectorAll('[name="' + t.name + '"]');
      group.forEach((other) => {
        if (other === t) return;
        if (t.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) other.checked = false;
      });
    }
    update();
  });
  update();
})();
