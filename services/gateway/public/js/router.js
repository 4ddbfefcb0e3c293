/**
 * Hash routes (#/product/<id>): the gateway serves files, not a fallback page
 * for every path, so a reload of any screen must land on index.html.
 */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { path, params: new URLSearchParams(search) };
}

export function href(path, params) {
  const search = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString() : '';
  return `#${path}${search ? `?${search}` : ''}`;
}

export function navigate(path, params) {
  location.hash = href(path, params);
}

/**
 * Runs the first view whose pattern matches the hash path. A view gets
 * (main, { params, match, isCurrent, onLeave }): isCurrent() turns false once
 * the shopper has moved on (late answers are dropped), onLeave(fn) registers
 * what to stop then (timers, listeners).
 */
export function startRouter(routes, main, onRoute) {
  let leaving = [];
  let generation = 0;
  const run = () => {
    const mine = ++generation;
    for (const stop of leaving.splice(0)) stop();
    const { path, params } = currentRoute();
    const found = routes.find(([pattern]) => pattern.test(path));
    const [pattern, view] = found;
    view(main, {
      params,
      match: pattern.exec(path),
      isCurrent: () => mine === generation,
      onLeave: (stop) => leaving.push(stop),
    });
    onRoute(path);
  };
  window.addEventListener('hashchange', run);
  run();
}
