// Draws the report's plots as SVG from the JSON in #report-data. No library, no network.
// Marks each figure with data-marks (data marks drawn) and the body with data-plots-ok and
// data-script-errors, which the browser test reads.
(function () {
  'use strict';
  var errors = [];
  function fail(message) {
    errors.push(String(message));
    var pre = document.getElementById('script-errors');
    pre.hidden = false;
    pre.textContent = errors.join('\n');
    document.body.setAttribute('data-script-errors', String(errors.length));
  }
  window.addEventListener('error', function (e) { fail(e.message || 'script error'); });
  document.body.setAttribute('data-script-errors', '0');

  var NS = 'http://www.w3.org/2000/svg';
  var W = 560, H = 320, M = { l: 62, r: 14, t: 12, b: 54 };
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var PRECISION = { 'fp32': '#1f77b4', 'tf32': '#17becf', 'amp-fp16': '#d62728', 'amp-bf16': '#ff7f0e' };

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    var a = attrs || {};
    a.x = x; a.y = y;
    var t = el('text', a, parent);
    t.textContent = s;
    return t;
  }
  function finite(v) { return typeof v === 'number' && isFinite(v); }
  function extent(values, pad) {
    var v = values.filter(finite);
    if (v.length === 0) return [0, 1];
    var lo = Math.min.apply(null, v), hi = Math.max.apply(null, v);
    if (lo === hi) { lo -= Math.abs(lo) * 0.05 || 1; hi += Math.abs(hi) * 0.05 || 1; }
    var p = (hi - lo) * (pad === undefined ? 0.06 : pad);
    return [lo - p, hi + p];
  }
  function ticks(lo, hi, n) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return out;
  }
  function fmt(v) {
    var a = Math.abs(v);
    return a >= 10000 ? v.toExponential(1) : a >= 100 ? v.toFixed(0) : a >= 1 ? String(+v.toFixed(2)) : String(+v.toPrecision(2));
  }
  function scale(d0, d1, r0, r1) { return function (v) { return r0 + (v - d0) / (d1 - d0) * (r1 - r0); }; }
  function frame(svg, xLabel, yLabel) {
    text(svg, M.l + (W - M.l - M.r) / 2, H - 8, xLabel, { 'text-anchor': 'middle' });
    text(svg, 14, M.t + (H - M.t - M.b) / 2, yLabel, { 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (M.t + (H - M.t - M.b) / 2) + ')' });
  }
  function yAxis(svg, y, lo, hi) {
    var g = el('g', { 'class': 'axis' }, svg), grid = el('g', { 'class': 'grid' }, svg);
    ticks(lo, hi, 5).forEach(function (t) {
      el('line', { x1: M.l, x2: W - M.r, y1: y(t), y2: y(t) }, grid);
      text(g, M.l - 6, y(t) + 4, fmt(t), { 'text-anchor': 'end' });
    });
    el('line', { x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }, g);
  }
  function xAxis(svg, x, lo, hi) {
    var g = el('g', { 'class': 'axis' }, svg);
    ticks(lo, hi, 6).forEach(function (t) {
      el('line', { x1: x(t), x2: x(t), y1: H - M.b, y2: H - M.b + 4 }, g);
      text(g, x(t), H - M.b + 16, fmt(t), { 'text-anchor': 'middle' });
    });
    el('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }, g);
  }
  function legend(svg, entries) {
    var x = M.l + 8, y = M.t + 10;
    entries.forEach(function (e) {
      el('rect', { x: x, y: y - 8, width: 10, height: 10, fill: e.color }, svg);
      var t = text(svg, x + 14, y + 1, e.name);
      x += 24 + 6.2 * e.name.length;
      if (x > W - 120) { x = M.l + 8; y += 14; }
      return t;
    });
  }
  function colorFor(names) {
    var map = {}, i = 0;
    names.forEach(function (n) { if (!(n in map)) map[n] = PALETTE[i++ % PALETTE.length]; });
    return map;
  }
  function tip(node, s) { el('title', {}, node).textContent = s; }

  var draw = {
    lines: function (svg, d) {
      var xs = [], ys = [];
      d.series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
      var xd = extent(xs.concat([0]), 0.02), yd = extent(ys);
      var x = scale(xd[0], xd[1], M.l, W - M.r), y = scale(yd[0], yd[1], H - M.b, M.t);
      yAxis(svg, y, yd[0], yd[1]); xAxis(svg, x, xd[0], xd[1]); frame(svg, d.x, d.y);
      var colors = colorFor(d.series.map(function (s) { return s.group; }));
      if (d.series.every(function (s) { return PRECISION[s.group]; })) { // only precision varies: its usual colours
        Object.keys(colors).forEach(function (k) { colors[k] = PRECISION[k]; });
      }
      var marks = 0;
      d.series.forEach(function (s) {
        var pts = s.points.filter(function (p) { return finite(p[0]) && finite(p[1]); });
        if (pts.length === 0) return;
        var line = el('polyline', { points: pts.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); }).join(' '),
          fill: 'none', stroke: colors[s.group], 'stroke-width': 1.4, 'stroke-opacity': 0.8, 'class': 'mark' }, svg);
        tip(line, s.group + ': run ' + s.name);
        marks++;
      });
      legend(svg, Object.keys(colors).map(function (k) { return { name: k, color: colors[k] }; }));
      return marks;
    },
    dist: function (svg, d) {
      var all = [];
      d.categories.forEach(function (c) { all = all.concat(c.values, [c.lo, c.hi, c.mean]); });
      var yd = extent(all), n = d.categories.length, band = (W - M.l - M.r) / n;
      var y = scale(yd[0], yd[1], H - M.b, M.t);
      yAxis(svg, y, yd[0], yd[1]); frame(svg, '', d.y);
      var marks = 0;
      d.categories.forEach(function (c, i) {
        var cx = M.l + band * (i + 0.5), color = PRECISION[c.precision] || PALETTE[i % PALETTE.length];
        var v = c.values.filter(finite).slice().sort(function (a, b) { return a - b; });
        if (v.length >= 2) {
          var q = function (p) { var h = (v.length - 1) * p, lo = Math.floor(h); return v[lo] + (v[Math.min(lo + 1, v.length - 1)] - v[lo]) * (h - lo); };
          var bw = Math.min(36, band * 0.5);
          el('rect', { x: cx - bw / 2, y: y(q(0.75)), width: bw, height: Math.max(1, y(q(0.25)) - y(q(0.75))), fill: color, 'fill-opacity': 0.12, stroke: color }, svg);
          el('line', { x1: cx - bw / 2, x2: cx + bw / 2, y1: y(q(0.5)), y2: y(q(0.5)), stroke: color, 'stroke-width': 2 }, svg);
        }
        v.forEach(function (value, j) {
          var jitter = v.length > 1 ? (j / (v.length - 1) - 0.5) * Math.min(30, band * 0.4) : 0;
          var dot = el('circle', { cx: cx + jitter, cy: y(value), r: 3.2, fill: color, 'fill-opacity': 0.75, 'class': 'mark' }, svg);
          tip(dot, c.label + ': ' + fmt(value));
          marks++;
        });
        if (finite(c.mean)) {
          var mx = cx + Math.min(30, band * 0.3);
          if (finite(c.lo) && finite(c.hi)) el('line', { x1: mx, x2: mx, y1: y(c.lo), y2: y(c.hi), stroke: '#000', 'stroke-width': 1.5 }, svg);
          var dm = el('path', { d: 'M' + mx + ',' + (y(c.mean) - 5) + 'l5,5l-5,5l-5,-5z', fill: '#000', 'class': 'mark' }, svg);
          tip(dm, c.label + ' mean ' + fmt(c.mean) + (finite(c.lo) ? ' [' + fmt(c.lo) + ', ' + fmt(c.hi) + ']' : ''));
          marks++;
        }
        var label = text(svg, cx, H - M.b + 14, c.label, { 'text-anchor': 'end', transform: 'rotate(-25 ' + cx + ' ' + (H - M.b + 14) + ')' });
        label.setAttribute('font-size', n > 8 ? '9' : '11');
      });
      el('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, stroke: '#888' }, svg);
      return marks;
    },
    forest: function (svg, d) {
      var vals = [0];
      d.rows.forEach(function (r) { vals.push(r.d, r.lo, r.hi, r.margin, finite(r.margin) ? -r.margin : null); });
      var longest = Math.max.apply(null, d.rows.map(function (r) { return r.label.length; }));
      var xd = extent(vals), left = Math.min(300, Math.max(120, 6.3 * longest + 14)), rowH = Math.min(40, (H - M.t - M.b) / d.rows.length);
      var x = scale(xd[0], xd[1], left, W - M.r);
      xAxis(svg, x, xd[0], xd[1]);
      text(svg, left + (W - M.r - left) / 2, H - 8, d.x, { 'text-anchor': 'middle' });
      el('line', { x1: x(0), x2: x(0), y1: M.t, y2: H - M.b, stroke: '#888', 'stroke-dasharray': '3,3' }, svg);
      var marks = 0;
      d.rows.forEach(function (r, i) {
        var cy = M.t + rowH * (i + 0.5);
        if (finite(r.margin)) el('rect', { x: x(-r.margin), y: cy - rowH / 2 + 2, width: x(r.margin) - x(-r.margin), height: rowH - 4, fill: '#000', 'fill-opacity': 0.07 }, svg);
        if (finite(r.lo) && finite(r.hi)) el('line', { x1: x(r.lo), x2: x(r.hi), y1: cy, y2: cy, stroke: '#333', 'stroke-width': 1.6 }, svg);
        var color = r.significant ? '#d62728' : '#555';
        var m = r.equivalent
          ? el('rect', { x: x(r.d) - 4, y: cy - 4, width: 8, height: 8, fill: color, 'class': 'mark' }, svg)
          : el('circle', { cx: x(r.d), cy: cy, r: 4.5, fill: r.significant ? color : '#fff', stroke: color, 'stroke-width': 1.6, 'class': 'mark' }, svg);
        tip(m, r.label + ': ' + fmt(r.d) + (finite(r.lo) ? ' [' + fmt(r.lo) + ', ' + fmt(r.hi) + ']' : ''));
        text(svg, left - 8, cy + 4, r.label, { 'text-anchor': 'end' });
        marks++;
      });
      return marks;
    },
    interaction: function (svg, d) {
      var ys = [];
      d.lines.forEach(function (l) { l.points.forEach(function (p) { ys.push(p[1]); }); });
      var yd = extent(ys, 0.15), n = d.levels.length;
      var x = function (i) { return M.l + (W - M.l - M.r) * (n === 1 ? 0.5 : 0.08 + 0.84 * i / (n - 1)); };
      var y = scale(yd[0], yd[1], H - M.b, M.t);
      yAxis(svg, y, yd[0], yd[1]); frame(svg, d.x, d.y);
      d.levels.forEach(function (lv, i) { text(svg, x(i), H - M.b + 16, lv, { 'text-anchor': 'middle' }); });
      el('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, stroke: '#888' }, svg);
      var colors = {}, marks = 0;
      d.lines.forEach(function (l, i) {
        var color = PRECISION[l.name] || PALETTE[i % PALETTE.length];
        colors[l.name] = color;
        if (l.points.length > 1) {
          el('polyline', { points: l.points.map(function (p) { return x(p[0]) + ',' + y(p[1]); }).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }, svg);
        }
        l.points.forEach(function (p) {
          var c = el('circle', { cx: x(p[0]), cy: y(p[1]), r: 4, fill: color, 'class': 'mark' }, svg);
          tip(c, l.name + ' at ' + d.levels[p[0]] + ': ' + fmt(p[1]));
          marks++;
        });
      });
      legend(svg, Object.keys(colors).map(function (k) { return { name: k, color: colors[k] }; }));
      return marks;
    }
  };

  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    fail('cannot read the plot data: ' + e.message);
    return;
  }
  var ok = 0;
  Array.prototype.forEach.call(document.querySelectorAll('figure.plot'), function (fig) {
    try {
      var spec = data[fig.getAttribute('data-plot')];
      if (!spec) throw new Error('no data for plot ' + fig.getAttribute('data-plot'));
      var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': fig.querySelector('h3').textContent });
      fig.insertBefore(svg, fig.querySelector('figcaption'));
      var marks = draw[spec.type](svg, spec);
      fig.setAttribute('data-marks', String(marks));
      if (marks > 0) ok++;
    } catch (e) {
      fail(fig.getAttribute('data-plot') + ': ' + (e && e.message ? e.message : e));
    }
  });
  document.body.setAttribute('data-plots-ok', String(ok));
})();
