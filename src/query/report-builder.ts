import { ReportBuilder } from '../analytics/report.js';
import type { ReportQuery } from './source.js';

/** The report's accumulator for a query, the same for every source. */
export function reportBuilderFor(q: ReportQuery): ReportBuilder {
  return new ReportBuilder({ sinceMs: q.sinceMs, untilMs: q.untilMs, nowMs: q.nowMs, ...(q.by ? { by: q.by } : {}), ...(q.envs ? { envs: q.envs } : {}) });
}
