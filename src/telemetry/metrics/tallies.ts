import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration, type LabelValues } from 'prom-client';

/**
 * Counts kept here per label set and handed to prom-client when it is read (a scrape, a JSON
 * export), not on every count. prom-client copies, validates and hashes the labels of each
 * `inc` and `observe`, and a commit observer counts about ten times a turn, on every run's path.
 * Here the caller names each label set with a key it builds from the label values (joined with
 * NUL, which no label value holds: tenants, agents and tools are identifiers, providers and
 * models come from the configuration), so a count is one `Map` lookup and an addition. A reader
 * sees every count made before it read, as before.
 */
export interface Tally {
  /** Adds `value` (default 1) to the label set named `key`; `labels` are its values, read the first time the key is seen. */
  add(key: string, labels: LabelValues<string>, value?: number): void;
}

export interface Samples {
  /** Records `value` for the label set named `key`; `labels` are its values, read the first time the key is seen. */
  observe(key: string, labels: LabelValues<string>, value: number): void;
}

/**
 * Observations of one label set waiting for a read: past this many, they are handed to the
 * histogram at once, so a process nobody scrapes holds no more than this per label set.
 */
const maxPendingSamples = 256;

/** A prom-client `Counter` (registered as `configuration` says) counted through a `Tally`. */
export function tallyCounter(configuration: CounterConfiguration<string>): Tally {
  const pending = new Map<string, { labels: LabelValues<string>; value: number }>();
  new Counter({
    ...configuration,
    collect() {
      // Every label set seen, even at 0, so a series appears with its first count as before.
      for (const entry of pending.values()) {
        this.inc(entry.labels, entry.value);
        entry.value = 0;
      }
    },
  });
  return {
    add(key, labels, value = 1) {
      // Negative, infinite and NaN counts are dropped: prom-client throws on the first two (then
      // at every scrape), and a NaN would leave the counter NaN for good.
      if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return;
      const entry = pending.get(key);
      if (entry === undefined) pending.set(key, { labels, value });
      else entry.value += value;
    },
  };
}

/** A prom-client `Histogram` (registered as `configuration` says) fed through `Samples`. */
export function sampledHistogram(configuration: HistogramConfiguration<string>): Samples {
  const pending = new Map<string, { labels: LabelValues<string>; values: number[] }>();
  const histogram = new Histogram({
    ...configuration,
    collect() {
      for (const entry of pending.values()) handOver(entry);
    },
  });
  const handOver = (entry: { labels: LabelValues<string>; values: number[] }) => {
    for (const value of entry.values) histogram.observe(entry.labels, value);
    entry.values.length = 0;
  };
  return {
    observe(key, labels, value) {
      if (!Number.isFinite(value)) return;
      let entry = pending.get(key);
      if (entry === undefined) {
        entry = { labels, values: [] };
        pending.set(key, entry);
      }
      entry.values.push(value);
      if (entry.values.length >= maxPendingSamples) handOver(entry);
    },
  };
}
