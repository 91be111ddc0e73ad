import { AppException } from '@app/common';

/** The rules of a tenant's user administration a request can break. */
export type UsersErrorCode = 'last-company-admin' | 'user-exists';

export class UsersException extends AppException<UsersErrorCode> {}

export const UsersErrors = {
  lastCompanyAdmin: () =>
    new UsersException({
      status: 409,
      code: 'last-company-admin',
      detail: 'This is the last active company admin of the tenant.',
    }),
  emailTaken: () =>
    new UsersException({
      status: 409,
      code: 'user-exists',
      detail: 'A user with this email already exists in this tenant.',
    }),
};
