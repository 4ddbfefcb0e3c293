/** Sum of the samples of `metric` whose labels include `labels`, from a Prometheus /metrics page. */
export function sumSamples(page: string, metric: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!Object.entries(labels).every(([name, value]) => line.includes(`${name}="${value}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(`${metricsUrl.replace(/\/$/, '')}/metrics`);
  if (!response.ok) throw new Error(`GET ${metricsUrl}/metrics answered ${response.status}`);
  return response.text();
}

/** A probe for Variant.probe: the catalog's product-cache lookups by result. */
export const productCacheProbe = (metricsUrl: string) => async (): Promise<Record<string, number>> => {
  const page = await scrape(metricsUrl);
  const count = (result: string) => sumSamples(page, 'cache_requests_total', { cache: 'catalog-products', result });
  return { hit: count('hit'), miss: count('miss'), error: count('error') };
};
