// A Route in CHP's JSON shape: the stored data, `target`, and `last_activity` as an ISO date.

import type { Route, RouteData } from './types.ts';

export type ChpRouteData = RouteData & { last_activity?: string };

export function toChpRouteData(route: Route): ChpRouteData {
  return { ...route.data, target: route.target, last_activity: route.lastActivity.toISOString() };
}

export function toChpRouteTable(routes: Route[]): Record<string, ChpRouteData> {
  const table: Record<string, ChpRouteData> = {};
  for (const route of routes) table[route.path] = toChpRouteData(route);
  return table;
}
