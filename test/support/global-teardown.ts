export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__TESSERA_E2E__ as { stop(): Promise<void> } | undefined;
  await state?.stop();
}
