/**
 * The driver's own assertions: INV-18 (docs/kernel.md §8). A driver file states them in its
 * programs (`warn_on`, `bug_on`: model/program.ts) and as declared ranges of its counters
 * (`"counters": {"c": {"balanced": false, "min": 0, "max": 1}}`, judged after every step that
 * changes the counter). One invariant judges them all; its witness names the assertion that
 * fired: `WARN_ON(finish_inuse > 1) at A.invalidate_range_start[2] ("message"): finish_inuse = 2`,
 * or `A.c = 2, outside its declared range [0, 1] (invalidate_range_start[1])`.
 */
import { judgedOn, type Invariant } from './types.ts';

export const DriverAssertions: Invariant = {
  name: 'DriverAssertions',
  about: ['driver_assertion_checked'],
  kind: 'safety',
  id: 'INV-18',
  domainRef: "docs/kernel.md §8 INV-18; the driver file's own WARN_ON / BUG_ON and declared counter ranges (docs/design.md §3.4)",
  summary: "no WARN_ON or BUG_ON of a driver's own program fires, and no counter leaves the range its driver declares",
  ...judgedOn('driver_assert', (f) => (f.fired ? `${f.thread}: ${f.what}` : null)),
};
