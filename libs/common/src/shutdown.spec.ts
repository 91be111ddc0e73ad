import { Logger } from '@nestjs/common';
import { boundedShutdownStep, pendingShutdownSteps, shutdownStepsGivenUp } from './shutdown';

describe('boundedShutdownStep', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  it('gives up on a step that never ends after its bound, with one line naming it', async () => {
    const before = shutdownStepsGivenUp();
    const started = Date.now();
    await boundedShutdownStep('a pool drain', () => new Promise(() => undefined), 200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(warnings).toEqual(['shutdown: gave up on a pool drain after 200 ms']);
    expect(shutdownStepsGivenUp()).toBe(before + 1);
    expect(pendingShutdownSteps()).toEqual([]);
  });

  it('waits for a step that ends in time and logs nothing', async () => {
    let ended = false;
    await boundedShutdownStep(
      'a queue close',
      () => new Promise<void>((resolve) => setTimeout(() => resolve(void (ended = true)), 50)),
      5000,
    );
    expect(ended).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('logs a failing step in one line and does not throw', async () => {
    await expect(
      boundedShutdownStep('a Redis disconnect', () => Promise.reject(new Error('connection lost\nstack…')), 1000),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual(['shutdown: a Redis disconnect failed: connection lost']);
  });
});
