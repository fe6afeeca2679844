// What the dashboard e2e tests check on every page at every width: nothing cut off, nothing
// overlapping, no dead band. Returns the problems found, in words (empty: the layout holds).
() => {
  const problems = [];
  const name = (el) => el.dataset?.testid || el.querySelector?.("h2")?.textContent || el.className || el.tagName;
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) problems.push(`the page scrolls sideways (${doc.scrollWidth}px in ${window.innerWidth}px)`);
  const boxes = [...document.querySelectorAll("main .card, main .kpi")].filter((e) => e.offsetParent !== null);
  for (const el of boxes) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)}: its content is wider than it (${el.scrollWidth} > ${el.clientWidth})`);
  }
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].contains(boxes[j]) || boxes[j].contains(boxes[i])) continue;
      const a = boxes[i].getBoundingClientRect(), b = boxes[j].getBoundingClientRect();
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left), y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) problems.push(`${name(boxes[i])} overlaps ${name(boxes[j])}`);
    }
  // a dead band: more than 200 px of empty page under a card before the next card below it
  // (in its column) or the end of its grid
  for (const grid of document.querySelectorAll("main .grid")) {
    const cards = [...grid.children].filter((e) => e.offsetParent !== null);
    const bottom = grid.getBoundingClientRect().bottom;
    for (const c of cards) {
      const r = c.getBoundingClientRect();
      const below = cards.map((o) => o.getBoundingClientRect()).filter((o) => o.top >= r.bottom - 1 && o.left < r.right - 1 && o.right > r.left + 1);
      const next = below.length ? Math.min(...below.map((o) => o.top)) : bottom;
      if (next - r.bottom > 200) problems.push(`${name(c)}: ${Math.round(next - r.bottom)} px of empty page under it`);
    }
  }
  for (const v of document.querySelectorAll(".kpi-value"))
    if (v.scrollWidth > v.clientWidth + 1) problems.push(`a figure is cut off: ${v.textContent}`);
  for (const chart of document.querySelectorAll(".chart")) {
    const r = chart.getBoundingClientRect();
    if (r.width < 50 || r.height < 50) { if (chart.offsetParent !== null) problems.push(`${name(chart.closest(".card") ?? chart)}: a chart of ${r.width}x${r.height}`); continue; }
    for (const t of chart.querySelectorAll("svg text")) {
      const q = t.getBoundingClientRect();
      if (!q.width || !t.textContent) continue;
      if (q.left < r.left - 1 || q.right > r.right + 1 || q.top < r.top - 1 || q.bottom > r.bottom + 1)
        problems.push(`${name(chart.closest(".card") ?? chart)}: the label "${t.textContent}" is cut off`);
    }
  }
  return problems;
}
