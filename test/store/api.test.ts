import { describe, expect, it } from 'vitest';
import * as store from '../../src/store/index.js';

describe('store public API', () => {
  it('exports exactly these runtime names (a change here is an API change)', () => {
    expect(Object.keys(store).sort()).toEqual([
      'CACHE_DIR',
      'MAX_LINE_BYTES',
      'SegmentWriter',
      'collectStore',
      'createLocalSink',
      'derivedUuid',
      'listPartitions',
      'listSegments',
      'pruneBefore',
      'resolveStoreDir',
      'scanEvents',
      'scanSegmentFile',
      'scanSpans',
      'scanSummaries',
      'spanSelected',
      'storeExists',
      'storeWriteProblem',
      'writeFileAtomic',
    ]);
  });
});
