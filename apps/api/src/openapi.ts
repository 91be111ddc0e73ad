import 'reflect-metadata';
import { runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { previewOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi [-- <file>]`: writes the API's OpenAPI document (default `openapi.json`)
 * without a database or a running server, so clients can be generated in a build step.
 */
runMain('openapi', async () => {
  const file = resolve(process.argv[2] ?? 'openapi.json');
  const document = await previewOpenApiDocument(loadAppConfig());
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`${file}: ${Object.keys(document.paths).length} paths\n`);
});
