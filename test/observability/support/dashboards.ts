import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OBSERVABILITY_DIR = join(__dirname, '..', '..', '..', 'observability');
export const DASHBOARDS_DIR = join(OBSERVABILITY_DIR, 'grafana', 'dashboards');

export interface PanelTarget {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
  exemplar?: boolean;
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  templating?: { list: { name: string; includeAll?: boolean; allValue?: string; current?: { value?: unknown } }[] };
  panels: Panel[];
}

interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { refId: string; expr?: string; datasource?: { type?: string; uid?: string }; exemplar?: boolean }[];
  panels?: Panel[];
}

export function loadDashboards(): Dashboard[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) }));
}

/** Every query of every panel, rows' nested panels included. */
export function panelTargets(dashboard: Dashboard): PanelTarget[] {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels
    .filter((p) => p.type !== 'row')
    .flatMap((panel) =>
      (panel.targets ?? []).map((t) => ({
        dashboard: dashboard.title,
        panel: panel.title,
        refId: t.refId,
        expr: t.expr ?? '',
        datasource: t.datasource ?? panel.datasource,
        exemplar: t.exemplar,
      })),
    );
}

/** What Grafana would send for a panel: template variables and its interval macros filled in. */
export function concreteExpr(dashboard: Dashboard, expr: string, intervals: { rate: string; interval: string; range: string }): string {
  let concrete = expr.replaceAll('$__rate_interval', intervals.rate).replaceAll('$__interval', intervals.interval).replaceAll('$__range', intervals.range);
  for (const variable of dashboard.templating?.list ?? []) {
    const value = variable.includeAll ? (variable.allValue ?? '.*') : String(variable.current?.value ?? '');
    concrete = concrete.replaceAll(`\${${variable.name}}`, value).replaceAll(`$${variable.name}`, value);
  }
  return concrete;
}
