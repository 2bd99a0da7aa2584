/**
 * Which environments a read includes: one rule for every reader (`--env`, docs/cli.md).
 * Test and demo data are left out unless asked for: one of the systems agentmeter serves
 * chased false alarms from test data for weeks.
 */

/** Envs left out unless asked for. */
export const DEFAULT_EXCLUDED_ENVS: readonly string[] = ['test', 'demo'];

/** A list of envs, `'all'`, or undefined for every env except the default exclusions. */
export type EnvSelection = readonly string[] | 'all' | undefined;

/**
 * A predicate for an env selection (build it once, call it per span).
 *
 * @example
 * envPredicate(undefined)('demo') // false
 */
export function envPredicate(envs: EnvSelection): (env: string) => boolean {
  if (envs === 'all') return () => true;
  if (envs) {
    const set = new Set(envs);
    return (e) => set.has(e);
  }
  return (e) => !DEFAULT_EXCLUDED_ENVS.includes(e);
}

/**
 * Whether `env` is selected.
 *
 * @example
 * envSelected('prod', ['prod', 'staging']) // true
 */
export function envSelected(env: string, envs: EnvSelection): boolean {
  if (envs === 'all') return true;
  if (envs) return envs.includes(env);
  return !DEFAULT_EXCLUDED_ENVS.includes(env);
}
