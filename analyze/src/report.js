/* nvmetrace report: draws the charts of the page as inline SVG from the JSON block
 * #nvt-data (analyze/src/report.c writes both). No network, no library. */
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('nvt-data').textContent);
  var PALETTE = ['#2f6fdb', '#e8871e', '#2e9e5b', '#8e5bd6', '#d64b8c', '#1fa5b8', '#a37a00',
                 '#5f6b7a', '#c0392b', '#6a8e1f', '#b0589e', '#3d5a99'];

  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function html(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmtNs(ns) {
    if (ns < 1e4) return Math.round(ns) + ' ns';
    if (ns < 1e7) return (ns / 1e3).toFixed(ns < 1e5 ? 1 : 0) + ' µs';
    if (ns < 1e10) return (ns / 1e6).toFixed(ns < 1e8 ? 1 : 0) + ' ms';
    return (ns / 1e9).toFixed(2) + ' s';
  }

  /* an axis label at a power of ten: 10 ns, 100 ns, 1 µs, ... */
  function fmtDecade(exp) {
    var units = [['ns', 0], ['µs', 3], ['ms', 6], ['s', 9]];
    for (var i = units.length - 1; i >= 0; i--)
      if (exp >= units[i][1]) return Math.pow(10, exp - units[i][1]) + ' ' + units[i][0];
    return '1 ns';
  }

  function fmtTime(ns, span) {
    if (span < 2e4) return Math.round(ns) + ' ns';
    if (span < 2e7) return (ns / 1e3).toFixed(span < 2e5 ? 1 : 0) + ' µs';
    if (span < 2e10) return (ns / 1e6).toFixed(span < 2e8 ? 1 : 0) + ' ms';
    return (ns / 1e9).toFixed(2) + ' s';
  }

  var colors = {};
  var ncolors = 0;
  function colorOf(name) {
    if (!(name in colors)) colors[name] = PALETTE[ncolors++ % PALETTE.length];
    return colors[name];
  }

  /* ---- latency histograms ---- */
  function latencyCharts() {
    var box = document.getElementById('latency-charts');
    var h = data.hist;
    if (!data.latency.length) {
      html('p', 'note', box, 'No completed command with a known latency.');
      return;
    }
    data.latency.forEach(function (op) {
      var card = html('div', 'card', box);
      html('h3', null, card, op.name);
      html('div', 'meta', card, 'device ' + op.device + ' · ' + (op.admin ? 'admin' : 'I/O') +
           ' · ' + op.count + ' commands · p50 ' + fmtNs(op.p50) + ' · p99 ' + fmtNs(op.p99) +
           ' · max ' + fmtNs(op.max));
      var lo = op.bins.findIndex(function (c) { return c > 0; });
      var hi = op.bins.length - 1;
      while (hi > lo && op.bins[hi] === 0) hi--;
      /* at least two decades wide, on decade boundaries */
      lo = Math.max(0, Math.floor(lo / h.per_decade) * h.per_decade);
      hi = Math.min(h.bins - 1, Math.ceil((hi + 1) / h.per_decade) * h.per_decade - 1);
      if (hi - lo + 1 < 2 * h.per_decade) hi = Math.min(h.bins - 1, lo + 2 * h.per_decade - 1);
      var W = 340, H = 150, L = 36, R = 8, T = 8, B = 26;
      var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart latency',
                           'data-opcode': op.name, role: 'img',
                           'aria-label': 'latency histogram of ' + op.name}, card);
      var n = hi - lo + 1, bw = (W - L - R) / n;
      var ymax = 1;
      for (var i = lo; i <= hi; i++) ymax = Math.max(ymax, op.bins[i]);
      var y = function (v) { return T + (H - T - B) * (1 - v / ymax); };
      el('line', {x1: L, y1: y(0), x2: W - R, y2: y(0), 'class': 'axis'}, svg);
      el('line', {x1: L, y1: T, x2: L, y2: y(0), 'class': 'axis'}, svg);
      el('text', {x: L - 4, y: T + 8, 'text-anchor': 'end'}, svg, String(ymax));
      el('text', {x: L - 4, y: y(0), 'text-anchor': 'end'}, svg, '0');
      for (i = lo; i <= hi; i++) {
        var c = op.bins[i];
        var x0 = L + (i - lo) * bw;
        if (c > 0) {
          var r = el('rect', {x: x0 + 0.5, y: y(c), width: Math.max(1, bw - 1), height: y(0) - y(c),
                              'class': 'bar'}, svg);
          var from = Math.pow(10, h.min_exp + i / h.per_decade);
          var to = Math.pow(10, h.min_exp + (i + 1) / h.per_decade);
          el('title', {}, r, c + ' commands between ' + fmtNs(from) + ' and ' + fmtNs(to));
        }
        if (i % h.per_decade === 0) {
          el('line', {x1: x0, y1: y(0), x2: x0, y2: y(0) + 4, 'class': 'axis'}, svg);
          el('text', {x: x0, y: H - 8, 'text-anchor': 'middle'}, svg,
             fmtDecade(h.min_exp + i / h.per_decade));
        }
      }
      /* p50 and p99 marks at their position on the log axis */
      [['p50', op.p50], ['p99', op.p99]].forEach(function (m) {
        if (m[1] <= 0) return;
        var pos = (Math.log10(m[1]) - h.min_exp) * h.per_decade - lo;
        if (pos < 0 || pos > n) return;
        var x = L + pos * bw;
        var line = el('line', {x1: x, y1: T, x2: x, y2: y(0), 'class': m[0]}, svg);
        el('title', {}, line, m[0] + ' ' + fmtNs(m[1]));
      });
    });
  }

  /* ---- queue depth ---- */
  function depthCharts() {
    var box = document.getElementById('depth-charts');
    if (!data.depth.length) {
      html('p', 'note', box, 'No commands in the trace.');
      return;
    }
    data.depth.forEach(function (q) {
      html('div', 'meta', box, 'device ' + q.device + ' · SQ ' + q.sqid + ' · ' + q.commands +
           ' commands · max depth ' + q.max + ' · mean ' + q.mean.toFixed(2));
      var W = 960, H = 120, L = 36, R = 8, T = 6, B = 22;
      var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart depth',
                           'data-sqid': q.sqid, role: 'img',
                           'aria-label': 'queue depth of SQ ' + q.sqid}, box);
      var ymax = Math.max(1, q.max);
      var x = function (k) { return L + (W - L - R) * k / q.points; };
      var y = function (v) { return T + (H - T - B) * (1 - v / ymax); };
      for (var g = 1; g <= 4; g++) {
        var gy = y(ymax * g / 4);
        el('line', {x1: L, y1: gy, x2: W - R, y2: gy, 'class': 'grid-line'}, svg);
      }
      var d = 'M' + x(0) + ' ' + y(0);
      for (var k = 0; k < q.series.length; k++)
        d += 'L' + x(k) + ' ' + y(q.series[k]) + 'L' + x(k + 1) + ' ' + y(q.series[k]);
      d += 'L' + x(q.series.length) + ' ' + y(0) + 'Z';
      el('path', {d: d, 'class': 'depth-line'}, svg);
      el('line', {x1: L, y1: y(0), x2: W - R, y2: y(0), 'class': 'axis'}, svg);
      el('line', {x1: L, y1: T, x2: L, y2: y(0), 'class': 'axis'}, svg);
      el('text', {x: L - 4, y: T + 8, 'text-anchor': 'end'}, svg, String(ymax));
      el('text', {x: L - 4, y: y(0), 'text-anchor': 'end'}, svg, '0');
      for (var t = 0; t <= 5; t++)
        el('text', {x: L + (W - L - R) * t / 5, y: H - 6, 'text-anchor': t ? (t === 5 ? 'end' : 'middle') : 'start'},
           svg, fmtTime(data.span * t / 5, data.span));
    });
  }

  /* ---- command timeline: wheel zooms around the pointer, drag pans, double-click resets ---- */
  function timeline() {
    var box = document.getElementById('timeline-chart');
    var tl = data.timeline;
    var note = document.getElementById('timeline-note');
    note.textContent = (tl.cmds.length < tl.total
        ? 'The first ' + tl.cmds.length + ' of ' + tl.total + ' commands'
        : 'All ' + tl.total + ' commands') +
        ', one row per submission queue, from SQE fetch to completion (red outline: error ' +
        'status; faded: no completion in the trace). Long idle stretches are compressed ' +
        '(hatched). Wheel to zoom, drag to pan, double-click to reset; hover a bar for details.';
    if (!tl.cmds.length) return;
    var rows = [], rowOf = {};
    tl.cmds.forEach(function (c) {
      var key = c[1] + ':' + c[2];
      if (!(key in rowOf)) { rowOf[key] = rows.length; rows.push({device: c[1], sqid: c[2]}); }
    });
    rows.sort(function (a, b) { return a.device - b.device || a.sqid - b.sqid; });
    rows.forEach(function (r, i) { rowOf[r.device + ':' + r.sqid] = i; });
    var devices = rows.filter(function (r, i) { return !i || r.device !== rows[i - 1].device; }).length;
    var first = tl.cmds[0][4], last = first;
    tl.cmds.forEach(function (c) { last = Math.max(last, c[5] === null ? c[4] : c[5]); });
    if (last <= first) last = first + 1000;

    /* Idle stretches are compressed: a boot has firmware activity, seconds of nothing, then
     * the OS. Busy clusters (commands less than 2% of the span apart; a command without
     * completion counts at its start) keep their scale; each gap between them shrinks to at
     * most a twentieth of the busy time and is marked. c(t) maps time to that axis. */
    var spans = tl.cmds.map(function (c) { return [c[4], c[5] === null ? c[4] : c[5]]; })
      .sort(function (a, b) { return a[0] - b[0]; });
    var clusters = [], join = (last - first) * 0.02;
    spans.forEach(function (iv) {
      var k = clusters[clusters.length - 1];
      if (k && iv[0] <= k[1] + join) k[1] = Math.max(k[1], iv[1]);
      else clusters.push([iv[0], iv[1]]);
    });
    var busy = 0;
    clusters.forEach(function (k) { busy += Math.max(k[1] - k[0], 1); });
    var gapW = Math.max(busy / 20, 1);
    var segs = [];  /* [t0, t1, c0, c1, isGap] */
    var cpos = 0;
    clusters.forEach(function (k, i) {
      if (i) {
        var g0 = clusters[i - 1][1], g1 = k[0], w = Math.min(g1 - g0, gapW);
        segs.push([g0, g1, cpos, cpos + w, g1 - g0 > w]);
        cpos += w;
      }
      var len = Math.max(k[1] - k[0], 1);
      segs.push([k[0], k[0] + len, cpos, cpos + len, false]);
      cpos += len;
    });
    function seg(v, byC) {
      var lo = 0, hi = segs.length - 1, i = byC ? 2 : 0;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (segs[mid][i] <= v) lo = mid; else hi = mid - 1;
      }
      return segs[lo];
    }
    function cOf(t) {
      var g = seg(t, false);
      if (t >= g[1]) return g[3] + (t - g[1]);
      return g[2] + (t - g[0]) * (g[3] - g[2]) / Math.max(g[1] - g[0], 1e-9);
    }
    function tOf(c) {
      var g = seg(c, true);
      if (c >= g[3]) return g[1] + (c - g[3]);
      return g[0] + (c - g[2]) * (g[1] - g[0]) / Math.max(g[3] - g[2], 1e-9);
    }
    var pad = cpos * 0.01;
    var view = {from: -pad, to: cpos + pad};
    var full = {from: view.from, to: view.to};
    var W = 1000, RH = 26, L = 92, R = 10, T = 6, B = 24;
    var H = T + rows.length * RH + B;
    var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, id: 'timeline-svg', 'class': 'chart timeline',
                         role: 'img', 'aria-label': 'command timeline'}, box);
    var axis = el('g', {}, svg), bars = el('g', {}, svg);
    rows.forEach(function (r, i) {
      el('text', {x: 6, y: T + i * RH + RH / 2 + 4}, svg, (devices > 1 ?
         'dev ' + r.device + ' ' : '') + 'SQ ' + r.sqid);
      el('line', {x1: L, y1: T + (i + 1) * RH, x2: W - R, y2: T + (i + 1) * RH, 'class': 'grid-line'}, svg);
    });
    var legend = html('div', 'legend', box);
    function draw() {
      while (axis.firstChild) axis.removeChild(axis.firstChild);
      while (bars.firstChild) bars.removeChild(bars.firstChild);
      var span = view.to - view.from;
      var xc = function (c) { return L + (W - L - R) * (c - view.from) / span; };
      var x = function (t) { return xc(cOf(t)); };
      segs.forEach(function (g) {
        if (!g[4] || g[3] < view.from || g[2] > view.to) return;
        var x0 = Math.max(L, xc(g[2])), x1 = Math.min(W - R, xc(g[3]));
        if (x1 - x0 < 1) return;
        var label = fmtNs(g[1] - g[0]) + ' idle';
        var gap = el('rect', {x: x0, y: T, width: x1 - x0, height: H - B - T, 'class': 'gap'}, axis);
        el('title', {}, gap, label + ' (compressed)');
        if (x1 - x0 > 6 * label.length + 8)
          el('text', {x: (x0 + x1) / 2, y: H - B - 4, 'text-anchor': 'middle', 'class': 'gap-label'},
             axis, label);
      });
      for (var k = 0; k <= 8; k++) {
        var c = view.from + span * k / 8, xx = xc(c);
        el('line', {x1: xx, y1: T, x2: xx, y2: H - B, 'class': 'grid-line'}, axis);
        el('text', {x: xx, y: H - 8, 'text-anchor': k ? (k === 8 ? 'end' : 'middle') : 'start'}, axis,
           fmtTime(Math.max(0, tOf(c)), data.span));
      }
      tl.cmds.forEach(function (c) {
        var end = c[5] === null ? last : c[5];
        if (cOf(end) < view.from || cOf(c[4]) > view.to) return;
        var x0 = Math.max(L, x(c[4])), x1 = Math.min(W - R, x(end));
        var row = rowOf[c[1] + ':' + c[2]];
        var cls = 'cmd' + (c[6] ? ' err' : '') + (c[5] === null ? ' open' : '');
        var r = el('rect', {x: x0, y: T + row * RH + 4, width: Math.max(1.5, x1 - x0), height: RH - 8,
                            fill: colorOf(c[3]), 'class': cls, 'data-id': c[0]}, bars);
        el('title', {}, r, '#' + c[0] + ' ' + c[3] + ' · SQ ' + c[2] + ' CID ' + (c[7] === null ? '?' : c[7]) + ' · ' +
           (c[5] === null ? 'no completion' : 'latency ' + fmtNs(c[5] - c[4])) +
           (c[6] ? ' · error status' : '') + ' · at +' + fmtTime(c[4], data.span));
      });
    }
    draw();
    Object.keys(colors).forEach(function (name) {
      var s = html('span', null, legend, name);
      s.style.setProperty('--c', colors[name]);
    });
    /* position on the compressed axis under the pointer */
    function pointerTime(ev) {
      var rect = svg.getBoundingClientRect();
      var px = (ev.clientX - rect.left) / rect.width * W;
      return view.from + (view.to - view.from) * Math.min(1, Math.max(0, (px - L) / (W - L - R)));
    }
    svg.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var at = pointerTime(ev), f = ev.deltaY < 0 ? 0.8 : 1.25;
      var from = at - (at - view.from) * f, to = at + (view.to - at) * f;
      if (to - from < 50) return;
      view.from = Math.max(full.from, from);
      view.to = Math.min(full.to, to);
      draw();
    }, {passive: false});
    var drag = null;
    svg.addEventListener('mousedown', function (ev) { drag = {x: ev.clientX, from: view.from, to: view.to}; });
    window.addEventListener('mouseup', function () { drag = null; });
    window.addEventListener('mousemove', function (ev) {
      if (!drag) return;
      var rect = svg.getBoundingClientRect();
      var dt = (ev.clientX - drag.x) / rect.width * W / (W - L - R) * (drag.to - drag.from);
      var from = drag.from - dt, to = drag.to - dt;
      if (from < full.from) { to += full.from - from; from = full.from; }
      if (to > full.to) { from -= to - full.to; to = full.to; }
      view.from = from;
      view.to = to;
      draw();
    });
    svg.addEventListener('dblclick', function () { view.from = full.from; view.to = full.to; draw(); });
  }

  latencyCharts();
  depthCharts();
  timeline();
  document.body.setAttribute('data-rendered', 'yes');
})();
