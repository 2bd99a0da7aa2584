import { describe, expect, it } from 'vitest';
import * as server from '../../src/server/index.js';

// Pins the server layer's runtime exports: a change here is an API change.
describe('server public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(server).sort()).toEqual([
      'BREAKDOWN_DIMENSIONS',
      'DEFAULT_HOST',
      'DEFAULT_MAX_BODY_BYTES',
      'DEFAULT_PORT',
      'LOOPBACK_HOSTS',
      'acceptedHosts',
      'createApp',
      'dashboardRoutes',
      'defaultAssetsDir',
      'isLoopbackHost',
      'listen',
      'mapOtlpLogs',
      'mapOtlpTraces',
      'tokenProblem',
    ]);
  });

  it('listen binds loopback by default and serves the handler until closed', async () => {
    const { url, close } = await server.listen({ fetch: () => new Response('hello') }, { port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(url)).text()).toBe('hello');
    await close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
