import { InProcessJobQueue } from './in-process-job-queue';

const envelope = { tenant: 'acme', tenantId: '00000000-0000-4000-8000-000000000001', correlationId: 'c', data: {} };

describe('InProcessJobQueue.close', () => {
  it('ends a job waiting to retry as failed, so whoever waits for it is not kept waiting for ever', async () => {
    const queue = new InProcessJobQueue();
    let runs = 0;
    queue.handle('provisioning', 1, () => {
      runs += 1;
      return Promise.reject(new Error('the database is gone'));
    });
    const id = await queue.enqueue('provisioning', envelope, { attempts: 5, backoffMs: 600_000 });
    const waiting = queue.wait('provisioning', id);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first attempt failed; the retry is ten minutes away
    expect(runs).toBe(1);
    await queue.close();
    await expect(waiting).rejects.toThrow(/queue closed before provisioning job .* ran again/);
    expect((await queue.counts()).provisioning).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 1 });
  });

  it('ends a job still waiting for its first run as failed and never runs it', async () => {
    const queue = new InProcessJobQueue();
    const id = await queue.enqueue('migrations', envelope); // no handler yet: it waits
    const waiting = queue.wait('migrations', id);
    await queue.close();
    await expect(waiting).rejects.toThrow(/queue closed before migrations job .* ran$/);
    let ran = false;
    queue.handle('migrations', 1, () => {
      ran = true;
      return Promise.resolve();
    });
    expect(ran).toBe(false);
  });

  it('lets a running job finish', async () => {
    const queue = new InProcessJobQueue();
    let finish!: () => void;
    queue.handle('offboarding', 1, () => new Promise<void>((resolve) => (finish = resolve)).then(() => 'done'));
    const id = await queue.enqueue('offboarding', envelope);
    const waiting = queue.wait('offboarding', id);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = queue.close();
    finish();
    await closing;
    await expect(waiting).resolves.toBe('done');
  });
});

describe('InProcessJobQueue delayed jobs', () => {
  it('runs a job queued with delayMs only once the delay has passed', async () => {
    const queue = new InProcessJobQueue();
    const ran: number[] = [];
    queue.handle('spares', 1, () => Promise.resolve(ran.push(Date.now())));
    const queued = Date.now();
    const id = await queue.enqueue('spares', envelope, { delayMs: 200 });
    expect((await queue.counts()).spares).toMatchObject({ delayed: 1, waiting: 0, active: 0 });
    await queue.wait('spares', id);
    expect(ran).toHaveLength(1);
    expect(ran[0] - queued).toBeGreaterThanOrEqual(199); // a timer never fires early
    await queue.close();
  });
});
