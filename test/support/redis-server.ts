import { ChildProcess, spawn } from 'node:child_process';
import { listening, until } from './wait';

/**
 * A throw-away `redis-server` on 127.0.0.1:port (no persistence), resolved once it accepts
 * connections: for suites that stop and start Redis under a running application.
 */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  try {
    await until('redis', () => listening(port));
  } catch (error) {
    redis.kill('SIGKILL');
    throw error;
  }
  return redis;
}
