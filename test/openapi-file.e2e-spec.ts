import { loadAppConfig } from '@app/config';
import { previewOpenApiDocument } from '../apps/api/src/openapi-document';
import { TestApp } from './support/test-app';

describe('the OpenAPI document without a server (npm run openapi)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t?.stop());

  it('is the document /docs-json serves, built with no database and no listening server', async () => {
    const served = (await t.http().get('/docs-json').expect(200)).body as unknown;
    const preview = await previewOpenApiDocument(loadAppConfig({}));
    expect(JSON.parse(JSON.stringify(preview))).toEqual(served);
  });
});
