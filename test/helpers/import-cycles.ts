// Import cycles among the modules of one folder, for the tests that keep a folder free of them.

/** Each module's name and the modules of the same folder it imports. */
export type ImportGraph = Map<string, string[]>;

/** A cycle as its modules in import order, the first again at the end; undefined when there is none. */
export function findCycle(graph: ImportGraph): string[] | undefined {
  const done = new Set<string>();
  const visit = (module: string, trail: string[]): string[] | undefined => {
    const open = trail.indexOf(module);
    if (open >= 0) return [...trail.slice(open), module];
    if (done.has(module)) return undefined;
    for (const imported of graph.get(module) ?? []) {
      const cycle = visit(imported, [...trail, module]);
      if (cycle) return cycle;
    }
    done.add(module);
    return undefined;
  };
  for (const module of graph.keys()) {
    const cycle = visit(module, []);
    if (cycle) return cycle;
  }
  return undefined;
}
