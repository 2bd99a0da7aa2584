import { expect, it } from 'vitest';
import * as analytics from '../../src/analytics/index.js';

// Pins the public surface: an added or removed export shows in the diff of this test.
it('exports exactly the documented names', () => {
  expect(Object.keys(analytics).sort()).toEqual([
    'DEFAULT_EXCLUDED_ENVS',
    'GROUP_BY_VALUES',
    'GeoMean',
    'MAX_SKIPPED_SAMPLES',
    'NO_GROUP_KEY',
    'QuantileSketch',
    'ReportBuilder',
    'SKETCH_MAX_BUCKETS',
    'SKETCH_MIN_INDEXABLE',
    'SKETCH_RELATIVE_ACCURACY',
    'Summary',
    'buildReport',
    'groupAttribute',
    'rate',
    'wilsonInterval',
  ]);
});
