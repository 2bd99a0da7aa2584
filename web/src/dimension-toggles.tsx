import { navigate } from './route.js';
import type { Route } from './route.js';

/** A row of toggle buttons, one per dimension, that sets the page's `by` parameter. */
export function DimensionToggles(props: { route: Route; by: string; label: string; dimensions: readonly { by: string; label: string }[] }) {
  return (
    <div role="group" aria-label={props.label}>
      {props.dimensions.map((d) => (
        <button key={d.by} type="button" class="toggle" aria-pressed={d.by === props.by} onClick={() => navigate(props.route, { by: d.by })}>{d.label}</button>
      ))}
    </div>
  );
}
