import { describe, expect, it } from 'vitest';
import * as server from '../../src/server/index.js';

describe('server public API', () => {
  it('exports exactly these runtime names (a change here is an API change)', () => {
    expect(Object.keys(server).sort()).toEqual(['DEFAULT_MAX_BODY_BYTES', 'DEFAULT_PORT', 'LOOPBACK_HOSTS', 'createApp', 'isLoopbackHost', 'listen', 'mapOtlpTraces']);
  });
});
