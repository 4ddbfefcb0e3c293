/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

/**
 * The samples of the metrics `wanted` from a text exposition (format 0.0.4,
 * what prom-client serves): comments and other metrics are skipped, label
 * values are unescaped, a line that does not parse is skipped rather than
 * failing the whole scrape. Only what the registry needs; not a full parser
 * (no OpenMetrics exemplars).
 */
export function parseExposition(text: string, wanted: (name: string) => boolean = () => true): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name || !wanted(name)) continue;
    const sample = parseSample(line, name);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseSample(line: string, name: string): Sample | undefined {
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) break;
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) return undefined;
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) return undefined;
      rest = rest.slice(2);
      let value = '';
      let i = 0;
      for (; i < rest.length && rest[i] !== '"'; i += 1) {
        if (rest[i] === '\\' && i + 1 < rest.length) {
          i += 1;
          value += ESCAPES[rest[i]] ?? `\\${rest[i]}`;
        } else {
          value += rest[i];
        }
      }
      if (i >= rest.length) return undefined;
      labels[label] = value;
      rest = rest.slice(i + 1).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) return undefined;
    }
    rest = rest.slice(1);
  }
  // The value, then an optional timestamp.
  const [valueText] = rest.trim().split(/\s+/);
  const value = parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
