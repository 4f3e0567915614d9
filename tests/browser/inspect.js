// Summary of every plotly chart on the page (run in the page by the browser tests).
() => {
  const isDate = (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v);
  const finite = (v) => v !== null && v !== undefined && v !== "" && !(typeof v === "number" && !isFinite(v));
  const out = [];
  for (const gd of document.querySelectorAll(".plotly-graph-div")) {
    const fl = gd._fullLayout || {};
    const axes = {};
    for (const k of Object.keys(fl)) {
      if (/^xaxis\d*$/.test(k)) axes[k] = {type: fl[k].type, range: fl[k].range, anchor: fl[k].anchor,
        title: (fl[k].title && fl[k].title.text) || "", traces: 0, points: 0, dates: 0};
    }
    const traces = [];
    (gd._fullData || []).forEach((t) => {
      const visible = t.visible === true;
      const xs = Array.from(t.x || []);
      const ys = Array.from(t.y || []);
      const zs = t.z ? Array.from(t.z).flat() : [];
      const points = t.type === "heatmap" ? zs.filter(finite).length
        : t.type === "table" ? 1 : ys.filter(finite).length;
      const dates = xs.filter(isDate).length;
      const ax = "xaxis" + ((t.xaxis || "x").slice(1));
      if (visible && axes[ax]) { axes[ax].traces += 1; axes[ax].points += points; axes[ax].dates += dates; }
      traces.push({name: t.name, type: t.type, visible, points, dates, xaxis: ax});
    });
    const menus = (fl.updatemenus || []).map((m) => ({type: m.type, active: m.active,
      buttons: (m.buttons || []).map((b) => ({label: b.label, method: b.method, args: b.args}))}));
    const title = (fl.title && fl.title.text) || "";
    const annotations = (fl.annotations || []).map((a) => ({text: a.text, x: a.x, y: a.y}));
    const svg = gd.querySelector("svg.main-svg") !== null;
    // bounding boxes of annotation texts (for overlap checks)
    const boxes = Array.from(gd.querySelectorAll("g.annotation")).map((g) => {
      const r = g.getBoundingClientRect(); return {text: g.textContent, x: r.x, y: r.y, w: r.width, h: r.height};
    });
    out.push({id: gd.id, title, svg, axes, traces, menus, annotations, boxes});
  }
  return out;
}
