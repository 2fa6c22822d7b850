// The Concierge dashboard: plain JavaScript, no build step. Every figure comes from the management
// API through the control plane's JSON bridge (POST /api/v1/<Method>), with the signed-in token.
'use strict';

(() => {
  const TOKEN_KEY = 'concierge.token';
  const POLL_MS = 3000;
  const WINDOW_S = 300;
  const VIEWS = ['nodes', 'routes', 'clusters', 'history'];
  const COLORS = { rps: '#2557d6', err: '#c0322b', p99: '#7a3fd0' };

  const $ = (id) => document.getElementById(id);

  let session = null;
  let timer = null;
  let polling = false;
  let newestRevision = 0;
  let selectedRevision = null;
  // Route name -> {card, plots, match, figures, quiet}.
  const routeCards = new Map();

  // ---- small helpers

  /** Builds an element; text only through textContent, never markup. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'className') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function badge(text, cls) {
    return h('span', { className: 'badge ' + (cls || text), text });
  }

  function num(value) {
    return Number(value || 0);
  }

  function shortName(name) {
    return String(name || '').replace(/^[a-z]+\//, '');
  }

  function ago(timestamp) {
    if (!timestamp) return 'never';
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(timestamp)) / 1000));
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.round(seconds / 3600) + ' h ago';
    return new Date(timestamp).toLocaleString();
  }

  function clock(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function formatRate(rps) {
    if (rps >= 100) return rps.toFixed(0);
    if (rps >= 10) return rps.toFixed(1);
    return rps.toFixed(2);
  }

  function formatMs(ms) {
    return ms >= 100 ? ms.toFixed(0) + ' ms' : ms.toFixed(1) + ' ms';
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  // ---- the API

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, request) {
    const response = await fetch('/api/v1/' + method, {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token(), 'Content-Type': 'application/json' },
      body: JSON.stringify(request || {}),
      cache: 'no-store',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, body.code || 'UNKNOWN', body.message || response.statusText);
    }
    return body;
  }

  async function fetchSession() {
    const response = await fetch('/api/session', {
      headers: { Authorization: 'Bearer ' + token() },
      cache: 'no-store',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, body.code, body.message || response.statusText);
    return body;
  }

  // ---- sign-in and sign-out

  function showSignIn(message) {
    stopPolling();
    session = null;
    $('app').hidden = true;
    $('tabs').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  async function signIn(secret) {
    sessionStorage.setItem(TOKEN_KEY, secret.trim());
    try {
      session = await fetchSession();
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(e.status === 401 ? 'That token is not valid here.' : 'Cannot sign in: ' + e.message);
      return;
    }
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('tabs').hidden = false;
    $('who').hidden = false;
    $('who-name').textContent = session.name;
    $('who-role').textContent = session.role;
    $('who-role').className = 'badge ' + (session.mayRollback ? 'admin' : '');
    document.body.dataset.role = session.role;
    showView(viewFromHash());
    startPolling();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    routeCards.clear();
    $('routes-list').replaceChildren();
    delete document.body.dataset.role;
    showSignIn('');
  }

  // ---- views and polling

  function viewFromHash() {
    const view = location.hash.replace('#', '');
    return VIEWS.includes(view) ? view : 'nodes';
  }

  function showView(view) {
    for (const section of document.querySelectorAll('.view')) {
      section.hidden = section.dataset.view !== view;
    }
    for (const tab of document.querySelectorAll('.tabs a')) {
      tab.classList.toggle('active', tab.dataset.view === view);
    }
    document.body.dataset.view = view;
    if (view === 'routes') resizeCharts();
  }

  function startPolling() {
    stopPolling();
    refresh();
    timer = setInterval(refresh, POLL_MS);
  }

  function stopPolling() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  async function refresh() {
    if (polling || !session) return;
    polling = true;
    try {
      const view = viewFromHash();
      const work = [refreshNodes(), refreshStats()];
      if (view === 'clusters') work.push(refreshClusters());
      if (view === 'history') work.push(refreshHistory());
      await Promise.all(work);
      setBanner('');
      document.body.dataset.refreshed = String(Date.now());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        showSignIn('The token is no longer valid; sign in again.');
      } else {
        setBanner('Cannot reach the control plane: ' + e.message);
      }
    } finally {
      polling = false;
    }
  }

  function setBanner(text) {
    $('banner').hidden = !text;
    $('banner').textContent = text;
  }

  // ---- nodes

  async function refreshNodes() {
    const answer = await api('ListNodes', { pageSize: 1000 });
    const nodes = answer.nodes || [];
    newestRevision = num(answer.revision);
    $('sum-revision').textContent = newestRevision ? 'r' + newestRevision : 'none';
    const connected = nodes.filter((n) => n.connected).length;
    const synced = nodes.filter((n) => n.status === 'SYNCED').length;
    $('sum-nodes').textContent = connected + ' / ' + nodes.length;
    $('sum-nodes-sub').textContent = nodes.length
      ? 'connected · ' + synced + ' synced'
      : 'none connected yet';
    $('nodes-empty').hidden = nodes.length > 0;
    $('nodes-table').hidden = nodes.length === 0;
    replaceRows(
      $('nodes-body'),
      nodes.map((n) => {
        const id = shortName(n.name);
        const status = n.status || 'DISCONNECTED';
        const applied = num(n.appliedRevision);
        return h(
          'tr',
          { id: 'node-' + id, dataset: { node: n.name, status } },
          h('td', {}, h('b', { text: id })),
          h(
            'td',
            {},
            badge(status),
            n.lastNack ? h('div', { className: 'muted small', text: n.lastNack }) : null,
          ),
          h(
            'td',
            { className: 'num' },
            applied ? 'r' + applied : '–',
            applied && applied !== newestRevision ? h('span', { className: 'muted', text: ' of r' + newestRevision }) : null,
          ),
          h('td', { text: n.address || '–' }),
          h('td', { text: n.version || '–' }),
          h(
            'td',
            { title: n.lastReport || '' },
            ago(n.lastReport),
            n.reportStale ? h('span', { className: 'badge bad', text: 'stale' }) : null,
          ),
        );
      }),
    );
  }

  // ---- routes and their charts

  /**
   * Per route: points [t, req/s, error %, p99 ms], one per 10 s bucket of the control plane's window
   * (fleet-wide rows only). A route without traffic in the window has no row, hence no points.
   */
  function routeSeries(stats) {
    const series = new Map();
    for (const row of stats.routeRows || []) {
      if (row.node) continue;
      series.set(row.name, {
        points: (row.points || []).map((p) => [
          Date.parse(p.start) / 1000,
          num(p.requestsPerSecond),
          num(p.errorRate) * 100,
          num(p.latencyP99Us) / 1000,
        ]),
      });
    }
    return series;
  }

  async function refreshStats() {
    const [stats, routes] = await Promise.all([
      api('GetStats', { window: WINDOW_S + 's', level: 'STATS_LEVEL_ROUTES' }),
      api('ListRoutes', { pageSize: 1000 }),
    ]);
    const series = routeSeries(stats);
    let fleetRps = 0;
    let fleetErrors = 0;
    for (const s of series.values()) {
      const last = recent(s.points);
      fleetRps += last[1];
      fleetErrors += (last[1] * last[2]) / 100;
    }
    $('sum-rps').textContent = formatRate(fleetRps);
    $('sum-errors').textContent = fleetRps > 0 ? ((100 * fleetErrors) / fleetRps).toFixed(1) + ' %' : '0 %';
    $('sum-rps-sub').textContent = 'whole fleet · ' + num(stats.nodes) + ' reporting';
    $('routes-window').textContent = 'last ' + WINDOW_S / 60 + ' minutes · updated ' + new Date().toLocaleTimeString();
    renderRoutes(routes.routes || [], series);
  }

  function describeMatch(route) {
    const m = route.match || {};
    const parts = [];
    if (m.methods && m.methods.length) parts.push(m.methods.join(' '));
    if (m.hosts && m.hosts.length) parts.push(m.hosts.join(', '));
    if (m.pathPrefix) parts.push(m.pathPrefix + '*');
    else if (m.pathExact) parts.push(m.pathExact);
    else if (m.pathRegex) parts.push('~ ' + m.pathRegex);
    let target = '';
    if (route.forward) target = (route.forward.clusters || []).map((c) => shortName(c.cluster)).join(', ');
    else if (route.redirect) target = 'redirect';
    else if (route.directResponse) target = 'direct answer';
    return (parts.join(' ') || 'any request') + (target ? ' → ' + target : '');
  }

  function renderRoutes(routes, series) {
    $('routes-empty').hidden = routes.length > 0;
    const seen = new Set();
    for (const route of routes) {
      seen.add(route.name);
      let card = routeCards.get(route.name);
      if (!card) {
        card = createRouteCard(route);
        routeCards.set(route.name, card);
      }
      $('routes-list').append(card.card);
      card.match.textContent = describeMatch(route);
      const s = series.get(route.name);
      updateRouteCard(card, s ? s.points : []);
    }
    for (const [name, card] of routeCards) {
      if (!seen.has(name)) {
        card.plots.forEach((p) => p.destroy());
        card.card.remove();
        routeCards.delete(name);
      }
    }
  }

  function createRouteCard(route) {
    const id = shortName(route.name);
    const figures = { rps: h('b', { text: '0' }), err: h('b', { text: '0 %' }), p99: h('b', { text: '–' }) };
    const match = h('span', { className: 'match' });
    const chartEls = ['rps', 'err', 'p99'].map((key) =>
      h('div', { className: 'chart', id: 'chart-' + id + '-' + key, dataset: { metric: key } }),
    );
    const card = h(
      'article',
      { className: 'route', id: 'route-' + id, dataset: { route: route.name, peakRps: '0', rps: '0', points: '0' } },
      h(
        'div',
        { className: 'route-head' },
        h('span', { className: 'name', text: id }),
        match,
        h(
          'span',
          { className: 'figures' },
          h('span', {}, figures.rps, ' req/s'),
          h('span', {}, figures.err, ' errors'),
          h('span', {}, 'p99 ', figures.p99),
        ),
      ),
      h('div', { className: 'charts' }, chartEls),
    );
    const titles = { rps: 'Requests per second', err: 'Error rate (5xx, %)', p99: 'Latency p99 (ms)' };
    const plots = chartEls.map((el) => {
      el.append(h('div', { className: 'title', text: titles[el.dataset.metric] }));
      const quiet = h('div', { className: 'quiet', text: 'No traffic in the last 5 minutes' });
      el.append(quiet);
      return makePlot(el, COLORS[el.dataset.metric]);
    });
    return { card, plots, match, figures, quiet: chartEls.map((el) => el.querySelector('.quiet')) };
  }

  function chartWidth(el) {
    const width = el.clientWidth || (el.parentElement && el.parentElement.clientWidth / 3) || 300;
    return Math.max(200, Math.floor(width));
  }

  function makePlot(el, color) {
    const axis = { stroke: '#667085', grid: { stroke: '#eef0f3', width: 1 }, ticks: { show: false }, font: '11px system-ui' };
    return new uPlot(
      {
        width: chartWidth(el),
        height: 120,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true, range: () => [Date.now() / 1000 - WINDOW_S, Date.now() / 1000] },
          y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] },
        },
        axes: [
          { ...axis, size: 26, values: (u, ticks) => ticks.map(clock) },
          { ...axis, size: 44 },
        ],
        series: [{}, { stroke: color, width: 2, fill: color + '1f', points: { show: false } }],
      },
      [[], []],
      el,
    );
  }

  /**
   * The figures of the last 20 s: the newest bucket is still filling, so a burst that just ended
   * would otherwise read as silence. Rate averaged over both buckets; errors and p99 of the newest
   * one that had traffic.
   */
  function recent(points) {
    const tail = points.slice(-2);
    if (!tail.length) return [0, 0, 0, 0];
    const rps = tail.reduce((sum, p) => sum + p[1], 0) / tail.length;
    const busy = tail.filter((p) => p[1] > 0).pop() || tail[tail.length - 1];
    return [busy[0], rps, busy[2], busy[3]];
  }

  function updateRouteCard(card, points) {
    const xs = points.map((p) => p[0]);
    const last = recent(points);
    const peak = points.reduce((m, p) => Math.max(m, p[1]), 0);
    const active = points.some((p) => p[1] > 0);
    card.plots.forEach((plot, i) => plot.setData([xs, points.map((p) => p[i + 1])]));
    card.quiet.forEach((q) => (q.hidden = active));
    card.figures.rps.textContent = formatRate(last[1]);
    card.figures.err.textContent = last[2].toFixed(1) + ' %';
    card.figures.p99.textContent = last[3] > 0 ? formatMs(last[3]) : '–';
    // Read by the browser test, and handy when scripting the page.
    card.card.dataset.rps = last[1].toFixed(3);
    card.card.dataset.peakRps = peak.toFixed(3);
    card.card.dataset.errorPercent = last[2].toFixed(2);
    card.card.dataset.p99Ms = last[3].toFixed(3);
    card.card.dataset.points = String(points.length);
  }

  function resizeCharts() {
    for (const card of routeCards.values()) {
      card.plots.forEach((plot) => plot.setSize({ width: chartWidth(plot.root.parentElement), height: 120 }));
    }
  }

  // ---- clusters

  async function refreshClusters() {
    const answer = await api('ListClusters', { pageSize: 1000 });
    const clusters = answer.clusters || [];
    const health = await Promise.all(clusters.map((c) => api('GetClusterHealth', { name: c.name })));
    $('clusters-empty').hidden = clusters.length > 0;
    $('clusters-list').replaceChildren(...clusters.map((c, i) => renderCluster(c, health[i])));
  }

  function renderCluster(cluster, health) {
    const endpoints = health.endpoints || [];
    const nodes = [...new Set(endpoints.flatMap((e) => (e.views || []).map((v) => v.node)))].sort();
    const id = shortName(cluster.name);
    const head = h(
      'tr',
      {},
      h('th', { text: 'Endpoint' }),
      nodes.length ? nodes.map((n) => h('th', { text: shortName(n) })) : h('th', { text: 'Health' }),
    );
    const rows = endpoints.map((e) => {
      const views = new Map((e.views || []).map((v) => [v.node, v]));
      return h(
        'tr',
        { dataset: { endpoint: e.address } },
        h('td', {}, h('code', { text: e.address })),
        nodes.length
          ? nodes.map((n) => {
              const v = views.get(n);
              if (!v) return h('td', { className: 'muted', text: '–' });
              const state = v.state || 'UNKNOWN';
              return h(
                'td',
                { dataset: { node: n, state }, title: 'since ' + (v.since || '?') + ', reported ' + ago(v.reportTime) },
                badge(state, v.stale ? 'DISCONNECTED' : state),
                v.stale ? h('span', { className: 'muted small', text: ' stale' }) : null,
              );
            })
          : h('td', { className: 'muted', text: 'not reported by any node yet' }),
      );
    });
    return h(
      'div',
      { className: 'cluster', id: 'cluster-' + id, dataset: { cluster: cluster.name } },
      h('h3', { text: id }),
      endpoints.length
        ? h('table', { className: 'grid' }, h('thead', {}, head), h('tbody', {}, rows))
        : h('p', { className: 'empty', text: 'This cluster has no endpoints.' }),
    );
  }

  // ---- config history, diffs, rollback and the audit log

  async function refreshHistory() {
    const [revisions, audit] = await Promise.all([
      api('ListRevisions', { pageSize: 50 }),
      api('ListAuditEvents', { pageSize: 50 }),
    ]);
    renderRevisions(revisions.revisions || []);
    renderAudit(audit.events || []);
  }

  function renderRevisions(revisions) {
    $('revisions-empty').hidden = revisions.length > 0;
    $('revisions-table').hidden = revisions.length === 0;
    const newest = revisions.reduce((m, r) => Math.max(m, num(r.revision)), 0);
    replaceRows(
      $('revisions-body'),
      revisions.map((r) => {
        const rev = num(r.revision);
        const row = h(
          'tr',
          {
            id: 'revision-' + rev,
            className: 'pick' + (rev === selectedRevision ? ' selected' : ''),
            dataset: { revision: String(rev) },
            onclick: () => showDiff(rev),
          },
          h('td', { className: 'num' }, h('b', { text: 'r' + rev })),
          h('td', { title: r.createTime || '', text: ago(r.createTime) }),
          h('td', { text: r.actor || '–' }),
          h('td', {}, h('code', { text: r.summary || '(no change)' })),
          h(
            'td',
            {},
            session && session.mayRollback && rev !== newest
              ? h('button', {
                  type: 'button',
                  className: 'small-btn rollback',
                  id: 'rollback-' + rev,
                  text: 'Roll back to r' + rev,
                  onclick: (event) => {
                    event.stopPropagation();
                    confirmRollback(rev, newest);
                  },
                })
              : null,
          ),
        );
        return row;
      }),
    );
  }

  async function showDiff(revision) {
    selectedRevision = revision;
    for (const row of $('revisions-body').children) {
      row.classList.toggle('selected', row.dataset.revision === String(revision));
    }
    $('diff-title').textContent = 'Diff of r' + revision;
    let answer;
    try {
      answer = await api('GetRevision', { revision });
    } catch (e) {
      $('diff').replaceChildren(h('p', { className: 'error', text: 'Cannot load r' + revision + ': ' + e.message }));
      return;
    }
    const changes = answer.changes || [];
    $('diff').dataset.revision = String(revision);
    $('diff').replaceChildren(
      ...(changes.length
        ? changes.map((c) =>
            h(
              'div',
              { className: 'change', dataset: { resource: c.name } },
              h('div', { className: 'change-head' }, badge(c.action || 'CHANGED'), h('code', { text: c.name })),
              (c.fields || []).length
                ? h(
                    'table',
                    {},
                    h(
                      'tbody',
                      {},
                      (c.fields || []).map((f) =>
                        h(
                          'tr',
                          {},
                          h('td', { text: f.path }),
                          h('td', { className: 'before', text: f.before === undefined ? '' : f.before }),
                          h('td', { className: 'after', text: f.after === undefined ? '' : f.after }),
                        ),
                      ),
                    ),
                  )
                : null,
            ),
          )
        : [h('p', { className: 'empty', text: 'This revision changed nothing.' })]),
    );
  }

  function confirmRollback(revision, newest) {
    const dialog = $('confirm-rollback');
    $('confirm-text').textContent =
      'This restores the configuration of r' + revision + ' as a new revision after r' + newest +
      '. Every node applies it within seconds.';
    dialog.returnValue = '';
    dialog.onclose = async () => {
      if (dialog.returnValue !== 'ok') return;
      try {
        const answer = await api('Rollback', { revision, ifRevision: newest });
        setBanner('');
        $('diff').replaceChildren(
          h('p', {
            text: answer.changed
              ? 'Rolled back: r' + num(answer.revision) + ' restores r' + revision + '.'
              : 'Nothing to do: r' + newest + ' already has the configuration of r' + revision + '.',
          }),
        );
        refresh();
      } catch (e) {
        setBanner('Rollback refused: ' + e.message);
      }
    };
    dialog.showModal();
  }

  function renderAudit(events) {
    $('audit-empty').hidden = events.length > 0;
    $('audit-table').hidden = events.length === 0;
    replaceRows(
      $('audit-body'),
      events.map((e) =>
        h(
          'tr',
          {},
          h('td', { title: e.time || '', text: ago(e.time) }),
          h('td', { text: e.tokenName || '–' }),
          h('td', {}, h('code', { text: String(e.rpc || '').replace(/^.*\//, '') })),
          h('td', { text: e.resource || '' }),
          h('td', { title: e.detail || '' }, badge(e.code || 'OK', e.code === 'OK' ? 'OK' : 'bad')),
          h('td', { className: 'muted', text: e.clientAddress || '' }),
        ),
      ),
    );
  }

  // ---- start

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      signIn($('token').value);
    });
    $('sign-out').addEventListener('click', signOut);
    window.addEventListener('hashchange', () => {
      showView(viewFromHash());
      refresh();
    });
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(resizeCharts, 150);
    });
    if (token()) signIn(token());
    else showSignIn('');
  });
})();
