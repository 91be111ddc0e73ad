import { Injectable } from '@nestjs/common';

/**
 * The time support sessions are stamped with: approvals, starts and expiries. One provider, so a
 * test can move it (an approval 16 minutes old, a token that lives two seconds).
 */
@Injectable()
export class SupportClock {
  now(): Date {
    return new Date();
  }
}
