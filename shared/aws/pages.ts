// Every page of a Marker-paginated AWS list (RDS: DescribeDBSnapshots, DescribeDBInstances, …): asks
// again with the returned Marker until there is none.

export async function allPages<T>(fetchPage: (marker: string | undefined) => Promise<{ readonly items: readonly T[] | undefined; readonly marker: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...(page.items ?? []));
    marker = page.marker;
  } while (marker !== undefined && marker !== '');
  return items;
}

/** `{ Marker }` when there is one: the SDK's inputs take no `Marker: undefined` in tests' exact matches. */
export const markerOf = (marker: string | undefined): { Marker?: string } => (marker === undefined ? {} : { Marker: marker });
