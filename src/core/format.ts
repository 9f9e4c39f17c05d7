// Formatting shared by the layers: shapes as the pickers and refusals show them.

/** A shape as the pickers and refusals show it: [8,8,32]. */
export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
