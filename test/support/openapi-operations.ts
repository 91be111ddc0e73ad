/** `<method> <path template>` of every operation of an OpenAPI document (as openapi-fetch names them). */
export function documentedOperations(document: unknown): string[] {
  const paths = (document as { paths: Record<string, Record<string, unknown>> }).paths;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
      .map((method) => `${method} ${path}`),
  );
}
